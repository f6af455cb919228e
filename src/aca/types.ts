/**
 * Azure Container Apps as revgate sees it: plain data read from Azure Resource Manager, independent
 * of the SDK that read it (src/azure/ maps the SDK's models to these). Pure types, no I/O.
 */

/** Which container app: the three names every ARM call needs. */
export interface AppRef {
  subscription: string;
  resourceGroup: string;
  app: string;
}

/**
 * One entry of `properties.configuration.ingress.traffic[]`. An entry names a revision or follows the
 * latest one (`latestRevision: true`, which moves when a new revision appears), and may carry a label
 * (its own FQDN `<app>---<label>.<env domain>`).
 */
export interface TrafficEntry {
  revisionName?: string;
  latestRevision?: boolean;
  weight: number;
  label?: string;
}

/** A revision's properties that matter for testing it and shifting traffic to it. */
export interface RevisionInfo {
  name: string;
  active: boolean;
  /** What ARM reports as the revision's share (`properties.trafficWeight`), 0 when absent. */
  trafficWeight: number;
  /** Labels pointing at it in the app's traffic array (not a revision property in ARM). */
  labels: string[];
  /** Healthy, Unhealthy, None (and whatever ARM adds: treated as open strings). */
  healthState?: string;
  /** Provisioning, Provisioned, Failed, Deprovisioning, Deprovisioned. */
  provisioningState?: string;
  /** Running, Processing, Stopped, Degraded, Failed, Unknown; ActivationFailed is seen in the wild. */
  runningState?: string;
  replicas?: number;
  createdTime?: string;
  fqdn?: string;
  provisioningError?: string;
}

/** The container app: where its ingress is, and who gets the traffic. */
export interface AppState {
  ref: AppRef;
  location: string;
  /** The app's ingress FQDN (`<app>.<env domain>`); absent without ingress. */
  fqdn?: string;
  provisioningState?: string;
  latestRevisionName?: string;
  latestReadyRevisionName?: string;
  /** Single or Multiple (revision mode). */
  activeRevisionsMode?: string;
  traffic: TrafficEntry[];
}

/** The app and its revisions, read together (one GET of the app, one list of revisions). */
export interface AppSnapshot {
  app: AppState;
  revisions: RevisionInfo[];
}

export const labelsOf = (traffic: readonly TrafficEntry[], revision: string, latest?: string): string[] =>
  traffic.filter((t) => t.label && (t.revisionName === revision || (t.latestRevision && latest === revision))).map((t) => t.label as string);
