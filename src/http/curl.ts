/**
 * Reproduce-as-curl: one copy-pasteable POSIX shell line that repeats a request, with every credential either
 * replaced by an environment-variable reference (so the command still works for someone who has the secret)
 * or masked.
 */
import { RevgateError, ErrorCodes } from '../core/errors.js';
import { MASK, authScheme, isSecretHeader, type Redactor } from '../secrets/redactor.js';

export interface CurlRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Form fields (`-F`); a `{ file }` value uploads that file. */
  multipart?: Record<string, string | { file: string; contentType?: string }>;
}

export interface CurlOptions {
  /**
   * Lower-case header name -> env var that holds its secret. For `authorization` with a known scheme the
   * variable holds the credential after the scheme (`Bearer ${REVGATE_TOKEN}`); otherwise the whole value.
   * Naming a header here also marks it secret.
   */
  secretEnvRefs?: Record<string, string>;
  redactor?: Redactor;
}

/** POSIX single-quoting: everything literal; a `'` is closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Escapes for the literal parts of a double-quoted word, where `$`, backquote, `"` and `\` are special. */
function doubleQuoteLiteral(value: string): string {
  return value.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function toCurl(req: CurlRequest, opts: CurlOptions = {}): string {
  const mask = (s: string): string => (opts.redactor ? opts.redactor.mask(s) : s);
  const envRefs = Object.fromEntries(Object.entries(opts.secretEnvRefs ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const parts = ['curl', '-sS'];

  const method = req.method.toUpperCase();
  if (method === 'HEAD')
    parts.push('--head'); // `-X HEAD` makes curl wait for a body that never comes
  // Without -X, curl turns a request with a body into a POST, so a GET with a body keeps its -X.
  else if (method !== 'GET' || req.body !== undefined || req.multipart !== undefined) parts.push('-X', /^[A-Z]+$/.test(method) ? method : shellQuote(method));
  parts.push(shellQuote(mask(req.url)));

  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    const envName = envRefs[lower];
    if (envName !== undefined) {
      if (!ENV_NAME.test(envName)) {
        throw new RevgateError(ErrorCodes.ConfigInvalid, `secret env reference for header "${name}" is not a valid variable name`);
      }
      const scheme = lower === 'authorization' || lower === 'proxy-authorization' ? authScheme(value) : undefined;
      const prefix = doubleQuoteLiteral(`${mask(name)}: ${scheme ? `${scheme} ` : ''}`);
      parts.push('-H', `"${prefix}\${${envName}}"`);
    } else if (isSecretHeader(lower)) {
      const scheme = lower === 'authorization' || lower === 'proxy-authorization' ? authScheme(value) : undefined;
      parts.push('-H', shellQuote(`${mask(name)}: ${scheme ? `${scheme} ` : ''}${MASK}`));
    } else {
      parts.push('-H', shellQuote(`${mask(name)}: ${mask(value)}`));
    }
  }

  for (const [field, value] of Object.entries(req.multipart ?? {})) {
    parts.push(...formArg(mask(field), value, mask));
  }
  if (req.body !== undefined) parts.push('--data-raw', shellQuote(mask(req.body)));
  return parts.join(' ');
}

function formArg(field: string, value: string | { file: string; contentType?: string }, mask: (s: string) => string): string[] {
  if (typeof value === 'string') {
    // -F reads `@file`/`<file` prefixes and `;type=` suffixes; --form-string sends the text as it is.
    const literal = /^[@<]/.test(value) || value.includes(';');
    return [literal ? '--form-string' : '-F', shellQuote(`${field}=${mask(value)}`)];
  }
  const file = mask(value.file);
  // curl's -F syntax: a file name containing `;`, `,` or `"` must be double-quoted within the argument.
  const fileSpec = /[;,"\\]/.test(file) ? `"${file.replace(/[\\"]/g, (c) => `\\${c}`)}"` : file;
  const type = value.contentType ? `;type=${value.contentType}` : '';
  return ['-F', shellQuote(`${field}=@${fileSpec}${type}`)];
}
