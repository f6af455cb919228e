/**
 * Benchmark for CLI start-up (issue #14): wall time of `revgate --version`, `revgate --help` and
 * `revgate smoke --help` from the built CLI (bin/revgate.js -> dist/), each run in a fresh process, interleaved with
 * two peers measured in the same run on the same machine:
 *   - node:  `node -e 0`, Node.js's own start (nothing revgate can save);
 *   - eager: the built CLI's parser plus every command's implementation imported up front, as every start did
 *            before the commands were loaded on use.
 *
 *   npm run build && node --import tsx scripts/bench-startup.ts [--runs 15]
 *
 * Target: a median under 300 ms for --version and --help on a machine that is not otherwise busy. On a busy one
 * the absolute figures grow with Node's own start, so the overhead over the `node` peer is printed too. Not part
 * of `npm test` (test/unit/cli-startup.test.ts keeps the start-up import graph light).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'revgate.js');
const TARGET_MS = 300;
const at = process.argv.indexOf('--runs');
const RUNS = at > 0 ? Number(process.argv[at + 1]) : 15;

if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench-startup: build first (npm run build)');
  process.exit(1);
}

const EAGER = [
  'cli/main.js',
  'run/command.js',
  'smoke/command.js',
  'probe/command.js',
  'load/command.js',
  'gate/command.js',
  'cli/sandbox-targets.js',
  'config/load.js',
  'sandbox/index.js',
]
  .map((m) => `await import(${JSON.stringify(path.join(ROOT, 'dist', m))});`)
  .join(' ');

const CASES: Array<{ name: string; args: string[] }> = [
  { name: 'node -e 0 (peer)', args: ['-e', '0'] },
  { name: 'eager imports (peer)', args: ['--input-type=module', '-e', EAGER] },
  { name: 'revgate --version', args: [BIN, '--version'] },
  { name: 'revgate --help', args: [BIN, '--help'] },
  { name: 'revgate smoke --help', args: [BIN, 'smoke', '--help'] },
];

const times = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const c of CASES) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, c.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) {
      console.error(`${c.name} exited ${r.status}: ${r.stderr.toString()}`);
      process.exit(1);
    }
    times.get(c.name)?.push(ms);
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const node = quantile(times.get('node -e 0 (peer)') as number[], 0.5);
const eager = quantile(times.get('eager imports (peer)') as number[], 0.5);
console.log(`start-up, ${RUNS} runs each, interleaved (ms; median, p90; overhead = median - node's median)`);
for (const c of CASES) {
  const xs = times.get(c.name) as number[];
  const med = quantile(xs, 0.5);
  const judged = c.name.startsWith('revgate --') ? `  ${med < TARGET_MS ? 'under' : 'OVER'} the ${TARGET_MS} ms target` : '';
  console.log(
    `  ${c.name.padEnd(24)} median ${med.toFixed(0).padStart(5)}  p90 ${quantile(xs, 0.9).toFixed(0).padStart(5)}  overhead ${(med - node).toFixed(0).padStart(5)}${judged}`,
  );
}
const help = quantile(times.get('revgate --help') as number[], 0.5);
console.log(`--help vs eager imports: ${(eager / help).toFixed(1)}x faster (${eager.toFixed(0)} -> ${help.toFixed(0)} ms)`);
