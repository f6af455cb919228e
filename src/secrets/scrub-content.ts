/**
 * What the scrubber does to the bytes of one file, zip entry or data URI payload, by kind: text is masked in
 * place (data URI payloads opened first), zips are rewritten entry by entry, gzip streams are opened and
 * recompressed, and a binary that holds a secret is deleted. Every kind streams (see spool.ts); scrub.ts walks
 * the folder and puts the results in place.
 */
import { createGunzip, createGzip } from 'node:zlib';
import { replaceSpans } from './encodings.js';
import { ArtifactError, MAX_CONTAINER_DEPTH, describeError, isGzip, isZip, looksText, type ProblemReason } from './files.js';
import { MASK, type Redactor } from './redactor.js';
import { WRITE_ORIGIN, Spool, chunksOf, dispose, sizeOf, sniff, spoolCopy, transformed, type Source, type TempArea } from './spool.js';
import { AnsiStripper, Base64Decoder, Base64Encoder, DataUriSplitter, StrippedMatches, type DataUriEvent } from './stream-decode.js';
import { MatchTracker, SpanMasker, type NeedleSet } from './stream-search.js';
import { ZipReader, ZipWriter, type ZipEntryInfo } from './zip.js';

/** File and directory names cannot hold `*` on Windows agents, so names are masked with a word instead. */
export const NAME_MASK = 'REDACTED';
const MASK_BYTES = Buffer.from(MASK, 'latin1');
const DATA_URI_LABEL = 'data-uri';

export interface Problem {
  reason: ProblemReason;
  detail: string;
}

export type Outcome = { kind: 'unchanged' } | { kind: 'changed'; result: Source } | { kind: 'delete'; problem?: Problem };
const UNCHANGED: Outcome = { kind: 'unchanged' };
const DELETE: Outcome = { kind: 'delete' };

export interface Context {
  redactor: Redactor;
  /** The variants as latin1 strings of their UTF-8 bytes, to match against bytes (masking). */
  text: NeedleSet;
  /** Every byte form (UTF-8 variants and UTF-16LE), for the check that nothing survived. */
  bytes: NeedleSet;
  variants: string[];
  area: TempArea;
  chunkBytes: number;
  memoryBytes: number;
  /** Zip entries removed along the way, relative to the file being scrubbed. */
  removed: string[];
  /** What could not be scrubbed inside the file, by the same relative path. */
  problems: Array<Problem & { at: string }>;
}

export interface Input {
  chunks: AsyncIterable<Buffer>;
  /** The same bytes with random access, when they already have it (a file on disk): zips need it. */
  source?: Source;
}

/** A new path next to the file being scrubbed, for a scrubbed copy that is then renamed over it (same folder, same file system). */
export type Spill = () => string;

/** Scrubs one file's (or entry's, or payload's) bytes: what kind of content it is decides how. */
export async function scrubInput(input: Input, ctx: Context, depth: number, spill?: Spill): Promise<Outcome> {
  const { head, chunks, close } = await sniff(input.chunks, input.source, ctx.chunkBytes);
  const container = isZip(head) ? 'zip' : isGzip(head) ? 'gzip' : undefined;
  if (head.length === 0 || (container && depth >= MAX_CONTAINER_DEPTH) || (container === 'zip' && input.source)) await close();
  if (head.length === 0) return UNCHANGED;
  if (container && depth >= MAX_CONTAINER_DEPTH) return { kind: 'delete', problem: tooDeep(container) };
  if (container === 'zip') {
    if (input.source) return scrubZip(input.source, ctx, depth, spill);
    // yauzl reads the central directory at the end first, so a nested zip is held (in a temporary file if large).
    const held = await spoolCopyChunks(chunks, new Spool(ctx.area, ctx.memoryBytes));
    try {
      return await scrubZip(held, ctx, depth, spill);
    } finally {
      await dispose(held);
    }
  }
  if (container === 'gzip') return scrubGzip(chunks, ctx, depth, spill);
  if (looksText(head)) return scrubText(chunks, ctx, depth, spill);
  // Binary: masking bytes in place would corrupt the format (PNG chunk CRCs, offsets), so it goes.
  return (await holdsSecret(chunks, ctx.bytes)) ? DELETE : UNCHANGED;
}

