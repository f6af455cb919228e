/**
 * Benchmark for issue #11 item 5: `revgate smoke` (the built CLI, in a fresh process) against a 1 GiB body and
 * a gzip bomb (4 MiB on the wire, 4 GiB decoded), served by loopback servers in this process so they do not
 * count, and against the sandbox's own huge-body fault (the sandbox runs inside revgate, so it does count).
 * Prints wall time and the peak memory of the whole process tree (revgate, Playwright runner and workers).
 * Suites of declared checks run in revgate's process (src/smoke/in-process.ts); the built-in sandbox suite has a
 * hand-written spec, so it runs in Playwright: its figures are printed for comparison and not judged.
 *
 *   npm run build && node --import tsx scripts/bench-smoke-body.ts
 *
 * Not part of `npm test`. Targets: under 15 s and under 300 MB for each run. Before the fix a 1 GB body took
 * 177 s and 3.2 GB, and a 2 MB gzip bomb 4.36 GB before failing with `RangeError: data is too long`.
 * A baseline run with an 11-byte body comes first: what revgate and Playwright cost with no body to speak of,
 * so the figures of the other runs can be read as harness + body.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { Verdict } from '../src/verdict/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'revgate.js');
const MB = 1024 * 1024;
const WALL_TARGET_S = 15;
const RSS_TARGET_MB = 300;
const SAMPLE_MS = 25;

/**
 * One process's memory from /proc, in kB: resident set, its high-water mark, and the proportional set size
 * (shared pages such as Node's own code divided among the processes sharing them, so a sum over the tree does
 * not count them three times). Undefined once the process is gone.
 */
function memoryOf(pid: number): { rssKb: number; hwmKb: number; pssKb: number } | undefined {
  try {
    const kb = (text: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { rssKb: kb(status, 'VmRSS'), hwmKb: kb(status, 'VmHWM'), pssKb: kb(rollup, 'Pss') };
  } catch {
    return undefined;
  }
}

/** What a process runs, shortly: `revgate smoke`, `playwright test`, `playwright worker`. */
function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.some((a) => a.endsWith('revgate.js'))) return 'revgate';
    if (argv.some((a) => /workerMain|processHost|worker/i.test(a))) return 'playwright worker';
    if (argv.includes('test')) return 'playwright runner';
    return path.basename(argv[0] ?? String(pid));
  } catch {
    return String(pid);
  }
}

/** `pid` and every process below it. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited between readdir and read
    }
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

interface Run {
  name: string;
  code: number | null;
  wallS: number;
  /** Largest sum of RSS over the tree at one sample. */
  treePeakMb: number;
  /** Largest sum of PSS over the tree at one sample. */
  treePssPeakMb: number;
  /** Sum over processes of each one's own peak (VmHWM): an upper bound, the peaks need not coincide. */
  hwmSumMb: number;
  processes: number;
  /** Each process's own peak, by what it runs. */
  perProcess: string[];
  verdict: Verdict;
}

async function run(name: string, args: string[]): Promise<Run> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-body-'));
  rmSync(out, { recursive: true });
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'smoke', ...args, '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let treePeakKb = 0;
  let treePssPeakKb = 0;
  const hwm = new Map<number, number>();
  const names = new Map<number, string>();
  const sample = (): void => {
    if (child.pid === undefined) return;
    let sum = 0;
    let pss = 0;
    for (const pid of tree(child.pid)) {
      const m = memoryOf(pid);
      if (!m) continue;
      sum += m.rssKb;
      pss += m.pssKb;
      hwm.set(pid, Math.max(hwm.get(pid) ?? 0, m.hwmKb));
      names.set(pid, commandOf(pid)); // every time: a child shows its parent's command line until it has exec'd
    }
    treePeakKb = Math.max(treePeakKb, sum);
    treePssPeakKb = Math.max(treePssPeakKb, pss);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  clearInterval(timer);
  const wallS = (performance.now() - started) / 1000;
  let verdict: Verdict;
  try {
    verdict = JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')) as Verdict;
  } catch {
    throw new Error(`${name}: no verdict (exit ${code})\n${stderr}`);
  }
  rmSync(out, { recursive: true, force: true });
  const hwmSumKb = [...hwm.values()].reduce((a, b) => a + b, 0);
  const perProcess = [...hwm].map(([pid, kb]) => `${names.get(pid) ?? pid} ${(kb / 1024).toFixed(0)} MB`);
  return {
    name,
    code,
    wallS,
    treePeakMb: treePeakKb / 1024,
    treePssPeakMb: treePssPeakKb / 1024,
    hwmSumMb: hwmSumKb / 1024,
    processes: hwm.size,
    perProcess,
    verdict,
  };
}

