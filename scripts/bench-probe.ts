/**
 * Benchmark for `revgate probe` (issue 4): 1,000 tenants x 3 regions through the sandbox gateway, run by the
 * built CLI in a fresh process so the wall time includes start-up. Prints wall time and peak RSS per run, and
 * checks that the faulted run reports exactly the faulted cell's tenants and the isolation leak.
 *
 *   npm run build && node --import tsx scripts/bench-probe.ts [--tenants 1000]
 *
 * Not part of `npm test`. Targets: under 10 s and under 500 MB on a 2-core machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEstate } from '../src/sandbox/gateway-catalog.js';
import type { Verdict } from '../src/verdict/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'revgate.js');
const at = process.argv.indexOf('--tenants');
const TENANTS = at > 0 ? Number(process.argv[at + 1]) : 1000;
const WALL_TARGET_S = 10;
const RSS_TARGET_MB = 500;

// Peak RSS of the CLI process itself, reported by the process as it exits (ru_maxrss, in KB on Linux).
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nbench-maxrss-kb='+process.resourceUsage().maxRSS+'\\n'))`;

interface Run {
  name: string;
  code: number | null;
  wallS: number;
  rssMb: number;
  verdict: Verdict;
}

const outs: string[] = [];

async function run(name: string, extra: string[]): Promise<Run> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-probe-'));
  const args = ['--import', RSS_HOOK, BIN, 'probe', '--sandbox', '--sandbox-tenants', String(TENANTS), '--out', out, ...extra];
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stderr: err }));
  });
  const wallS = (performance.now() - started) / 1000;
  const kb = Number(/bench-maxrss-kb=(\d+)/.exec(stderr)?.[1] ?? NaN);
  const verdict = JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')) as Verdict;
  // Deleted at the very end: removing 6,000 files right before the next run would slow that run's writes.
  outs.push(out);
  return { name, code, wallS, rssMb: kb / 1024, verdict };
}

function report(r: Run): boolean {
  const ok = r.wallS < WALL_TARGET_S && r.rssMb < RSS_TARGET_MB;
  console.log(
    `${r.name.padEnd(28)} exit ${r.code}  wall ${r.wallS.toFixed(2)} s  peak RSS ${r.rssMb.toFixed(0)} MB  probes ${r.verdict.checks.length}  ${ok ? 'within target' : 'OVER TARGET'}`,
  );
  console.log(`${''.padEnd(28)} ${r.verdict.summary}`);
  return ok;
}

const cell = 'shared-smb-eastus-01';
const leaky = 't0002-premium';
console.log(`revgate probe benchmark: ${TENANTS} tenants x 3 regions, ${os.cpus().length} CPUs, node ${process.version}`);
const healthy = await run('healthy estate', []);
const faulted = await run('one cell down + a leak', ['--gateway-fault', `cell=${cell}:errors,status=503`, '--gateway-fault', `tenant=${leaky}:isolation-leak`]);
let ok = report(healthy) && healthy.code === 0;
ok = report(faulted) && ok;

// Correctness of the faulted run: exactly the cell's tenants fail their health probes, and the leak is caught.
const expected = generateEstate({ tenants: TENANTS })
  .tenants.filter((t) => t.cells.eastus === cell)
  .map((t) => t.id)
  .sort();
const failing = [...new Set(faulted.verdict.checks.filter((c) => c.labels?.probe === 'health' && c.status === 'failed').map((c) => c.labels?.tenant))].sort();
const exact = JSON.stringify(failing) === JSON.stringify(expected);
const caught = faulted.verdict.checks.some(
  (c) => c.labels?.tenant === leaky && c.labels.probe === 'isolation' && c.status === 'failed' && c.severity === 'critical',
);
console.log(`faulted cell ${cell}: ${failing.length} tenants failing health, expected ${expected.length}: ${exact ? 'exact match' : 'MISMATCH'}`);
console.log(`isolation leak on ${leaky}: ${caught ? 'caught (critical, blocking)' : 'NOT CAUGHT'}`);
for (const out of outs) rmSync(out, { recursive: true, force: true });
process.exitCode = ok && exact && caught && faulted.code === 1 ? 0 : 1;
