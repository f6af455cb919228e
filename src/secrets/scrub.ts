/**
 * The safety net behind redact-at-source: rewrite every output file so that no registered secret survives,
 * including inside zips (Playwright traces, Allure copies of them) and inside the zip Playwright's HTML report
 * embeds in index.html. What cannot be cleaned without breaking it (a binary that holds a secret) is deleted,
 * and so is what cannot be checked at all (fail closed).
 *
 * Everything streams, so memory stays bounded whatever the size of a file or a zip entry: a response body of
 * several GB in a trace is read a chunk at a time, zips entry by entry (see zip.ts), and what must be held
 * (a rewritten entry, a decoded payload) goes to a temporary file past a few MB (see spool.ts).
 */
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { access, copyFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGunzip, createGzip } from 'node:zlib';
import { byteVariantsOf, replaceSpans } from './encodings.js';
import { ArtifactError, MAX_CONTAINER_DEPTH, describeError, isGzip, isNotFound, isZip, looksText, walk, type ProblemReason } from './files.js';
import { MASK, type Redactor } from './redactor.js';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MEMORY_BYTES,
  WRITE_ORIGIN,
  Spool,
  TempArea,
  chunksOf,
  dispose,
  openChecked,
  sniff,
  sizeOf,
  spoolCopy,
  transformed,
  unchangedSince,
  type Source,
  type StreamOptions,
} from './spool.js';
import { AnsiStripper, Base64Decoder, Base64Encoder, DataUriSplitter, StrippedMatches, type DataUriEvent } from './stream-decode.js';
import { MatchTracker, NeedleSet, SpanMasker } from './stream-search.js';
import { ZipReader, ZipWriter, type ZipEntryInfo } from './zip.js';

export interface ScrubReport {
  /** Regular files read (zip entries are not counted separately). */
  filesScanned: number;
  /**
   * Files rewritten or renamed, as `path.join(dir, relative path)` (like grep -r prints them), named as they are
   * after scrubbing.
   */
  filesChanged: string[];
  /**
   * Files deleted, as `path.join(dir, relative path)`; entries removed from inside a zip are listed as
   * `<dir>/path/to/trace.zip!resources/abc.png`.
   */
  filesDeleted: string[];
  /**
   * What could not be scrubbed, and why; present only when something could not (so a clean run's report is
   * what it always was). Each is deleted (`deleted: false` when that failed too, or the file had vanished).
   */
  failures?: ArtifactFailure[];
}

export interface ArtifactFailure {
  /** As in `filesDeleted`: `path.join(dir, rel)`, with `!<entry>` (or `!data-uri`) for content inside a file. */
  file: string;
  /**
   * `vanished` (listed, then gone: a writer cleaning up; not an error for the run), `unreadable` (the file or a
   * directory could not be read), `unreadable-zip` / `unreadable-gzip` (corrupt, truncated, encrypted, CRC
   * mismatch), `too-deep` (containers nested deeper than MAX_CONTAINER_DEPTH), `changing` (still being written
   * after several tries), `write-failed` (the scrubbed copy, a rename or the delete could not be written).
   */
  reason: ProblemReason;
  /** An error code or library message, masked; never file content. */
  detail?: string;
  /** Whether it is gone now. `false` with any reason but `vanished` means it may still hold a secret. */
  deleted: boolean;
}

export type ScrubOptions = StreamOptions;

/** A file found changed after it was scrubbed is scrubbed again, this many times in all, then deleted. */
const ATTEMPTS = 3;

/** File and directory names cannot hold `*` on Windows agents, so names are masked with a word instead. */
const NAME_MASK = 'REDACTED';
const MASK_BYTES = Buffer.from(MASK, 'latin1');
const DATA_URI_LABEL = 'data-uri';

interface Problem {
  reason: ProblemReason;
  detail: string;
}

type Outcome = { kind: 'unchanged' } | { kind: 'changed'; result: Source } | { kind: 'delete'; problem?: Problem };
const UNCHANGED: Outcome = { kind: 'unchanged' };
const DELETE: Outcome = { kind: 'delete' };

