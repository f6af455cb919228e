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
 * Reuse rules, so a healthy server is never blamed for connection management:
 * - a connection idle longer than the server's `keep-alive: timeout` (minus a margin), or 4 s without
 *   a hint (undici's default), is closed and a new one opened instead of racing the server's close;
 * - a request that fails on a reused connection before any byte of its response arrived is sent once
 *   more on a fresh connection if its method is idempotent (what Go's net/http, and so k6, does);
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
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

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
    if (s !== null && !s.destroyed && performance.now() - this.#idleSince < this.#idleLimitMs) {
      this.#reused = true;
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
      this.#idleLimitMs = p.keepAliveHintMs > 0 ? Math.max(p.keepAliveHintMs - HINT_MARGIN_MS, p.keepAliveHintMs / 2) : DEFAULT_IDLE_MS;
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
    if (this.#reused && this.#retryable && !this.#retried && !p.started) {
      // The server closed an idle connection as we wrote to it: the request never reached it.
      this.#retried = true;
      this.#bytesIn = 0;
      this.#parser.reset(this.#head);
      this.#open();
      return;
    }
    this.#fail(err ?? new WireError('reset', p.started ? 'connection closed in the middle of the response' : 'connection closed before any response'));
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
