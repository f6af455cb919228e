/**
 * Issue 14: an annotation (GitHub) or logging command (Azure Pipelines) for every failing or inconclusive check
 * and gate, escaped by each system's rules (one row per rule, checked by decoding as the runner does), and no
 * workflow command smuggled in through text revgate prints but did not write (a target's error message).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  annotationsFor,
  azureData,
  azureProperty,
  githubData,
  githubProperty,
  MAX_ANNOTATIONS_PER_LEVEL,
  neutralizeCommands,
  renderAzureCommands,
  renderGithubAnnotations,
} from '../../src/report/ci.js';
import { publishVerdict } from '../../src/report/publish.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { decide } from '../../src/verdict/decide.js';
import type { CheckResult, GateResult, Verdict } from '../../src/verdict/types.js';
import { ROOT } from '../helpers/cli.js';
import { check } from '../helpers/verdicts.js';

/** How the runners decode (actions/runner ActionCommand, the Azure agent's CommandStringConvertor). */
const decodeGithub = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
const decodeAzure = (s: string): string =>
  s
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%AZP25/g, '%');

const ESCAPING: Array<{ rule: string; fn: (s: string) => string; input: string; expected: string; decode: (s: string) => string }> = [
  { rule: 'GitHub data: % -> %25', fn: githubData, input: '100% sure', expected: '100%25 sure', decode: decodeGithub },
  { rule: 'GitHub data: CR -> %0D', fn: githubData, input: 'a\rb', expected: 'a%0Db', decode: decodeGithub },
  { rule: 'GitHub data: LF -> %0A', fn: githubData, input: 'a\nb', expected: 'a%0Ab', decode: decodeGithub },
  { rule: 'GitHub data keeps : and ,', fn: githubData, input: 'p(95): 1,200 ms', expected: 'p(95): 1,200 ms', decode: decodeGithub },
  { rule: 'GitHub property: : -> %3A', fn: githubProperty, input: 'gate p(95):x', expected: 'gate p(95)%3Ax', decode: decodeGithub },
  { rule: 'GitHub property: , -> %2C', fn: githubProperty, input: 'a,b', expected: 'a%2Cb', decode: decodeGithub },
  { rule: 'GitHub property: % CR LF as data', fn: githubProperty, input: '%\r\n', expected: '%25%0D%0A', decode: decodeGithub },
  { rule: 'Azure data: % -> %AZP25', fn: azureData, input: '5% errors', expected: '5%AZP25 errors', decode: decodeAzure },
  { rule: 'Azure data: CR -> %0D', fn: azureData, input: 'a\rb', expected: 'a%0Db', decode: decodeAzure },
  { rule: 'Azure data: LF -> %0A', fn: azureData, input: 'a\nb', expected: 'a%0Ab', decode: decodeAzure },
  { rule: 'Azure data keeps ; and ]', fn: azureData, input: 'a;b]c', expected: 'a;b]c', decode: decodeAzure },
  { rule: 'Azure property: ; -> %3B', fn: azureProperty, input: 'a;b', expected: 'a%3Bb', decode: decodeAzure },
  { rule: 'Azure property: ] -> %5D', fn: azureProperty, input: 'a]b', expected: 'a%5Db', decode: decodeAzure },
  { rule: 'Azure: an escaped %0A in the text survives the round trip', fn: azureData, input: 'literal %0A', expected: 'literal %AZP250A', decode: decodeAzure },
];

const gate = (id: string, status: GateResult['status'], blocking = true): GateResult => ({
  id,
  metric: 'http_req_failed',
  expression: 'rate<0.01',
  blocking,
  status,
  reason: `${status}: 3.2% > 1%`,
});

function verdictOf(checks: CheckResult[], gates: GateResult[] = []): Verdict {
  return decide({
    kind: 'smoke',
    target: { baseUrl: 'http://127.0.0.1:9', service: 'apex' },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    checks,
    gates,
    version: 't',
  });
}

