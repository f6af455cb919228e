import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { readVerdict, runCli, tempDir, writeJson, type TempOwner } from '../helpers/cli.js';
import { closedPort } from '../helpers/files.js';

function config(owner: TempOwner, checks: unknown[], extra: Record<string, unknown> = {}): string {
  return writeJson(path.join(tempDir(owner, 'revgate-cfg-'), 'revgate.config.json'), {
    service: { name: 'bad-input' },
    environments: { smoke: { baseUrl: 'http://127.0.0.1:1' } },
    checks,
    ...extra,
  });
}

const health = [{ id: 'health', request: { path: '/health' }, expect: { status: 200 } }];

describe('unreachable or misbehaving targets fail (exit 1) with a clear reason, never hang', () => {
  let sandbox: RunningSandbox;
  before(async () => {
    sandbox = await startSandbox({ faults: ['latency=30000,path=/slow*'] });
  });
  after(async () => {
    await sandbox.stop();
  });

  const cases: Array<{ name: string; url: () => Promise<string>; checks?: unknown[]; pattern: RegExp; durationMs?: [number, number] }> = [
    { name: 'connection refused', url: async () => `http://127.0.0.1:${await closedPort()}`, pattern: /connection refused|ECONNREFUSED/i },
    { name: 'DNS failure', url: async () => 'http://revgate-nonexistent.invalid', pattern: /DNS|ENOTFOUND|EAI_AGAIN/i },
    {
      name: 'timeout',
      url: async () => sandbox.url,
      checks: [{ id: 'slow', request: { path: '/slow', timeoutMs: 300 }, expect: { status: 200 } }],
      pattern: /timeout|no response within/i,
      // Gave up at its 300 ms, not after the sandbox's 30 s answer; the ceiling leaves a loaded machine 10 s.
      durationMs: [290, 10_000],
    },
    {
      name: 'non-JSON body where JSON is expected',
      url: async () => sandbox.url,
      checks: [{ id: 'json-expected', request: { path: '/metrics' }, expect: { json: { status: 'ok' } } }],
      pattern: /JSON/,
    },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      const out = tempDir(t);
      // A hang is killed by runCli and fails the exit-code check (null, not 1).
      const r = await runCli(['smoke', '--config', config(t, c.checks ?? health), '--base-url', await c.url(), '--out', out]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = readVerdict(out);
      assert.equal(v.verdict, 'fail');
      assert.match(v.checks[0]?.error?.message ?? '', c.pattern);
      if (c.durationMs) {
        const ms = v.checks[0]?.durationMs ?? NaN;
        assert.ok(ms >= c.durationMs[0] && ms < c.durationMs[1], `the check took ${ms} ms`);
      }
    });
  }

  it('TLS error: an https target whose CA is not trusted', async (t) => {
    const tls = await startSandbox({ tls: true });
    try {
      const out = tempDir(t);
      const r = await runCli(['smoke', '--config', config(t, health), '--base-url', tls.url, '--out', out]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(readVerdict(out).checks[0]?.error?.message ?? '', /TLS|certificate/i);
    } finally {
      await tls.stop();
    }
  });
});

describe('bad usage and config: exit 3, every problem named, nothing run', () => {
  const cases: Array<{ name: string; args: (t: TempOwner) => string[]; env?: Record<string, string>; pattern: RegExp }> = [
    {
      name: 'malformed config lists every problem with its path',
      args: (t) => [
        'smoke',
        '--config',
        config(
          t,
          [
            { id: 'x', request: { path: '/a', method: 'FETCH' }, expect: { status: 'two hundred' } },
            { id: 'x', steps: [] },
          ],
          { surprise: 1 },
        ),
      ],
      pattern: /\$\.checks\[0\]\.expect\.status[\s\S]*\$\.checks\[0\]\.request\.method[\s\S]*\$\.checks\[1\]\.steps[\s\S]*\$\.surprise/,
    },
    {
      name: 'unknown env var',
      args: (t) => ['smoke', '--config', config(t, health, { environments: { smoke: { baseUrl: 'https://${REVGATE_E2E_UNSET_HOST}' } } })],
      pattern: /REVGATE_E2E_UNSET_HOST is not set/,
    },
    { name: 'config file not found', args: () => ['smoke', '--config', '/nonexistent/revgate.json'], pattern: /config file not found/ },
    {
      name: 'invalid JSON',
      args: (t) => {
        const f = path.join(tempDir(t), 'c.json');
        writeFileSync(f, '{"service": {');
        return ['smoke', '--config', f];
      },
      pattern: /not valid JSON/,
    },
    { name: 'unknown environment', args: (t) => ['smoke', '--config', config(t, health), '--env', 'prod'], pattern: /unknown environment "prod"/ },
    {
      name: 'bad base URL',
      args: (t) => ['smoke', '--config', config(t, health), '--base-url', 'not a url'],
      pattern: /--base-url: "not a url" is not a valid URL/,
    },
    { name: 'unknown option', args: () => ['smoke', '--bsae-url', 'http://x'], pattern: /Unknown argument|bsae-url/ },
    { name: 'no command', args: () => [], pattern: /Name a command/ },
    { name: 'negative retries', args: (t) => ['smoke', '--config', config(t, health), '--retries', '-1'], pattern: /--retries must be/ },
    {
      name: 'invalid --grep regex',
      args: (t) => ['smoke', '--config', config(t, health), '--grep', '(('],
      pattern: /--grep is not a valid regular expression/,
    },
    {
      name: '--grep that matches nothing',
      args: (t) => ['smoke', '--sandbox', '--config', config(t, health), '--grep', 'no-such-check'],
      pattern: /no check matches --grep/,
    },
    { name: '--fault without --sandbox', args: (t) => ['smoke', '--config', config(t, health), '--fault', 'ready-fail'], pattern: /only apply with --sandbox/ },
    { name: 'sandbox on a non-loopback host', args: () => ['sandbox', '--host', '0.0.0.0'], pattern: /loopback/ },
  ];
  for (const c of cases) {
    it(c.name, async (t) => {
      const out = tempDir(t);
      const args = c.args(t);
      const r = await runCli([...args, ...(args[0] === 'smoke' ? ['--out', out] : [])], { env: c.env ?? {} });
      assert.equal(r.code, 3, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.pattern);
      assert.ok(!existsSync(path.join(out, 'verdict.json')), 'nothing ran');
    });
  }

  it('refuses to wipe a folder revgate did not write', async (t) => {
    const dir = tempDir(t);
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    const r = await runCli(['smoke', '--sandbox', '--out', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /refusing to use/);
    assert.ok(existsSync(path.join(dir, 'precious.txt')));
  });
});