async function scrubText(chunks: AsyncIterable<Buffer>, ctx: Context, depth: number, spill?: Spill): Promise<Outcome> {
  const out = new Spool(ctx.area, ctx.memoryBytes, spill?.());
  const verify = new MatchTracker(ctx.bytes);
  // Only when colour codes were removed do matches of the stripped text matter (see below).
  const stripped = new StrippedMatches(ctx.text);
  let pieces: Buffer[] = [];
  const masker = new SpanMasker(ctx.text, MASK_BYTES, (bytes) => pieces.push(bytes));
  const drain = async (): Promise<void> => {
    for (const piece of pieces) {
      verify.write(piece);
      stripped.write(piece);
      await out.write(piece);
    }
    pieces = [];
  };
  const mask = async (bytes: Buffer): Promise<void> => {
    masker.write(bytes);
    await drain();
  };
  const splitter = new DataUriSplitter();
  let payload: Spool | undefined;
  let rewritten = 0;
  const handle = async (events: DataUriEvent[]): Promise<void> => {
    for (const event of events) {
      if (event.kind === 'text') await mask(event.bytes);
      else if (event.kind === 'start') payload = new Spool(ctx.area, ctx.memoryBytes);
      else if (event.kind === 'payload') await payload!.write(event.bytes);
      else {
        const raw = await payload!.finish();
        payload = undefined;
        try {
          // Embedded files first, masking after: masking first could cut `***` into a base64 payload (a STORE zip
          // entry carries the secret's bytes uncompressed, so its base64 can match an aligned variant).
          if ((await scrubPayload(raw, ctx, depth, mask)) !== 'unchanged') rewritten++;
        } finally {
          await dispose(raw);
        }
      }
    }
  };

  try {
    for await (const chunk of chunks) await handle(splitter.write(chunk));
    await handle(splitter.end());
    masker.end();
    await drain();
    verify.end();
    stripped.end();

    let result = await out.finish();
    let found = verify.found.size > 0;
    let changed = masker.count > 0 || rewritten > 0;
    // An expect() diff can colour single characters of a secret, splitting it with escape codes. Only then are
    // colours stripped (from the whole file): the text loses its colours, not its content. Matches of the
    // stripped text are tracked from the first removed code on; any before it are in the masked text too.
    if (stripped.removed > 0 && (stripped.found.size > 0 || found)) {
      const again = await stripAndMask(result, ctx, spill);
      if (again.count > 0) {
        await dispose(result);
        ({ result, found } = again);
        changed = true;
      } else {
        await dispose(again.result);
      }
    }
    // What masking cannot reach (UTF-16 text past the first 8 KB) means the file cannot be kept.
    if (found || !changed) {
      await dispose(result);
      return found ? DELETE : UNCHANGED;
    }
    return { kind: 'changed', result };
  } catch (err) {
    await out.discard();
    await payload?.discard();
    throw err;
  }
}

/** Scrubs one data URI payload (base64 text in `raw`) and hands the text that replaces it to `emit`. */
async function scrubPayload(raw: Source, ctx: Context, depth: number, emit: (bytes: Buffer) => Promise<void>): Promise<Outcome['kind']> {
  let outcome: Outcome;
  if (depth >= MAX_CONTAINER_DEPTH) outcome = { kind: 'delete', problem: tooDeep(DATA_URI_LABEL) };
  else outcome = await scrubInput({ chunks: decodeBase64(chunksOf(raw, ctx.chunkBytes)) }, ctx, depth + 1);
  if (outcome.kind === 'unchanged') {
    for await (const chunk of chunksOf(raw, ctx.chunkBytes)) await emit(chunk);
  } else if (outcome.kind === 'changed') {
    const encoder = new Base64Encoder();
    for await (const chunk of chunksOf(outcome.result, ctx.chunkBytes)) await emit(encoder.write(chunk));
    await emit(encoder.end());
    await dispose(outcome.result);
  } else if (outcome.problem) {
    // A payload we must drop becomes an empty data URI: the page still loads, without that content.
    ctx.problems.push({ at: DATA_URI_LABEL, ...outcome.problem });
  }
  return outcome.kind;
}

