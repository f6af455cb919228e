import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { Redactor } from '../../src/secrets/redactor.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { scrubDirectory } from '../../src/secrets/scrub.js';

const SECRET = 'unit-Secr3t-Tok3n-xyz';
const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'revgate-scrub-unit-'));
  roots.push(dir);
  return dir;
}

async function put(dir: string, rel: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

const redactor = (): Redactor => new Redactor().add(SECRET, 'token');

/** Compression method of each entry, read from the central directory (JSZip does not expose it). */
function zipMethods(bytes: Buffer): Record<string, number> {
  const eocd = bytes.lastIndexOf('PK\x05\x06');
  const count = bytes.readUInt16LE(eocd + 10);
  const out: Record<string, number> = {};
  for (let i = bytes.readUInt32LE(eocd + 16), n = 0; n < count; n++) {
    const [nameLength, extraLength, commentLength] = [bytes.readUInt16LE(i + 28), bytes.readUInt16LE(i + 30), bytes.readUInt16LE(i + 32)];
    out[bytes.subarray(i + 46, i + 46 + nameLength).toString('utf8')] = bytes.readUInt16LE(i + 10);
    i += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

const fakePng = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x10]), Buffer.from(`tEXtComment\0${text}`), Buffer.alloc(16)]);

describe('scrubDirectory and scanForLeaks on crafted files', () => {
  it('rewrites text files that leak and leaves clean ones byte-for-byte alone', async () => {
    const dir = await tempDir();
    const leaky = await put(dir, 'logs/run.log', `GET /x authorization: Bearer ${SECRET}\nkey=${encodeURIComponent(SECRET)}\n`);
    const clean = await put(dir, 'logs/clean.log', 'nothing to see\n');
    const cleanBefore = await stat(clean);

    assert.equal((await scanForLeaks(dir, [SECRET])).length, 1);
    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(report, { filesScanned: 2, filesChanged: [leaky], filesDeleted: [] });
    assert.equal(await readFile(leaky, 'utf8'), 'GET /x authorization: Bearer ***\nkey=***\n');
    assert.equal((await stat(clean)).mtimeMs, cleanBefore.mtimeMs);
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('keeps bytes that are not UTF-8 in a rewritten text file', async () => {
    const dir = await tempDir();
    const file = await put(dir, 'latin1.txt', Buffer.concat([Buffer.from('caf\xe9 ', 'latin1'), Buffer.from(SECRET), Buffer.from(' \xff', 'latin1')]));
    await scrubDirectory(dir, redactor());
    assert.deepEqual(await readFile(file), Buffer.concat([Buffer.from('caf\xe9 ***', 'latin1'), Buffer.from(' \xff', 'latin1')]));
  });

  it('deletes binaries holding a secret (UTF-8 or UTF-16) and keeps clean binaries', async () => {
    const dir = await tempDir();
    const png = await put(dir, 'shot.png', fakePng(SECRET));
    const wide = await put(dir, 'wide.bin', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x ${SECRET}`, 'utf16le')]));
    const ok = await put(dir, 'ok.png', fakePng('hello'));

    const found = await scanForLeaks(dir, [SECRET]);
    assert.deepEqual(found.map((f) => [path.basename(f.file), f.variant]).sort(), [
      ['shot.png', 'raw'],
      ['wide.bin', 'utf16le'],
    ]);
    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(report.filesDeleted.sort(), [png, wide].sort());
    assert.deepEqual(await readdir(dir), [path.basename(ok)]);
  });

  it('scrubs zips inside zips, keeping names and compression, and removes binary entries that leak', async () => {
    const dir = await tempDir();
    const inner = new JSZip();
    inner.file('trace.trace', JSON.stringify({ headers: [{ name: 'Authorization', value: `Bearer ${SECRET}` }] }), { compression: 'DEFLATE' });
    inner.file('resources/shot.png', fakePng(SECRET), { compression: 'STORE' });
    inner.file('resources/clean.txt', 'clean', { compression: 'STORE' });
    const outer = new JSZip();
    outer.file('nested/inner.zip', await inner.generateAsync({ type: 'nodebuffer' }), { compression: 'STORE' });
    outer.file('notes.md', `token ${SECRET}`, { compression: 'DEFLATE' });
    outer.file('readme.txt', 'clean', { compression: 'DEFLATE' });
    const file = await put(dir, 'trace.zip', await outer.generateAsync({ type: 'nodebuffer' }));
    const innerMethods = zipMethods(await inner.generateAsync({ type: 'nodebuffer' }));
    const outerMethods = zipMethods(await readFile(file));
    assert.deepEqual(innerMethods, { 'trace.trace': 8, 'resources/': 0, 'resources/shot.png': 0, 'resources/clean.txt': 0 });

    const before = await scanForLeaks(dir, [SECRET]);
    const wheres = before.map((f) => f.where);
    assert.ok(wheres.includes('zip:nested/inner.zip > zip:trace.trace'), wheres.join('\n'));
    assert.ok(wheres.includes('zip:notes.md'), wheres.join('\n'));

    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(report.filesChanged, [file]);
    assert.deepEqual(report.filesDeleted, [`${file}!nested/inner.zip!resources/shot.png`]);

    const bytes = await readFile(file);
    assert.deepEqual(zipMethods(bytes), outerMethods);
    const reopened = await JSZip.loadAsync(bytes, { checkCRC32: true });
    assert.equal(await reopened.file('notes.md')!.async('string'), 'token ***');
    const innerBytes = await reopened.file('nested/inner.zip')!.async('nodebuffer');
    const { 'resources/shot.png': removed, ...kept } = innerMethods;
    assert.equal(removed, 0);
    assert.deepEqual(zipMethods(innerBytes), kept);
    const innerZip = await JSZip.loadAsync(innerBytes);
    assert.match(await innerZip.file('trace.trace')!.async('string'), /"Bearer \*\*\*"/);
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('scrubs inside gzip and inside base64 data URIs, keeping them decodable', async () => {
    const dir = await tempDir();
    const gz = await put(dir, 'log.gz', gzipSync(`token=${SECRET}`));
    const uri = `data:text/plain;base64,${Buffer.from(`x-api-key: ${SECRET}, and more text`).toString('base64')}`;
    const html = await put(dir, 'page.html', `<a href="${uri}">download</a>`);

    const wheres = (await scanForLeaks(dir, [SECRET])).map((f) => `${path.basename(f.file)} ${f.where}`).sort();
    assert.deepEqual(wheres, ['log.gz gzip', 'page.html data-uri', 'page.html raw']); // raw: base64-aligned match
    await scrubDirectory(dir, redactor());
    assert.equal(gunzipSync(await readFile(gz)).toString(), 'token=***');
    const payload = /base64,([^"]+)"/.exec(await readFile(html, 'utf8'))![1]!;
    assert.equal(Buffer.from(payload, 'base64').toString(), 'x-api-key: ***, and more text');
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('finds and removes a secret split by ANSI colour codes, raw or JSON-escaped', async () => {
    const dir = await tempDir();
    const split = `${SECRET.slice(0, 5)}\x1b[7m${SECRET.slice(5, 9)}\x1b[27m${SECRET.slice(9)}`;
    const jsonSplit = JSON.stringify({ message: `Received: ${split}` });
    const log = await put(dir, 'out.log', `Received: ${split}\n`);
    const json = await put(dir, 'report.json', jsonSplit);
    assert.ok(!jsonSplit.includes(SECRET) && jsonSplit.includes('\\u001b[7m'));

    const found = await scanForLeaks(dir, [SECRET]);
    assert.deepEqual(
      found.map((f) => f.where),
      ['raw (ansi-stripped)', 'raw (ansi-stripped)'],
    );
    await scrubDirectory(dir, redactor());
    assert.equal(await readFile(log, 'utf8'), 'Received: ***\n');
    assert.deepEqual(JSON.parse(await readFile(json, 'utf8')), { message: 'Received: ***' });
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('fails closed on a zip it cannot open', async () => {
    const dir = await tempDir();
    const broken = await put(dir, 'trace.zip', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]));
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), [{ file: broken, where: 'zip', variant: 'unreadable-zip', secretIndex: -1 }]);
    assert.deepEqual((await scrubDirectory(dir, redactor())).filesDeleted, [broken]);
  });

  it('renames files and directories whose names hold a secret, and never reports the secret', async () => {
    const dir = await tempDir();
    await put(dir, `results/run-${SECRET}/attach-${SECRET}.txt`, 'clean body');
    await put(dir, `results/run-${SECRET}/plain.txt`, `body ${SECRET}`);

    const found = await scanForLeaks(dir, [SECRET]);
    assert.ok(found.some((f) => f.where === 'path'));
    assert.equal(JSON.stringify(found).includes(SECRET), false);

    const report = await scrubDirectory(dir, redactor());
    assert.equal(JSON.stringify(report).includes(SECRET), false);
    assert.deepEqual(report.filesChanged.sort(), [
      path.join(dir, 'results/run-REDACTED/attach-REDACTED.txt'),
      path.join(dir, 'results/run-REDACTED/plain.txt'),
    ]);
    assert.deepEqual((await readdir(path.join(dir, 'results/run-REDACTED'))).sort(), ['attach-REDACTED.txt', 'plain.txt']);
    assert.equal(await readFile(path.join(dir, 'results/run-REDACTED/plain.txt'), 'utf8'), 'body ***');
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('does not follow symlinks', async () => {
    const outside = await tempDir();
    const secretFile = await put(outside, 'secret.txt', SECRET);
    const dir = await tempDir();
    await symlink(secretFile, path.join(dir, 'link.txt'));

    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
    assert.deepEqual(await scrubDirectory(dir, redactor()), { filesScanned: 0, filesChanged: [], filesDeleted: [] });
    assert.equal(await readFile(secretFile, 'utf8'), SECRET);
  });

  it('the scanner sees every encoding, and reports the kind but never the text', async () => {
    const dir = await tempDir();
    const basic = Buffer.from(`user:${SECRET}`).toString('base64');
    await put(dir, 'a.txt', `Authorization: Basic ${basic}`);
    await put(dir, 'b.txt', `?k=${encodeURIComponent(`${SECRET} !`)}`);
    await put(dir, 'c.json', JSON.stringify({ s: JSON.stringify({ s: `"${SECRET}"` }) }));
    await put(dir, 'd.txt', Buffer.from(SECRET).toString('base64url'));

    const found = await scanForLeaks(dir, [`${SECRET} !`, `"${SECRET}"`, SECRET, 'ab']);
    const byFile = (name: string): string[] =>
      found
        .filter((f) => path.basename(f.file) === name)
        .map((f) => `${f.secretIndex}:${f.variant}`)
        .sort();
    assert.ok(byFile('a.txt').includes('2:base64-aligned'), byFile('a.txt').join());
    assert.ok(byFile('b.txt').includes('0:url'), byFile('b.txt').join());
    assert.ok(byFile('c.json').includes('1:json-nested'), byFile('c.json').join());
    assert.ok(
      byFile('d.txt').some((v) => v.startsWith('2:base64')),
      byFile('d.txt').join(),
    );
    assert.ok(
      found.every((f) => f.secretIndex !== 3),
      'secrets shorter than 4 characters are not searched',
    );
    assert.equal(JSON.stringify(found).includes(SECRET), false);
  });

  it('with no secrets registered, changes nothing', async () => {
    const dir = await tempDir();
    const file = await put(dir, 'a.txt', `x ${SECRET}`);
    assert.deepEqual(await scrubDirectory(dir, new Redactor()), { filesScanned: 1, filesChanged: [], filesDeleted: [] });
    assert.equal(await readFile(file, 'utf8'), `x ${SECRET}`);
  });
});
