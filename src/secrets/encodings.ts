/**
 * The encoded forms a secret takes on its way into reports, shared by the Redactor (which masks them)
 * and the leak scanner (which looks for them). Pure string/byte functions, no I/O.
 */
import { needleIndex } from './needle-index.js';

/** Values shorter than this are not treated as secrets: masking "abc" would shred ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Base64 fragments shorter than this are not searched for: a 4-5 character base64 fragment collides with
 * ordinary identifiers and base64 blobs often enough to corrupt files that never held the secret.
 */
const MIN_ALIGNED_BASE64_LENGTH = 6;

export type VariantKind =
  | 'raw'
  | 'url'
  | 'url-lower'
  | 'uri'
  | 'form'
  | 'json'
  | 'json-nested'
  | 'json-slash'
  | 'html'
  | 'base64'
  | 'base64-unpadded'
  | 'base64url'
  | 'base64-aligned'
  | 'base64url-aligned'
  | 'utf16le';

export interface Variant {
  kind: VariantKind;
  text: string;
}

export interface ByteVariant {
  kind: VariantKind;
  bytes: Buffer;
}

/**
 * Every text form of `secret` worth searching for, deduplicated (the first kind that produces a string wins),
 * longest first.
 */
export function variantsOf(secret: string): Variant[] {
  const seen = new Map<string, VariantKind>();
  const add = (kind: VariantKind, text: string | undefined): void => {
    if (text !== undefined && text.length > 0 && !seen.has(text)) seen.set(text, kind);
  };

  add('raw', secret);
  const url = tryEncode(encodeURIComponent, secret);
  add('url', url);
  add(
    'url-lower',
    url?.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  );
  add('uri', tryEncode(encodeURI, secret));
  // application/x-www-form-urlencoded: spaces as '+', and a few more characters escaped than encodeURIComponent.
  add('form', new URLSearchParams([['k', secret]]).toString().slice(2));
  const json = JSON.stringify(secret).slice(1, -1);
  add('json', json);
  // JSON inside a JSON string (trace events that carry serialized request bodies, report.json error text).
  add('json-nested', JSON.stringify(json).slice(1, -1));
  add('json-slash', json.replace(/\//g, '\\/'));
  add('html', htmlEscape(secret));

  const utf8 = Buffer.from(secret, 'utf8');
  const b64 = utf8.toString('base64');
  add('base64', b64);
  add('base64-unpadded', b64.replace(/=+$/, ''));
  add('base64url', utf8.toString('base64url'));
  for (const fragment of alignedBase64(utf8)) {
    add('base64-aligned', fragment);
    add('base64url-aligned', fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }

  return [...seen].map(([text, kind]) => ({ kind, text })).sort((a, b) => b.text.length - a.text.length);
}

/**
 * Byte forms for searching files that are not (or not only) UTF-8 text: every text variant as UTF-8, plus the
 * raw value as UTF-16LE (Windows tools, some binary formats).
 */
export function byteVariantsOf(secret: string): ByteVariant[] {
  const out: ByteVariant[] = variantsOf(secret).map((v) => ({ kind: v.kind, bytes: Buffer.from(v.text, 'utf8') }));
  out.push({ kind: 'utf16le', bytes: Buffer.from(secret, 'utf16le') });
  return out;
}

/**
 * The base64 of `secret` as it appears inside the base64 of a larger string (HTTP basic auth is
 * base64("user:" + password)): encode with 0, 1 and 2 bytes in front, keep only the characters whose 6 bits
 * come entirely from the secret.
 */
function alignedBase64(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const k of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    const stable = encoded.slice(start, end);
    if (stable.length >= MIN_ALIGNED_BASE64_LENGTH) out.push(stable);
  }
  return out;
}

function tryEncode(fn: (s: string) => string, s: string): string | undefined {
  try {
    return fn(s);
  } catch {
    return undefined; // lone surrogates: no URL encoding exists, so nothing to search for
  }
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Replace every occurrence of every needle with `replacement`. Overlapping and adjacent occurrences (of one
 * needle or of different secrets) are merged into one span first, so no fragment of a secret survives between
 * two replacements.
 */
/** Above this many needles replaceSpans searches with a NeedleIndex instead of one indexOf loop per needle. */
const INDEXED_FROM = 16;

export function replaceSpans(haystack: string, needles: readonly string[], replacement: string): { text: string; count: number } {
  const spans: Array<[number, number]> = [];
  if (needles.length > INDEXED_FROM) {
    // Many secrets (one key per tenant): one pass over the text finds the same spans as the loop below.
    needleIndex(needles).forEachMatch(haystack, (n, i) => spans.push([i, i + (needles[n] as string).length]));
  } else {
    for (const needle of needles) {
      if (needle.length === 0) continue;
      for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) {
        spans.push([i, i + needle.length]);
      }
    }
  }
  if (spans.length === 0) return { text: haystack, count: 0 };
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);

  let out = '';
  let cursor = 0;
  let [start, end] = spans[0]!;
  for (let i = 1; i < spans.length; i++) {
    const [s, e] = spans[i]!;
    if (s <= end) {
      end = Math.max(end, e);
      continue;
    }
    out += haystack.slice(cursor, start) + replacement;
    cursor = end;
    [start, end] = [s, e];
  }
  out += haystack.slice(cursor, start) + replacement + haystack.slice(end);
  return { text: out, count: spans.length };
}

/**
 * ANSI SGR sequences, raw or JSON-escaped. Playwright's expect diffs colour the differing characters, which can
 * split a secret into pieces that no variant matches.
 */
export const ANSI_SEQUENCE = /(?:\x1b|\\u001[bB])\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_SEQUENCE, '');
}
