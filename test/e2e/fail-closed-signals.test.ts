/**
 * Issue 11, item 4: SIGTERM (CI cancellation, `timeout`) at a random moment of a run still ends with a
 * verdict and leaves no planted token in any file under OUT, zips included and decoded. 24 runs across
 * smoke in Playwright (traces with the token in them), smoke in-process (declared checks only), load (the token
 * in a header), gate and probe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { createRng } from '../../src/stats/rng.js';
import { ROOT } from '../helpers/cli.js';
import { allFiles } from '../helpers/files.js';

const TOKEN = 'planted-sigterm-token-7f6e5d4c3b2a1908';
const KEY = 'planted-sigterm-key-1a2b3c4d5e6f7081';
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-sigterm-'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  out: string;
  afterMs: number;
}

/** Runs the CLI and sends one SIGTERM `afterMs` after it started. */
function terminated(args: string[], afterMs: number, name: string): Promise<Run> {
  const out = path.join(dir, name);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/revgate.js'), ...args, '--out', out], {
      cwd: ROOT,
      env: { ...process.env, REVGATE_TOKEN: TOKEN, PLANTED_KEY: KEY, PLANTED_CUSTOM: KEY, GITHUB_ACTIONS: '', TF_BUILD: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const term = setTimeout(() => child.kill('SIGTERM'), afterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(guard);
      resolve({ code, signal, stderr, out, afterMs });
    });
  });
}

describe('SIGTERM at a random moment', { concurrency: 4 }, () => {
  let canary: RunningSandbox;
  let baseline: RunningSandbox;
  let profile: string;
  // The same suite without its hand-written spec: declared checks only, so it runs in revgate's process.
  const declaredOnly = path.join(dir, 'leak-declared.json');
  before(async () => {
    const { specs: _specs, ...suite } = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/leak.config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(declaredOnly, JSON.stringify(suite));
    canary = await startSandbox({ token: TOKEN, revision: 'sig--canary' });
    baseline = await startSandbox({ token: TOKEN, revision: 'sig--stable' });
    profile = path.join(dir, 'profile.json');
    writeFileSync(
      profile,
      JSON.stringify({
        name: 'sigterm',
        headers: { Authorization: 'Bearer ${REVGATE_TOKEN}' },
        scenarios: { s: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '6s', requests: [{ path: '/api/v1/projects/' }] } },
        thresholds: { http_req_failed: ['rate<0.01'] },
      }),
    );
  });
  after(async () => {
    await Promise.all([canary.stop(), baseline.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const rng = createRng(20261130);
  const commands: Array<[string, () => string[]]> = [
    ...Array.from(
      { length: 8 },
      () => ['smoke', () => ['smoke', '--config', path.join(ROOT, 'test/fixtures/leak.config.json'), '--base-url', canary.url]] as [string, () => string[]],
    ),
    ...Array.from({ length: 4 }, () => ['smoke in-process', () => ['smoke', '--config', declaredOnly, '--base-url', canary.url]] as [string, () => string[]]),
    ...Array.from({ length: 4 }, () => ['load', () => ['load', '--profile', profile, '--base-url', canary.url]] as [string, () => string[]]),
    ...Array.from(
      { length: 4 },
      () =>
        ['gate', () => ['gate', '--canary', canary.url, '--baseline', baseline.url, '--criteria', 'load/criteria/apex-canary.json', '--rate', '50']] as [
          string,
          () => string[],
        ],
    ),
    ...Array.from({ length: 4 }, () => ['probe', () => ['probe', '--sandbox', '--sandbox-tenants', '30']] as [string, () => string[]]),
  ];
  commands.forEach(([name, args], i) => {
    // 0.2-6 s: from start-up (config, sandbox, Playwright launch) to the middle of the traffic.
    const afterMs = Math.round(200 + rng.uniform() * 5800);
    it(`${name} #${i}, SIGTERM after ${afterMs} ms: a verdict, and no token in any file`, async () => {
      const r = await terminated(args(), afterMs, `${name}-${i}`);
      if (r.signal === 'SIGTERM') {
        // Only possible before Node ran a line of revgate (the launcher holds signals from its first line on):
        // then nothing was sent and nothing written, which is the fail-closed outcome for that moment.
        assert.equal(r.stderr, '', `killed by the signal after revgate had started: ${r.stderr}`);
        assert.equal(existsSync(r.out), false, 'nothing was written');
        return;
      }
      assert.equal(r.signal, null, `exited by itself, not killed: ${r.stderr}`);
      // 0 or 1 when the run had already decided (or finished) before the signal; otherwise 4 (interrupted), or 2 for a gate on hold.
      assert.ok([0, 1, 2, 4].includes(r.code as number), `exit ${r.code}: ${r.stderr}`);
      assert.ok(existsSync(path.join(r.out, 'verdict.json')), `a verdict was written: ${r.stderr}`);
      const files = allFiles(r.out);
      for (const f of files) {
        const text = readFileSync(f).toString('latin1');
        for (const secret of [TOKEN, KEY]) assert.ok(!text.includes(secret), `a planted secret in ${path.relative(r.out, f)}`);
      }
      assert.deepEqual(await scanForLeaks(r.out, [TOKEN, KEY]), []);
      assert.ok(!r.stderr.includes(TOKEN) && !r.stderr.includes(KEY), 'console');
      assert.equal(existsSync(path.join(r.out, '.revgate-lock')), false, 'the output folder was released');
    });
  });
});
