/**
 * Azure Resource Manager for container apps through @azure/arm-appcontainers 3.0.0 (api-version
 * 2025-07-01) and a TokenCredential (DefaultAzureCredential unless one is injected): the app and its
 * revisions read, the traffic table replaced with a PATCH whose long-running operation is polled through
 * Azure-AsyncOperation (its status carries the error message; the Location result does not).
 *
 * The SDK's own retries are off so there is one bounded retry loop here that can say what it is doing:
 * 409 (ContainerAppLockConflict: another change is in flight; there is no ETag/If-Match on container
 * apps), 429 (after Retry-After), 5xx and network errors are retried up to `maxAttempts`; 401, 403, 404
 * and 400 are not. Every failure becomes an ArmError with one clear message (src/aca/arm.ts).
 */
import { rootCertificates } from 'node:tls';
import { ContainerAppsAPIClient, type ContainerApp, type Revision, type TrafficWeight } from '@azure/arm-appcontainers';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  ArmError,
  armErrorMessage,
  DEFAULT_RETRY,
  kindOfStatus,
  RETRYABLE,
  retryDelayMs,
  type ArmCall,
  type ArmConnection,
  type ArmErrorContext,
  type ContainerAppsArm,
  type RetryEvent,
} from '../aca/arm.js';
import type { AppSnapshot, AppState, RevisionInfo, TrafficEntry } from '../aca/types.js';
import { labelsOf } from '../aca/types.js';
import { trafficProblems } from '../aca/traffic.js';
import { credentialAttempts } from './token.js';

export const ARM_API_VERSION = '2025-07-01';
export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

export interface ArmClientOptions extends ArmConnection {
  credential?: TokenCredential;
  /** Told before each retry (for progress lines). */
  onRetry?: (e: RetryEvent) => void;
  /** Per request (and per long-running operation) time limit; default 120 s. */
  timeoutMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The SDK client as revgate configures it: the endpoint (also the token audience), an extra CA through
 * the pipeline's tlsOptions (next to the system's roots, never instead of verification), no SDK retries.
 */
export function containerAppsClient(o: Pick<ArmClientOptions, 'subscription' | 'endpoint' | 'caPem' | 'credential'>): ContainerAppsAPIClient {
  const endpoint = o.endpoint.replace(/\/+$/, '');
  return new ContainerAppsAPIClient(o.credential ?? new DefaultAzureCredential(), o.subscription, {
    endpoint,
    $host: endpoint,
    retryOptions: { maxRetries: 0 },
    ...(o.caPem ? { tlsOptions: { ca: [...rootCertificates, o.caPem] } } : {}),
    userAgentOptions: { userAgentPrefix: 'revgate' },
  });
}

