import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { RevgateError } from '../../src/core/errors.js';
import { ROOT, tempDir, type TempOwner } from '../helpers/cli.js';

function writeConfig(t: TempOwner, config: unknown, name = 'revgate.config.json'): string {
  const dir = tempDir(t, 'revgate-config-');
  const file = path.join(dir, name);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

function problems(fn: () => unknown): { code: string; exit: number; paths: string[]; messages: string[] } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RevgateError, `expected RevgateError, got ${String(err)}`);
    return { code: err.code, exit: err.exitCode, paths: err.diagnostics.map((d) => d.path), messages: err.diagnostics.map((d) => d.message) };
  }
  assert.fail('expected the config to be rejected');
}

const minimal = {
  service: { name: 'svc' },
  environments: { smoke: { baseUrl: 'http://127.0.0.1:1' } },
  checks: [{ id: 'health', request: { path: '/health' } }],
};

describe('loadConfig', () => {
  it('loads the repository default config and every example', () => {
    const files = [
      'revgate.config.json',
      ...['apex-backend', 'operations-guide', 'wine-quality', 'xshopai-user-service', 'stamps-tenant-api'].map((n) => `examples/${n}.json`),
    ];
    for (const f of files) {
      const r = loadConfig({ configPath: path.join(ROOT, f), processEnv: { APIM_SUBSCRIPTION_KEY: 'k-1234567890' } });
      assert.ok(r.config.checks.length > 0, f);
      assert.equal(r.environment, 'smoke', f);
    }
  });

  it('resolves the selected environment, strips a trailing slash and applies --base-url', (t) => {
    const file = writeConfig(t, minimal);
    assert.equal(loadConfig({ configPath: file }).target.baseUrl, 'http://127.0.0.1:1');
    assert.equal(loadConfig({ configPath: file, baseUrl: 'https://app--rev2.example.io/' }).target.baseUrl, 'https://app--rev2.example.io');
  });

  it('substitutes ${VAR} and ${VAR:-default}, only for the selected environment', (t) => {
    const file = writeConfig(t, {
      ...minimal,
      environments: { smoke: { baseUrl: 'http://${HOST:-127.0.0.1}:${PORT}' }, prod: { baseUrl: 'https://${PROD_HOST}' } },
    });
    const r = loadConfig({ configPath: file, processEnv: { PORT: '8080' } });
    assert.equal(r.target.baseUrl, 'http://127.0.0.1:8080');
  });

  it('lists every problem with its JSON path and exit code 3', (t) => {
    const file = writeConfig(t, {
      service: {},
      environments: { smoke: { baseUrl: 'http://x' } },
      checks: [
        { id: 'Bad Id', request: { path: '/a' }, expect: { status: 'ok', latency: { maxMs: -1 } } },
        { id: 'dup', request: { path: '/b', methd: 'GET' } },
      ],
      extra: true,
    });
    const p = problems(() => loadConfig({ configPath: file }));
    assert.equal(p.exit, 3);
    assert.equal(p.code, 'REVGATE_CONFIG_INVALID');
    for (const expected of [
      '$.service.name',
      '$.checks[0].id',
      '$.checks[0].expect.status',
      '$.checks[0].expect.latency.maxMs',
      '$.checks[1].request.methd',
      '$.extra',
    ]) {
      assert.ok(p.paths.includes(expected), `missing ${expected} in ${p.paths.join(', ')}`);
    }
    assert.ok(
      p.messages.some((m) => m.includes('did you mean "method"')),
      p.messages.join(' | '),
    );
  });

  it('reports semantic problems: duplicate ids, check shape, latency order, unknown variables, bad paths', (t) => {
    const file = writeConfig(t, {
      ...minimal,
      checks: [
        { id: 'a', request: { path: '/a' }, expect: { latency: { warnMs: 500, maxMs: 100 }, json: { 'items[x': 1 } } },
        { id: 'a', request: { path: '/b' } },
        { id: 'both', request: { path: '/c' }, tls: { minDays: 1 } },
        { id: 'none' },
        {
          id: 'flow',
          steps: [
            { name: 's1', request: { path: '/p/{{missing}}' } },
            { name: 's2', request: { path: '/{{$nope}}' } },
          ],
        },
      ],
    });
    const p = problems(() => loadConfig({ configPath: file }));
    const text = p.paths.map((x, i) => `${x}: ${p.messages[i]}`).join('\n');
    assert.match(text, /\$\.checks\[1\]\.id: duplicate check id "a"/);
    assert.match(text, /\$\.checks\[0\]\.expect\.latency\.warnMs: warnMs \(500\) must be <= maxMs \(100\)/);
    assert.match(text, /\$\.checks\[0\]\.expect\.json\["items\[x"\]/);
    assert.match(text, /\$\.checks\[2\]: a check needs exactly one of .*found request and tls/);
    assert.match(text, /\$\.checks\[3\]: a check needs exactly one of/);
    assert.match(text, /\{\{missing\}\} is not captured by an earlier step/);
    assert.match(text, /unknown built-in variable \{\{\$nope\}\}/);
  });

  it('names an unset environment variable and where it is used (exit 3)', (t) => {
    const file = writeConfig(t, { ...minimal, environments: { smoke: { baseUrl: 'https://${REVGATE_TEST_UNSET_HOST}' } } });
    const p = problems(() => loadConfig({ configPath: file, processEnv: {} }));
    assert.equal(p.exit, 3);
    assert.deepEqual(p.paths, ['$.environments.smoke.baseUrl']);
    assert.match(p.messages[0] as string, /REVGATE_TEST_UNSET_HOST is not set/);
  });

  it('rejects malformed JSON with a line and column', (t) => {
    const file = writeConfig(t, '{\n  "service": { "name": "x" },\n  "environments": {,\n}');
    const p = problems(() => loadConfig({ configPath: file }));
    assert.match(p.messages[0] as string, /not valid JSON at line 3/);
  });

  it('rejects a missing file, an unknown environment and a bad base URL with exit 3', (t) => {
    assert.equal(problems(() => loadConfig({ configPath: '/nonexistent/revgate.config.json' })).code, 'REVGATE_CONFIG_NOT_FOUND');
    const file = writeConfig(t, minimal);
    assert.equal(problems(() => loadConfig({ configPath: file, env: 'prod' })).exit, 3);
    const bad = problems(() => loadConfig({ configPath: file, baseUrl: 'ftp://x' }));
    assert.deepEqual(bad.paths, ['--base-url']);
    assert.match(problems(() => loadConfig({ configPath: file, baseUrl: 'https://user:pw@x.io' })).messages[0] as string, /credentials in the URL/);
  });

  it('loads schema files and checks multipart files and spec globs relative to the config', (t) => {
    const dir = tempDir(t, 'revgate-config-refs-');
    mkdirSync(path.join(dir, 'schemas'));
    writeFileSync(path.join(dir, 'schemas', 'ok.json'), JSON.stringify({ type: 'object' }));
    const file = path.join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...minimal,
        specs: ['specs/*.spec.ts'],
        checks: [
          { id: 'a', request: { path: '/a' }, expect: { schema: 'schemas/ok.json' } },
          { id: 'b', request: { path: '/b' }, expect: { schema: 'schemas/missing.json' } },
          { id: 'c', request: { path: '/c', multipart: { file: { file: 'nope.pdf' } } } },
        ],
      }),
    );
    const p = problems(() => loadConfig({ configPath: file }));
    assert.deepEqual(p.paths.sort(), ['$.checks[1].expect.schema', '$.checks[2].request.multipart.file.file', '$.specs[0]']);
  });
});
