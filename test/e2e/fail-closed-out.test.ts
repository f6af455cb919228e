/**
 * Issue 11, item 8-9: --out never deletes an input, never mixes two runs, and every problem with it is a
 * sentence with exit 3, never a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readVerdict, ROOT, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-out-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--out guards', { concurrency: true }, () => {
  const cases: Array<[string, (out: string) => string[]]> = [
    [
      'smoke config',
      (out) => {
        copyFileSync(path.join(ROOT, 'revgate.config.json'), path.join(out, 'c.json'));
        return ['smoke', '--sandbox', '--config', path.join(out, 'c.json')];
      },
    ],
    [
      'gate criteria',
      (out) => {
        copyFileSync(path.join(ROOT, 'load/criteria/apex-canary.json'), path.join(out, 'c.json'));
        return ['gate', '--sandbox', '--criteria', path.join(out, 'c.json')];
      },
    ],
    [
      'load baseline',
      (out) => {
        writeFileSync(path.join(out, 'baseline.json'), '{}');
        return ['load', '--sandbox', '--profile', 'load/profiles/sandbox-smoke.json', '--baseline', path.join(out, 'baseline.json')];
      },
    ],
  ];
  for (const [name, args] of cases) {
    it(`refuses an output folder holding the ${name} (exit 3), and deletes nothing`, async () => {
      const out = mkdtempSync(path.join(dir, 'in-'));
      writeFileSync(path.join(out, '.revgate-output'), 'a previous run\n');
      const argv = args(out);
      const r = await runCli([...argv, '--out', out], { timeoutMs: 30_000 });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /holds .*, which this run reads/);
      const input = argv[argv.length - 1] as string;
      assert.ok(existsSync(input), 'the input is still there');
    });
  }

  it('a file, or a folder that cannot be created, is a sentence with exit 3', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const asFile = await runCli(['smoke', '--sandbox', '--out', file], { timeoutMs: 30_000 });
    assert.equal(asFile.code, 3, asFile.stderr);
    assert.match(asFile.stderr, /is a file, not a folder/);
    const under = await runCli(['smoke', '--sandbox', '--out', path.join(file, 'sub')], { timeoutMs: 30_000 });
    assert.equal(under.code, 3, under.stderr);
    assert.match(under.stderr, /cannot create the output folder/);
    assert.doesNotMatch(asFile.stderr + under.stderr, /internal error|\n\s+at /, 'no stack trace');
  });

  it('a second run on a folder in use gets exit 3 naming the holder; the first run keeps its verdict', async () => {
    const out = path.join(dir, 'shared');
    // The first run holds the folder for a few seconds: a gate with a request budget it takes a while to spend.
    const first = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/revgate.js'),
        'gate',
        '--sandbox',
        '--criteria',
        'load/criteria/apex-canary.json',
        '--rate',
        '20',
        '--max-requests',
        '100',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let firstErr = '';
    first.stderr.on('data', (d: Buffer) => (firstErr += d.toString()));
    const firstDone = new Promise<number | null>((resolve) => first.once('close', resolve));
    try {
      for (let i = 0; i < 200 && !existsSync(path.join(out, '.revgate-lock')); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(path.join(out, '.revgate-lock')), `the first run took the lock: ${firstErr}`);
      const second = await runCli(['smoke', '--sandbox', '--out', out], { timeoutMs: 60_000 });
      assert.equal(second.code, 3, second.stderr);
      assert.match(second.stderr, new RegExp(`in use by another revgate run \\(pid ${first.pid}`));
      const code = await firstDone;
      assert.ok(code !== null && code <= 2, `the first run ended with a verdict (exit ${code}): ${firstErr}`);
      assert.equal(readVerdict(out).kind, 'gate', "the first run's verdict is its own");
      assert.equal(existsSync(path.join(out, '.revgate-lock')), false, 'the lock is released');
    } finally {
      first.kill('SIGKILL');
    }
  });

  it('a lock left by a run that is gone is taken over', async () => {
    const out = path.join(dir, 'stale');
    mkdirSync(out);
    writeFileSync(path.join(out, '.revgate-output'), 'x');
    // pid 2^22+1 is above Linux's default pid_max: no process has it.
    writeFileSync(path.join(out, '.revgate-lock'), JSON.stringify({ pid: 4194305, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    const r = await runCli(['load', '--sandbox', '--profile', 'load/profiles/sandbox-smoke.json', '--out', out], { timeoutMs: 60_000 });
    assert.ok(r.code !== null && r.code <= 2, r.stderr);
    assert.ok(readFileSync(path.join(out, 'verdict.json'), 'utf8').includes('"kind": "load"'));
  });
});
