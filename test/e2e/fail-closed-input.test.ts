/**
 * Issue 11, item 9: every input problem is exit 3 with a sentence, never "internal error" with a stack; a
 * --tenants-cmd that hangs is ended with everything it started.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const nested = (depth: number): string => '['.repeat(depth) + '1' + ']'.repeat(depth);

describe('input problems are sentences with exit 3', { concurrency: true }, () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'a config nested 100,000 levels deep',
      () => {
        const f = path.join(dir, 'deep.json');
        writeFileSync(
          f,
          `{"service":{"name":"x"},"environments":{"d":{"baseUrl":"http://127.0.0.1:1"}},"checks":[{"id":"a","request":{"path":"/","method":"POST","json":${nested(100_000)}}}]}`,
        );
        return ['smoke', '--config', f];
      },
      /nested more than 64 levels deep \(at \$\.checks\[0\]\.request\.json/,
    ],
    [
      'gate criteria nested deep',
      () => {
        const f = path.join(dir, 'deep-criteria.json');
        writeFileSync(f, `{"thresholds":{"http_req_failed":${nested(5000)}}}`);
        return ['gate', '--sandbox', '--criteria', f];
      },
      /nested more than 64 levels deep/,
    ],
    ['a directory as the load profile', () => ['load', '--sandbox', '--profile', 'load'], /load profile load is a directory/],
    [
      'a CA file without a certificate',
      () => {
        const f = path.join(dir, 'not-a-cert.pem');
        writeFileSync(f, 'hello\n');
        return ['smoke', '--sandbox', '--ca-file', f];
      },
      /holds no PEM certificate/,
    ],
    [
      'a CA file that is a directory',
      () => ['load', '--sandbox', '--profile', 'load/profiles/sandbox-smoke.json', '--ca-file', dir],
      /is a directory, not a PEM file/,
    ],
  ];
  for (const [name, args, expected] of cases) {
    it(name, async () => {
      const r = await runCli([...args(), '--out', path.join(dir, `out-${name.replace(/\W+/g, '-')}`)], { timeoutMs: 60_000 });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
    });
  }

  it('a --tenants-cmd past its time limit is ended with its whole process group', async () => {
    const marker = `revgate-orphan-${process.pid}-${Date.now()}`;
    // A pipeline, as `az ... | jq` is: both sides must go. The marker (an argument node ignores) names them for pgrep.
    const hang = `"${process.execPath}" -e "setTimeout(() => {}, 300000)" ${marker}`;
    const r = await runCli(['probe', '--tenants-cmd', `${hang} | ${hang}`, '--tenants-cmd-timeout', '1'], { timeoutMs: 30_000 });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /--tenants-cmd failed \(timed out after 1 s; its process group was ended\)/);
    let left: string;
    try {
      left = execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' });
    } catch {
      left = ''; // pgrep exits 1 when nothing matches
    }
    assert.equal(left.trim(), '', 'no process of the command is left');
  });
});
