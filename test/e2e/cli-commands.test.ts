import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

describe('CLI help, version and validate', () => {
  for (const cmd of ['smoke', 'validate', 'sandbox', 'gate']) {
    it(`${cmd} --help shows options, examples and exit codes`, async () => {
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Examples:/);
      assert.match(r.stdout, /Exit codes|Faults:/);
    });
  }

  it('top-level help lists only the commands that exist', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    const commands = [...r.stdout.matchAll(/^ {2}revgate (\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(commands.sort(), ['discover', 'gate', 'load', 'monitor', 'probe', 'report', 'rollout', 'sandbox', 'smoke', 'validate']);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('validate: 0 for every example, 3 with paths for a bad one', async () => {
    const ok = await runCli(['validate', '--config', 'examples/wine-quality.json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /valid \(6 checks, environment smoke/);
    const bad = await runCli(['validate', '--config', 'test/fixtures/leak.config.json'], { env: { PLANTED_KEY: undefined, PLANTED_CUSTOM: undefined } });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /PLANTED_KEY is not set/);
  });
});

describe('revgate sandbox', () => {
  it('prints its URL, serves, and stops cleanly on SIGTERM, removing its token file', async (t) => {
    const state = tempDir(t);
    // /health/db hangs for 60 s: a stop that waited for requests in flight would take that long.
    const faults = ['latency=10', 'latency=60000,path=/health/db'];
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'revgate.js'), 'sandbox', '--state-dir', state, ...faults.flatMap((f) => ['--fault', f])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      // A hang guard: the CLI starts in about a second, a loaded machine may take several.
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    const tokenFile = path.join(state, 'token');
    assert.ok(existsSync(tokenFile));
    const token = readFileSync(tokenFile, 'utf8');
    assert.ok(!stdout.includes(token), 'the token is written to a file, never printed');
    assert.equal((await fetch(`${url}/health`)).status, 200);
    assert.equal((await fetch(`${url}/api/v1/projects/`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const active = (await (await fetch(`${url}/__sandbox/faults`)).json()) as { faults: unknown[] };
    assert.equal(active.faults.length, faults.length);

    const requests = async (): Promise<number> => ((await (await fetch(`${url}/__sandbox/state`)).json()) as { requests: { total: number } }).requests.total;
    const before = await requests();
    const hung = fetch(`${url}/health/db`).then(
      () => 'answered',
      () => 'failed',
    );
    const deadline = Date.now() + 10_000; // a hang guard: the request reaches the app within milliseconds
    while ((await requests()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await requests(), before + 1, 'the hung request reached the app');
    const started = Date.now();
    child.kill('SIGTERM');
    assert.equal(await closed, 0);
    // A sixth of the hung request's 60 s: exiting takes a fraction of a second, which a loaded machine may
    // stretch to seconds, never to the minute a stop that waited for the request would need.
    assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
    assert.equal(await hung, 'failed', 'the hung request was cut, not answered');
    assert.ok(!existsSync(tokenFile), 'token file removed on stop');
  });
});
