/**
 * How many synthetic requests a healthy canary's 10% step takes, with and without real-traffic evidence
 * (rollout --real-traffic: Azure Monitor's Requests per revision over the hold), on the sandbox with real
 * users sending requests to the ingress. Each pair runs on two fresh sandbox apps at the same time, with
 * the shipped demo criteria (load/criteria/sandbox-rollout.json), a 15 s hold and 1-second metric buckets.
 *
 * Run: node --import tsx scripts/bench-real-traffic.ts [--runs 3] [--users 200] [--hold 15]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_SERVICE_TIME } from '../src/cli/sandbox-targets.js';
import { startAcaSandbox } from '../src/sandbox/aca.js';
import type { Verdict } from '../src/verdict/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 3);
const users = arg('users', 200);
const hold = arg('hold', 15);

async function step(real: boolean): Promise<{ code: number | null; synthetic: number; real: number; seconds: number }> {
  const s = await startAcaSandbox({
    users,
    metricsDelayMs: 1000,
    revisions: [
      { suffix: 'v1', faults: [SANDBOX_SERVICE_TIME] },
      { suffix: 'v2', faults: [SANDBOX_SERVICE_TIME] },
    ],
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-'));
  try {
    writeFileSync(path.join(dir, 'ca.pem'), s.caPem);
    const args = [
      'rollout',
      ...[
        '--app',
        s.ref.app,
        '-g',
        s.ref.resourceGroup,
        '--subscription',
        s.ref.subscription,
        '--arm-endpoint',
        s.armUrl,
        '--ca-file',
        path.join(dir, 'ca.pem'),
      ],
      ...['--revision', 'latest', '--steps', '10', '--hold', `${hold}s`, '--criteria', 'load/criteria/sandbox-rollout.json', '--rate', '100'],
      ...['--journal', path.join(dir, 'journal.json'), '--out', path.join(dir, 'out')],
      ...(real ? ['--real-traffic', '--metrics-delay', '1s'] : []),
    ];
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'revgate.js'), ...args], {
        cwd: ROOT,
        env: { ...process.env, IDENTITY_ENDPOINT: s.identity.endpoint, IDENTITY_HEADER: s.identity.header },
        stdio: 'ignore',
      });
      child.once('close', resolve);
    });
    const v = JSON.parse(readFileSync(path.join(dir, 'out', 'verdict.json'), 'utf8')) as Verdict;
    const h = v.rollout?.history[0];
    return { code, synthetic: h?.synthetic ?? NaN, real: h?.real ?? 0, seconds: (Date.now() - started) / 1000 };
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`healthy canary, step 10%, ${users} real requests/s to the ingress, hold ${hold} s, criteria load/criteria/sandbox-rollout.json`);
console.log('run  synthetic alone: synthetic canary requests (exit)   with --real-traffic: synthetic + real canary requests (exit)');
const totals = { alone: 0, withReal: 0, real: 0 };
for (let i = 1; i <= runs; i++) {
  const [a, b] = await Promise.all([step(false), step(true)]);
  totals.alone += a.synthetic;
  totals.withReal += b.synthetic;
  totals.real += b.real;
  console.log(
    `${String(i).padStart(3)}  ${String(a.synthetic).padStart(5)} (exit ${a.code}, ${a.seconds.toFixed(1)} s)                       ${String(b.synthetic).padStart(5)} + ${b.real} real (exit ${b.code}, ${b.seconds.toFixed(1)} s)`,
  );
}
console.log(
  `mean synthetic canary requests: ${(totals.alone / runs).toFixed(0)} alone, ${(totals.withReal / runs).toFixed(0)} with real traffic (${(totals.real / runs).toFixed(0)} real requests judged)`,
);
