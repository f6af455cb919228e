/**
 * An independent check that no secret reached the outputs: searches raw bytes, zip entries (recursively),
 * gzip streams and base64 data URIs (Playwright's HTML report embeds its data zip as one) for every variant.
 * It shares only walking/decoding helpers with the scrubber, never its masking, so a scrubber bug shows up here.
 * It streams like the scrubber (bounded memory whatever the file size) and never changes a file: what it cannot
 * check is reported, and the caller deletes everything reported.
 */
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { MIN_SECRET_LENGTH, byteVariantsOf, replaceSpans, type VariantKind } from './encodings.js';
import { ArtifactError, MAX_CONTAINER_DEPTH, SNIFF_BYTES, isGzip, isNotFound, isZip, looksText, walk } from './files.js';
import { needleIndex } from './needle-index.js';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MEMORY_BYTES,
  Spool,
  TempArea,
  chunksOf,
  dispose,
  drain,
  openChecked,
  peek,
  sniff,
  transformed,
  unchangedSince,
  type Source,
  type StreamOptions,
} from './spool.js';
import { Base64Decoder, DataUriSplitter, StrippedMatches, type DataUriEvent } from './stream-decode.js';
import { MatchTracker, NeedleSet } from './stream-search.js';
import { ZipReader } from './zip.js';

/** Why a file (or part of one) could not be checked; the caller deletes it like a leak, except `vanished`. */
export type ScanProblem = 'unreadable-zip' | 'unreadable-gzip' | 'unreadable' | 'too-deep' | 'changing' | 'vanished';

export interface LeakFinding {
  /**
   * `path.join(dir, relative path)`, as grep -r prints it (absolute when `dir` is), so callers can open or
   * delete it. A name that itself holds a secret is shown with `REDACTED` in its place.
   */
  file: string;
  /**
   * Where inside the file: `raw` for the file's own bytes; otherwise the chain of containers, e.g.
   * `zip:trace.trace`, `embedded-zip:report.json`, `zip:inner.zip > zip:trace.network`, `data-uri`, `gzip`,
   * with ` (ansi-stripped)` when the secret only appears once colour codes are removed; `path` when the
   * file's name holds it, `symlink-target` for a link's text; `file` for a problem with the whole file.
   */
  where: string;
  /**
   * The encoding that matched (`raw`, `url`, `base64`, `base64-aligned`, `json`, ...) — never the secret or its
   * encoded text, so findings can be printed. Otherwise (with `secretIndex` -1) why that part could not be
   * checked: `unreadable-zip`/`unreadable-gzip` (corrupt, truncated, encrypted), `unreadable` (a read error),
   * `too-deep` (containers nested deeper than MAX_CONTAINER_DEPTH), `changing` (written while being read, on
   * every try), `vanished` (listed, then gone: nothing left to leak, and not an error for the run).
   */
  variant: VariantKind | ScanProblem;
  /** Index into the `secrets` argument; -1 for a part that could not be checked. */
  secretIndex: number;
}

/** The scanner reads as the scrubber does (chunk size, memory bound, temporary folder). */
export type ScanOptions = StreamOptions;

interface Needle {
  kind: VariantKind;
  bytes: Buffer;
  /** The variant as it appears in JS strings (file names) ... */
  text: string;
  /** ... and as it appears in bytes decoded byte-for-byte. */
  latin1: string;
  secretIndex: number;
}

interface State {
  needles: Needle[];
  set: NeedleSet;
  area: TempArea;
  chunkBytes: number;
  memoryBytes: number;
}

type Report = (where: string, variant: LeakFinding['variant'], secretIndex: number) => void;

/** A file found changed after it was scanned is scanned again, this many times in all. */
const ATTEMPTS = 3;

/**
 * Every place any of `secrets` (in any known encoding) appears under `dir`, and every part that could not be
 * checked. Secrets shorter than 4 characters are skipped, as the Redactor skips them (they would match ordinary
 * text). Never throws for one bad file.
 */
