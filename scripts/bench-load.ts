/**
 * Load-engine benchmark, run by hand (not part of npm test):
 *
 *   node --import tsx scripts/bench-load.ts [--seconds 10] [--connections 10] [--rounds 3] [--warmup 3]
 *                                          [--skip-throughput] [--skip-accuracy] [--skip-memory]
 *
 * 1. Throughput: the embedded engine (constant-vus, N VUs = N connections, closed loop) and autocannon
 *    (-c N, pipelining 1) side by side against the same target process. The target is pinned to CPU 1 and
 *    each generator to CPU 0 (taskset), so each side has one core. The default target answers every
 *    request with canned bytes straight from a net socket, several times faster than either generator, so
 *    the generator is the bottleneck and requests/s measures it. `--target http` uses a bare
 *    http.createServer instead: about as fast as the generators, it becomes the bottleneck and both
 *    generators end at its capacity (a ratio near 1.0 whatever the generators do). Both generators
 *    run in a fresh child with the same Node flags; a discarded warm-up run of each comes first (target
 *    JIT, kernel socket caches), and the order alternates every round so neither side always runs on the
 *    warmer or the quieter half of the minute. Each run also reports its generator's CPU time per request
 *    and the target's CPU use, which says which side was the bottleneck.
 * 2. Accuracy: an open-model run (constant-arrival-rate) against a target with a known latency
 *    distribution; reported p50/p95/p99 against the truth the target measured for the same requests.
 * 3. Memory: peak RSS and heap after GC of a 10 s and a 60 s run at the same rate (HDR histograms: flat).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';

const SELF = fileURLToPath(import.meta.url);
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Spawns this script in a role, pinned to a CPU when taskset exists; resolves the child's JSON line(s). */
function child(
  role: string,
  args: string[],
  cpu: number,
  onLine?: (line: string) => void,
): { done: Promise<unknown>; kill: () => void; pid: number | undefined } {
  const cmd = [process.execPath, '--expose-gc', '--import', 'tsx', SELF, role, ...args];
  const p = hasTaskset
    ? spawn('taskset', ['-c', String(cpu), ...cmd], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let last: unknown;
  let buf = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine?.(line);
      try {
        last = JSON.parse(line);
      } catch {
        // not JSON
      }
    }
  });
  // taskset execs node, so p.pid is the node process itself.
  return { done: new Promise((resolve) => p.once('close', () => resolve(last))), kill: () => p.kill('SIGTERM'), pid: p.pid };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the ")" that ends the command name: utime and stime are fields 14 and 15 (1-based).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

async function startTarget(kind: 'fast' | 'dist' | 'raw'): Promise<{ url: string; stop: () => Promise<unknown>; cpuSeconds: () => number | undefined }> {
  let resolveUrl: (u: string) => void = () => undefined;
  const url = new Promise<string>((r) => (resolveUrl = r));
  const c = child(`target-${kind}`, [], 1, (line) => {
    if (line.startsWith('http://')) resolveUrl(line);
  });
  return { url: await url, stop: async () => (c.kill(), c.done), cpuSeconds: () => cpuSecondsOf(c.pid) };
}

// ---------- roles run in child processes ----------

/**
 * Fast target: a net server that answers each request head (counted by its blank line; the bench sends
 * GETs without bodies) with the same bytes an http.createServer keep-alive response has, without
 * parsing anything. A valid HTTP/1.1 server for this workload at a fraction of Node's http cost.
 */
