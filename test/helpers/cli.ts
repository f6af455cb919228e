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
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (options.interruptOn && !interrupted && options.interruptOn.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
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

/**
 * A check that did its job on a healthy target: passed, or degraded only because a busy machine pushed it past
 * a latency warning level (every other assertion passed). Loopback timings are not what these tests measure.
 */
export function assertPassedOrSlow(v: Verdict, id: string): void {
  const c = v.checks.find((x) => x.id === id);
  const why = `${id}: ${JSON.stringify(c)}`;
  if (c?.status === 'passed') return;
  if (c?.status !== 'degraded') throw new Error(`expected ${id} to pass, got ${c?.status ?? 'no such check'}: ${why}`);
  const notPassed = (c.assertions ?? []).filter((a) => a.phase !== 'passed').map((a) => a.name);
  if (notPassed.length === 0 || notPassed.some((n) => n !== 'latency')) throw new Error(`${id} is degraded for something other than latency: ${why}`);
}
