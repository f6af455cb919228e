/**
 * Applies the active faults to one request, before routing. Order: slow-start, then every matching
 * latency (delays add up), then the first terminal fault that matches and wins its rate roll, in this
 * kind order: down, errors, redirect-loop, login-page, ready-fail, huge-body, wrong-body.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_HUGE_BODY_MB, pathMatches, rollRate, tenantMatches, type FaultKind, type FaultSpec } from './faults.js';
import type { BodyKind } from './router.js';
import { sendJson, sendText } from './http-util.js';
import { loginPage, wrongPage } from './pages.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';

export interface FaultRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** What the matched route would answer with (json for unknown routes). */
  body: BodyKind;
}

export interface FaultEnv {
  random: () => number;
  /** Aborted when the app closes, so pending delays do not hold the process open. */
  signal: AbortSignal;
  /** ms timestamps: when the fault set was installed, and now. */
  installedAt: number;
  now: () => number;
}

export interface FaultOutcome {
  /** The response has been sent (or the socket destroyed); the route must not run. */
  handled: boolean;
  applied: FaultKind[];
}

/** Matching requests seen per `errors,first=N` fault; a fault replaced at run time starts over. */
const seen = new WeakMap<FaultSpec, number>();
function withinFirst(f: FaultSpec, first: number): boolean {
  const n = (seen.get(f) ?? 0) + 1;
  seen.set(f, n);
  return n <= first;
}

const TERMINAL_ORDER: readonly FaultKind[] = ['down', 'errors', 'redirect-loop', 'login-page', 'ready-fail', 'huge-body', 'wrong-body'];

export async function applyFaults(faults: readonly FaultSpec[], r: FaultRequest, env: FaultEnv): Promise<FaultOutcome> {
  const applied: FaultKind[] = [];
  const pathname = r.url.pathname;
  if (faults.length === 0) return { handled: false, applied };
  const header = r.req.headers['x-tenant-id'];
  const tenant = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;

  const slow = faults.find((f) => f.kind === 'slow-start');
  if (slow && pathname !== '/health/live') {
    const remaining = env.installedAt + slow.ms - env.now();
    if (remaining > 0) {
      sendJson(r.res, 503, { status: 'starting' }, { 'retry-after': String(Math.ceil(remaining / 1000)) });
      return { handled: true, applied: ['slow-start'] };
    }
  }

  let wait = 0;
  for (const f of faults) {
    if (f.kind !== 'latency' || !pathMatches(f, pathname) || !tenantMatches(f, tenant) || !rollRate(f, env.random)) continue;
    wait += f.maxMs === undefined ? f.ms : f.ms + env.random() * (f.maxMs - f.ms);
    applied.push('latency');
  }
  if (wait > 0) {
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    r.res.once('close', onClose);
    try {
      await delay(wait, undefined, { signal: AbortSignal.any([env.signal, gone.signal]) });
    } catch {
      // The client went away or the sandbox is stopping: nothing left to answer.
      if (!r.res.writableEnded) r.res.destroy();
      return { handled: true, applied };
    } finally {
      r.res.off('close', onClose);
    }
  }

  for (const kind of TERMINAL_ORDER) {
    for (const f of faults) {
      if (f.kind !== kind || !applies(f, pathname) || !tenantMatches(f, tenant) || !rollRate(f, env.random)) continue;
      if (f.kind === 'errors' && f.first !== undefined && !withinFirst(f, f.first)) continue;
      applied.push(kind);
      await respond(f, r, env);
      return { handled: true, applied };
    }
  }
  return { handled: false, applied };
}

function applies(f: FaultSpec, pathname: string): boolean {
  if (f.kind === 'ready-fail') return pathname === '/health/ready';
  return pathMatches(f, pathname);
}

async function respond(f: FaultSpec, r: FaultRequest, env: FaultEnv): Promise<void> {
  const { res } = r;
  switch (f.kind) {
    case 'down':
      if (f.mode === 'reset') resetConnection(r.req);
      else sendJson(res, 503, { detail: 'Service Unavailable' }, { 'retry-after': '5' });
      return;
    case 'errors':
      sendJson(res, f.status ?? 500, { detail: 'injected error' });
      return;
    case 'redirect-loop':
      res.writeHead(302, { location: `${r.url.pathname}${r.url.search}`, 'content-length': 0 });
      res.end();
      return;
    case 'login-page':
      sendText(res, 200, 'text/html; charset=utf-8', loginPage());
      return;
    case 'ready-fail':
      sendJson(res, 503, {
        status: 'not_ready',
        ready: false,
        checks: { database: 'unhealthy', blob_storage: 'healthy', redis: 'healthy' },
        timestamp: new Date(env.now()).toISOString(),
      });
      return;
    case 'huge-body':
      await streamHugeBody(res, f.mb ?? DEFAULT_HUGE_BODY_MB);
      return;
    case 'wrong-body':
      if (r.body === 'metrics') sendText(res, 200, PROMETHEUS_CONTENT_TYPE, 'this is not prometheus { exposition format\n');
      else if (r.body === 'html') sendText(res, 200, 'text/html; charset=utf-8', wrongPage());
      else sendJson(res, 200, { unexpected: true });
      return;
    default:
      // latency, slow-start and tls-expiry are handled elsewhere and never reach here.
      return;
  }
}

/** An RST where the platform allows it (plain TCP); TLS sockets can only be destroyed. */
function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Valid JSON of exactly `mb` MiB, sent chunked with backpressure. */
async function streamHugeBody(res: ServerResponse, mb: number): Promise<void> {
  const total = Math.max(16, Math.round(mb * 1024 * 1024));
  const head = '{"padding":"';
  const tail = '"}';
  const chunk = Buffer.alloc(64 * 1024, 'a');
  function* parts(): Generator<Buffer | string> {
    yield head;
    let remaining = total - head.length - tail.length;
    while (remaining > 0) {
      const n = Math.min(remaining, chunk.length);
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
      remaining -= n;
    }
    yield tail;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  try {
    await pipeline(Readable.from(parts(), { objectMode: false }), res);
  } catch {
    // The client stopped reading (as a size-capped client should): nothing to report.
  }
}
