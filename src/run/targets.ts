/**
 * What an injected target looks like to a command. Commands accept these and never start them:
 * the CLI chooses a launcher (e.g. a sandbox, src/cli/sandbox-targets.ts) and the skeleton starts
 * and stops it around the run.
 */

/** One revision on its own URL (a sandbox revision, or later an Azure revision FQDN). */
export interface RevisionTarget {
  url: string;
  revision: string;
  /** Bearer token the revision accepts (a secret). */
  token?: string;
  /** PEM of a CA to trust for it (the sandbox's throw-away CA when it serves https). */
  caPem?: string;
}

/** A canary and the revision in service, for the gate. */
export interface RevisionPair {
  canary: RevisionTarget;
  baseline: RevisionTarget;
}

/** A tenant estate behind a gateway, described by a tenant catalog document (schemas/tenants.schema.json). */
export interface GatewayEstate {
  catalog: Record<string, unknown>;
  /** Folder the catalog's relative paths (keys file) resolve against. */
  dir: string;
}

/**
 * A container app behind an ARM endpoint the CLI injected: the sandbox's emulated control plane
 * (discover, rollout). The credential finds the emulated managed identity endpoint through
 * IDENTITY_ENDPOINT/IDENTITY_HEADER, which the launcher sets for the run, as Container Apps sets them
 * for an app.
 */
export interface ContainerAppTarget {
  subscription: string;
  resourceGroup: string;
  app: string;
  armEndpoint: string;
  /** PEM of the CA of the ARM endpoint and of every revision FQDN. */
  caPem: string;
  /** The same CA in a file (what the gate's --ca-file takes); removed when the target stops. */
  caFile: string;
  /** Bearer token the revisions accept (a secret). */
  token: string;
  /** The managed identity endpoint's header (a secret). */
  identityHeader: string;
  /** The emulator's long-running operations finish in milliseconds: poll that often. */
  pollIntervalMs: number;
  /** First retry back-off for lock conflicts and 5xx (ARM's Retry-After still rules 429s). */
  retryBaseMs: number;
  /** Where a rollout keeps its journal: the sandbox is gone after the run, and so is this folder. */
  stateDir: string;
  /** The ingestion delay of the sandbox's metrics endpoint (served on the ARM endpoint, 1-second buckets). */
  metricsDelayMs: number;
}
