/**
 * End to end: a real Playwright HTML report, trace and Allure results, produced by a failing API test that
 * sends a planted bearer token, plus hand-made files in other shapes. The scanner must find the secret in all
 * of them (including inside the zip index.html embeds), and find nothing once scrubDirectory has run.
 * No browser is launched: the spec only uses the `request` fixture.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import JSZip from 'jszip';
import { Redactor } from '../../src/secrets/redactor.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { scrubDirectory } from '../../src/secrets/scrub.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules/@playwright/test/cli.js');
/** How Playwright 1.5x embeds the report data in index.html (older versions used `window.playwrightReportBase64 = "..."`). */
const EMBEDDED = /<template id="playwrightReportBase64">data:application\/zip;base64,([A-Za-z0-9+/=]*)<\/template>/;

const CONFIG = `
import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  testMatch: 'leak.spec.ts',
  workers: 1,
  retries: 0,
  timeout: 120_000,
  outputDir: 'out/test-results',
  reporter: [
    ['html', { outputFolder: 'out/report', open: 'never' }],
    ['allure-playwright', { resultsDir: 'out/allure-results' }],
  ],
  use: { trace: 'on', extraHTTPHeaders: { Authorization: 'Bearer ' + process.env.PLANTED_SECRET } },
});
`;

const SPEC = `
import { test, expect } from '@playwright/test';
test('echoes the caller', async ({ request }, testInfo) => {
  const res = await request.get(process.env.TARGET_URL + '/whoami');
  const body = await res.json();
  await testInfo.attach('creds', { body: 'token=' + process.env.PLANTED_SECRET, contentType: 'text/plain' });
  await testInfo.attach('blob', { body: Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(process.env.PLANTED_SECRET)]), contentType: 'application/octet-stream' });
  expect(body.seen).toBe('an anonymous caller');
});
`;

