/**
 * Issue 10, item 1: a request succeeds only if its whole response arrived and met expectations. Against
 * real loopback servers: a canary that resets every response mid-body, or breaks chunked framing, fails;
 * with --config, a canary that answers a sign-in page (status 200) fails on the checks' own expectations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readVerdict, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-whole-'));
const criteria = path.join(dir, 'criteria.json');
writeFileSync(criteria, JSON.stringify({ thresholds: { http_req_failed: ['rate<0.05'] } }));

/** A raw HTTP/1.1 server: `respond` writes whatever bytes it wants for each request head. */
async function rawServer(respond: (socket: net.Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        respond(socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('the gate reads whole responses', { concurrency: true }, () => {
  let baseline: http.Server;
  let baselineUrl = '';
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    baseline = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'healthy', padding: 'x'.repeat(200) }));
    });
    await new Promise<void>((r) => baseline.listen(0, '127.0.0.1', r));
    baselineUrl = `http://127.0.0.1:${(baseline.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(closers.map((c) => c()));
    await new Promise<void>((r) => baseline.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const broken: Array<[string, (socket: net.Socket) => void]> = [
    [
      'every response reset mid-body',
      (socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 220\r\n\r\n{"status":"heal');
        socket.resetAndDestroy();
      },
    ],
    [
      'broken chunked framing',
      (socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\n{"status":"healthy"}\r\n0\r\n\r\n');
      },
    ],
  ];
  for (const [name, respond] of broken) {
    it(`a canary with ${name} fails (exit 1), naming the error kind`, async () => {
      const canary = await rawServer(respond);
      closers.push(canary.close);
      const out = path.join(dir, name.replace(/\W+/g, '-'));
      const r = await runCli(
        ['gate', '--canary', canary.url, '--baseline', baselineUrl, '--criteria', criteria, '--profile', profileFile(), '--rate', '40', '--out', out],
        {
          timeoutMs: 120_000,
        },
      );
      assert.equal(r.code, 1, r.stderr);
      const v = readVerdict(out);
      assert.equal(v.verdict, 'fail');
      assert.ok(
        Object.keys(v.canary?.networkErrors.canary ?? {}).some((k) => k === 'reset' || k === 'protocol' || k === 'other'),
        JSON.stringify(v.canary),
      );
    });
  }

  it("with --config, a loopback canary answering a sign-in page (status 200) to everything fails on the checks' own expectations (exit 1)", async () => {
    const login = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><html><body><form action="/login" method="post"><h1>Sign in</h1><input name="user"></form></body></html>');
    });
    await new Promise<void>((r) => login.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => login.close(() => r())));
    const out = path.join(dir, 'login-loopback');
    const r = await runCli(
      [
        'gate',
        '--canary',
        `http://127.0.0.1:${(login.address() as net.AddressInfo).port}`,
        '--config',
        'revgate.config.json',
        '--criteria',
        criteria,
        '--rate',
        '40',
        '--out',
        out,
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 1, r.stderr);
    const v = readVerdict(out);
    assert.ok((v.canary?.networkErrors.canary.expectation ?? 0) > 0, 'failed on the checks expectations');
    assert.equal(v.canary?.requests.canary, v.canary?.networkErrors.canary.expectation, 'every response was a sign-in page, every request failed');
  });

  it('with --config, a sign-in page with status 200 is a failed request (exit 1)', async () => {
    const out = path.join(dir, 'login-page');
    const r = await runCli(['gate', '--sandbox', '--fault', 'login-page', '--config', 'revgate.config.json', '--criteria', criteria, '--out', out], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.ok((readVerdict(out).canary?.networkErrors.canary.expectation ?? 0) > 0, 'failed on the checks expectations');
  });

  function profileFile(): string {
    const f = path.join(dir, 'profile.json');
    writeFileSync(
      f,
      JSON.stringify({
        name: 'whole',
        scenarios: { s: { executor: 'constant-arrival-rate', rate: 10, duration: '10s', requests: [{ name: 'health', path: '/health' }] } },
        thresholds: { http_req_failed: ['rate<0.05'] },
      }),
    );
    return f;
  }
});
