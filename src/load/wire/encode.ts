/**
 * HTTP/1.1 request bytes for the load engine, encoded once per planned request at plan time and
 * written as-is on every send: nothing is validated, joined or converted per request. Because the
 * bytes go to the socket unchecked, everything that could break the framing (CR/LF in a value, a
 * space in the path, a header the engine sets itself) is rejected here, before any traffic.
 */

/** RFC 9110 token: the characters a header name may have. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, space, tab and obs-text; never CR, LF or NUL (Node's http rule). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Request-target: no spaces or control characters; latin1 only (undici's rule). */
const BAD_PATH = /[^\u0021-\u00ff]/;

/** Headers the engine writes itself (framing and connection management); a profile may not set them. */
const ENGINE_HEADERS: Record<string, string> = {
  'content-length': 'is computed from the body',
  'transfer-encoding': 'is not supported: bodies are sent with content-length',
  connection: 'is managed by the engine (keep-alive, one request at a time per connection)',
  'keep-alive': 'is managed by the engine',
  upgrade: 'is not supported in load requests',
  expect: 'is not supported in load requests (no 100-continue)',
  te: 'is not supported in load requests',
};

/** Methods whose requests carry a content-length even without a body (RFC 9110 8.6). */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export interface RequestHead {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** Every reason these request parts cannot be sent as-is; empty when they can. Keys name the header. */
export function headProblems(head: RequestHead): Array<{ at: string; message: string }> {
  const problems: Array<{ at: string; message: string }> = [];
  if (!TOKEN.test(head.method)) problems.push({ at: 'method', message: `"${head.method}" is not a valid HTTP method` });
  if (BAD_PATH.test(head.path)) problems.push({ at: 'path', message: 'contains spaces or control characters: percent-encode them (%20)' });
  for (const [name, value] of Object.entries(head.headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) problems.push({ at: `headers.${name}`, message: "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)" });
    else if (ENGINE_HEADERS[lower]) problems.push({ at: `headers.${name}`, message: ENGINE_HEADERS[lower] });
    // The value may be a secret: say what is wrong with it, never echo it.
    if (BAD_VALUE.test(value)) problems.push({ at: `headers.${name}`, message: 'value contains a line break, NUL or another control character' });
  }
  return problems;
}

/**
 * The complete request: request line, host (unless the profile sets one), the profile's headers,
 * connection: keep-alive, content-length when there is a body or the method expects one, then the body.
 * Callers check headProblems first.
 */
export function encodeRequest(head: RequestHead, host: string, body?: Buffer): Buffer {
  const names = Object.keys(head.headers).map((n) => n.toLowerCase());
  let text = `${head.method} ${head.path} HTTP/1.1\r\n`;
  if (!names.includes('host')) text += `host: ${host}\r\n`;
  for (const [name, value] of Object.entries(head.headers)) text += `${name}: ${value}\r\n`;
  text += 'connection: keep-alive\r\n';
  if (body !== undefined || PAYLOAD_METHODS.has(head.method)) text += `content-length: ${body?.length ?? 0}\r\n`;
  text += '\r\n';
  const headBytes = Buffer.from(text, 'latin1');
  return body?.length ? Buffer.concat([headBytes, body]) : headBytes;
}
