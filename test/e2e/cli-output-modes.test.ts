/**
 * Issue 14: --json and --quiet on every command, and live progress whose counts never go backwards.
 * --json: stdout holds one JSON document (the verdict, exactly as verdict.json has it) and nothing else;
 * --quiet: only the result line and errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, calmConfig, readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';

const dir = tempDir({ after }, 'revgate-modes-');

describe('--json and --quiet', { concurrency: true }, () => {
  it('smoke --json --quiet: the verdict as JSON on stdout, nothing on stderr', async () => {
    const out = path.join(dir, 'smoke');
    const config = calmConfig({ after }, path.join(ROOT, 'revgate.config.json'), { declaredOnly: true });
    const r = await runCli(['smoke', '--sandbox', '--config', config, '--grep', 'health-live', '--json', '--quiet', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), readVerdict(out));
    assert.equal(r.stderr, '', 'quiet: no progress, no sandbox line, no per-check lines');
  });

  it('smoke --sandbox --quiet in a folder without a config: the bundled suite runs, and the notice saying so is dropped too', async () => {
    const out = path.join(dir, 'smoke-bundled');
    const empty = tempDir({ after });
    const r = await runCli(['smoke', '--sandbox', '--quiet', '--grep', 'health-live', '--out', out], { cwd: empty });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, '', 'quiet: not even the bundled-suite notice');
    assert.match(r.stdout, /^PASS: /, 'only the result line');
    assert.equal(readVerdict(out).checks.length, 1);
  });

  it('load --json: the verdict on stdout; progress once a second on stderr, its counts only growing', async () => {
    const out = path.join(dir, 'load');
    const profile = writeJson(path.join(dir, 'profile.json'), {
      name: 'modes',
      timeout: '3s',
      scenarios: { s: { executor: 'constant-arrival-rate', rate: 40, duration: '5s', maxInFlight: 40, requests: [{ path: '/health' }] } },
      thresholds: { http_req_failed: ['rate<0.5'] },
    });
    const r = await runCli(['load', '--profile', profile, '--sandbox', '--json', '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), readVerdict(out));
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('revgate: load ') && / s {2}[\d,]+ requests/.test(l));
    // A 5 s run reports at least two of its seconds; on a busy machine a tick can be late (a fresh-clone run
    // printed one line for a 3 s run), never early, so at most one line a second and a few more.
    assert.ok(lines.length >= 2 && lines.length <= 8, r.stderr);
    const counts = lines.map((l) => Number(/ s {2}([\d,]+) requests/.exec(l)?.[1]?.replace(/,/g, '')));
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'request counts never go backwards',
    );
    assert.match(lines[0] ?? '', /^revgate: load \d+\/5 s {2}[\d,]+ requests \(\d+\.\d% failed/);
  });

  it('gate --quiet: stdout is the one summary line, stderr is empty', async () => {
    const r = await runCli([
      'gate',
      '--sandbox',
      '--criteria',
      'load/criteria/apex-canary.json',
      '--max-requests',
      '20',
      '--quiet',
      '--out',
      path.join(dir, 'gate'),
    ]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^INCONCLUSIVE: [^\n]+\n$/);
  });

  it('validate --json: valid and invalid configs as data (exit 0 and 3)', async () => {
    const bad = writeJson(path.join(dir, 'bad.json'), { service: { name: 'x' }, environments: {}, checks: [{ id: 'a' }] });
    const [ok, invalid] = await Promise.all([
      runCli(['validate', '--config', 'examples/apex-backend.json', '--json']),
      runCli(['validate', '--config', bad, '--json']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(Object.keys(JSON.parse(ok.stdout) as object), ['valid', 'config', 'environment', 'baseUrl', 'checks']);
    assert.equal(invalid.code, 3);
    const doc = JSON.parse(invalid.stdout) as { valid: boolean; problems: Array<{ path: string; message: string }> };
    assert.equal(doc.valid, false);
    assert.ok(doc.problems.length >= 1 && doc.problems.every((p) => typeof p.path === 'string' && p.message));
    assert.match(invalid.stderr, /revgate: error:/, 'the message still goes to stderr');
  });

  it('sandbox --json: one line with the URL and where the token is, then it serves until SIGTERM', async () => {
    const state = path.join(dir, 'sandbox-state');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'revgate.js'), 'sandbox', '--json', '--state-dir', state], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
      });
      child.once('exit', (code) => reject(new Error(`sandbox exited ${code} before printing`)));
    });
    const info = JSON.parse(first) as { url: string; tokenFile: string; revision: string };
    try {
      const res = await fetch(`${info.url}/health`);
      assert.equal(res.status, 200);
      assert.ok(readFileSync(info.tokenFile, 'utf8').length > 20, 'the token is in its file, not on stdout');
      assert.ok(!first.includes(readFileSync(info.tokenFile, 'utf8')));
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