function report(r: Run, baseline: Run, judged = true): boolean {
  const ok = r.wallS < WALL_TARGET_S && r.treePeakMb < RSS_TARGET_MB;
  const mark = !judged ? 'not judged: runs in Playwright' : ok ? 'within target' : 'OVER TARGET';
  const c = r.verdict.checks[0];
  const delta = r === baseline ? '' : ` (${signed(r.treePeakMb - baseline.treePeakMb)} MB vs the baseline)`;
  console.log(
    `${r.name.padEnd(34)} exit ${r.code}  wall ${r.wallS.toFixed(2)} s  tree peak RSS ${r.treePeakMb.toFixed(0)} MB${delta} ` +
      `(PSS ${r.treePssPeakMb.toFixed(0)} MB; sum of per-process peaks ${r.hwmSumMb.toFixed(0)} MB, ${r.processes} processes)  ${mark}`,
  );
  console.log(`${''.padEnd(34)} ${c?.id}: ${c?.status} in ${c?.durationMs} ms: ${c?.error?.message ?? ''}`);
  console.log(`${''.padEnd(34)} per-process peaks: ${r.perProcess.join(', ')}`);
  return ok || !judged;
}

const signed = (n: number): string => `${n < 0 ? '-' : '+'}${Math.abs(n).toFixed(0)}`;

function streamBody(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(256 * 1024, 32);
  let sent = 0;
  const write = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
}

// Concatenated gzip members form one valid gzip stream: 512 x (8 MiB of zeros) = 4 GiB decoded from ~4 MiB.
const member = zlib.gzipSync(Buffer.alloc(8 * MB), { level: 9 });
const bomb = Buffer.concat(Array.from({ length: 512 }, () => member));
const server = http.createServer((req, res) => {
  if (req.url === '/tiny') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  if (req.url === '/huge') return streamBody(res, 1024 * MB);
  if (req.url === '/bomb') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
    return void res.end(bomb);
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-body-cfg-'));
const config = (id: string, p: string): string => {
  const file = path.join(dir, `${id}.json`);
  writeFileSync(
    file,
    JSON.stringify({ service: { name: 'bench' }, environments: { local: { baseUrl: url } }, checks: [{ id, request: { path: p }, expect: { status: 200 } }] }),
  );
  return file;
};

console.log(
  `revgate smoke body benchmark: ${os.cpus().length} CPUs, node ${process.version}, gzip bomb ${(bomb.length / MB).toFixed(1)} MiB -> 4096 MiB, limit 10 MiB (default)`,
);
try {
  const runs = [
    await run('baseline: 11-byte body', ['--config', config('tiny', '/tiny')]),
    await run('1 GiB body (loopback server)', ['--config', config('huge', '/huge')]),
    await run('gzip bomb 4 MiB -> 4 GiB', ['--config', config('bomb', '/bomb')]),
    // The built-in suite has a hand-written spec, so it runs in Playwright (runner + worker, ~400 MB whatever the body).
    await run('sandbox suite (has a spec) 1 GiB', ['--sandbox', '--fault', 'huge-body,mb=1024,path=/health/ready', '--grep', 'health-ready']),
  ];
  let ok = true;
  const baseline = runs[0] as Run;
  for (const r of runs) ok = report(r, baseline, !r.name.startsWith('sandbox')) && r.code === (r === baseline ? 0 : 1) && ok;
  process.exitCode = ok ? 0 : 1;
} finally {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
