/**
 * The safety net behind redact-at-source: rewrite every output file so that no registered secret survives,
 * including inside zips (Playwright traces, Allure copies of them) and inside the zip Playwright's HTML report
 * embeds in index.html. What cannot be cleaned without breaking it (a binary that holds a secret) is deleted.
 */
import { readFileSync } from 'node:fs';
import { access, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type JSZip from 'jszip';
import { replaceSpans, stripAnsi } from './encodings.js';
import { MAX_CONTAINER_DEPTH, findDataUris, isGzip, isZip, looksText, readZip, walk } from './files.js';
import { MASK, type Redactor } from './redactor.js';

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
}

/** File and directory names cannot hold `*` on Windows agents, so names are masked with a word instead. */
const NAME_MASK = 'REDACTED';

type Outcome = { kind: 'unchanged' } | { kind: 'changed'; bytes: Buffer } | { kind: 'delete' };

interface Context {
  redactor: Redactor;
  /** The variants as latin1 strings of their UTF-8 bytes, to match against byte-preserving decoded text. */
  latin1Needles: string[];
  /** Zip entries removed along the way, as `<container path>!<entry>`. */
  removed: string[];
}

export async function scrubDirectory(dir: string, redactor: Redactor): Promise<ScrubReport> {
  const report: ScrubReport = { filesScanned: 0, filesChanged: [], filesDeleted: [] };
  if (redactor.size === 0) {
    for await (const entry of walk(dir)) if (entry.type === 'file') report.filesScanned++;
    return report;
  }
  const variants = redactor.variants();
  const maskName = (rel: string): string => path.join(dir, ...rel.split('/').map((part) => replaceSpans(part, variants, NAME_MASK).text));
  const toRename: string[] = [];
  const latin1Needles = variants.map((v) => Buffer.from(v, 'utf8').toString('latin1'));

  for await (const entry of walk(dir)) {
    // Names are fixed at the end (deepest first) so the walk is not disturbed; report paths use final names.
    const base = path.basename(entry.abs);
    if (entry.type !== 'symlink' && replaceSpans(base, variants, NAME_MASK).text !== base) toRename.push(entry.abs);
    if (entry.type === 'symlink') {
      // Not followed: an uploader that follows it would publish content we never saw, so a link that names a
      // secret goes, and the link target itself is outside the run's outputs.
      if (redactor.has(entry.target ?? '') || redactor.has(entry.rel)) {
        await unlink(entry.abs);
        report.filesDeleted.push(maskName(entry.rel));
      }
      continue;
    }
    if (entry.type !== 'file') continue;

    report.filesScanned++;
    const ctx: Context = { redactor, latin1Needles, removed: [] };
    // Read synchronously: see walk() in files.ts.
    const outcome = await scrubBytes(readFileSync(entry.abs), ctx, 0);
    const shownAs = maskName(entry.rel);
    report.filesDeleted.push(...ctx.removed.map((inner) => `${shownAs}!${inner}`));
    if (outcome.kind === 'changed') {
      await writeAtomically(entry.abs, outcome.bytes);
      report.filesChanged.push(shownAs);
    } else if (outcome.kind === 'delete') {
      await unlink(entry.abs);
      report.filesDeleted.push(shownAs);
      const index = toRename.indexOf(entry.abs);
      if (index !== -1) toRename.splice(index, 1);
    } else if (shownAs !== path.join(dir, entry.rel)) {
      report.filesChanged.push(shownAs);
    }
  }

  // Deepest first, so renaming a directory does not invalidate the paths of entries below it.
  toRename.sort((a, b) => b.split(path.sep).length - a.split(path.sep).length);
  for (const abs of toRename) {
    const base = path.basename(abs);
    const masked = replaceSpans(base, variants, NAME_MASK).text;
    await rename(abs, await freeName(path.dirname(abs), masked));
  }
  return report;
}

async function scrubBytes(bytes: Buffer, ctx: Context, depth: number): Promise<Outcome> {
  if (bytes.length === 0) return { kind: 'unchanged' };
  if (depth < MAX_CONTAINER_DEPTH && isZip(bytes)) return scrubZip(bytes, ctx, depth);
  if (depth < MAX_CONTAINER_DEPTH && isGzip(bytes)) return scrubGzip(bytes, ctx, depth);
  if (looksText(bytes)) return scrubText(bytes, ctx, depth);
  // Binary: masking bytes in place would corrupt the format (PNG chunk CRCs, offsets), so it goes.
  return ctx.redactor.hasBytes(bytes) ? { kind: 'delete' } : { kind: 'unchanged' };
}