export async function scanForLeaks(dir: string, secrets: string[], options: ScanOptions = {}): Promise<LeakFinding[]> {
  const needles: Needle[] = [];
  secrets.forEach((secret, secretIndex) => {
    for (const value of new Set([secret, secret.trim()])) {
      if (value.trim().length < MIN_SECRET_LENGTH) continue;
      for (const v of byteVariantsOf(value)) {
        needles.push({ kind: v.kind, bytes: v.bytes, text: v.bytes.toString('utf8'), latin1: v.bytes.toString('latin1'), secretIndex });
      }
    }
  });
  if (needles.length === 0) return [];
  // A finding about a file or zip entry whose *name* holds the secret must not print that name.
  const texts = needles.map((n) => n.text).sort((a, b) => b.length - a.length);
  const printable = (s: string): string => replaceSpans(s, texts, 'REDACTED').text;
  const findings = new Map<string, LeakFinding>();
  const record = (f: LeakFinding): void => {
    const safe = { ...f, file: path.join(dir, printable(f.file)), where: printable(f.where) };
    findings.set(`${safe.file}\0${safe.where}\0${safe.variant}\0${safe.secretIndex}`, safe);
  };
  const state: State = {
    needles,
    set: new NeedleSet(needles.map((n) => n.latin1)),
    area: new TempArea(options.tempDir ?? os.tmpdir()),
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY_BYTES,
  };

  try {
    for await (const entry of walk(dir)) {
      const problem = (variant: ScanProblem): void => record({ file: entry.rel, where: 'file', variant, secretIndex: -1 });
      if (entry.type === 'gone') problem('vanished');
      if (entry.type === 'unreadable') problem('unreadable');
      if (entry.type === 'gone' || entry.type === 'unreadable') continue;
      for (const n of found(needles, Buffer.from(entry.rel, 'utf8'))) record({ file: entry.rel, where: 'path', variant: n.kind, secretIndex: n.secretIndex });
      if (entry.type === 'symlink') {
        const target = Buffer.from(entry.target ?? '', 'utf8');
        for (const n of found(needles, target)) record({ file: entry.rel, where: 'symlink-target', variant: n.kind, secretIndex: n.secretIndex });
      }
      if (entry.type !== 'file') continue;
      await options.onFile?.(entry.abs);
      for (const f of await scanFile(entry.abs, state)) record({ file: entry.rel, ...f });
    }
  } finally {
    await state.area.dispose();
  }
  return [...findings.values()];
}

type Local = Omit<LeakFinding, 'file'>;

async function scanFile(abs: string, state: State): Promise<Local[]> {
  for (let attempt = 1; ; attempt++) {
    const local: Local[] = [];
    const report: Report = (where, variant, secretIndex) => local.push({ where, variant, secretIndex });
    let opened: ReturnType<typeof openChecked>;
    try {
      opened = openChecked(abs, state.memoryBytes);
    } catch (err) {
      return [{ where: 'file', variant: isNotFound(err) ? 'vanished' : 'unreadable', secretIndex: -1 }];
    }
    try {
      await scanInput({ chunks: chunksOf(opened.source, state.chunkBytes), source: opened.source }, [], 0, state, report);
    } catch (err) {
      report(
        'file',
        err instanceof ArtifactError && err.reason !== 'vanished' && err.reason !== 'write-failed' ? (err.reason as ScanProblem) : 'unreadable',
        -1,
      );
    } finally {
      opened.close();
    }
    try {
      if (unchangedSince(abs, opened.stat)) return local;
    } catch (err) {
      return [{ where: 'file', variant: isNotFound(err) ? 'vanished' : 'unreadable', secretIndex: -1 }];
    }
    // Written while we read it: what we checked is not what is there now.
    if (attempt === ATTEMPTS) return [...local, { where: 'file', variant: 'changing', secretIndex: -1 }];
  }
}

interface Input {
  chunks: AsyncIterable<Buffer>;
  /** The same bytes with random access, when they have it already. */
  source?: Source;
}

