/**
 * Provider for declared checks: sends one prepared request over undici and returns what was observed.
 * Never throws for a failing target: refused connections, timeouts, TLS failures, oversized bodies and
 * refused redirects are measurements.
 *
 * Why not Playwright's APIRequestContext: it buffers and decompresses a whole body before anyone can look at
 * its size, so a 1 GB body or a gzip bomb cost gigabytes and minutes. Here one timer covers the whole exchange
 * (connect, every redirect, headers, the complete body), the body is limited on its decoded size while it
 * streams, and redirects are followed by hand so each hop is recorded and checked against the target's origin.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { VERSION } from '../core/version.js';
import type { HttpMeasurement, RedirectHop } from '../evaluate/types.js';
import { readBody } from './body.js';
import { classifyNetError } from './classify.js';
import { encodeBody } from './encode.js';
import type { PreparedRequest } from './prepare.js';
import { nextHop, REDIRECT_STATUSES, type Hop } from './redirects.js';

/** Longest budget the config schema allows for one request; undici's own timers never cut a request shorter. */
const MAX_TIMEOUT_MS = 600_000;
/** A redirect body longer than this is not read: the connection is closed instead. */
const REDIRECT_BODY_BYTES = 64 * 1024;

/**
 * The dispatcher declared checks share within one Playwright worker (keep-alive across checks). Trust is Node's
 * default store plus NODE_EXTRA_CA_CERTS, through which revgate passes a --ca-file, an environment's caFile or
 * the sandbox CA to the workers; verification is never turned off.
 */
export function createHttpAgent(ca?: readonly string[]): Agent {
  // `ca` replaces Node's store, so a caller passing extra CAs passes the whole list (see smoke's in-process runner).
  const connect = buildConnector({ timeout: MAX_TIMEOUT_MS, rejectUnauthorized: true, ...(ca?.length ? { ca: [...ca] } : {}) });
  return new Agent({ connect: timedConnector(connect), keepAliveTimeout: 4_000 });
}

/**
 * Connection setup (DNS, TCP, TLS) paid by the exchange running in this async context. Reported apart from the
 * request latency, as k6 reports http_req_connecting and http_req_tls_handshaking apart from http_req_duration:
 * the first request on a new connection must not look slower than the revision is.
 */
const setupLog = new AsyncLocalStorage<{ ms: number }>();

function timedConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    const log = setupLog.getStore();
    const started = performance.now();
    connect(options, (...args) => {
      if (log && args[0] === null) log.ms += performance.now() - started;
      callback(...args);
    });
  };
}

class ExchangeTimeout extends Error {
  readonly code = 'REVGATE_EXCHANGE_TIMEOUT';
}

class ExchangeInterrupted extends Error {
  readonly code = 'REVGATE_INTERRUPTED';
}

/**
 * One exchange. `interrupt` (the run was stopped) ends it at once as an error of kind `other` with code
 * REVGATE_INTERRUPTED: nothing was measured, so it can never read as the revision's failure or success.
 */
export function measureHttp(dispatcher: Dispatcher, req: PreparedRequest, interrupt?: AbortSignal): Promise<HttpMeasurement> {
  const setup = { ms: 0 };
  return setupLog.run(setup, () => exchange(dispatcher, req, setup, interrupt));
}

async function exchange(dispatcher: Dispatcher, req: PreparedRequest, setup: { ms: number }, interrupt?: AbortSignal): Promise<HttpMeasurement> {
  const started = performance.now();
  const base = { kind: 'http' as const, method: req.method, url: req.url };
  const redirects: RedirectHop[] = [];
  const done = (m: Pick<HttpMeasurement, 'response' | 'error'>): HttpMeasurement => ({
    ...base,
    durationMs: performance.now() - started,
    // Only a connection that was set up counts; a refused one is the error, not a setup cost.
    ...(setup.ms > 0 ? { connectMs: setup.ms } : {}),
    ...m,
    ...(redirects.length ? { redirects } : {}),
  });

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ExchangeTimeout(`no complete response within ${req.timeoutMs} ms`)), req.timeoutMs);
  const { signal } = controller;
  const onInterrupt = (): void => controller.abort(new ExchangeInterrupted('not measured: the run was interrupted'));
  if (interrupt?.aborted) onInterrupt();
  interrupt?.addEventListener('abort', onInterrupt, { once: true });
  try {
    const encoded = await encodeBody(req);
    const headers: Record<string, string> = { 'user-agent': `revgate/${VERSION}`, accept: '*/*', 'accept-encoding': 'gzip, deflate, br', ...req.headers };
    if (encoded) headers['content-type'] ??= encoded.contentType;
    let hop: Hop = { url: new URL(req.url), method: req.method, headers, ...(encoded ? { body: encoded.body } : {}) };
    const policy = { origin: hop.url.origin, allowed: req.allowRedirectOrigins };

    for (;;) {
      const res = await request(hop.url, {
        dispatcher,
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers,
        body: hop.body ?? null,
        signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(res.statusCode) && typeof location === 'string' && req.maxRedirects > 0) {
        await res.body.dump({ limit: REDIRECT_BODY_BYTES, signal }); // never evaluated; a short one is read so the connection is reused
        const next = nextHop(hop, res.statusCode, location, policy);
        if ('invalid' in next) return done({ error: { kind: 'protocol', message: next.invalid } });
        if ('refused' in next) {
          redirects.push(next.refused);
          return done({ error: { kind: 'redirect-offsite', message: next.message } });
        }
        redirects.push(next.record);
        if (redirects.length > req.maxRedirects) {
          return done({ error: { kind: 'redirect-loop', message: `more than ${req.maxRedirects} redirects (maxRedirects)` } });
        }
        hop = next.hop;
        continue;
      }

      const onAbort = (): void => void res.body.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      try {
        // A HEAD answer, a 204 and a 304 carry no body whatever their Content-Length says.
        const bodiless = hop.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
        const length = bodiless ? NaN : Number(res.headers['content-length']);
        const encoding = res.headers['content-encoding'];
        const body = await readBody(
          res.body,
          Array.isArray(encoding) ? encoding.join(', ') : encoding,
          { maxBytes: req.maxBodyBytes, source: 'defaults.maxBodyBytes' },
          Number.isFinite(length) ? length : undefined,
        );
        if (!body.ok) return done({ error: body.error });
        return done({
          response: { status: res.statusCode, headers: joinHeaders(res.headers), bodyText: body.bytes.toString('utf8'), bodyBytes: body.bytes.length },
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  } catch (err) {
    if (signal.aborted && signal.reason instanceof ExchangeTimeout) {
      return done({ error: { kind: 'timeout', code: signal.reason.code, message: signal.reason.message } });
    }
    if (signal.aborted && signal.reason instanceof ExchangeInterrupted) {
      return done({ error: { kind: 'other', code: signal.reason.code, message: signal.reason.message } });
    }
    return done({ error: classifyNetError(err) });
  } finally {
    clearTimeout(timer);
    interrupt?.removeEventListener('abort', onInterrupt);
  }
}

function joinHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
