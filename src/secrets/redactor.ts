import { MIN_SECRET_LENGTH, byteVariantsOf, replaceSpans, variantsOf } from './encodings.js';
import { needleIndex } from './needle-index.js';

export const MASK = '***';

/** Header names whose values are credentials, lower-case. */
export const SECRET_HEADER_NAMES: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'ocp-apim-subscription-key',
  'x-api-key',
  'api-key',
  'cookie',
  'set-cookie',
  'x-functions-key',
]);

/** A value that `add` refused because it was too short to mask safely; the value itself is not kept. */
export interface IgnoredSecret {
  label?: string;
  length: number;
}

interface Registered {
  value: string;
  label?: string;
}

/**
 * Knows the secrets of one run and masks them, and their common encodings, wherever they appear.
 * Callers create one per run and pass it down; there is no global instance.
 */
export class Redactor {
  readonly #secrets: Registered[] = [];
  readonly #ignored: IgnoredSecret[] = [];
  #needles: string[] | undefined;
  #latin1Needles: string[] | undefined;
  #byteNeedles: string[] | undefined;

  /**
   * Register a secret. Values shorter than 4 characters are ignored (see `ignored()`), because masking them
   * would shred ordinary text. A value with surrounding whitespace (a token read from a file with its trailing
   * newline) is registered trimmed as well.
   */
  add(value: string, label?: string): this {
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) {
      this.#ignored.push(label === undefined ? { length: value.length } : { label, length: value.length });
      return this;
    }
    for (const candidate of new Set([trimmed, value])) {
      if (this.#secrets.some((s) => s.value === candidate)) continue;
      this.#secrets.push(label === undefined ? { value: candidate } : { value: candidate, label });
    }
    this.#needles = this.#latin1Needles = this.#byteNeedles = undefined;
    return this;
  }

  /** Secrets that were too short to register, so callers can warn that they will not be masked. */
  ignored(): readonly IgnoredSecret[] {
    return [...this.#ignored];
  }

  /** The registered secrets, raw. */
  values(): string[] {
    return this.#secrets.map((s) => s.value);
  }

  /** Every encoded form of every registered secret (raw, URL, base64/base64url, JSON-escaped, ...), longest first. */
  variants(): string[] {
    this.#needles ??= [...new Set(this.#secrets.flatMap((s) => variantsOf(s.value).map((v) => v.text)))].sort((a, b) => b.length - a.length);
    return [...this.#needles];
  }

  get size(): number {
    return this.#secrets.length;
  }

  mask(text: string): string {
    if (this.#secrets.length === 0 || text.length === 0) return text;
    return replaceSpans(text, this.#needlesCached(), MASK).text;
  }

  has(text: string): boolean {
    return needleIndex(this.#needlesCached()).some(text);
  }

  /**
   * Mask the bytes of a text file without decoding it: every byte outside a match is kept exactly, so files
   * that are not valid UTF-8 survive the rewrite. `count` is 0 when nothing matched (and `bytes` is the input).
   */
  maskBytes(bytes: Uint8Array): { bytes: Buffer; count: number } {
    const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#secrets.length === 0) return { bytes: input, count: 0 };
    this.#latin1Needles ??= this.#needlesCached().map((n) => Buffer.from(n, 'utf8').toString('latin1'));
    const { text, count } = replaceSpans(input.toString('latin1'), this.#latin1Needles, MASK);
    return count === 0 ? { bytes: input, count } : { bytes: Buffer.from(text, 'latin1'), count };
  }

  /** Whether raw bytes hold any variant, as UTF-8 or (for the raw value) UTF-16LE. */
  hasBytes(bytes: Uint8Array): boolean {
    const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Bytes as latin1 text (one char per byte), so one indexed pass answers for every needle.
    this.#byteNeedles ??= this.#secrets.flatMap((s) => byteVariantsOf(s.value).map((v) => v.bytes.toString('latin1')));
    return needleIndex(this.#byteNeedles).some(input.toString('latin1'));
  }

  /** A structural copy of `value` with every string (and object key) masked. Handles cycles. */
  maskDeep<T>(value: T): T {
    return this.#deep(value, new WeakMap()) as T;
  }

  #needlesCached(): string[] {
    if (this.#needles === undefined) this.variants();
    return this.#needles!;
  }

  #deep(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return seen.get(value);

    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#deep(item, seen));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map();
      seen.set(value, out);
      for (const [k, v] of value) out.set(this.#deep(k, seen), this.#deep(v, seen));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      seen.set(value, out);
      for (const v of value) out.add(this.#deep(v, seen));
      return out;
    }
    if (value instanceof Date) return new Date(value.getTime());
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      // Bytes are copied, not masked: masking could corrupt a binary format. Callers that log bytes decode first.
      return value instanceof ArrayBuffer ? value.slice(0) : Buffer.from(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    }

    // Plain objects, errors and class instances: same prototype, own properties (including an Error's
    // non-enumerable message and stack) masked.
    const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
    seen.set(value, out);
    const keys = value instanceof Error ? Object.getOwnPropertyNames(value) : Object.keys(value);
    for (const key of keys) {
      let descriptor = Object.getOwnPropertyDescriptor(value, key);
      // Newer V8 (Node 22+) makes an Error's stack an own accessor: its text is read and masked like a value.
      if (descriptor && key === 'stack' && value instanceof Error && !('value' in descriptor)) descriptor = { value: value.stack, enumerable: false };
      if (descriptor === undefined || !('value' in descriptor)) continue; // other accessors are not copied
      Object.defineProperty(out, this.mask(key), {
        value: this.#deep(descriptor.value, seen),
        enumerable: descriptor.enumerable ?? true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}

/** Registered HTTP authentication schemes (IANA) and common vendor ones: safe to show in front of `***`. */
const AUTH_SCHEMES = new Set([
  'basic',
  'bearer',
  'concealed',
  'digest',
  'dpop',
  'gnap',
  'hoba',
  'mutual',
  'negotiate',
  'ntlm',
  'oauth',
  'privatetoken',
  'scram-sha-1',
  'scram-sha-256',
  'vapid',
  'sharedkey',
  'sharedkeylite',
  'sharedaccesssignature',
  'token',
  'apikey',
  'aws4-hmac-sha256',
]);

/** `Bearer abc` -> `Bearer`; undefined when the value does not start with a known scheme. */
export function authScheme(value: string): string | undefined {
  const match = /^\s*([A-Za-z0-9-]+)\s+\S/.exec(value);
  return match && AUTH_SCHEMES.has(match[1]!.toLowerCase()) ? match[1] : undefined;
}

export function isSecretHeader(name: string, extraSecretNames: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADER_NAMES.includes(lower) || extraSecretNames.some((n) => n.toLowerCase() === lower);
}

/**
 * A copy of `headers` with credential headers masked entirely. Authorization values keep a known scheme
 * (`Bearer ***`) because which scheme was sent is useful when debugging and not secret.
 */
export function maskHeaders(headers: Record<string, string>, extraSecretNames: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name, extraSecretNames)) {
      out[name] = value;
      continue;
    }
    const lower = name.toLowerCase();
    const scheme = lower === 'authorization' || lower === 'proxy-authorization' ? authScheme(value) : undefined;
    out[name] = scheme === undefined ? MASK : `${scheme} ${MASK}`;
  }
  return out;
}
