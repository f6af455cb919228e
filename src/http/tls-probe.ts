import tls from 'node:tls';
import net from 'node:net';
import type { TlsMeasurement } from '../evaluate/types.js';
import { classifyNetError } from './classify.js';

const DAY_MS = 86_400_000;

/**
 * Provider: opens a verified TLS connection and reads the server certificate's validity.
 * Trust comes from Node's store plus NODE_EXTRA_CA_CERTS (how revgate passes a private or sandbox CA);
 * verification is never disabled, so an untrusted certificate is measured as a TLS failure.
 */
/** `ca`: the whole trust list when the run trusts extra CAs (it replaces Node's store, as undici's `ca` does). */
export function probeTls(url: string, timeoutMs: number, now: () => number = Date.now, ca?: readonly string[]): Promise<TlsMeasurement> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (m: Omit<TlsMeasurement, 'kind' | 'host' | 'port' | 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ kind: 'tls', host, port, durationMs: performance.now() - started, ...m });
    };
    const socket = tls.connect({
      host,
      port,
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: true,
      ...(ca?.length ? { ca: [...ca] } : {}),
    });
    socket.setTimeout(timeoutMs, () => finish({ error: { kind: 'timeout', message: `no TLS handshake within ${timeoutMs} ms` } }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return finish({ error: { kind: 'tls', message: 'server presented no certificate' } });
      const validTo = new Date(cert.valid_to);
      finish({
        certificate: {
          subject: [cert.subject?.CN ?? ''].flat().join(', '),
          issuer: [cert.issuer?.CN ?? ''].flat().join(', '),
          validFrom: new Date(cert.valid_from).toISOString(),
          validTo: validTo.toISOString(),
          daysRemaining: (validTo.getTime() - now()) / DAY_MS,
        },
      });
    });
    socket.once('error', (err) => finish({ error: classifyNetError(err) }));
  });
}
