import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from '../../src/verdict/types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'revgate.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/revgate.js -> dist/) as a user would, with a clean CI environment. */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    /** Send SIGINT (once) when stderr first matches. */ interruptOn?: RegExp;
    /** The signal interruptOn sends (default SIGINT). */ interruptWith?: NodeJS.Signals;
  } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    GITHUB_ACTIONS: undefined,
    GITHUB_STEP_SUMMARY: undefined,
    GITHUB_OUTPUT: undefined,
    TF_BUILD: undefined,
    REVGATE_TOKEN: undefined,
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    // Its own process group, so the hang guard below also kills what the CLI started (Playwright workers, browsers),
    // which would otherwise keep writing into a folder the test is removing.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (options.interruptOn && !interrupted && options.interruptOn.test(stderr)) {
        interrupted = true;
        child.kill(options.interruptWith ?? 'SIGINT');
      }
    });
    // A hang guard, not a budget: a run takes seconds, and minutes on an overloaded machine.
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already
      }
    }, options.timeoutMs ?? 300_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Who removes a temp folder: a test context `t` (removed when that test ends, passed or failed), or
 * `{ after }` with node:test's `after` for a folder a whole suite or file shares.
 */
export interface TempOwner {
  after(fn: () => Promise<void>): void;
}

/** A fresh folder in the system temp folder, removed with everything in it when `owner` ends. */
export function tempDir(owner: TempOwner, prefix = 'revgate-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  owner.after(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

/**
 * A copy of a smoke config without latency budgets a loaded machine could reach: every `latency` gets
 * maxMs 60 s and no warnMs, so a check fails or degrades only for what the test injects. The shipped budgets
 * (100-500 ms on loopback) are what a user wants; in a test on a shared 2-core machine they measure the
 * machine. Degraded and failed on latency are tested where a fault injects the latency. Paths in the config
 * (specs, schemas, multipart files, caFile) are rewritten relative to the copy's folder.
 */
export function calmConfig(owner: TempOwner, source: string, options: { declaredOnly?: boolean } = {}): string {
  const dir = tempDir(owner, 'revgate-calm-');
  const from = path.dirname(source);
  const moved = (p: unknown): unknown => (typeof p === 'string' ? path.relative(dir, path.resolve(from, p)) : p);
  const walk = (value: unknown, key = ''): unknown => {
    if (Array.isArray(value)) return key === 'specs' ? value.map(moved) : value.map((v) => walk(v));
    if (value === null || typeof value !== 'object') return value;
    if (key === 'latency') return { maxMs: 60_000 };
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === 'string' && (k === 'schema' || k === 'caFile' || k === 'file') ? moved(v) : walk(v, k)]),
    );
  };
  const doc = walk(JSON.parse(readFileSync(source, 'utf8'))) as Record<string, unknown>;
  delete doc.$schema;
  // Without its specs a suite runs in revgate's process (no Playwright to start): for tests about the declared checks.
  if (options.declaredOnly) delete doc.specs;
  return writeJson(path.join(dir, path.basename(source)), doc);
}

export function readVerdict(out: string): Verdict {
  return JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')) as Verdict;
}

export function writeJson(file: string, value: unknown): string {
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

export function checkStatus(v: Verdict, id: string): string | undefined {
  return v.checks.find((c) => c.id === id)?.status;
}
