/**
 * The rollout journal: what a rollout recorded (the rollback point), where it is, and what it was about
 * to change. Intent is written (and fsynced) before every ARM change and cleared once ARM confirmed it,
 * so a run killed at any moment leaves a journal that, read together with what ARM reports, says what
 * happened. ARM is the source of truth; the journal only says what revgate meant (see reconcile.ts).
 *
 * Writes are atomic (a temporary file renamed over the journal). A lock file with the writer's pid keeps
 * two runs off one journal; a lock whose process is gone (a killed run) is taken over.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AppRef, TrafficEntry } from '../aca/types.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';

export const JOURNAL_VERSION = 1;

export type RolloutState = 'running' | 'holding' | 'completed' | 'rolled-back' | 'aborted' | 'stopped';
export const TERMINAL: ReadonlySet<RolloutState> = new Set(['completed', 'rolled-back', 'aborted']);

export type StepVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

export interface Journal {
  version: typeof JOURNAL_VERSION;
  app: AppRef;
  armEndpoint: string;
  /** The canary revision. */
  revision: string;
  /** The revision in service when it started, which the gate compares the canary with. */
  baseline: string;
  steps: number[];
  criteria: string;
  createdAt: string;
  updatedAt: string;
  /** The newest revision when it started; a newer one appearing stops the rollout. */
  latestAtStart: string;
  /** The traffic before the first change, pinned to revision names, labels included. */
  rollbackPoint: TrafficEntry[];
  state: RolloutState;
  /** Index of the step whose traffic ARM holds (-1: none yet, the rollback point). */
  step: number;
  /** The table ARM confirmed last. */
  applied: TrafficEntry[];
  /** Written before a change and cleared once ARM confirmed it. */
  intent?: { kind: 'step' | 'rollback'; step: number; traffic: TrafficEntry[]; at: string };
  history: Array<{
    step: number;
    weight: number;
    verdict: StepVerdict;
    summary: string;
    at: string;
    /** Synthetic requests the gate sent to the canary (0: decided by real traffic alone). */
    synthetic?: number;
    /** Real requests to the canary that Azure Monitor reported for the hold (with --real-traffic). */
    real?: number;
  }>;
  /** Why it stopped, rolled back or was aborted. */
  reason?: string;
}

export function readJournal(file: string): Journal | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RevgateError(ErrorCodes.Usage, `cannot read the rollout journal ${file}: ${(err as Error).message}`);
  }
  let j: Journal;
  try {
    j = JSON.parse(text) as Journal;
  } catch (err) {
    throw new RevgateError(
      ErrorCodes.Usage,
      `the rollout journal ${file} is not valid JSON (${(err as Error).message}): restore it, or delete it to start over`,
    );
  }
  if (j?.version !== JOURNAL_VERSION || !Array.isArray(j.steps) || !Array.isArray(j.rollbackPoint) || typeof j.revision !== 'string')
    throw new RevgateError(ErrorCodes.Usage, `${file} is not a revgate rollout journal (version ${JOURNAL_VERSION})`);
  return j;
}

/** Replaces the journal atomically and durably: the file is either the old or the new journal, never half of one. */
export function writeJournal(file: string, j: Journal): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ ...j, updatedAt: new Date().toISOString() }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dir = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is atomic.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the journal's lock (refusing if a live process holds it); returns the release. */
export function lockJournal(file: string): () => void {
  mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new RevgateError(ErrorCodes.Usage, `another revgate rollout (pid ${pid}) is using ${file}: wait for it, or stop it first`);
      rmSync(lock, { force: true }); // left by a run that was killed
    }
  }
  throw new RevgateError(ErrorCodes.Usage, `cannot lock ${file}`);
}