async function scrubText(bytes: Buffer, ctx: Context, depth: number): Promise<Outcome> {
  // latin1 maps each byte to one char and back, so bytes outside a match are preserved exactly.
  const original = bytes.toString('latin1');
  let text = original;

  // Embedded files first: masking the text first could cut `***` into a base64 payload (a STORE zip entry
  // carries the secret's bytes uncompressed, so its base64 can match an aligned variant) and break the zip.
  if (depth < MAX_CONTAINER_DEPTH) {
    const uris = findDataUris(text);
    if (uris.length > 0) {
      let rebuilt = '';
      let cursor = 0;
      for (const uri of uris) {
        const outcome = await scrubBytes(uri.bytes, ctx, depth + 1);
        if (outcome.kind === 'unchanged') continue;
        // A payload we must drop becomes an empty data URI: the page still loads, without that content.
        rebuilt += text.slice(cursor, uri.start) + (outcome.kind === 'changed' ? outcome.bytes.toString('base64') : '');
        cursor = uri.end;
      }
      text = rebuilt + text.slice(cursor);
    }
  }

  let masked = replaceSpans(text, ctx.latin1Needles, MASK).text;
  // An expect() diff can colour single characters of a secret, splitting it with escape codes. Only then are
  // colours stripped (from the whole file): the text loses its colours, not its content.
  const stripped = stripAnsi(masked);
  if (stripped !== masked) {
    const again = replaceSpans(stripped, ctx.latin1Needles, MASK);
    if (again.count > 0) masked = again.text;
  }
  const result = masked === original ? bytes : Buffer.from(masked, 'latin1');
  // What masking cannot reach (UTF-16 text past the first 8 KB) means the file cannot be kept.
  if (ctx.redactor.hasBytes(result)) return { kind: 'delete' };
  return masked === original ? { kind: 'unchanged' } : { kind: 'changed', bytes: result };
}

async function scrubGzip(bytes: Buffer, ctx: Context, depth: number): Promise<Outcome> {
  let inner: Buffer;
  try {
    inner = gunzipSync(bytes);
  } catch {
    return { kind: 'delete' }; // as with zips: what we cannot decompress we cannot check
  }
  const outcome = await scrubBytes(inner, ctx, depth + 1);
  return outcome.kind === 'changed' ? { kind: 'changed', bytes: gzipSync(outcome.bytes) } : outcome;
}

async function scrubZip(bytes: Buffer, ctx: Context, depth: number): Promise<Outcome> {
  let opened: Awaited<ReturnType<typeof readZip>>;
  try {
    opened = await readZip(bytes);
  } catch {
    // A zip we cannot open is a zip we cannot check: fail closed.
    return { kind: 'delete' };
  }
  const { zip, entries } = opened;
  const variants = ctx.redactor.variants();
  let changed = false;

  for (const entry of entries) {
    const compression = compressionOf(entry.object);
    // Unchanged entries keep their method, which also lets JSZip copy their compressed bytes as they are.
    entry.object.options.compression = compression;
    const inner: Context = { ...ctx, removed: [] };
    const outcome = await scrubBytes(entry.bytes, inner, depth + 1);
    const name = replaceSpans(entry.name, variants, NAME_MASK).text;
    ctx.removed.push(...inner.removed.map((r) => `${name}!${r}`));

    if (outcome.kind === 'delete') {
      zip.remove(entry.name);
      ctx.removed.push(name);
      changed = true;
    } else if (outcome.kind === 'changed' || name !== entry.name) {
      if (name !== entry.name) zip.remove(entry.name);
      zip.file(name, outcome.kind === 'changed' ? outcome.bytes : entry.bytes, {
        binary: true,
        createFolders: false, // JSZip would otherwise add directory entries the original did not have
        compression,
        date: entry.object.date,
        comment: entry.object.comment ? ctx.redactor.mask(entry.object.comment) : undefined,
        unixPermissions: entry.object.unixPermissions,
        dosPermissions: entry.object.dosPermissions,
      } as JSZip.JSZipFileOptions);
      changed = true;
    }
  }

  const comment = (zip as unknown as { comment?: string }).comment;
  if (comment && ctx.redactor.has(comment)) changed = true;
  if (!changed) {
    // Entries are clean; a secret left in the raw bytes sits in headers we do not rewrite. Fail closed.
    return ctx.redactor.hasBytes(bytes) ? { kind: 'delete' } : { kind: 'unchanged' };
  }
  const anyUnix = entries.some((e) => e.object.unixPermissions !== null && e.object.unixPermissions !== undefined);
  const regenerated = await zip.generateAsync({
    type: 'nodebuffer',
    platform: anyUnix ? 'UNIX' : 'DOS',
    ...(comment ? { comment: ctx.redactor.mask(comment) } : {}),
  });
  return ctx.redactor.hasBytes(regenerated) ? { kind: 'delete' } : { kind: 'changed', bytes: regenerated };
}

/** The entry's original method, read from JSZip's loaded data (JSZip does not expose it publicly). */
function compressionOf(object: JSZip.JSZipObject): 'STORE' | 'DEFLATE' {
  const magic = (object as unknown as { _data?: { compression?: { magic?: string } } })._data?.compression?.magic;
  return magic === '\x00\x00' ? 'STORE' : 'DEFLATE';
}

async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.revgate-scrub-${process.pid}`;
  await writeFile(temp, bytes, { mode: (await stat(file)).mode & 0o7777 });
  await rename(temp, file);
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