function runPlaywright(cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, CI: '1' };
  // The node:test runner marks its children with NODE_TEST_CONTEXT; PW_/PLAYWRIGHT_ overrides would change reporters.
  for (const key of Object.keys(childEnv)) if (/^(NODE_TEST_CONTEXT|PW_TEST_|PLAYWRIGHT_(HTML|JSON|JUNIT))/.test(key)) delete childEnv[key];
  return new Promise((resolve) => {
    // `npx playwright test`, minus npx's own start-up and registry checks. The timeouts here and in CONFIG are
    // hang guards: the run takes seconds, and minutes on an overloaded machine.
    execFile(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', 'pw.config.ts'], { cwd, env: childEnv, timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Runs the failing spec against a local server and adds hand-made files; returns the output directory. */
async function buildOutputs(work: string, secret: string): Promise<string> {
  const out = path.join(work, 'out');
  await symlink(path.join(REPO, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  await writeFile(path.join(work, 'pw.config.ts'), CONFIG);
  await writeFile(path.join(work, 'leak.spec.ts'), SPEC);

  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', `session=${secret}; HttpOnly`);
    res.end(JSON.stringify({ seen: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const run = await runPlaywright(work, { PLANTED_SECRET: secret, TARGET_URL: `http://127.0.0.1:${port}` });
    // The spec fails on purpose (its error message carries the token); anything else is a broken fixture.
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /1 failed/, run.output);
  } finally {
    server.closeAllConnections();
    server.close();
  }

  // Hand-made outputs in the other shapes a secret takes.
  await mkdir(path.join(out, 'misc'), { recursive: true });
  await writeFile(path.join(out, 'misc/summary.md'), `| check | curl |\n| a | curl -H 'Authorization: Bearer ${secret}' |\n`);
  await writeFile(path.join(out, 'misc/basic-auth.txt'), `Authorization: Basic ${Buffer.from(`svc:${secret}`).toString('base64')}\n`);
  await writeFile(path.join(out, 'misc/clean.txt'), 'nothing secret here\n');
  await writeFile(
    path.join(out, 'misc/screenshot.png'),
    Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\x20', 'latin1'), Buffer.from(`tEXtComment\0${secret}`), Buffer.alloc(32)]),
  );
  const inner = new JSZip();
  inner.file('trace.trace', JSON.stringify({ type: 'request', headers: [{ name: 'ocp-apim-subscription-key', value: secret }] }) + '\n', {
    compression: 'DEFLATE',
  });
  const outer = new JSZip();
  outer.file('nested/inner.zip', await inner.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  await writeFile(path.join(out, 'misc/bundle.zip'), await outer.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return out;
}

it('scanForLeaks sees a secret in a real Playwright report, and finds nothing after scrubDirectory', { timeout: 600_000 }, async (t) => {
  const secret = `rg-e2e-${randomBytes(12).toString('hex')}`;
  const work = await mkdtemp(path.join(tmpdir(), 'revgate-secrets-e2e-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const out = await buildOutputs(work, secret);

  await t.test('Playwright wrote the secret in forms grep cannot see, and the scanner finds every one', async () => {
    const index = await readFile(path.join(out, 'report/index.html'));
    assert.ok(EMBEDDED.test(index.toString('utf8')), 'index.html embeds the report zip as a base64 data URI');
    assert.equal(index.includes(secret), false, 'not visible to a plain grep of index.html');

    const found = await scanForLeaks(out, [secret]);
    const at = (rel: string, where: RegExp): boolean =>
      found.some((f) => path.relative(out, f.file).split(path.sep).join('/').match(rel) !== null && where.test(f.where));
    assert.ok(at('report/index.html', /^embedded-zip:/), 'inside the zip embedded in index.html');
    assert.ok(at('^report/data/.*\\.zip$', /^zip:0-trace\.network$/), 'in the trace copied into the report');
    assert.ok(at('^test-results/.*/trace\\.zip$', /^zip:0-trace\.trace$/), 'in the trace Playwright left in test-results');
    assert.ok(at('^allure-results/.*-attachment\\.zip$', /^zip:/), "in Allure's copy of the trace");
    assert.ok(at('^allure-results/.*-result\\.json$', /^raw$/), 'in the Allure result (error message)');
    assert.ok(at('^report/data/.*\\.bin$', /^raw$/), 'in the binary attachment');
    assert.ok(at('^misc/basic-auth\\.txt$', /^raw$/), 'inside base64 of a larger string');
    assert.ok(at('^misc/bundle\\.zip$', /^zip:nested\/inner\.zip > zip:trace\.trace$/), 'in a zip inside a zip');
    assert.ok(at('^misc/screenshot\\.png$', /^raw$/), 'in a binary');
    assert.equal(found.filter((f) => f.file.endsWith('clean.txt')).length, 0);
    assert.equal(JSON.stringify(found).includes(secret), false, 'findings never print the secret');
  });

  // Runs after the scan above on the same directory: the two steps are one scenario, in order.
  await t.test('after scrubDirectory nothing is found, and the report and traces are still valid', async () => {
    const report = await scrubDirectory(out, new Redactor().add(secret, 'token'));
    assert.equal(JSON.stringify(report).includes(secret), false);
    const rel = (files: string[]): string[] => files.map((f) => path.relative(out, f).split(path.sep).join('/')).sort();
    assert.ok(rel(report.filesChanged).includes('report/index.html'), rel(report.filesChanged).join('\n'));
    assert.ok(!rel(report.filesChanged).includes('misc/clean.txt'));
    const deleted = rel(report.filesDeleted);
    assert.ok(deleted.includes('misc/screenshot.png'), deleted.join('\n'));
    assert.ok(
      deleted.some((f) => /^report\/data\/[0-9a-f]+\.bin$/.test(f)),
      deleted.join('\n'),
    );
    assert.ok(
      deleted.some((f) => /^test-results\/.*\/trace\.zip!attachments\/[0-9a-f]+$/.test(f)),
      deleted.join('\n'),
    );

    assert.deepEqual(await scanForLeaks(out, [secret]), []);

    // The report still loads: index.html embeds a zip with CRC-valid entries and a parsable report.json.
    const html = await readFile(path.join(out, 'report/index.html'), 'utf8');
    const embedded = await JSZip.loadAsync(Buffer.from(EMBEDDED.exec(html)![1]!, 'base64'), { checkCRC32: true });
    const summary = JSON.parse(await embedded.file('report.json')!.async('string')) as { stats: { unexpected: number } };
    assert.equal(summary.stats.unexpected, 1);
    const testFiles = Object.keys(embedded.files).filter((n) => n !== 'report.json');
    assert.equal(testFiles.length, 1);
    const testFile = await embedded.file(testFiles[0]!)!.async('string');
    assert.match(testFile, /"body":"token=\*\*\*"/);
    assert.match(testFile, /Bearer \*\*\*/);
    JSON.parse(testFile);

    // The trace still opens, with the header masked and the scheme kept.
    const dataDir = path.join(out, 'report/data');
    const traceName = (await readdir(dataDir)).find((n) => n.endsWith('.zip'))!;
    const trace = await JSZip.loadAsync(await readFile(path.join(dataDir, traceName)), { checkCRC32: true });
    const network = await trace.file('0-trace.network')!.async('string');
    assert.match(network, /"name":"Authorization","value":"Bearer \*\*\*"/);
    for (const line of network.trim().split('\n')) JSON.parse(line);
  });
});
