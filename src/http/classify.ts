import type { NetErrorKind } from '../evaluate/types.js';

const RULES: Array<[RegExp, NetErrorKind]> = [
  [/ENOTFOUND|EAI_AGAIN|EAI_NONAME|getaddrinfo/i, 'dns'],
  [/max redirect|redirect count|too many redirects/i, 'redirect-loop'],
  [/timeout \d+ ?ms exceeded|ETIMEDOUT|UND_ERR_.*TIMEOUT|timed out/i, 'timeout'],
  [/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/i, 'connect'],
  [/certificate|CERT_|SSL|TLS|self[- ]signed|UNABLE_TO_VERIFY|ERR_TLS|wrong version number|altnames/i, 'tls'],
  [/ECONNRESET|socket hang up|EPIPE|other side closed|UND_ERR_SOCKET/i, 'reset'],
  [/HPE_|Parse Error|invalid header|UND_ERR_INVALID/i, 'protocol'],
];

/** Maps a transport error (Playwright's, undici's or Node's) to a stable kind. */
export function classifyNetError(err: unknown): { kind: NetErrorKind; code?: string; message: string } {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const message = firstLine(String(e?.message ?? err));
  const text = `${code ?? ''} ${message} ${String(e?.cause?.message ?? '')}`;
  for (const [re, kind] of RULES) if (re.test(text)) return { kind, ...(code ? { code } : {}), message };
  return { kind: 'other', ...(code ? { code } : {}), message };
}

function firstLine(s: string): string {
  // Playwright prefixes "apiRequestContext.fetch: " and appends call logs; the first line is the cause.
  return (
    s
      .replace(/^apiRequestContext\.\w+:\s*/, '')
      .split('\n')[0]
      ?.trim() ?? s
  );
}