export function createContainerAppsArm(o: ArmClientOptions): ContainerAppsArm {
  const endpoint = o.endpoint.replace(/\/+$/, '');
  const client = containerAppsClient(o);
  const policy = { ...DEFAULT_RETRY, ...(o.retry ?? {}) };
  const timeoutMs = o.timeoutMs ?? 120_000;

  const context = (operation: string, resourceGroup: string, app: string): ArmErrorContext => ({
    operation,
    subscription: o.subscription,
    resourceGroup,
    app,
    endpoint,
  });

  async function withRetry<T>(ctx: ArmErrorContext, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const limit = AbortSignal.timeout(timeoutMs);
      try {
        return await fn(signal ? AbortSignal.any([signal, limit]) : limit);
      } catch (err) {
        const e = classify(err, ctx, limit.aborted && !signal?.aborted ? timeoutMs : undefined);
        if (!RETRYABLE.has(e.kind) || attempt >= policy.maxAttempts || signal?.aborted) throw e.withAttempts(attempt, Date.now() - started);
        const delayMs = retryDelayMs(e, attempt, policy);
        o.onRetry?.({ operation: ctx.operation, attempt, maxAttempts: policy.maxAttempts, delayMs, error: e });
        await sleep(delayMs, signal);
      }
    }
  }

  const getApp = (resourceGroup: string, app: string, signal?: AbortSignal): Promise<AppState> =>
    withRetry(
      context(`read container app ${app}`, resourceGroup, app),
      async (s) => toAppState(await client.containerApps.get(resourceGroup, app, { abortSignal: s }), { subscription: o.subscription, resourceGroup, app }),
      signal,
    );

  const listRevisions = (resourceGroup: string, app: string, signal?: AbortSignal): Promise<Revision[]> =>
    withRetry(
      context(`list the revisions of ${app}`, resourceGroup, app),
      async (s) => {
        const out: Revision[] = [];
        for await (const r of client.containerAppsRevisions.listRevisions(resourceGroup, app, { abortSignal: s })) out.push(r);
        return out;
      },
      signal,
    );

  const patchBody = (location: string, traffic: readonly TrafficEntry[]): ContainerApp => ({
    location,
    configuration: { ingress: { traffic: traffic.map(toTrafficWeight) } },
  });

  return {
    endpoint,
    subscription: o.subscription,
    getApp,
    async snapshot(resourceGroup, app, signal) {
      const state = await getApp(resourceGroup, app, signal);
      const revisions = await listRevisions(resourceGroup, app, signal);
      return { app: state, revisions: revisions.map((r) => toRevisionInfo(r, state)) } satisfies AppSnapshot;
    },
    setTraffic: (resourceGroup, app, location, traffic) => {
      // The one write path for traffic: nothing that does not sum to 100 (whole weights, every entry naming a revision) leaves revgate.
      const problems = trafficProblems(traffic);
      if (problems.length) return Promise.reject(new Error(`revgate refused to send a traffic table for ${app}: ${problems.join('; ')}`));
      return withRetry(context(`update the traffic of ${app}`, resourceGroup, app), async (s) =>
        toAppState(
          await client.containerApps.beginUpdateAndWait(resourceGroup, app, patchBody(location, traffic), {
            abortSignal: s,
            ...(o.pollIntervalMs ? { updateIntervalInMs: o.pollIntervalMs } : {}),
          }),
          { subscription: o.subscription, resourceGroup, app },
        ),
      );
    },
    deactivateRevision: (resourceGroup, app, revision) =>
      withRetry(context(`deactivate revision ${revision} of ${app}`, resourceGroup, app), async (s) => {
        await client.containerAppsRevisions.deactivateRevision(resourceGroup, app, revision, { abortSignal: s });
      }),
    describeSetTraffic(resourceGroup, app, location, traffic): ArmCall {
      return {
        method: 'PATCH',
        url: `${endpoint}/subscriptions/${o.subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.App/containerApps/${app}?api-version=${ARM_API_VERSION}`,
        body: { location, properties: { configuration: { ingress: { traffic: traffic.map(toTrafficWeight) } } } },
      };
    },
  };
}

function toTrafficWeight(t: TrafficEntry): TrafficWeight {
  return {
    ...(t.revisionName ? { revisionName: t.revisionName } : {}),
    weight: t.weight,
    ...(t.latestRevision ? { latestRevision: true } : {}),
    ...(t.label ? { label: t.label } : {}),
  };
}

function toAppState(a: ContainerApp, ref: AppState['ref']): AppState {
  const traffic: TrafficEntry[] = (a.configuration?.ingress?.traffic ?? []).map((t) => ({
    ...(t.revisionName ? { revisionName: t.revisionName } : {}),
    ...(t.latestRevision ? { latestRevision: true } : {}),
    weight: t.weight ?? 0,
    ...(t.label ? { label: t.label } : {}),
  }));
  return {
    ref,
    location: a.location,
    ...(a.configuration?.ingress?.fqdn ? { fqdn: a.configuration.ingress.fqdn } : {}),
    ...(a.provisioningState ? { provisioningState: a.provisioningState } : {}),
    ...(a.latestRevisionName ? { latestRevisionName: a.latestRevisionName } : {}),
    ...(a.latestReadyRevisionName ? { latestReadyRevisionName: a.latestReadyRevisionName } : {}),
    ...(a.configuration?.activeRevisionsMode ? { activeRevisionsMode: a.configuration.activeRevisionsMode } : {}),
    traffic,
  };
}

