import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
/**
 * Issue #11 item 5 through the built CLI: bodies are limited while they stream, on their decoded size, and
 * timeoutMs covers the whole exchange. Real loopback servers started here, and the sandbox's huge-body fault.
 *
 * Time bounds are generous on purpose: the machine's two cores are shared, so a bound only proves that nothing
 * was read to the end (a 1 GB body took 177 s, a gzip bomb 4 GB of memory before the fix), never a latency.
 */
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { readVerdict, runCli, writeJson } from '../helpers/cli.js';

/** One folder for this file's temp files, removed after its tests (the suite may run concurrently). */
const scratchRoot = mkdtempSync(path.join(os.tmpdir(), 'revgate-e2e-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));
const scratch = (): string => mkdtempSync(path.join(scratchRoot, 'x-'));

const MB = 1024 * 1024;
const GB = 1024 * MB;
/** Far above the few seconds these take, far below a body read to the end on this machine. */
const BOUND_MS = 60_000;

interface Served {
  url: string;
  /** Bytes each path had written when its response closed. */
  sent: Map<string, number>;
  close: () => void;
}

/** Gzip members of zeros, concatenated: one valid gzip stream of ~4 MB that decodes to 4 GB. */
function gzipBomb(decodedBytes: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(8 * MB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(decodedBytes / (8 * MB)) }, () => member));
}

function streamZeros(res: ServerResponse, total: number, onClose: (sent: number) => void): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(256 * 1024, 32);
  let sent = 0;
  res.on('close', () => onClose(sent));
  const write = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
}

async function serve(bomb: Buffer): Promise<Served> {
  const sent = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const record = (n: number): void => void sent.set(req.url ?? '', n);
    switch (req.url) {
      case '/huge':
        return streamZeros(res, 1.1 * GB, record);
      case '/bomb':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
        res.on('close', () => record(res.writableEnded ? bomb.length : -1));
        return void res.end(bomb);
      case '/trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"padding":"');
        const timer = setInterval(() => res.write('a'), 100); // forever, one byte at a time
        return void res.on('close', () => clearInterval(timer));
      }
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('smoke: response bodies are limited while they stream (issue #11 item 5)', () => {
  let server: Served;
  const bomb = gzipBomb(4 * GB);
  before(async () => {
    server = await serve(bomb);
  });
  after(() => server.close());

  it('a >1 GB body, a 4 MB gzip bomb (4 GB decoded) and a body that trickles forever each fail fast with their reason', async () => {
    const config = writeJson(path.join(scratch(), 'revgate.config.json'), {
      service: { name: 'bodies' },
      environments: { local: { baseUrl: server.url } },
      defaults: { maxBodyBytes: 10 * MB },
      checks: [
        { id: 'huge', request: { path: '/huge' }, expect: { status: 200 } },
        { id: 'bomb', request: { path: '/bomb' }, expect: { status: 200 } },
        { id: 'trickle', request: { path: '/trickle', timeoutMs: 2_000 }, expect: { status: 200 } },
      ],
    });
    const out = scratch();
    const started = Date.now();
    const r = await runCli(['smoke', '--config', config, '--out', out]);
    const wallMs = Date.now() - started;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    const check = (id: string) => v.checks.find((c) => c.id === id);
    const kind = (id: string) => (check(id)?.assertions?.find((a) => a.name === 'request')?.actual as { kind?: string } | undefined)?.kind;

    for (const id of ['huge', 'bomb']) {
      assert.equal(check(id)?.status, 'failed', id);
      assert.equal(kind(id), 'body-too-large', id);
      assert.match(check(id)?.error?.message ?? '', /over the 10\.0 MB limit \(defaults\.maxBodyBytes\)/, `${id} names the limit`);
      assert.ok((check(id)?.durationMs ?? Infinity) < BOUND_MS, `${id} took ${check(id)?.durationMs} ms`);
    }
    assert.match(check('bomb')?.error?.message ?? '', /decoded gzip body went over/);
    assert.ok((server.sent.get('/huge') ?? Infinity) < 512 * MB, `the server wrote ${server.sent.get('/huge')} bytes of /huge before revgate hung up`);

    assert.equal(check('trickle')?.status, 'failed');
    assert.equal(kind('trickle'), 'timeout');
    assert.match(check('trickle')?.error?.message ?? '', /no response within the timeout \(gave up after 2\d{3}(\.\d)? ms\)/);
    assert.ok(wallMs < 2 * BOUND_MS, `the whole run took ${wallMs} ms`);
  });

  it("the sandbox's huge-body fault at 1024 MiB fails health-ready with the limit named", async () => {
    const out = scratch();
    const r = await runCli(['smoke', '--sandbox', '--fault', 'huge-body,mb=1024,path=/health/ready', '--grep', 'health-ready', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const c = readVerdict(out).checks.find((x) => x.id === 'health-ready');
    assert.equal(c?.status, 'failed');
    assert.match(
      c?.error?.message ?? '',
      /response body larger than the allowed maximum \(the body went over the 10\.0 MB limit \(defaults\.maxBodyBytes\); stopped reading\)/,
    );
    assert.ok((c?.durationMs ?? Infinity) < BOUND_MS, `took ${c?.durationMs} ms`);
  });
});
