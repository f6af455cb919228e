/**
 * Issue 12: an unreachable target fails every check in one connect attempt, each naming the connect error,
 * instead of one timeout per check after Playwright's start-up.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readVerdict, runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/files.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-unreachable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('smoke against a closed port', () => {
  it('fails every check at once with the connect error (exit 1), without starting Playwright', async () => {
    const port = await closedPort();
    const out = path.join(dir, 'out');
    const started = Date.now();
    const r = await runCli(['smoke', '--base-url', `http://127.0.0.1:${port}`, '--out', out], { env: { REVGATE_TOKEN: 'unreachable-token-0123456789' } });
    const wallMs = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    const v = readVerdict(out);
    const ran = v.checks.filter((c) => c.status !== 'skipped');
    assert.ok(ran.length >= 10, `every declared check and the spec: ${ran.length}`);
    for (const c of ran) assert.match(c.error?.message ?? '', new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`), c.id);
    assert.equal(existsSync(path.join(out, 'html')), false, "Playwright's report is absent: it never started");
    assert.ok(existsSync(path.join(out, 'report.html')), "revgate's own report is there instead");
    // Wall time is reported, not asserted tightly (a busy CI runner): the measured figure is ~1 s on an idle machine.
    assert.ok(wallMs < 60_000, `took ${wallMs} ms`);
  });
});
