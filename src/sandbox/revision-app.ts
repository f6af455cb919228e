/**
 * One revision of the seed apps: routes, in-memory data, metrics and faults behind a plain
 * `(req, res)` handler. It knows nothing about sockets or TLS, so an ingress can host several.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FaultKind, FaultSpec } from './faults.js';
import { applyFaults } from './fault-pipeline.js';
import { BodyTooLargeError, redactUrlForLog, sendJson, sendTooLarge } from './http-util.js';
import { RevisionMetrics } from './metrics.js';
import { Router, type RouteMatch } from './router.js';
import { publicRoutes } from './routes-public.js';
import { projectRoutes } from './routes-projects.js';
import { RevisionStore } from './store.js';

export interface SandboxState {
  revision: string;
  version: string;
  startedAt: string;
  /** App requests (the control API is not counted); `faulted` had at least one fault applied. */
  requests: { total: number; faulted: number; byStatus: Record<string, number> };
  projects: { active: number; archived: number };
  documents: number;
}

export interface RevisionAppOptions {
  revision: string;
  version: string;
  token: string;
  faults?: FaultSpec[];
  random: () => number;
  log?: (line: string) => void;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

export interface RevisionApp {
  readonly revision: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Replaces the faults (already validated). A slow-start window restarts unless the same slow-start stays. */
  setFaults(faults: FaultSpec[]): void;
  faults(): FaultSpec[];
  state(): SandboxState;
  /** Clears projects and documents; counters keep counting, as a real process would. */
  reset(): void;
  /** Aborts pending fault delays so a stopping listener is not held open. */
  close(): void;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function createRevisionApp(options: RevisionAppOptions): RevisionApp {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const store = new RevisionStore(() => new Date(now()));
  const metrics = new RevisionMetrics({ revision: options.revision, version: options.version }, startedAt / 1000);
  const router = new Router([
    ...publicRoutes({ revision: options.revision, version: options.version, metrics, now: () => new Date(now()) }),
    ...projectRoutes(store),
  ]);
  const tokenDigest = digest(options.token);
  const lifetime = new AbortController();
  let faults: FaultSpec[] = [...(options.faults ?? [])];
  let installedAt = startedAt;
  const counts = { total: 0, faulted: 0, byStatus: new Map<string, number>() };

  // Compare digests so neither content nor length of the token leaks through timing.
  const authorized = (req: IncomingMessage): boolean => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), tokenDigest);
  };

  const finish = (req: IncomingMessage, res: ServerResponse, url: URL, template: string, started: number, applied: FaultKind[]): void => {
    const seconds = (performance.now() - started) / 1000;
    const status = res.writableFinished ? String(res.statusCode) : 'aborted';
    const method = req.method ?? 'GET';
    metrics.record(method, template, status, seconds);
    counts.byStatus.set(status, (counts.byStatus.get(status) ?? 0) + 1);
    if (options.log) {
      const faultNote = applied.length > 0 ? ` faults=${applied.join('+')}` : '';
      // Path and redacted query only: headers (Authorization, subscription keys) are never logged.
      options.log(`${options.revision} ${method} ${redactUrlForLog(url)} ${status} ${Math.round(seconds * 1000)}ms${faultNote}`);
    }
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, url: URL, match: RouteMatch, applied: FaultKind[]): Promise<void> => {
    const body = match.kind === 'found' ? (match.route.body ?? 'json') : 'json';
    const outcome = await applyFaults(faults, { req, res, url, body }, { random: options.random, signal: lifetime.signal, installedAt, now });
    applied.push(...outcome.applied);
    if (outcome.applied.length > 0) counts.faulted += 1;
    if (outcome.handled) return;
    if (match.kind === 'not-found') {
      sendJson(res, 404, { detail: 'Not Found' });
      return;
    }
    if (match.kind === 'method-not-allowed') {
      sendJson(res, 405, { detail: 'Method Not Allowed' }, { allow: match.allow.join(', ') });
      return;
    }
    if (match.route.auth && !authorized(req)) {
      sendJson(res, 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    await match.route.handle({ req, res, url, params: match.params });
  };

  return {
    revision: options.revision,
    handle(req, res) {
      const started = performance.now();
      counts.total += 1;
      // Parse against a fixed origin: a request target like `//x` must stay a path, not become a host.
      const url = new URL(`http://sandbox.invalid${(req.url ?? '/').startsWith('/') ? req.url : '/'}`);
      const match = router.match(req.method ?? 'GET', url.pathname);
      const template = match.kind === 'not-found' ? 'unmatched' : match.template;
      const applied: FaultKind[] = [];
      res.once('close', () => finish(req, res, url, template, started, applied));
      dispatch(req, res, url, match, applied).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
        } else if (err instanceof BodyTooLargeError) {
          sendTooLarge(req, res, err.limit);
        } else {
          options.log?.(`${options.revision} internal error: ${err instanceof Error ? err.message : String(err)}`);
          sendJson(res, 500, { detail: 'Internal Server Error' });
        }
      });
    },
    setFaults(next) {
      const oldSlow = faults.find((f) => f.kind === 'slow-start');
      const newSlow = next.find((f) => f.kind === 'slow-start');
      if (!(oldSlow && newSlow && oldSlow.ms === newSlow.ms)) installedAt = now();
      faults = [...next];
    },
    faults: () => faults.map((f) => ({ ...f })),
    state: () => ({
      revision: options.revision,
      version: options.version,
      startedAt: new Date(startedAt).toISOString(),
      requests: { total: counts.total, faulted: counts.faulted, byStatus: Object.fromEntries(counts.byStatus) },
      ...store.counts(),
    }),
    reset: () => store.clear(),
    close: () => lifetime.abort(),
  };
}
