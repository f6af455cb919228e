import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { publishVerdict } from '../../src/report/publish.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { decide } from '../../src/verdict/decide.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-publish-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const passing = () =>
  decide({
    kind: 'load',
    target: { baseUrl: 'http://127.0.0.1:1' },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    checks: [],
    gates: [{ id: 'g', metric: 'http_req_failed', expression: 'rate<0.01', blocking: true, status: 'passed', reason: 'ok' }],
    version: 't',
  });
const io = { out: () => undefined, err: () => undefined, env: {} };

describe('publish: an artifact that cannot be made safe', () => {
  it('is deleted and named, and the verdict becomes an error (hold), never a pass', async () => {
    const out = mkdtempSync(path.join(dir, 'out-'));
    const secret = 'planted-publish-secret-0a1b2c3d4e5f';
    // A zip whose central directory is cut off: the scrubber cannot read it, so it cannot vouch for it.
    writeFileSync(path.join(out, 'trace.zip'), Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 1), Buffer.from(secret)]));
    const v = await publishVerdict(passing(), { out, redactor: new Redactor().add(secret, 'token'), io });
    assert.deepEqual([v.verdict, v.exitCode], ['error', 4]);
    assert.match(v.reasons[0] ?? '', /could not be made safe and were deleted \(trace\.zip: /);
    assert.equal(existsSync(path.join(out, 'trace.zip')), false);
    assert.equal(JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')).verdict, 'error', 'verdict.json says so too');
  });

  it('a clean folder publishes the verdict unchanged', async () => {
    const out = mkdtempSync(path.join(dir, 'out-'));
    writeFileSync(path.join(out, 'notes.txt'), 'nothing secret here');
    const v = await publishVerdict(passing(), { out, redactor: new Redactor().add('planted-publish-secret-0a1b2c3d4e5f', 'token'), io });
    assert.deepEqual([v.verdict, v.exitCode], ['pass', 0]);
  });
});
