/**
 * Reads a response body with a limit on its *decoded* size, enforced while it streams: a 1 GB body or a
 * 2 MB gzip that expands to gigabytes stops at the limit, with memory bounded by the limit, instead of being
 * buffered and decompressed whole first.
 */
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { NetErrorKind } from '../evaluate/types.js';

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; error: { kind: NetErrorKind; code?: string; message: string } };

export interface BodyLimit {
  maxBytes: number;
  /** Where the limit comes from, for the message. */
  source: string;
}

/**
 * Decoders for a Content-Encoding list, in the order to apply them (the reverse of the header's).
 * `undefined` for an encoding Node cannot decode: the body is then kept as it came, as Playwright and
 * browsers do. The lenient flush accepts a truncated gzip or brotli stream, as Playwright did.
 */
export function decodersFor(contentEncoding: string | undefined): Array<() => Transform> | undefined {
  const codings = (contentEncoding ?? '')
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  const decoders: Array<() => Transform> = [];
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip')
      decoders.push(() => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    else if (coding === 'br')
      decoders.push(() => zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    else if (coding === 'deflate') decoders.push(() => zlib.createInflate());
    else return undefined;
  }
  return decoders;
}

/**
 * Reads `source` to the end through the decoders of `contentEncoding`, counting decoded bytes. Over the limit,
 * every stream is destroyed at once (undici then closes the connection) and the result says so. Network
 * errors and aborts (the caller's timeout) are thrown for the caller to classify; a body that cannot be
 * decoded is a `protocol` result.
 */
export async function readBody(source: Readable, contentEncoding: string | undefined, limit: BodyLimit, declaredLength?: number): Promise<BodyResult> {
  const decoders = decodersFor(contentEncoding);
  const decoding = decoders?.length ? contentEncoding?.toLowerCase().trim() : undefined;
  if (!decoding && declaredLength !== undefined && declaredLength > limit.maxBytes) {
    source.destroy();
    return tooLarge(`Content-Length ${formatBytes(declaredLength)} is over the ${formatBytes(limit.maxBytes)} limit (${limit.source}); not read`);
  }
  const streams = decoders?.map((make) => make()) ?? [];
  // pipeline() hands the first error to every stream; the stream that emits first is where it started.
  let firstError: { err: Error; fromDecoder: boolean } | undefined;
  source.once('error', (err) => (firstError ??= { err, fromDecoder: false }));
  for (const d of streams) d.once('error', (err) => (firstError ??= { err, fromDecoder: true }));
  // pipeline() destroys every stream when one fails or the reader stops early, so nothing keeps reading.
  const decoded = streams.length ? (pipeline([source, ...streams], () => undefined) as unknown as Readable) : source;

  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit.maxBytes) {
        decoded.destroy();
        source.destroy();
        return tooLarge(
          `the ${decoding ? `decoded ${decoding} body` : 'body'} went over the ${formatBytes(limit.maxBytes)} limit (${limit.source}); stopped reading`,
        );
      }
      chunks.push(chunk);
    }
  } catch (err) {
    source.destroy();
    if (firstError?.fromDecoder && err === firstError.err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, error: { kind: 'protocol', ...(code ? { code } : {}), message: `cannot decode the ${decoding} body: ${firstError.err.message}` } };
    }
    throw err;
  }
  return { ok: true, bytes: Buffer.concat(chunks, size) };
}

function tooLarge(message: string): BodyResult {
  return { ok: false, error: { kind: 'body-too-large', message } };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