function toRevisionInfo(r: Revision, app: AppState): RevisionInfo {
  const name = r.name ?? '';
  return {
    name,
    active: r.active === true,
    trafficWeight: r.trafficWeight ?? 0,
    labels: labelsOf(app.traffic, name, app.latestRevisionName),
    ...(r.healthState ? { healthState: r.healthState } : {}),
    ...(r.provisioningState ? { provisioningState: r.provisioningState } : {}),
    ...(r.runningState ? { runningState: r.runningState } : {}),
    ...(r.replicas !== undefined ? { replicas: r.replicas } : {}),
    ...(r.createdTime ? { createdTime: r.createdTime.toISOString() } : {}),
    ...(r.fqdn ? { fqdn: r.fqdn } : {}),
    ...(r.provisioningError ? { provisioningError: r.provisioningError } : {}),
  };
}

const CREDENTIAL_ERRORS = new Set(['AggregateAuthenticationError', 'CredentialUnavailableError', 'AuthenticationError']);

/** Any failure of the SDK, the credential or the network, as an ArmError with its message. */
export function classify(err: unknown, ctx: ArmErrorContext, timedOutMs?: number): ArmError {
  if (err instanceof ArmError) return err;
  const e = err as { name?: string; message?: string; statusCode?: number; code?: string; response?: { headers?: { get(n: string): string | undefined } } };
  const first = (s: string | undefined): string => (s ?? '').split('\n')[0]?.slice(0, 600) ?? '';
  if (CREDENTIAL_ERRORS.has(e.name ?? '')) {
    const attempts = credentialAttempts(err);
    return new ArmError(
      'credential',
      armErrorMessage('credential', attempts.length ? 'no credential of DefaultAzureCredential could get one' : first(e.message), ctx),
      {
        credentialAttempts: attempts,
      },
    );
  }
  if (timedOutMs !== undefined) return new ArmError('network', armErrorMessage('network', `no answer within ${Math.round(timedOutMs / 1000)} s`, ctx));
  if (e.name === 'AbortError') return new ArmError('aborted', armErrorMessage('aborted', '', ctx));
  if (typeof e.statusCode === 'number') {
    const kind = kindOfStatus(e.statusCode, e.code);
    const retryAfter = e.response?.headers?.get('retry-after');
    const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
    const retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : retryAfter ? Math.max(0, Date.parse(retryAfter) - Date.now()) || undefined : undefined;
    const said = first(e.message);
    const answer = retryAfter !== undefined ? `${e.code ?? ''}, Retry-After ${retryAfter} s`.replace(/^, /, '') : e.code;
    return new ArmError(kind, armErrorMessage(kind, said, ctx, e.statusCode, answer), {
      status: e.statusCode,
      ...(e.code ? { armCode: e.code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  const lro = /^The long-running operation has failed\.?\s*(?:([A-Za-z]+)\.\s*)?(.*)$/s.exec(e.message ?? '');
  if (lro)
    return new ArmError(
      'operation-failed',
      armErrorMessage('operation-failed', first(lro[2] || e.message), ctx, undefined, lro[1]),
      lro[1] ? { armCode: lro[1] } : {},
    );
  // A certificate ARM's endpoint does not match will not match on the next try either: not retried.
  if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(e.message ?? ''))
    return new ArmError(
      'other',
      armErrorMessage('other', `TLS: ${first(e.message)} (an emulator or a TLS-inspecting proxy needs --ca-file; verification is never turned off)`, ctx),
    );
  if (e.name === 'RestError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|socket hang up/i.test(e.message ?? ''))
    return new ArmError('network', armErrorMessage('network', first(e.message), ctx));
  return new ArmError('other', armErrorMessage('other', first(e.message ?? String(err)), ctx));
}
