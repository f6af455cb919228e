/**
 * Binds a request handler to a loopback http or https socket and can tear everything down at once,
 * including keep-alive connections and requests that are still waiting on an injected delay.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { RevgateError, ErrorCodes } from '../core/errors.js';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string };
}

export interface Listener {
  /** No trailing slash, e.g. `https://127.0.0.1:43121`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The sandbox's control API has no auth, so it must never be reachable from another machine. */
export function assertLoopback(host: string): void {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = net.isIP(bare);
  const ok = bare === 'localhost' || (family === 4 && loopback.check(bare, 'ipv4')) || (family === 6 && loopback.check(bare, 'ipv6'));
  if (!ok) {
    throw new RevgateError(
      ErrorCodes.Usage,
      `sandbox host "${host}" is not a loopback address; use 127.0.0.1 (or another 127.0.0.0/8 address), ::1 or localhost`,
    );
  }
}

export async function listen(handler: RequestHandler, options: ListenerOptions): Promise<Listener> {
  assertLoopback(options.host);
  const bare = options.host.replace(/^\[|\]$/g, '');
  // "localhost" may resolve to ::1 or 127.0.0.1 depending on the resolver; bind one, explicitly.
  const bindHost = bare === 'localhost' ? '127.0.0.1' : bare;
  const server = options.tls ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, handler) : http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      // A taken port or a missing address is the caller's to fix, so it is a usage error.
      reject(new RevgateError(ErrorCodes.Usage, `sandbox cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`, [], { cause: err }));
    };
    server.once('error', fail);
    server.listen(options.port, bindHost, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = net.isIP(bare) === 6 ? `[${bare}]` : bare;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
