/**
 * What revgate asks of Azure Resource Manager for a container app, as an interface the commands use
 * (src/azure/arm-client.ts implements it with @azure/arm-appcontainers), and ARM's failures as data
 * with one clear message per kind. Pure.
 */
import type { AppSnapshot, AppState, TrafficEntry } from './types.js';

export interface ArmConnection {
  subscription: string;
  /** https://management.azure.com unless another cloud or an emulator. */
  endpoint: string;
  /** An extra CA (PEM) to trust next to the system's, for an emulator or a TLS-inspecting proxy. TLS is never turned off. */
  caPem?: string;
  /** Polling interval for long-running operations when ARM sends no Retry-After; default 2 s. */
  pollIntervalMs?: number;
  retry?: RetryPolicy;
}

/** Bounded retries for lock conflicts (409), throttling (429), ARM's 5xx and network errors. */
export interface RetryPolicy {
  /** Tries in all, first one included; default 5. */
  maxAttempts?: number;
  /** First back-off (doubling each time) when ARM gives no Retry-After; default 1,000 ms. */
  baseDelayMs?: number;
  /** Longest single wait, Retry-After included; default 60,000 ms. */
  maxDelayMs?: number;
}

export interface RetryEvent {
  operation: string;
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  error: ArmError;
}

/** A PATCH as it would be sent (for --dry-run). */
export interface ArmCall {
  method: 'GET' | 'PATCH' | 'POST';
  url: string;
  body?: unknown;
}

export interface ContainerAppsArm {
  readonly endpoint: string;
  readonly subscription: string;
  /** The app and its revisions. */
  snapshot(resourceGroup: string, app: string, signal?: AbortSignal): Promise<AppSnapshot>;
  getApp(resourceGroup: string, app: string, signal?: AbortSignal): Promise<AppState>;
  /** Replaces the whole traffic table (the update `az containerapp ingress traffic set` makes) and waits for the long-running operation. */
  setTraffic(resourceGroup: string, app: string, location: string, traffic: readonly TrafficEntry[]): Promise<AppState>;
  deactivateRevision(resourceGroup: string, app: string, revision: string): Promise<void>;
  /** The calls setTraffic would make, without making them. */
  describeSetTraffic(resourceGroup: string, app: string, location: string, traffic: readonly TrafficEntry[]): ArmCall;
}

export type ArmErrorKind =
  | 'credential'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'throttled'
  | 'server'
  | 'bad-request'
  | 'operation-failed'
  | 'network'
  | 'aborted'
  | 'other';

export const RETRYABLE: ReadonlySet<ArmErrorKind> = new Set(['conflict', 'throttled', 'server', 'network']);

export class ArmError extends Error {
  constructor(
    readonly kind: ArmErrorKind,
    message: string,
    readonly details: {
      status?: number;
      /** ARM's error code (ContainerAppLockConflict, AuthorizationFailed, ResourceGroupNotFound...). */
      armCode?: string;
      retryAfterMs?: number;
      /** Tries made before giving up. */
      attempts?: number;
      /** What each credential of DefaultAzureCredential said, when no token could be had. */
      credentialAttempts?: string[];
    } = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  withAttempts(attempts: number, waitedMs: number): ArmError {
    if (attempts <= 1) return this;
    const waited = waitedMs >= 1000 ? `${(waitedMs / 1000).toFixed(1)} s` : `${Math.round(waitedMs)} ms`;
    return new ArmError(this.kind, `${this.message} (gave up after ${attempts} tries over ${waited})`, { ...this.details, attempts });
  }
}

export interface ArmErrorContext {
  /** "read container app apex in resource group rg", "update traffic of apex". */
  operation: string;
  /** Subscription / resource group / app, for not-found messages. */
  subscription: string;
  resourceGroup: string;
  app: string;
  endpoint: string;
}

/** One clear message per kind: what happened, what it means for this run and what to do, then what ARM said. */
export function armErrorMessage(kind: ArmErrorKind, said: string, c: ArmErrorContext, status?: number, armCode?: string): string {
  const answer = [status, armCode].filter((x) => x !== undefined && x !== '').join(' ');
  const quote = said ? ` ARM said: "${said}"` : '';
  switch (kind) {
    case 'credential':
      return `could not get an Azure token for ${c.endpoint} to ${c.operation}: ${said}. Sign in (az login), or run where azure/login (OIDC), a managed identity or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET provide one`;
    case 'unauthorized':
      return `ARM refused the token (${answer}) to ${c.operation}: it is expired, for another tenant, or not for ${c.endpoint}. Sign in again, or check AZURE_TENANT_ID.${quote}`;
    case 'forbidden':
      return `ARM denied this identity (${answer}) to ${c.operation}: reading needs Reader on the app; changing traffic needs Microsoft.App/containerApps/write (Contributor, or a custom role).${quote}`;
    case 'not-found':
      if (armCode === 'SubscriptionNotFound')
        return `subscription ${c.subscription} was not found (${answer}): check --subscription (or AZURE_SUBSCRIPTION_ID) and that this identity can see it`;
      if (armCode === 'ResourceGroupNotFound') return `resource group ${c.resourceGroup} was not found in subscription ${c.subscription} (${answer}): check -g`;
      return `could not ${c.operation}: not found in resource group ${c.resourceGroup} of subscription ${c.subscription} (${answer}); check --app and the revision names (revgate discover lists them).${quote}`;
    case 'conflict':
      return `ARM refused to ${c.operation} (${answer}): another operation is changing ${c.app} right now.${quote}`;
    case 'throttled':
      return `ARM throttled the request to ${c.operation} (${answer}).${quote}`;
    case 'server':
      return `ARM failed to ${c.operation} (${answer}, an error on Azure's side).${quote}`;
    case 'bad-request':
      return `ARM rejected the request to ${c.operation} (${answer}).${quote}`;
    case 'operation-failed':
      return `the long-running operation to ${c.operation} ended Failed${armCode ? ` (${armCode})` : ''}.${quote}`;
    case 'network':
      return `could not reach ARM at ${c.endpoint} to ${c.operation}: ${said}`;
    case 'aborted':
      return `${c.operation} was stopped before ARM answered`;
    case 'other':
      return `could not ${c.operation}${answer ? ` (${answer})` : ''}: ${said}`;
  }
}

/** The kind of an HTTP status from ARM. */
export function kindOfStatus(status: number, armCode?: string): ArmErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status === 400 || status === 422 || armCode === 'InvalidRequestContent') return 'bad-request';
  return 'other';
}

/** How long to wait before try `attempt + 1`: ARM's Retry-After when it gave one, else doubling from the base; never above the cap. */
export function retryDelayMs(error: ArmError, attempt: number, policy: Required<RetryPolicy>): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, error.details.retryAfterMs ?? backoff);
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