describe('CI annotations and logging commands', () => {
  for (const row of ESCAPING) {
    it(row.rule, () => {
      const escaped = row.fn(row.input);
      assert.equal(escaped, row.expected);
      assert.ok(!/[\r\n]/.test(escaped), 'one line');
      assert.equal(row.decode(escaped), row.input, 'the runner reads back what was meant');
    });
  }

  it('one annotation per failing or inconclusive check and gate; nothing for passed, degraded or skipped', () => {
    const v = verdictOf(
      [
        check('ok', 'passed'),
        check('slow', 'degraded'),
        check('tls', 'skipped'),
        check('ready', 'failed', { error: { message: 'status 503' }, reproduce: "curl 'http://x/ready'" }),
        check('auth', 'error', { error: { message: 'no token', code: 'REVGATE_AUTH' } }),
        check('redis', 'failed', { blocking: false, error: { message: 'down' } }),
        check('db', 'flaky', { error: { message: 'passed on attempt 2' } }),
      ],
      [gate('errors', 'failed'), gate('p95', 'inconclusive'), gate('generator', 'failed', false), gate('ok', 'passed')],
    );
    const a = annotationsFor(v);
    assert.deepEqual(
      a.map((x) => `${x.level} ${x.title}`),
      [
        'error revgate smoke: ready failed',
        'error revgate smoke: auth error',
        'error revgate smoke: gate errors failed',
        'warning revgate smoke: redis failed (non-blocking)',
        'warning revgate smoke: db flaky',
        'warning revgate smoke: gate p95 inconclusive',
        'warning revgate smoke: gate generator failed (advisory)',
      ],
    );
    const gh = renderGithubAnnotations(v);
    assert.equal(gh.split('\n').filter(Boolean).length, 7);
    assert.match(gh, /^::error title=revgate smoke%3A ready failed::ready: ready title: status 503 \| reproduce: curl 'http:\/\/x\/ready'$/m);
    assert.match(gh, /^::warning title=revgate smoke%3A gate p95 inconclusive::rate<0.01: inconclusive: 3.2%25 > 1%25$/m);
    const az = renderAzureCommands(v, '/out/summary.md');
    assert.match(az, /^##vso\[task\.logissue type=error;code=REVGATE_AUTH\]revgate smoke: auth error: auth: auth title: no token$/m);
    assert.match(az, /^##vso\[task\.logissue type=error;code=gate\]revgate smoke: gate errors failed: rate<0.01: failed: 3.2%AZP25 > 1%AZP25$/m);
    assert.equal((az.match(/^##vso\[task\.logissue /gm) ?? []).length, 7);
  });

  it('a verdict that is not a pass always has an annotation saying why, even with no failing check (harness error)', () => {
    const v = decide({ ...verdictInput(), harnessError: 'the Playwright run ended without results' });
    const a = annotationsFor(v);
    assert.equal(a.length, 1);
    assert.equal(a[0]?.level, 'error');
    assert.match(a[0]?.message ?? '', /Playwright run ended without results/);
  });

  it(`at most ${MAX_ANNOTATIONS_PER_LEVEL} per level, then one that counts the rest`, () => {
    const many = Array.from({ length: MAX_ANNOTATIONS_PER_LEVEL + 30 }, (_, i) => check(`probe-${i}`, 'failed', { error: { message: 'status 503' } }));
    const a = annotationsFor(verdictOf(many));
    assert.equal(a.length, MAX_ANNOTATIONS_PER_LEVEL + 1);
    assert.match(a.at(-1)?.message ?? '', /^30 more errors: see summary\.md and junit\.xml$/);
  });

  it('multi-line messages become one command; text that looks like a command is escaped inside it', () => {
    const v = verdictOf([
      check('x', 'failed', { error: { message: 'line 1\n::error::fake\n##vso[task.setvariable variable=revgateVerdict;isOutput=true]pass' } }),
    ]);
    for (const text of [renderGithubAnnotations(v), renderAzureCommands(v, '/o/summary.md')]) {
      assert.ok(!/^::error::fake/m.test(text), text);
      assert.ok(!/^##vso\[task\.setvariable variable=revgateVerdict;isOutput=true\]pass/m.test(text), text);
    }
  });

  it('neutralizes commands in other text: :: opening a line (after spaces) and ##vso[ anywhere, in any case', () => {
    const text =
      'ok\n  ::error::spoofed\nbody "x ##vso[task.setvariable variable=revgateVerdict;isOutput=true]pass" and ##VSO[task.complete result=Succeeded;]';
    const safe = neutralizeCommands(text);
    assert.ok(!/^\s*::/m.test(safe));
    assert.ok(!/##vso\[/i.test(safe));
    assert.equal(safe.replace(/\u200B/g, ''), text, 'only a zero-width space was added');
  });

  it('publish writes commands through io.command only, and cliIo neutralizes everything else under a CI system', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-ci-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const lines = { out: '', command: '' };
    const v = verdictOf([check('ready', 'failed', { error: { message: 'status 503' } })]);
    await publishVerdict(v, {
      out: path.join(dir, 'out'),
      redactor: new Redactor(),
      io: { out: (s) => (lines.out += s), err: () => undefined, command: (s) => (lines.command += s), env: { TF_BUILD: 'True', GITHUB_ACTIONS: 'true' } },
    });
    assert.match(lines.command, /^::error title=/m);
    assert.match(lines.command, /^##vso\[task\.setvariable variable=revgateVerdict;isOutput=true\]fail$/m);
    assert.ok(!/^(::|##vso\[)/m.test(lines.out), lines.out);

    // The real process streams (dist/cli/io.js, as the CLI uses them).
    const script = `import { cliIo } from ${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'io.js'))};
      const io = cliIo(); io.out('::error::from a target\\n'); io.err('x ##vso[task.complete result=Succeeded;]\\n'); io.command('##vso[task.logissue type=error]mine\\n');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TF_BUILD: 'True' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ':\u200B:error::from a target\n##vso[task.logissue type=error]mine\n');
    assert.equal(r.stderr, 'x ##\u200Bvso[task.complete result=Succeeded;]\n');
  });
});

function verdictInput() {
  return {
    kind: 'smoke' as const,
    target: { baseUrl: 'http://127.0.0.1:9' },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    checks: [check('ok', 'passed')],
    gates: [],
    version: 't',
  };
}
