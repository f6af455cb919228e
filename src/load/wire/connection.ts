/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time: a load-engine slot's socket.
 * undici opens the sockets (its connector: TLS with session resumption, SNI, connect timeout, no
 * Nagle); the requests are written as prebuilt bytes and the responses read by parser.ts.
 *
 * Why not undici's Client on this path: measured against a target that is not itself the bottleneck
 * (scripts/bench-load.ts), a closed loop on undici's lowest-level `dispatch` sustains about 0.85x the
 * requests/s of autocannon on one core, because every request builds and validates a Request, encodes
 * its head, and decodes every response header into Buffers. A load generator needs none of that per
 * request; writing prebuilt bytes and reading only the framing is what lets one core out-send autocannon.
 *
 * Reuse rules, so a healthy server is never blamed for connection management, and a server that drops
 * requests it received always is:
 * - a connection idle longer than the server's `keep-alive: timeout` (minus a margin), or 4 s without
 *   a hint (undici's default), is closed and a new one opened instead of racing the server's close;
 * - a request whose connection ends before any byte of its response arrived is sent once more, on a new
 *   connection, only when the server's idle close could explain it (`earlyCloseDecision`): otherwise it
 *   is a failed request. Go's net/http (and so k6) retries every such idempotent request on a reused
 *   connection, which hides a server that resets the requests it reads;
 * - a response the connection cannot be trusted after (connection: close, bytes past its end, both
 *   content-length and chunked) closes it.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { buildConnector } from 'undici';
import type { NetErrorKind } from '../../evaluate/types.js';
import { FAILED, NEED_MORE, ResponseParser } from './parser.js';

const DEFAULT_IDLE_MS = 4000;
const HINT_MARGIN_MS = 1000;
/**
 * Without a hint, the shortest idle a close is believed to be the server's idle timeout for. Idle timeouts
 * under 1 s are rare (Node, Apache and uvicorn default to 5 s, gunicorn to 2 s, nginx to 75 s); half of
 * 1 s allows for our idle clock starting when we read a response, later than the server's did.
 */
export const NO_HINT_IDLE_CLOSE_MS = 500;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Socket errors that mean the server (or its kernel) reset a connection our request was written to. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** How long a connection may sit idle and still be reused, given the server's keep-alive hint (ms, 0 for none). */
export function reuseLimitMs(hintMs: number): number {
  return hintMs > 0 ? Math.max(hintMs - HINT_MARGIN_MS, hintMs / 2) : DEFAULT_IDLE_MS;
}

/**
 * The idle time from which a connection the server ends under a request is taken to be its idle close
 * racing our write. With a hint that is the reuse limit itself: connections are retired before the server
 * said it would close them, so a close of a reused one is the server going back on its word. Without one,
 * the server's idle timeout is unknown and NO_HINT_IDLE_CLOSE_MS is the floor.
 */
export function idleCloseFloorMs(hintMs: number): number {
  return hintMs > 0 ? reuseLimitMs(hintMs) : NO_HINT_IDLE_CLOSE_MS;
}

/** What is known about a request whose connection ended (FIN, reset, error) before any byte of its response. */
export interface EarlyClose {
  /** The request was written to a connection that had already carried a response (not one opened for it). */
  reused: boolean;
  /** Its method is idempotent, so sending it twice is safe. */
  idempotent: boolean;
  /** It was already sent once more: it never is a third time. */
  retried: boolean;
  /** How long the connection had sat idle when the request was written, ms. */
  idleMs: number;
  /** The server's `keep-alive: timeout` hint from the last response on the connection, ms; 0 when it sent none. */
  hintMs: number;
}

/**
 * Retry or fail a request whose connection ended before its response began. Retried (once, on a new
 * connection) only when the server's idle close could explain the close: a reused connection that had sat
 * idle at least `idleCloseFloorMs`, and a method that is safe to send twice. A close of a connection the
 * server used a moment ago is the server dropping a request it received: a failed request, as a client
 * that does not retry would see it. Pure; `why` says why a request was not retried.
 */
export function earlyCloseDecision(e: EarlyClose): { retry: true } | { retry: false; why: string } {
  if (e.retried) return { retry: false, why: 'on its retry' };
  if (!e.reused) return { retry: false, why: 'on a new connection' };
  const idle = `on a keep-alive connection idle ${Math.round(e.idleMs)} ms`;
  if (!e.idempotent) return { retry: false, why: `${idle}; not retried: the method is not idempotent` };
  const floor = idleCloseFloorMs(e.hintMs);
  if (e.idleMs < floor)
    return {
      retry: false,
      why: `${idle}; not retried: ${e.hintMs > 0 ? `under the server's keep-alive hint of ${e.hintMs / 1000} s` : `an idle close needs ${floor} ms`}`,
    };
  return { retry: true };
}

/** A failed exchange, already classified (the engine's error kinds). */
export class WireError extends Error {
  constructor(
    readonly kind: NetErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface WireOwner {
  /** A complete response: its status and every byte received for it (head and body). */
  onResponse(status: number, bytesIn: number): void;
  /** No complete response: refused, reset, timed out, TLS, malformed. */
  onFailure(err: Error): void;
  /** The request is being sent once more, on a new connection, after an idle close (earlyCloseDecision). */
  onRetry(): void;
}

export interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  host: string;
  port: number;
}

export function endpointOf(origin: string): Endpoint {
  const u = new URL(origin);
  const protocol = u.protocol === 'https:' ? 'https:' : 'http:';
  // URL keeps IPv6 literals bracketed; sockets want them bare.
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { protocol, hostname, host: u.host, port: u.port ? Number(u.port) : protocol === 'https:' ? 443 : 80 };
}

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export class WireConnection {
  /** When the request in flight times out (performance.now() ms); Infinity when idle. */
  deadline = Infinity;
  #socket: Socket | null = null;
  readonly #parser = new ResponseParser();
  #request: Buffer | null = null;
  #head = false;
  #retryable = false;
  #retried = false;
  /** The request went out on a connection that had already completed a response. */
  #reused = false;
  #bytesIn = 0;
  /** Bumped by every open and drop: a connect callback from an older attempt is stale. */
  #attempt = 0;
  #idleSince = 0;
  /** How long the connection had been idle when the request in flight was written to it (reused only). */
  #idleAtWriteMs = 0;
  /** The server's keep-alive hint from the last response, ms (0: none). */
  #hintMs = 0;
  #idleLimitMs = DEFAULT_IDLE_MS;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly connect: buildConnector.connector,
    private readonly owner: WireOwner,
  ) {}

  get inFlight(): boolean {
    return this.#request !== null;
  }

  /** Sends one request; exactly one of owner.onResponse / owner.onFailure follows, never from inside send. */
  send(request: Buffer, head: boolean, retryable: boolean, deadline: number): void {
    this.#request = request;
    this.#head = head;
    this.#retryable = retryable;
    this.#retried = false;
    this.#bytesIn = 0;
    this.deadline = deadline;
    this.#parser.reset(head);
    const s = this.#socket;
    const idle = performance.now() - this.#idleSince;
    if (s !== null && !s.destroyed && idle < this.#idleLimitMs) {
      this.#reused = true;
      this.#idleAtWriteMs = idle;
      s.write(request);
      return;
    }
    if (s !== null) this.#drop();
    this.#open();
  }

  /** The engine's sweep found the deadline passed. */
  timeout(timeoutMs: number): void {
    if (this.#request === null) return;
    this.#drop();
    this.#fail(new WireError('timeout', `request timed out after ${timeoutMs} ms`));
  }

  /** Closes the connection; a request still in flight fails with `err`. */
  destroy(err: Error): void {
    this.#drop();
    if (this.#request !== null) this.#fail(err);
  }

  #open(): void {
    const e = this.endpoint;
    const attempt = ++this.#attempt;
    this.#reused = false;
    this.connect({ protocol: e.protocol, hostname: e.hostname, host: e.host, port: String(e.port) }, (err, socket) => {
      if (attempt !== this.#attempt) {
        socket?.destroy(); // timed out or destroyed while connecting
        return;
      }
      if (err !== null || socket === null) {
        this.#onClose(err ?? new WireError('connect', 'no socket'));
        return;
      }
      const s = socket;
      this.#socket = s;
      s.on('data', (chunk: Buffer) => {
        if (this.#socket === s) this.#onData(chunk);
      });
      s.on('end', () => {
        if (this.#socket === s) this.#onClose(null);
      });
      s.on('error', (error: Error) => {
        if (this.#socket === s) this.#onClose(error);
      });
      s.on('close', () => {
        if (this.#socket === s) this.#onClose(null);
      });
      s.write(this.#request as Buffer);
    });
  }

  #onData(chunk: Buffer): void {
    if (this.#request === null) {
      this.#drop(); // bytes nobody asked for: the server broke framing, never reuse this connection
      return;
    }
    this.#bytesIn += chunk.length;
    const p = this.#parser;
    const end = p.execute(chunk);
    if (end === NEED_MORE) return;
    if (end === FAILED) {
      this.#drop();
      this.#fail(new WireError('protocol', `malformed response: ${p.error}`));
      return;
    }
    if (end < chunk.length || !p.keepAlive) this.#drop();
    else {
      this.#idleSince = performance.now();
      this.#hintMs = p.keepAliveHintMs;
      this.#idleLimitMs = reuseLimitMs(p.keepAliveHintMs);
    }
    this.#request = null;
    this.deadline = Infinity;
    this.owner.onResponse(p.status, this.#bytesIn);
  }

  /** The connection ended (FIN, reset, error) while it was current. */
  #onClose(err: Error | null): void {
    this.#drop();
    if (this.#request === null) return;
    const p = this.#parser;
    if (err === null && p.endsAtClose) {
      // A body without length or chunking ends with the connection: this close completes it.
      this.#request = null;
      this.deadline = Infinity;
      this.owner.onResponse(p.status, this.#bytesIn);
      return;
    }
    if (p.started) {
      this.#fail(err ?? new WireError('reset', 'connection closed in the middle of the response'));
      return;
    }
    const d = earlyCloseDecision({
      reused: this.#reused,
      idempotent: this.#retryable,
      retried: this.#retried,
      idleMs: this.#idleAtWriteMs,
      hintMs: this.#hintMs,
    });
    if (d.retry) {
      // The server's idle close crossed our write: the request most likely never reached it.
      this.#retried = true;
      this.#bytesIn = 0;
      this.#parser.reset(this.#head);
      this.owner.onRetry();
      this.#open();
      return;
    }
    if (err === null) this.#fail(new WireError('reset', `connection closed before any response ${d.why}`));
    else if (this.#reused && RESET_CODES.has((err as { code?: string }).code ?? ''))
      this.#fail(new WireError('reset', `${err.message}: the connection was reset before any response ${d.why}`));
    else this.#fail(err);
  }

  /** Closes the current socket, and makes a connect still in progress close its socket when it lands. */
  #drop(): void {
    this.#attempt++;
    const s = this.#socket;
    if (s === null) return;
    this.#socket = null;
    s.destroy();
  }

  #fail(err: Error): void {
    this.#request = null;
    this.deadline = Infinity;
    this.owner.onFailure(err);
  }
}
