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
