/**
 * The sandbox's Azure Monitor: the platform metric `Requests` of Microsoft.App/containerApps, with the
 * dimensions `revisionName`, `statusCodeCategory` and `statusCode`, fed by the revisions' own request
 * counters (every request a revision served, through the ingress or on its own FQDN), served through
 * the metrics batch API the @azure/monitor-query-metrics client calls:
 *
 *   POST /subscriptions/{s}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.App/containerApps
 *        &metricnames=Requests&starttime=...&endtime=...&interval=PT1M&aggregation=total
 *        &filter=revisionName eq '*' and statusCodeCategory eq '*'
 *   {"resourceids": ["/subscriptions/.../containerApps/{app}"]}
 *
 * Like Azure Monitor, a request shows up only after an ingestion delay (`delayMs`), and data comes in
 * buckets of the requested interval (Azure's finest for this metric is PT1M; the sandbox also accepts
 * seconds, so tests do not wait minutes). `ResponseTime` exists on Azure but has no revisionName
 * dimension, so it is not served: per-revision latency comes from synthetic traffic.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseIsoInterval } from '../aca/real-traffic.js';
import type { AcaModel } from './aca-model.js';
import { parseJson, readBody, sendJson } from './http-util.js';
import type { SandboxState } from './revision-app.js';

export const METRICS_API_VERSION = '2024-02-01';

/** Requests per revision per second, by status code, from the revisions' cumulative counters. */
export class RequestLedger {
  readonly #seconds = new Map<string, Map<number, Map<string, number>>>();
  readonly #last = new Map<string, Record<string, number>>();

  /** Adds what each revision served since the previous sample to the second `nowMs` falls in. */
  sample(states: ReadonlyMap<string, SandboxState>, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    for (const [revision, state] of states) {
      const previous = this.#last.get(revision) ?? {};
      const current = state.requests.byStatus;
      for (const [status, count] of Object.entries(current)) {
        const delta = count - (previous[status] ?? 0);
        if (delta <= 0 || !/^\d{3}$/.test(status)) continue;
        let perSecond = this.#seconds.get(revision);
        if (!perSecond) this.#seconds.set(revision, (perSecond = new Map()));
        let codes = perSecond.get(second);
        if (!codes) perSecond.set(second, (codes = new Map()));
        codes.set(status, (codes.get(status) ?? 0) + delta);
      }
      this.#last.set(revision, { ...current });
    }
  }

  /** Counts per (revision, status code) in [fromMs, toMs), one entry per bucket of `bucketMs`. */
  buckets(fromMs: number, toMs: number, bucketMs: number): Array<{ revision: string; status: string; start: number; count: number }> {
    const out = new Map<string, { revision: string; status: string; start: number; count: number }>();
    for (const [revision, perSecond] of this.#seconds) {
      for (const [second, codes] of perSecond) {
        const t = second * 1000;
        if (t < fromMs || t + 1000 > toMs) continue;
        const start = fromMs + Math.floor((t - fromMs) / bucketMs) * bucketMs;
        for (const [status, count] of codes) {
          const key = `${revision}\u0000${status}\u0000${start}`;
          const b = out.get(key);
          if (b) b.count += count;
          else out.set(key, { revision, status, start, count });
        }
      }
    }
    return [...out.values()];
  }
}

type Dimension = 'revisionName' | 'statusCodeCategory' | 'statusCode';
const DIMENSIONS: readonly Dimension[] = ['revisionName', 'statusCodeCategory', 'statusCode'];

/** `revisionName eq '*' and statusCodeCategory eq '5xx'`: which dimensions split the series, which filter them. */
function parseFilter(filter: string | null): { split: Dimension[]; only: Partial<Record<Dimension, string[]>> } | { problem: string } {
  const split: Dimension[] = [];
  const only: Partial<Record<Dimension, string[]>> = {};
  if (!filter) return { split, only };
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    const dim = m && DIMENSIONS.find((d) => d.toLowerCase() === (m[1] as string).toLowerCase());
    if (!m || !dim)
      return { problem: `The sandbox's metrics filter supports "<dimension> eq '<value>'" joined by "and" on ${DIMENSIONS.join(', ')}; got "${clause}".` };
    if (m[2] === '*') split.push(dim);
    else (only[dim] ??= []).push(m[2] as string);
  }
  return { split, only };
}

export interface MetricsContext {
  model: AcaModel;
  ledger: RequestLedger;
  /** Samples the revisions' counters now (so a query sees everything up to the ingestion delay). */
  sampleNow(): void;
  delayMs: number;
  now?: () => number;
}

const METRICS_PATH = /^\/subscriptions\/([^/]+)\/metrics:getBatch\/?$/i;

/** Handles the metrics batch route; false when the request is for something else. */
export function handleMetrics(req: IncomingMessage, res: ServerResponse, url: URL, ctx: MetricsContext): boolean {
  const m = METRICS_PATH.exec(url.pathname);
  if (!m) return false;
  const fail = (status: number, code: string, message: string): void => sendJson(res, status, { error: { code, message } });
  if (req.method !== 'POST') {
    fail(405, 'MethodNotAllowed', 'metrics:getBatch takes POST');
    return true;
  }
  void answer(req, url, ctx, decodeURIComponent(m[1] as string))
    .then((r) => ('error' in r ? fail(r.status, r.code, r.error) : sendJson(res, 200, r.body)))
    .catch((err: unknown) => fail(500, 'InternalServerError', err instanceof Error ? err.message : String(err)));
  return true;
}