async function scanInput(input: Input, trail: string[], depth: number, state: State, report: Report): Promise<void> {
  const where = trail.length === 0 ? 'raw' : trail.join(' > ');
  // The file's own bytes are reported first, then what is inside (as a whole-file search would order them).
  const inside: Array<Parameters<Report>> = [];
  const later: Report = (...finding) => inside.push(finding);
  const raw = new MatchTracker(state.set);
  const reportRaw = (): void => {
    raw.end();
    for (const n of raw.found) report(where, state.needles[n]!.kind, state.needles[n]!.secretIndex);
  };

  const { head, chunks, close } = await sniff(input.chunks, input.source, state.chunkBytes);
  const container = isZip(head) ? 'zip' : isGzip(head) ? 'gzip' : undefined;
  const tapped = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      raw.write(chunk);
      yield chunk;
    }
  };

  if (head.length === 0) {
    await close();
  } else if (container && depth >= MAX_CONTAINER_DEPTH) {
    await drain(tapped());
    later(where, 'too-deep', -1);
  } else if (container === 'zip') {
    let source = input.source;
    let held: Source | undefined;
    if (source) {
      await close();
      for await (const chunk of chunksOf(source, state.chunkBytes)) raw.write(chunk);
    } else {
      // yauzl starts from the central directory at the end, so a nested zip is held (on disk if large).
      const spool = new Spool(state.area, state.memoryBytes);
      try {
        for await (const chunk of tapped()) await spool.write(chunk);
      } catch (err) {
        await spool.discard();
        throw err;
      }
      source = held = await spool.finish();
    }
    try {
      await scanZip(source, trail, 'zip', depth, state, later);
    } finally {
      await dispose(held);
    }
  } else if (container === 'gzip') {
    const origin = {};
    const at = [...trail, 'gzip'];
    try {
      await scanInput(
        { chunks: transformed(tapped(), createGunzip({ chunkSize: Math.max(64, state.chunkBytes) }), origin, 'unreadable-gzip') },
        at,
        depth + 1,
        state,
        later,
      );
    } catch (err) {
      if (!(err instanceof ArtifactError && err.origin === origin)) throw err;
      later(at.join(' > '), 'unreadable-gzip', -1);
    }
  } else if (looksText(head)) {
    const stripped = new StrippedMatches(state.set);
    const splitter = new DataUriSplitter();
    const uris = new DataUris(trail, depth, state, later);
    for await (const chunk of tapped()) {
      stripped.write(chunk);
      for (const event of splitter.write(chunk)) await uris.on(event);
    }
    for (const event of splitter.end()) await uris.on(event);
    stripped.end();
    reportRaw();
    for (const n of stripped.found) if (!raw.found.has(n)) report(`${where} (ansi-stripped)`, state.needles[n]!.kind, state.needles[n]!.secretIndex);
    for (const finding of inside) report(...finding);
    return;
  } else {
    await drain(tapped());
  }
  reportRaw();
  for (const finding of inside) report(...finding);
}

/** Decodes each data URI payload as it streams past (to a spool: zips need random access) and scans it. */
class DataUris {
  #decoder: Base64Decoder | undefined;
  #spool: Spool | undefined;

  constructor(
    private readonly trail: string[],
    private readonly depth: number,
    private readonly state: State,
    private readonly report: Report,
  ) {}

  async on(event: DataUriEvent): Promise<void> {
    const { trail, depth, state, report } = this;
    if (event.kind === 'start') {
      if (depth >= MAX_CONTAINER_DEPTH) report([...trail, 'data-uri'].join(' > '), 'too-deep', -1);
      else [this.#decoder, this.#spool] = [new Base64Decoder(), new Spool(state.area, state.memoryBytes)];
    } else if (event.kind === 'payload') {
      if (this.#spool) await this.#spool.write(this.#decoder!.write(event.bytes));
    } else if (event.kind === 'end' && this.#spool) {
      const spool = this.#spool;
      await spool.write(this.#decoder!.end());
      this.#spool = this.#decoder = undefined;
      const decoded = await spool.finish();
      try {
        const { head, close } = await peek(chunksOf(decoded, SNIFF_BYTES), 4);
        await close();
        if (isZip(head)) await scanZip(decoded, trail, 'embedded-zip', depth + 1, state, report);
        else await scanInput({ chunks: chunksOf(decoded, state.chunkBytes), source: decoded }, [...trail, 'data-uri'], depth + 1, state, report);
      } finally {
        await dispose(decoded);
      }
    }
  }
}

async function scanZip(source: Source, trail: string[], label: string, depth: number, state: State, report: Report): Promise<void> {
  const origin = {};
  const at = trail.length === 0 ? label : [...trail, label].join(' > ');
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(source);
  } catch {
    report(at, 'unreadable-zip', -1);
    return;
  }
  try {
    for (const info of zip.entries) {
      const entryAt = [...trail, `${label}:${info.name}`];
      for (const n of found(state.needles, Buffer.from(info.name, 'utf8'))) report(`${entryAt.join(' > ')} (name)`, n.kind, n.secretIndex);
      if (info.dir) continue;
      await scanInput({ chunks: transformed(zip.read(info, state.chunkBytes), undefined, origin, 'unreadable-zip') }, entryAt, depth + 1, state, report);
    }
  } catch (err) {
    if (!(err instanceof ArtifactError && err.origin === origin)) throw err;
    report(at, 'unreadable-zip', -1);
  } finally {
    zip.close();
  }
}

const latin1Lists = new WeakMap<Needle[], string[]>();

/**
 * The needles whose bytes occur in `bytes` (a name or a link: short), in needle order: the same answer as
 * `bytes.includes(n.bytes)` per needle, found in one indexed pass (see needle-index.ts).
 */
function found(needles: Needle[], bytes: Buffer): Needle[] {
  let texts = latin1Lists.get(needles);
  if (!texts) latin1Lists.set(needles, (texts = needles.map((n) => n.latin1)));
  return needleIndex(texts)
    .matches(bytes.toString('latin1'))
    .map((i) => needles[i] as Needle);
}
