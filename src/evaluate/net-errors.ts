import type { NetErrorKind } from './types.js';
import { formatMs, sanitizeReason } from './text.js';

export interface NetErrorTarget {
  /** Host name without port, e.g. `api--rev7.example.io`. */
  hostname: string;
  /** `host:port`, e.g. `api--rev7.example.io:443`. */
  hostPort: string;
}

/** The host of a URL without credentials, path or query (those may carry secrets). */
export function targetOf(url: string): NetErrorTarget {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    const hostname = u.hostname.replace(/^\[|\]$/g, '');
    return { hostname, hostPort: port ? `${u.hostname}:${port}` : u.hostname };
  } catch {
    return { hostname: 'the target', hostPort: 'the target' };
  }
}

/**
 * One sentence a person understands at once, for a request that got no usable response.
 * Only the error's kind, code and a sanitized reason are used; never request headers.
 */
export function describeNetError(error: { kind: NetErrorKind; code?: string; message: string }, target: NetErrorTarget, durationMs: number): string {
  const reason = sanitizeReason(error.message || error.code || 'unknown error');
  const code = error.code ? ` (${error.code})` : '';
  switch (error.kind) {
    case 'dns':
      return `DNS lookup failed for ${target.hostname} (${error.code ?? 'ENOTFOUND'}): check the revision FQDN`;
    case 'connect':
      if (error.code === undefined || error.code === 'ECONNREFUSED') {
        return `connection refused by ${target.hostPort}: is the revision running?`;
      }
      return `could not connect to ${target.hostPort}${code}: is the revision running and reachable from here?`;
    case 'timeout':
      return `no response within the timeout (gave up after ${formatMs(durationMs)})`;
    case 'tls':
      return `TLS handshake failed: ${error.code && !reason.includes(error.code) ? `${error.code}: ` : ''}${reason} (is the certificate valid for this host?)`;
    case 'reset':
      return `connection reset by ${target.hostPort} before the response was complete (${error.code ?? 'ECONNRESET'}): did the revision crash or restart?`;
    case 'redirect-loop':
      return 'too many redirects (redirect loop?)';
    case 'redirect-offsite':
      return `${reason}: not the revision under test (allow the origin with allowRedirectOrigins if it is expected)`;
    case 'body-too-large':
      return `response body larger than the allowed maximum (${reason}): raise maxBodyBytes if this size is expected`;
    case 'protocol':
      return `invalid HTTP response from ${target.hostPort}: ${reason}`;
    default:
      return `request failed${code}: ${reason}`;
  }
}