interface Context {
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

interface Input {
  chunks: AsyncIterable<Buffer>;
  /** The same bytes with random access, when they already have it (a file on disk): zips need it. */
  source?: Source;
}

/** A new path next to the file being scrubbed, for a scrubbed copy that is then renamed over it (same folder, same file system). */
type Spill = () => string;

export async function scrubDirectory(dir: string, redactor: Redactor, options: ScrubOptions = {}): Promise<ScrubReport> {
  const report: ScrubReport = { filesScanned: 0, filesChanged: [], filesDeleted: [] };
  const failures: ArtifactFailure[] = [];
  const variants = redactor.variants();
  const maskName = (rel: string): string => path.join(dir, ...rel.split('/').map((part) => replaceSpans(part, variants, NAME_MASK).text));
  const fail = (file: string, reason: ProblemReason, deleted: boolean, detail?: string): void => {
    failures.push({ file, reason, ...(detail === undefined ? {} : { detail: redactor.mask(detail) }), deleted });
  };
  const toRename: string[] = [];
  const ctx: Context = {
    redactor,
    text: new NeedleSet(variants.map((v) => Buffer.from(v, 'utf8').toString('latin1'))),
    bytes: new NeedleSet(redactor.values().flatMap((v) => byteNeedles(v))),
    variants,
    area: new TempArea(options.tempDir ?? os.tmpdir()),
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    removed: [],
    problems: [],
  };

  try {
    for await (const entry of walk(dir)) {
      if (redactor.size === 0) {
        if (entry.type === 'file') report.filesScanned++;
        continue;
      }
      const shownAs = maskName(entry.rel);
      if (entry.type === 'gone') {
        fail(shownAs, 'vanished', false);
        continue;
      }
      if (entry.type === 'unreadable') {
        // A directory we cannot list (or an entry we cannot stat) may hold anything: it goes.
        fail(shownAs, 'unreadable', tryRemove(entry.abs, report, shownAs), entry.code);
        continue;
      }
      // Names are fixed at the end (deepest first) so the walk is not disturbed; report paths use final names.
      const base = path.basename(entry.abs);
      if (entry.type !== 'symlink' && replaceSpans(base, variants, NAME_MASK).text !== base) toRename.push(entry.abs);
      if (entry.type === 'symlink') {
        // Not followed: an uploader that follows it would publish content we never saw, so a link that names a
        // secret goes, and the link target itself is outside the run's outputs.
        if (redactor.has(entry.target ?? '') || redactor.has(entry.rel)) {
          if (!tryRemove(entry.abs, report, shownAs)) fail(shownAs, 'write-failed', false);
        }
        continue;
      }
      if (entry.type !== 'file') continue;

      report.filesScanned++;
      await options.onFile?.(entry.abs);
      const after = await scrubFile(entry.abs, shownAs, ctx, report, fail);
      if (after === 'gone') {
        const index = toRename.indexOf(entry.abs);
        if (index !== -1) toRename.splice(index, 1);
      } else if (after === 'kept' && shownAs !== path.join(dir, entry.rel)) {
        report.filesChanged.push(shownAs);
      }
    }

    // Deepest first, so renaming a directory does not invalidate the paths of entries below it.
    toRename.sort((a, b) => b.split(path.sep).length - a.split(path.sep).length);
    for (const abs of toRename) {
      const masked = replaceSpans(path.basename(abs), variants, NAME_MASK).text;
      try {
        await rename(abs, await freeName(path.dirname(abs), masked));
      } catch (err) {
        // A name that keeps its secret cannot stay.
        const shownAs = maskName(path.relative(dir, abs).split(path.sep).join('/'));
        if (isNotFound(err)) fail(shownAs, 'vanished', false);
        else fail(shownAs, 'write-failed', tryRemove(abs, report, shownAs), describeError(err));
      }
    }
  } finally {
    await ctx.area.dispose();
  }
  if (failures.length > 0) report.failures = failures;
  return report;
}

/** Scrubs one file in place: 'changed' (rewritten), 'kept' (as it was) or 'gone'. Never throws. */
async function scrubFile(
  abs: string,
  shownAs: string,
  parent: Context,
  report: ScrubReport,
  fail: (file: string, reason: ProblemReason, deleted: boolean, detail?: string) => void,
): Promise<'changed' | 'kept' | 'gone'> {
  // It vanished (fine), or cannot be read, so cannot be vouched for: it goes.
  const gone = (err: unknown): 'kept' | 'gone' => {
    if (isNotFound(err)) {
      fail(shownAs, 'vanished', false);
      return 'gone';
    }
    const deleted = tryRemove(abs, report, shownAs);
    fail(shownAs, 'unreadable', deleted, describeError(err));
    return deleted ? 'gone' : 'kept';
  };
  for (let attempt = 1; ; attempt++) {
    const ctx: Context = { ...parent, removed: [], problems: [] };
    let opened: ReturnType<typeof openChecked>;
    try {
      opened = openChecked(abs, ctx.memoryBytes);
    } catch (err) {
      return gone(err);
    }
    let spills = 0;
    const spill: Spill = () => `${abs}.revgate-scrub-${process.pid}-${spills++}`;
    let outcome: Outcome;
    try {
      outcome = await scrubInput({ chunks: chunksOf(opened.source, ctx.chunkBytes), source: opened.source }, ctx, 0, spill);
    } catch (err) {
      outcome = { kind: 'delete', problem: problemOf(err) };
    } finally {
      opened.close();
    }

    let same: boolean;
    try {
      same = unchangedSince(abs, opened.stat);
    } catch (err) {
      await discardOutcome(outcome);
      return gone(err);
    }
    if (!same) {
      // Written while we read it: what we scrubbed is not what is there now.
      await discardOutcome(outcome);
      if (attempt < ATTEMPTS) continue;
      outcome = { kind: 'delete', problem: { reason: 'changing', detail: `modified during each of ${ATTEMPTS} attempts` } };
    }

    report.filesDeleted.push(...ctx.removed.map((inner) => `${shownAs}!${inner}`));
    for (const p of ctx.problems) fail(`${shownAs}!${p.at}`, p.reason, true, p.detail);
    if (outcome.kind === 'changed') {
      try {
        await commit(abs, outcome.result, opened.stat.mode);
        report.filesChanged.push(shownAs);
        return 'changed';
      } catch (err) {
        await discardOutcome(outcome);
        outcome = { kind: 'delete', problem: { reason: 'write-failed', detail: describeError(err) } };
      }
    }
    if (outcome.kind === 'delete') {
      const deleted = tryRemove(abs, report, shownAs);
      if (outcome.problem) fail(shownAs, outcome.problem.reason, deleted, outcome.problem.detail);
      else if (!deleted) fail(shownAs, 'write-failed', false, 'could not delete a file that holds a secret');
      return deleted ? 'gone' : 'kept';
    }
    return 'kept';
  }
}

async function scrubInput(input: Input, ctx: Context, depth: number, spill?: Spill): Promise<Outcome> {
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

function byteNeedles(secret: string): string[] {
  return byteVariantsOf(secret).map((v) => v.bytes.toString('latin1'));
}

function tooDeep(container: string): Problem {
  return { reason: 'too-deep', detail: `a ${container} nested more than ${MAX_CONTAINER_DEPTH} containers deep` };
}

function problemOf(err: unknown): Problem {
  return err instanceof ArtifactError ? { reason: err.reason, detail: err.detail } : { reason: 'unreadable', detail: describeError(err) };
}

async function discardOutcome(outcome: Outcome): Promise<void> {
  if (outcome.kind === 'changed') await dispose(outcome.result);
}

/** Puts the scrubbed copy in place of `file`, keeping its permissions; readers see the old or the new file. */
async function commit(file: string, result: Source, mode: number): Promise<void> {
  if (result.kind === 'memory') {
    const temp = `${file}.revgate-scrub-${process.pid}`;
    await writeFile(temp, result.bytes, { mode: mode & 0o7777 });
    await rename(temp, file);
    return;
  }
  chmodSync(result.path, mode & 0o7777);
  try {
    renameSync(result.path, file);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EXDEV') throw err;
    await copyFile(result.path, file);
    await unlink(result.path);
  }
}

/** Deletes a file (or a directory we could not list) and records it; false when it could not be deleted. */
function tryRemove(abs: string, report: ScrubReport, shownAs: string): boolean {
  try {
    rmSync(abs, { recursive: true, force: true });
  } catch {
    return false;
  }
  report.filesDeleted.push(shownAs);
  return true;
}

async function freeName(dir: string, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, i === 0 ? base : `${base}-${i}`);
    try {
      await access(candidate);
    } catch {
      return candidate;
    }
  }
}