function runRawTarget(): void {
  const head = (): string =>
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\nDate: ${new Date().toUTCString()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\n{"status":"ok"}`;
  let response = Buffer.from(head(), 'latin1');
  setInterval(() => (response = Buffer.from(head(), 'latin1')), 1000).unref();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let tail = '';
    socket.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      let n = 0;
      for (let i = text.indexOf('\r\n\r\n'); i >= 0; i = text.indexOf('\r\n\r\n', i + 4)) n++;
      tail = text.slice(-3);
      if (n === 1) socket.write(response);
      else if (n > 1) socket.write(Buffer.concat(Array.from({ length: n }, () => response)));
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => process.exit(0));
}

/** Bare target: tiny JSON, keep-alive. `dist`: delay from a known continuous distribution, truth recorded server-side. */
function runTarget(kind: 'fast' | 'dist'): void {
  const body = Buffer.from('{"status":"ok"}');
  const truth = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let k = 0;
  const server = http.createServer((req, res) => {
    const send = (): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    if (kind === 'fast') return send();
    const start = process.hrtime.bigint();
    // u: a low-discrepancy sequence in [0,1); delay = exponential quantile scaled so exactly 5% of requests
    // wait longer than 200 ms (true p50 46.3 ms, p95 200 ms, p99 307.4 ms). A smooth tail, not "5% at exactly
    // 200 ms": with a point mass, p95 sits on the jump between the fast and the slow group and is ill-defined.
    const u = (k++ * 0.6180339887498949) % 1;
    const delay = (200 / Math.log(20)) * -Math.log(1 - u);
    setTimeout(() => {
      send();
      truth.recordValue(Number((process.hrtime.bigint() - start) / 1000n));
    }, delay);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => {
    const q = (p: number): number => truth.getValueAtPercentile(p) / 1000;
    console.log(JSON.stringify({ count: truth.totalCount, p50: q(50), p95: q(95), p99: q(99) }));
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

async function runEngine(url: string, profile: object): Promise<void> {
  const { validateProfile } = await import('../src/load/profile.js');
  const { buildPlan } = await import('../src/load/plan.js');
  const { LoadEngine } = await import('../src/load/engine.js');
  const loaded = validateProfile(profile, {});
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const cpu0 = process.cpuUsage();
  const r = await new LoadEngine(buildPlan(loaded, { baseUrl: url })).run();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  (globalThis as { gc?: () => void }).gc?.();
  const g = r.recorder.groups[0];
  const h = hdr.build();
  if (g) {
    h.add(g.ok);
    h.add(g.bad);
  }
  const q = (p: number): number => h.getValueAtPercentile(p) / 1000;
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      requests: g?.requests ?? 0,
      failed: g?.failed ?? 0,
      seconds: r.durationMs / 1000,
      rps: (g?.requests ?? 0) / (r.durationMs / 1000),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      p50: q(50),
      p95: q(95),
      p99: q(99),
      dropped: r.recorder.dropped,
      late: r.recorder.lateStarts,
      peakRssMb: Math.max(peakRss, mem.rss) / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
    }),
  );
}

async function runAutocannon(url: string, connections: number, seconds: number): Promise<void> {
  const autocannon = (await import('autocannon')).default;
  const cpu0 = process.cpuUsage();
  // The same request bytes as the engine's (plan.ts adds `user-agent: revgate-load`; both send host and
  // connection: keep-alive), so the target parses the same request for both. Defaults otherwise
  // (timeout 10 s like the engine's profile, no rate limit).
  const r = await autocannon({ url, connections, pipelining: 1, duration: seconds, headers: { 'user-agent': 'revgate-load' } });
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      requests: r.requests.total,
      seconds: r.duration,
      rps: r.requests.total / r.duration,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      errors: r.errors + r.non2xx,
    }),
  );
}

/**
 * The floor undici itself sets: the same N pipelining-1 Clients and the same request, each re-dispatched
 * from its own onComplete, with nothing measured or recorded. The engine cannot beat this loop, so
 * revgate/undici is the engine's own overhead and undici/autocannon is the client library's.
 */
async function runBareUndici(url: string, connections: number, seconds: number): Promise<void> {
  const { Client } = await import('undici');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let requests = 0;
  let errors = 0;
  const opts = { method: 'GET' as const, path: '/', headers: ['user-agent', 'revgate-load'], blocking: false };
  const clients = Array.from({ length: connections }, () => new Client(url, { pipelining: 1 }));
  await new Promise<void>((resolve) => {
    let running = connections;
    const loop = (c: InstanceType<typeof Client>): void => {
      if (performance.now() >= end) {
        if (--running === 0) resolve();
        return;
      }
      c.dispatch(opts, {
        onConnect() {},
        onHeaders: () => true,
        onData: () => true,
        onComplete() {
          requests++;
          loop(c);
        },
        onError() {
          errors++;
          setImmediate(() => loop(c));
        },
      });
    };
    for (const c of clients) loop(c);
  });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.destroy()));
  console.log(JSON.stringify({ requests, seconds: elapsed, rps: requests / elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, errors }));
}

// ---------- orchestration ----------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface GeneratorRun {
  requests: number;
  rps: number;
  seconds: number;
  cpuSeconds: number;
  failed?: number;
  errors?: number;
}

const HELP = `Usage: node --import tsx scripts/bench-load.ts [options]

  --seconds N       seconds per throughput run (default 10)
  --connections N   connections: revgate constant-vus VUs and autocannon -c (default 10)
  --rounds N        paired throughput rounds, order alternating (default 3)
  --warmup N        seconds of discarded warm-up per generator before the rounds (default 3, 0 = none)
  --target raw|http throughput target: raw (default) answers from a net socket, far faster than either
                    generator, so requests/s measures the generator; http is a bare http.createServer, about
                    as fast as the generators, so both end at its capacity
  --with-undici     also run a bare undici loop (pipelining-1 Clients, nothing recorded): what undici's
                    own dispatch sustains, the reason the engine writes its own request bytes
  --skip-throughput, --skip-accuracy, --skip-memory   leave a part out
  --help            this text

Prints requests/s for revgate and autocannon per round, the ratio per round and the median ratio;
reported vs true p50/p95/p99; peak RSS and heap of a 10 s vs a 60 s run.`;

async function main(): Promise<void> {
  if (flag('help')) {
    console.log(HELP);
    return;
  }
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 10);
  const rounds = arg('rounds', 3);
  const warmup = arg('warmup', 3);
  const withUndici = flag('with-undici');
  const targetKind = process.argv.includes('--target') ? process.argv[process.argv.indexOf('--target') + 1] : 'raw';
  if (targetKind !== 'raw' && targetKind !== 'http') throw new Error(`--target must be raw or http, not ${targetKind}`);
  console.log(
    `revgate load bench: node ${process.version}, ${hasTaskset ? 'taskset: target on CPU 1, generator on CPU 0' : 'taskset not found: processes NOT pinned'}`,
  );

  const fast = await startTarget(targetKind === 'raw' ? 'raw' : 'fast');
  if (!flag('skip-throughput')) {
    console.log(
      `\n[1] throughput: ${connections} connections (revgate constant-vus ${connections} VUs, autocannon -c ${connections}), pipelining 1, ${seconds} s per run, ${rounds} rounds, ${targetKind === 'raw' ? 'raw net target (generator-bound)' : 'http.createServer target (target-bound)'} ${fast.url}`,
    );
    const vusProfile = (s: number): string =>
      JSON.stringify({
        name: 'bench',
        timeout: '10s',
        scenarios: { s: { executor: 'constant-vus', vus: connections, duration: `${s}s`, requests: [{ path: '/' }] } },
        thresholds: { http_reqs: ['count>0'] },
      });
    type Tool = 'revgate' | 'autocannon' | 'undici';
    const runOne = async (tool: Tool, s: number): Promise<GeneratorRun & { targetCpu: number | undefined }> => {
      const t0 = fast.cpuSeconds();
      const w0 = performance.now();
      const args = tool === 'revgate' ? ['engine', fast.url, vusProfile(s)] : [tool, fast.url, String(connections), String(s)];
      const r = (await child(args[0] as string, args.slice(1), 0).done) as GeneratorRun;
      const t1 = fast.cpuSeconds();
      // Target CPU over the child's whole life (start-up included), so a slight underestimate of its load.
      return { ...r, targetCpu: t0 !== undefined && t1 !== undefined ? (t1 - t0) / ((performance.now() - w0) / 1000) : undefined };
    };
    const describe = (r: GeneratorRun & { targetCpu: number | undefined }): string =>
      `${r.rps.toFixed(0).padStart(6)} req/s (generator ${((r.cpuSeconds * 1e6) / r.requests).toFixed(1)} µs CPU/req, ${((r.cpuSeconds / r.seconds) * 100).toFixed(0)}% of its core${r.targetCpu !== undefined ? `; target ${(r.targetCpu * 100).toFixed(0)}%` : ''}${r.failed || r.errors ? `; FAILED ${r.failed ?? r.errors}` : ''})`;
    if (warmup > 0) {
      await runOne('revgate', warmup);
      await runOne('autocannon', warmup);
      if (withUndici) await runOne('undici', warmup);
      console.log(`  warm-up: ${warmup} s of each, discarded`);
    }
    const engineRps: number[] = [];
    const cannonRps: number[] = [];
    const ratios: number[] = [];
    const floorRatios: number[] = [];
    const tools: Tool[] = withUndici ? ['revgate', 'autocannon', 'undici'] : ['revgate', 'autocannon'];
    for (let i = 0; i < rounds; i++) {
      // Rotate who goes first: a drifting machine (thermal, neighbours) favours no generator.
      const order = tools.map((_, k) => tools[(k + i) % tools.length] as Tool);
      const runs = new Map<Tool, GeneratorRun & { targetCpu: number | undefined }>();
      for (const t of order) runs.set(t, await runOne(t, seconds));
      const e = runs.get('revgate') as GeneratorRun & { targetCpu: number | undefined };
      const a = runs.get('autocannon') as GeneratorRun & { targetCpu: number | undefined };
      const u = runs.get('undici');
      engineRps.push(e.rps);
      cannonRps.push(a.rps);
      ratios.push(e.rps / a.rps);
      if (u) floorRatios.push(e.rps / u.rps);
      console.log(
        `  round ${i + 1} (order ${order.join(', ')}): ratio ${(e.rps / a.rps).toFixed(3)}${u ? `, revgate/bare undici ${(e.rps / u.rps).toFixed(3)}, bare undici/autocannon ${(u.rps / a.rps).toFixed(3)}` : ''}\n` +
          `    revgate     ${describe(e)}\n    autocannon  ${describe(a)}${u ? `\n    bare undici ${describe(u)}` : ''}`,
      );
    }
    // Rounds are paired (same minute, same machine state): the median of per-round ratios resists drift and
    // neighbours better than a ratio of medians.
    console.log(
      `  median: revgate ${median(engineRps).toFixed(0)} req/s, autocannon ${median(cannonRps).toFixed(0)} req/s; ratios ${ratios.map((r) => r.toFixed(3)).join(' ')}; median ratio ${median(ratios).toFixed(3)} (target >= 1.0)`,
    );
    if (floorRatios.length)
      console.log(
        `  revgate / bare undici loop: ratios ${floorRatios.map((r) => r.toFixed(3)).join(' ')}; median ${median(floorRatios).toFixed(3)} (1.0 = no overhead over undici itself)`,
      );
  }

  if (!flag('skip-accuracy')) await accuracy(seconds);
  if (!flag('skip-memory')) await memory(fast.url);
  await fast.stop();
}

async function accuracy(seconds: number): Promise<void> {
  const dist = await startTarget('dist');
  const rate = 200;
  const accSeconds = Math.max(10, seconds * 2);
  console.log(
    `\n[2] accuracy: open model ${rate} req/s for ${accSeconds} s against a known distribution (exponential tail: 5% of requests wait more than 200 ms)`,
  );
  const acc = (await child(
    'engine',
    [
      dist.url,
      JSON.stringify({
        name: 'acc',
        timeout: '10s',
        scenarios: { s: { executor: 'constant-arrival-rate', rate, duration: `${accSeconds}s`, maxInFlight: 500, requests: [{ path: '/' }] } },
        thresholds: { http_reqs: ['count>0'] },
      }),
    ],
    0,
  ).done) as Record<string, number>;
  const truth = (await dist.stop()) as Record<string, number>;
  const nominal: Record<string, number> = { p50: (200 / Math.log(20)) * Math.log(2), p95: 200, p99: (200 / Math.log(20)) * Math.log(100) };
  console.log(`  requests: reported ${acc.requests}, target saw ${truth.count}; dropped ${acc.dropped}, late starts ${acc.late}`);
  for (const q of ['p50', 'p95', 'p99']) {
    const rep = acc[q] as number;
    const tru = truth[q] as number;
    console.log(
      `  ${q}: reported ${rep.toFixed(2)} ms   true (server-measured) ${tru.toFixed(2)} ms   error ${(((rep - tru) / tru) * 100).toFixed(2)}%   (nominal ${(nominal[q] as number).toFixed(2)} ms)`,
    );
  }
}

async function memory(url: string): Promise<void> {
  console.log('\n[3] memory: open model 2000 req/s, 10 s vs 60 s');
  const mem: Array<Record<string, number>> = [];
  for (const s of [10, 60]) {
    const m = (await child(
      'engine',
      [
        url,
        JSON.stringify({
          name: 'mem',
          scenarios: { s: { executor: 'constant-arrival-rate', rate: 2000, duration: `${s}s`, maxInFlight: 200, requests: [{ path: '/' }] } },
          thresholds: { http_reqs: ['count>0'] },
        }),
      ],
      0,
    ).done) as Record<string, number>;
    mem.push(m);
    console.log(`  ${s} s: ${m.requests} requests, peak RSS ${(m.peakRssMb as number).toFixed(1)} MiB, heap after GC ${(m.heapMb as number).toFixed(1)} MiB`);
  }
  const [a, b] = mem as [Record<string, number>, Record<string, number>];
  console.log(
    `  change 10 s -> 60 s: peak RSS ${((((b.peakRssMb as number) - (a.peakRssMb as number)) / (a.peakRssMb as number)) * 100).toFixed(1)}%, heap ${((((b.heapMb as number) - (a.heapMb as number)) / (a.heapMb as number)) * 100).toFixed(1)}% (target within 10%)`,
  );
}

const role = process.argv[2];
if (role === 'target-fast') runTarget('fast');
else if (role === 'target-raw') runRawTarget();
else if (role === 'target-dist') runTarget('dist');
else if (role === 'engine') await runEngine(process.argv[3] as string, JSON.parse(process.argv[4] as string) as object);
else if (role === 'undici') await runBareUndici(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
else if (role === 'autocannon') await runAutocannon(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
else await main();