/** The second pass over masked text whose colour codes split a secret: strip them, mask again. */
async function stripAndMask(masked: Source, ctx: Context, spill?: Spill): Promise<{ result: Source; found: boolean; count: number }> {
  const out = new Spool(ctx.area, ctx.memoryBytes, spill?.());
  const verify = new MatchTracker(ctx.bytes);
  let pieces: Buffer[] = [];
  const masker = new SpanMasker(ctx.text, MASK_BYTES, (bytes) => pieces.push(bytes));
  const stripper = new AnsiStripper((bytes) => masker.write(bytes));
  const drain = async (): Promise<void> => {
    for (const piece of pieces) {
      verify.write(piece);
      await out.write(piece);
    }
    pieces = [];
  };
  try {
    for await (const chunk of chunksOf(masked, ctx.chunkBytes)) {
      stripper.write(chunk);
      await drain();
    }
    stripper.end();
    masker.end();
    await drain();
    verify.end();
    return { result: await out.finish(), found: verify.found.size > 0, count: masker.count };
  } catch (err) {
    await out.discard();
    throw err;
  }
}

async function scrubGzip(chunks: AsyncIterable<Buffer>, ctx: Context, depth: number, spill?: Spill): Promise<Outcome> {
  const origin = {};
  let outcome: Outcome;
  try {
    outcome = await scrubInput(
      { chunks: transformed(chunks, createGunzip({ chunkSize: Math.max(64, ctx.chunkBytes) }), origin, 'unreadable-gzip') },
      ctx,
      depth + 1,
    );
  } catch (err) {
    // As with zips: what we cannot decompress we cannot check.
    if (err instanceof ArtifactError && err.origin === origin) return { kind: 'delete', problem: { reason: err.reason, detail: err.detail } };
    throw err;
  }
  if (outcome.kind !== 'changed') return outcome;
  const out = new Spool(ctx.area, ctx.memoryBytes, spill?.());
  try {
    for await (const chunk of transformed(
      chunksOf(outcome.result, ctx.chunkBytes),
      createGzip({ chunkSize: Math.max(64, ctx.chunkBytes) }),
      WRITE_ORIGIN,
      'write-failed',
    ))
      await out.write(chunk);
    return { kind: 'changed', result: await out.finish() };
  } catch (err) {
    await out.discard();
    throw err;
  } finally {
    await dispose(outcome.result);
  }
}

interface Planned {
  info: ZipEntryInfo;
  name: string;
  outcome: Outcome;
}

