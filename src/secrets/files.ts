/**
 * Walking and decoding helpers shared by the scrubber and the scanner. Deliberately free of any masking logic,
 * so the scanner stays an independent check of what the scrubber did.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** How deep zips-in-zips, gzip streams and data URIs are opened; a container deeper still cannot be checked. */
export const MAX_CONTAINER_DEPTH = 6;

/** Bytes looked at to tell a zip, a gzip stream, text and binary apart (looksText reads this many). */
export const SNIFF_BYTES = 8192;

/**
 * Why an artifact could not be scrubbed or scanned. All but `vanished` mean it cannot be vouched for, so it is
 * deleted (fail closed); a file that vanished between listing and reading holds nothing any more.
 */
export type ProblemReason = 'vanished' | 'unreadable' | 'unreadable-zip' | 'unreadable-gzip' | 'too-deep' | 'changing' | 'write-failed';

/**
 * A failure tied to the container (or file) that raised it: each level catches only its own, so a corrupt zip
 * entry condemns that zip, not the gzip stream or zip that the bad bytes happened to pass through.
 */
export class ArtifactError extends Error {
  constructor(
    readonly reason: ProblemReason,
    /** An error code or a library message: never file content. Callers mask it before reporting. */
    readonly detail: string,
    readonly origin: object,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** The errno code of a file system error (never its message, which holds the path), or the message of another. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

export interface WalkEntry {
  /** Absolute path. */
  abs: string;
  /** Path relative to the walked directory, with `/` separators ('' for the directory itself). */
  rel: string;
  /** `gone`: listed, then vanished before it could be looked at; `unreadable`: could not be looked at or listed. */
  type: 'file' | 'dir' | 'symlink' | 'gone' | 'unreadable';
  /** For symlinks: the link text (never followed). */
  target?: string;
  /** For `unreadable`: the error code. */
  code?: string;
}

/**
 * Every file, directory and symlink under `dir`, parents before children. Symlinks are reported, not followed.
 * Never throws for one entry: what vanishes or cannot be read mid-walk (a Playwright worker still writing after
 * SIGTERM) is yielded as `gone` or `unreadable` and the walk goes on.
 * The file system calls are synchronous: one async lstat per entry cost ~0.2 ms of thread-pool round trip,
 * seconds for the thousands of files a tenant-probe run writes, while there is nothing else to do meanwhile.
 */
export async function* walk(dir: string): AsyncGenerator<WalkEntry> {
  const root = path.resolve(dir);
  const pending = [root];
  const relOf = (abs: string): string => path.relative(root, abs).split(path.sep).join('/');
  while (pending.length > 0) {
    const current = pending.shift()!;
    let names: string[];
    try {
      names = readdirSync(current).sort();
    } catch (err) {
      yield isNotFound(err)
        ? { abs: current, rel: relOf(current), type: 'gone' }
        : { abs: current, rel: relOf(current), type: 'unreadable', code: describeError(err) };
      continue;
    }
    for (const name of names) {
      const abs = path.join(current, name);
      const rel = relOf(abs);
      let entry: WalkEntry | undefined;
      try {
        const stat = lstatSync(abs);
        if (stat.isSymbolicLink()) entry = { abs, rel, type: 'symlink', target: readlinkSync(abs) };
        else if (stat.isDirectory()) entry = { abs, rel, type: 'dir' };
        else if (stat.isFile()) entry = { abs, rel, type: 'file' };
        // Sockets, FIFOs and devices hold no report data; reading a FIFO would block.
      } catch (err) {
        entry = isNotFound(err) ? { abs, rel, type: 'gone' } : { abs, rel, type: 'unreadable', code: describeError(err) };
      }
      if (!entry) continue;
      yield entry;
      if (entry.type === 'dir') pending.push(abs);
    }
  }
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Text, for our purposes: no NUL byte in the first 8 KB (the heuristic git and grep use). */
export function looksText(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return false;
  return true;
}
