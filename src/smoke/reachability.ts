import net from 'node:net';
import { classifyNetError } from '../http/classify.js';
import type { NetErrorKind } from '../evaluate/types.js';

/**
 * One TCP connect to the target before any check runs. A target nobody can connect to (DNS failure, refused,
 * no answer) fails every check at once with that reason, in one connect timeout, instead of one timeout per
 * check plus Playwright's start-up. TLS and everything above it is left to the checks.
 */
export function unreachable(baseUrl: string, timeoutMs: number): Promise<{ kind: NetErrorKind; code?: string; message: string } | undefined> {
  const url = new URL(baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: { kind: NetErrorKind; code?: string; message: string } | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ kind: 'timeout', message: `no TCP connection to ${host}:${port} within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => {
      const c = classifyNetError(err);
      // Only "could not reach it at all" short-cuts the suite; anything else is for the checks to measure.
      done(c.kind === 'dns' || c.kind === 'connect' || c.kind === 'timeout' ? c : undefined);
    });
  });
}
