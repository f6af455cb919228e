/**
 * Benchmark for the streaming scrubber and scanner (issue #11, item 3): a body over 1 GB, as a plain file and as
 * one entry of a trace zip, with a bearer token planted across a 1 MiB chunk boundary (at 512 MiB, where the old
 * whole-string scrubber died), in base64 across another boundary and at the very end. scrubDirectory and then
 * scanForLeaks each run in a fresh process, so the peak RSS printed is theirs (ru_maxrss, tsx included).
 *
 *   node --import tsx scripts/bench-scrub.ts [--size-mb 1100] [--store] [--only text|zip]
 *
 * Files are written to the OS temp folder and removed at the end. Not part of `npm test`.
 * Targets: peak RSS under 300 MB per process, whatever the size; throughput is printed, not judged.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { Redactor } from '../src/secrets/redactor.js';
import { scanForLeaks } from '../src/secrets/scan.js';
import { scrubDirectory } from '../src/secrets/scrub.js';

const SELF = fileURLToPath(import.meta.url);
const MIB = 1 << 20;
const RSS_TARGET_MB = 300;
const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};

/**
 * A body of `bytes` bytes of JSON lines (with random ids, so it deflates about 2:1 like real responses, not
 * 1000:1), with each plant's text written at its offset, streamed in 1 MiB pieces.
 */
export async function* body(bytes: number, plants: Array<{ at: number; text: string }>): AsyncGenerator<Buffer> {
  // Eight different blocks, so repeats are further apart than deflate's 32 KB window.
  const blocks = Array.from({ length: 8 }, () => {
    const block = Buffer.alloc(MIB);
    for (let i = 0; i < MIB;) {
      const line = Buffer.from(`{"ts":"2024-01-02T03:04:05Z","level":"info","id":"${randomBytes(16).toString('hex')}","msg":"part of a large body"}\n`);
      i += line.copy(block, i);
    }
    return block;
  });
  for (let at = 0, n = 0; at < bytes; n++) {
    const piece = Buffer.from(blocks[n % blocks.length]!.subarray(0, Math.min(MIB, bytes - at)));
    for (const plant of plants) {
      const text = Buffer.from(plant.text, 'latin1');
      // The part of the plant that falls in this piece.
      const from = Math.max(plant.at, at);
      const to = Math.min(plant.at + text.length, at + piece.length);
      if (from < to) text.copy(piece, from - at, from - plant.at, to - plant.at);
    }
    at += piece.length;
    yield piece;
  }
}

/** Where a token goes: across the boundary at 512 MiB, in base64 (basic auth) across 768 MiB, and at the end. */
export function plantsFor(token: string, bytes: number): Array<{ at: number; text: string }> {
  const basic = `Authorization: Basic ${Buffer.from(`svc:${token}`).toString('base64')}`;
  return [
    { at: Math.min(512 * MIB, bytes / 2) - 9, text: `Bearer ${token}` },
    { at: Math.min(768 * MIB, (3 * bytes) / 4) - 20, text: basic },
    { at: bytes - token.length, text: token },
  ];
}

async function writeText(file: string, bytes: number, token: string): Promise<void> {
  await pipeline(body(bytes, plantsFor(token, bytes)), createWriteStream(file));
}

async function writeZip(file: string, bytes: number, token: string, compress: boolean): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify({ type: 'request', headers: [{ name: 'Authorization', value: `Bearer ${token}` }] }) + '\n'), 'trace.trace');
  zip.addReadStreamLazy('resources/body.dat', { compressionLevel: compress ? 1 : 0 }, (cb) => cb(null, Readable.from(body(bytes, plantsFor(token, bytes)))));
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

interface Measured {
  wallS: number;
  rssMb: number;
  result: string;
}

/** Runs `mode` (scrub or scan) on `dir` in a fresh process and returns its wall time, peak RSS and summary. */
function child(mode: 'scrub' | 'scan', dir: string, token: string): Promise<Measured> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', mode, dir], {
      env: { ...process.env, BENCH_SCRUB_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${mode} child exited ${code}`));
      const { rssKb, result } = JSON.parse(out) as { rssKb: number; result: string };
      resolve({ wallS: (performance.now() - started) / 1000, rssMb: rssKb / 1024, result });
    });
  });
}

/** In the child: one scrub or scan; prints its peak RSS and a summary that never holds the token. */
async function runChild(mode: string, dir: string): Promise<void> {
  const token = process.env.BENCH_SCRUB_TOKEN ?? '';
  let result: string;
  if (mode === 'scrub') {
    const report = await scrubDirectory(dir, new Redactor().add(token, 'token'));
    result = `changed ${report.filesChanged.length}, deleted ${report.filesDeleted.length}, failures ${report.failures?.length ?? 0}`;
  } else {
    const found = await scanForLeaks(dir, [token]);
    result = found.length === 0 ? 'no leak' : `LEAKS: ${found.map((f) => `${path.basename(f.file)} ${f.where} ${f.variant}`).join('; ')}`;
  }
  process.stdout.write(JSON.stringify({ rssKb: process.resourceUsage().maxRSS, result }));
}

async function main(): Promise<void> {
  const sizeMb = Number(arg('--size-mb') ?? 1100);
  const compress = !process.argv.includes('--store');
  const only = arg('--only');
  const bytes = sizeMb * MIB;
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const cases: Array<{ name: string; write: (file: string) => Promise<void>; file: string }> = [
    { name: 'text body', file: 'body.json', write: (f: string) => writeText(f, bytes, token) },
    { name: `zip entry (${compress ? 'deflate' : 'store'})`, file: 'trace.zip', write: (f: string) => writeZip(f, bytes, token, compress) },
  ].filter((c) => !only || c.name.startsWith(only));

  console.log(`bench-scrub: ${sizeMb} MiB body, ${os.cpus().length} cores, node ${process.version}`);
  let ok = true;
  for (const c of cases) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-scrub-'));
    try {
      const file = path.join(dir, c.file);
      const t0 = performance.now();
      await c.write(file);
      const size = statSync(file).size;
      console.log(`${c.name.padEnd(20)} ${(size / MIB).toFixed(0)} MiB on disk, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const mode of ['scrub', 'scan'] as const) {
        const m = await child(mode, dir, token);
        const within = m.rssMb < RSS_TARGET_MB;
        ok &&= within && (mode === 'scrub' || m.result === 'no leak');
        const rate = sizeMb / m.wallS; // of the body: a deflated zip is smaller on disk
        console.log(
          `  ${mode.padEnd(6)} wall ${m.wallS.toFixed(1).padStart(6)} s  ${rate.toFixed(0).padStart(4)} MiB/s of body  peak RSS ${m.rssMb.toFixed(0).padStart(4)} MB ${within ? '' : 'OVER TARGET '} ${m.result}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.exitCode = ok ? 0 : 1;
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) await runChild(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
else if (process.argv[1] === SELF) await main();
