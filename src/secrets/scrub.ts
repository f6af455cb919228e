/**
 * The safety net behind redact-at-source: rewrite every output file so that no registered secret survives,
 * including inside zips (Playwright traces, Allure copies of them) and inside the zip Playwright's HTML report
 * embeds in index.html. What cannot be cleaned without breaking it (a binary that holds a secret) is deleted,
 * and so is what cannot be checked at all (fail closed).
 *
 * Everything streams, so memory stays bounded whatever the size of a file or a zip entry: a response body of
 * several GB in a trace is read a chunk at a time, zips entry by entry (see zip.ts), and what must be held
 * (a rewritten entry, a decoded payload) goes to a temporary file past a few MB (see spool.ts). This file walks
 * the folder and puts results in place; scrub-content.ts scrubs the bytes of each kind of content.
 */
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { access, copyFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { byteVariantsOf, replaceSpans } from './encodings.js';
import { ArtifactError, describeError, isNotFound, walk, type ProblemReason } from './files.js';
import type { Redactor } from './redactor.js';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MEMORY_BYTES,
  TempArea,
  chunksOf,
  dispose,
  openChecked,
  unchangedSince,
  type Source,
  type StreamOptions,
} from './spool.js';
import { NeedleSet } from './stream-search.js';
import { NAME_MASK, scrubInput, type Context, type Outcome, type Problem, type Spill } from './scrub-content.js';

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

function byteNeedles(secret: string): string[] {
  return byteVariantsOf(secret).map((v) => v.bytes.toString('latin1'));
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