async function answer(
  req: IncomingMessage,
  url: URL,
  ctx: MetricsContext,
  subscription: string,
): Promise<{ body: unknown } | { status: number; code: string; error: string }> {
  const bad = (error: string): { status: number; code: string; error: string } => ({ status: 400, code: 'BadRequest', error });
  const q = url.searchParams;
  if (q.get('api-version') !== METRICS_API_VERSION)
    return bad(`api-version must be ${METRICS_API_VERSION} (the metrics batch API), got ${q.get('api-version') ?? 'none'}.`);
  if ((q.get('metricnamespace') ?? '').toLowerCase() !== 'microsoft.app/containerapps')
    return bad(`The sandbox serves the metric namespace Microsoft.App/containerApps, got ${q.get('metricnamespace') ?? 'none'}.`);
  const names = (q.get('metricnames') ?? '').split(',').filter(Boolean);
  if (names.length !== 1 || names[0]?.toLowerCase() !== 'requests')
    return bad(
      `Failed to find metric configuration for ${names.join(',') || '(none)'}: the sandbox serves Requests (ResponseTime has no revisionName dimension).`,
    );
  const aggregation = (q.get('aggregation') ?? 'total').toLowerCase();
  if (aggregation !== 'total' && aggregation !== 'count') return bad(`Requests supports the aggregation Total (and Count), got ${aggregation}.`);
  const intervalMs = parseIsoInterval(q.get('interval') ?? 'PT1M');
  if (intervalMs === undefined || intervalMs < 1000) return bad(`interval must be an ISO 8601 duration of at least PT1S, got ${q.get('interval')}.`);
  const filter = parseFilter(q.get('filter'));
  if ('problem' in filter) return bad(filter.problem);
  const parsed = parseJson(await readBody(req, 64 * 1024));
  const ids = parsed.ok ? (parsed.value as { resourceids?: unknown }).resourceids : undefined;
  if (!Array.isArray(ids) || !ids.length) return bad('The body must be {"resourceids": ["<resource id>", ...]}.');
  const now = (ctx.now ?? Date.now)();
  const end = Math.min(Date.parse(q.get('endtime') ?? new Date(now).toISOString()), now);
  const start = Date.parse(q.get('starttime') ?? new Date(end - 3_600_000).toISOString());
  if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) return bad('starttime must be before endtime (ISO 8601).');
  const { ref } = ctx.model;
  const appId = `/subscriptions/${ref.subscription}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.App/containerApps/${ref.app}`;
  ctx.sampleNow();
  // Ingested data only: what was served within the last delayMs is not visible yet.
  const visibleTo = Math.min(end, now - ctx.delayMs);
  const values = (ids as unknown[]).map((id) => {
    const ours = subscription.toLowerCase() === ref.subscription.toLowerCase() && String(id).toLowerCase() === appId.toLowerCase();
    const series = new Map<string, { dims: Record<Dimension, string>; totals: Map<number, number> }>();
    if (ours) {
      for (const b of ctx.ledger.buckets(start, visibleTo, intervalMs)) {
        const dims: Record<Dimension, string> = { revisionName: b.revision, statusCodeCategory: `${b.status[0]}xx`, statusCode: b.status };
        if (Object.entries(filter.only).some(([d, vs]) => !vs.includes(dims[d as Dimension]))) continue;
        const key = filter.split.map((d) => dims[d]).join('\u0000');
        let s = series.get(key);
        if (!s) series.set(key, (s = { dims, totals: new Map() }));
        s.totals.set(b.start, (s.totals.get(b.start) ?? 0) + b.count);
      }
    }
    const stamps: number[] = [];
    for (let t = start; t < end; t += intervalMs) stamps.push(t);
    return {
      starttime: new Date(start).toISOString(),
      endtime: new Date(end).toISOString(),
      interval: q.get('interval') ?? 'PT1M',
      namespace: 'microsoft.app/containerapps',
      resourceregion: ctx.model.location(),
      resourceid: String(id),
      value: [
        {
          id: `${String(id)}/providers/Microsoft.Insights/metrics/Requests`,
          type: 'Microsoft.Insights/metrics',
          name: { value: 'Requests', localizedValue: 'Requests' },
          displayDescription: 'Requests processed',
          unit: 'Count',
          errorCode: ours ? 'Success' : 'ResourceNotFound',
          timeseries: [...series.values()].map((s) => ({
            metadatavalues: filter.split.map((d) => ({ name: { value: d.toLowerCase(), localizedValue: d }, value: s.dims[d] })),
            // Buckets nothing of which is ingested yet have no total, as Azure Monitor leaves them; the one being
            // filled has what was ingested so far.
            data: stamps.map((t) => ({ timeStamp: new Date(t).toISOString(), ...(t < visibleTo ? { total: s.totals.get(t) ?? 0 } : {}) })),
          })),
        },
      ],
    };
  });
  return { body: { values } };
}