async function scrubZip(source: Source, ctx: Context, depth: number, spill?: Spill): Promise<Outcome> {
  const origin = {};
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(source);
  } catch (err) {
    // A zip we cannot open is a zip we cannot check: fail closed.
    return { kind: 'delete', problem: { reason: 'unreadable-zip', detail: describeError(err) } };
  }
  const read = (info: ZipEntryInfo): AsyncIterable<Buffer> => transformed(zip.read(info, ctx.chunkBytes), undefined, origin, 'unreadable-zip');
  const planned: Planned[] = [];
  let writer: ZipWriter | undefined;
  let out: Spool | undefined;
  try {
    let changed = false;
    let heldInMemory = 0;
    for (const info of zip.entries) {
      const name = replaceSpans(info.name, ctx.variants, NAME_MASK).text;
      changed ||= name !== info.name;
      if (info.dir) {
        planned.push({ info, name, outcome: UNCHANGED });
        continue;
      }
      const inner: Context = { ...ctx, removed: [], problems: [] };
      let outcome = await scrubInput({ chunks: read(info) }, inner, depth + 1);
      ctx.removed.push(...inner.removed.map((r) => `${name}!${r}`));
      ctx.problems.push(...inner.problems.map((p) => ({ ...p, at: `${name}!${p.at}` })));
      if (outcome.kind === 'delete') {
        ctx.removed.push(name);
        if (outcome.problem) ctx.problems.push({ at: name, ...outcome.problem });
      }
      if (outcome.kind === 'changed' && outcome.result.kind === 'memory') {
        // Rewritten entries wait for the rewrite of the whole zip; past a budget they wait on disk.
        heldInMemory += sizeOf(outcome.result);
        if (heldInMemory > 4 * ctx.memoryBytes) outcome = { kind: 'changed', result: await spoolCopy(outcome.result, new Spool(ctx.area, 0), ctx.chunkBytes) };
      }
      changed ||= outcome.kind !== 'unchanged';
      planned.push({ info, name, outcome });
    }
    const comment = maskLatin1(zip.comment, ctx);
    changed ||= !comment.equals(zip.comment);
    if (!changed) {
      // Entries are clean; a secret left in the raw bytes sits in headers we do not rewrite. Fail closed.
      return (await holdsSecret(chunksOf(source, ctx.chunkBytes), ctx.bytes)) ? DELETE : UNCHANGED;
    }

    writer = new ZipWriter();
    for (const { info, name, outcome } of planned) {
      if (outcome.kind === 'delete') continue;
      const options = { mtime: info.mtime, mode: info.mode, comment: maskLatin1(info.comment, ctx) };
      try {
        if (info.dir) writer.addDirectory(name, options);
        else if (outcome.kind === 'changed') {
          writer.addFile(name, { ...options, compress: info.method !== 0, size: sizeOf(outcome.result) }, () => chunksOf(outcome.result, ctx.chunkBytes));
        } else writer.addFile(name, { ...options, compress: info.method !== 0, size: info.size }, () => read(info));
      } catch (err) {
        throw new ArtifactError('write-failed', describeError(err), origin); // yazl refuses some names ('..', absolute)
      }
    }
    out = new Spool(ctx.area, ctx.memoryBytes, spill?.());
    const verify = new MatchTracker(ctx.bytes);
    const sink = out;
    await writer.finish(comment, async (chunk) => {
      verify.write(chunk);
      await sink.write(chunk);
    });
    verify.end();
    if (verify.found.size > 0) {
      await out.discard();
      return DELETE;
    }
    return { kind: 'changed', result: await out.finish() };
  } catch (err) {
    writer?.abort();
    await out?.discard();
    if (err instanceof ArtifactError && err.origin === origin) return { kind: 'delete', problem: { reason: err.reason, detail: err.detail } };
    throw err;
  } finally {
    zip.close();
    for (const { outcome } of planned) if (outcome.kind === 'changed') await dispose(outcome.result);
  }
}

/** Zip and entry comments are masked as bytes (any encoding survives unchanged outside a match). */
function maskLatin1(bytes: Buffer, ctx: Context): Buffer {
  if (bytes.length === 0) return bytes;
  const pieces: Buffer[] = [];
  const masker = new SpanMasker(ctx.text, MASK_BYTES, (piece) => pieces.push(piece));
  masker.write(bytes);
  masker.end();
  return masker.count === 0 ? bytes : Buffer.concat(pieces);
}

async function holdsSecret(chunks: AsyncIterable<Buffer>, needles: NeedleSet): Promise<boolean> {
  const tracker = new MatchTracker(needles);
  for await (const chunk of chunks) {
    tracker.write(chunk);
    if (tracker.found.size > 0) return true; // leaving the loop releases the stream
  }
  tracker.end();
  return tracker.found.size > 0;
}

async function* decodeBase64(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = new Base64Decoder();
  for await (const chunk of chunks) yield decoder.write(chunk);
  yield decoder.end();
}

async function spoolCopyChunks(chunks: AsyncIterable<Buffer>, spool: Spool): Promise<Source> {
  try {
    for await (const chunk of chunks) await spool.write(chunk);
    return await spool.finish();
  } catch (err) {
    await spool.discard();
    throw err;
  }
}

function tooDeep(container: string): Problem {
  return { reason: 'too-deep', detail: `a ${container} nested more than ${MAX_CONTAINER_DEPTH} containers deep` };
}
