import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';

const MARKER = '.revgate-output';
const LOCK = '.revgate-lock';
/** Files revgate keeps in OUT between runs: they are not reports. */
const KEPT = new Set([MARKER, LOCK]);

/** The real path of `p`, or of its nearest existing ancestor joined with the rest: OUT need not exist yet. */
function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  while (!existsSync(head)) {
    tail.unshift(path.basename(head));
    const up = path.dirname(head);
    if (up === head) break;
    head = up;
  }
  return path.join(realpathSync(head), ...tail);
}

const inside = (file: string, dir: string): boolean => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * Everything wrong with `dir` as this run's output folder, found before anything starts: a file in its
 * place, and an input the run reads (config, profile, criteria, catalog, baseline, CA) lying inside it,
 * which emptying the folder would delete.
 */
export function outputDirProblems(dir: string, inputs: readonly string[], flag = '--out'): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const abs = path.resolve(dir);
  if (existsSync(abs) && !statSync(abs).isDirectory())
    problems.push({ path: flag, message: `${dir} is a file, not a folder: choose a folder for the reports` });
  const out = realish(abs);
  for (const input of inputs) {
    if (inside(realish(input), out))
      problems.push({ path: flag, message: `${dir} holds ${input}, which this run reads: emptying the output folder would delete it; choose another ${flag}` });
  }
  return problems;
}

export interface OutputClaim {
  /** Gives the folder up (removes the lock); the reports stay. */
  release(): void;
}

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true; // cannot tell: another machine's run is assumed live
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * Claims the output folder for this run: a lock file (a second run on the same folder gets exit 3 naming the
 * holder; a lock left by a dead run is taken over), then the folder is emptied so reports from a previous run
 * never mix with this one, but only when it is empty or was written by revgate: `--out .` must not wipe a repository.
 */
export function claimOutputDir(dir: string): OutputClaim {
  const fail = (message: string): RevgateError => new RevgateError(ErrorCodes.Usage, message);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fail(`cannot create the output folder ${dir}: ${(err as Error).message.replace(/^\w+: /, '')}`);
  }
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw fail(`refusing to use ${dir} as the output folder: it is not empty and was not written by revgate (choose another --out)`);
  }
  const lockFile = path.join(dir, LOCK);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw fail(`cannot write to the output folder ${dir}: ${(err as Error).message.replace(/^\w+: /, '')}`);
      const holder = readHolder(lockFile);
      if (holder && alive(holder))
        throw fail(`${dir} is in use by another revgate run (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}): give each run its own --out`);
      if (attempt > 0) throw fail(`cannot take the lock on ${dir}`);
      rmSync(lockFile, { force: true }); // left by a run that is gone
    }
  }
  for (const entry of readdirSync(dir)) if (!KEPT.has(entry)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  writeFileSync(path.join(dir, MARKER), 'This folder is written by revgate and emptied at the start of each run.\n');
  return {
    release: () => {
      if (readHolder(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
    },
  };
}

/** Removes every report from OUT (what a forced quit leaves unscrubbed), keeping the marker and the lock. */
export function wipeOutputDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) if (!KEPT.has(entry)) rmSync(path.join(dir, entry), { recursive: true, force: true });
}
