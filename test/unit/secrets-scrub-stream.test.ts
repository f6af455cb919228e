/**
 * scrubDirectory and scanForLeaks read in chunks: tiny chunks and a tiny memory bound (every boundary and every
 * temporary-file path exercised) must give the same files and findings as the defaults. And what cannot be
 * scrubbed or scanned is deleted and reported, never thrown: corrupt zips and gzip streams, containers nested
 * too deep, files that vanish or keep changing mid-run.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { Redactor } from '../../src/secrets/redactor.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { scrubDirectory } from '../../src/secrets/scrub.js';

const SECRET = 'unit-Str3am-Tok3n-xyz';
const TINY = { chunkBytes: 5, memoryBytes: 48 };
const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'revgate-scrub-stream-'));
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

/** Every file under `dir` (relative path -> bytes). */
function tree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (statSync(file).isFile()) out[name.split(path.sep).join('/')] = readFileSync(file);
  }
  return out;
}

const zipOf = async (files: Record<string, string | Buffer>, compression: 'STORE' | 'DEFLATE' = 'DEFLATE'): Promise<Buffer> => {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content, { compression, date: new Date(2024, 0, 2, 3, 4, 6) });
  return zip.generateAsync({ type: 'nodebuffer' });
};

/** Every shape the scrubber handles, each with the secret in it. */
async function fixtures(dir: string): Promise<void> {
  const basic = Buffer.from(`user:${SECRET}`).toString('base64');
  await put(dir, 'a/run.log', `GET /x authorization: Bearer ${SECRET}\nkey=${encodeURIComponent(SECRET)}\nbasic ${basic}\n`.repeat(3));
  await put(dir, 'a/clean.txt', 'nothing to see here, '.repeat(20));
  await put(dir, 'a/latin1.txt', Buffer.concat([Buffer.from('caf\xe9 ', 'latin1'), Buffer.from(SECRET), Buffer.from(' \xff', 'latin1')]));
  await put(dir, 'a/colour.json', JSON.stringify({ message: `Received: ${SECRET.slice(0, 5)}\x1b[7m${SECRET.slice(5, 9)}\x1b[27m${SECRET.slice(9)}` }));
  await put(dir, 'b/log.gz', gzipSync(`token=${SECRET}\n`.repeat(10)));
  const inner = await zipOf({
    'trace.trace': JSON.stringify({ headers: [{ name: 'Authorization', value: `Bearer ${SECRET}` }] }),
    'shot.png': Buffer.from([0x89, 0, 1, 0, ...Buffer.from(SECRET)]),
  });
  await put(dir, 'b/trace.zip', await zipOf({ 'nested/inner.zip': inner, 'notes.md': `token ${SECRET}`, 'clean.txt': 'clean' }, 'STORE'));
  const embedded = await zipOf({ 'report.json': JSON.stringify({ body: `token=${SECRET}` }) });
  await put(dir, 'c/index.html', `<html><template id="playwrightReportBase64">data:application/zip;base64,${embedded.toString('base64')}</template></html>`);
  await put(dir, `c/run-${SECRET}/attach.txt`, `body ${SECRET}`);
}

describe('streaming: tiny chunks give the same results', () => {
  it('scrubDirectory writes the same bytes and reports the same files with 5-byte chunks and a 48-byte memory bound', async () => {
    const [big, tiny] = [await tempDir(), await tempDir()];
    await fixtures(big);
    await cp(big, tiny, { recursive: true });

    const rel = (dir: string, files: string[]): string[] => files.map((f) => path.relative(dir, f)).sort();
    const [a, b] = [await scrubDirectory(big, redactor()), await scrubDirectory(tiny, redactor(), TINY)];
    assert.deepEqual(rel(tiny, b.filesChanged), rel(big, a.filesChanged));
    assert.deepEqual(rel(tiny, b.filesDeleted), rel(big, a.filesDeleted));
    assert.equal(a.failures, undefined);
    assert.equal(b.failures, undefined);
    assert.deepEqual(tree(tiny), tree(big));
    assert.ok(rel(big, a.filesChanged).includes('b/trace.zip') && rel(big, a.filesChanged).includes('c/index.html'));
    assert.deepEqual(await scanForLeaks(big, [SECRET]), []);
    assert.deepEqual(await scanForLeaks(tiny, [SECRET], TINY), []);
  });

  it('scanForLeaks finds the same things with 5-byte chunks and a 48-byte memory bound', async () => {
    const dir = await tempDir();
    await fixtures(dir);
    const key = (f: { file: string; where: string; variant: string }): string => `${path.relative(dir, f.file)} | ${f.where} | ${f.variant}`;
    const [a, b] = [await scanForLeaks(dir, [SECRET]), await scanForLeaks(dir, [SECRET], TINY)];
    assert.deepEqual(b.map(key).sort(), a.map(key).sort());
    assert.ok(a.some((f) => f.where === 'embedded-zip:report.json'));
    assert.ok(a.some((f) => f.where === 'zip:nested/inner.zip > zip:trace.trace'));
  });
});

describe('streaming: what cannot be scrubbed or scanned is deleted and reported', () => {
  it('a zip whose entry fails its CRC check', async () => {
    const dir = await tempDir();
    const bytes = await zipOf({ 'body.txt': 'hello world, a body' }, 'STORE');
    bytes[bytes.indexOf('hello')] = 0x48; // 'H': same size, wrong CRC
    const file = await put(dir, 'trace.zip', bytes);
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), [{ file, where: 'zip', variant: 'unreadable-zip', secretIndex: -1 }]);
    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(report.filesDeleted, [file]);
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[file, 'unreadable-zip', true]],
    );
    assert.match(report.failures![0]!.detail!, /CRC/);
  });

  it('a zip with an encrypted entry (nothing to decrypt it with, so nothing to check it with)', async () => {
    const dir = await tempDir();
    const bytes = await zipOf({ 'body.txt': 'ciphertext, supposedly' }, 'STORE');
    // Set the "encrypted" flag in the local and the central header.
    bytes[bytes.indexOf('PK\x03\x04') + 6]! |= 1;
    bytes[bytes.indexOf('PK\x01\x02') + 8]! |= 1;
    const file = await put(dir, 'secret.zip', bytes);
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), [{ file, where: 'zip', variant: 'unreadable-zip', secretIndex: -1 }]);
    const report = await scrubDirectory(dir, redactor());
    // yauzl already refuses it (a stored encrypted entry is 12 bytes longer than its content); else read() would.
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[file, 'unreadable-zip', true]],
    );
  });

  it('a corrupt zip inside a zip goes, the rest of the outer zip is kept', async () => {
    const dir = await tempDir();
    const broken = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]);
    const file = await put(dir, 'outer.zip', await zipOf({ 'bad.zip': broken, 'notes.md': 'clean notes' }));
    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(report.filesChanged, [file]);
    assert.deepEqual(report.filesDeleted, [`${file}!bad.zip`]);
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[`${file}!bad.zip`, 'unreadable-zip', true]],
    );
    const kept = await JSZip.loadAsync(await readFile(file), { checkCRC32: true });
    assert.deepEqual(Object.keys(kept.files), ['notes.md']);
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('a corrupt gzip stream', async () => {
    const dir = await tempDir();
    const file = await put(dir, 'log.gz', gzipSync('some log text').subarray(0, 12));
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), [{ file, where: 'gzip', variant: 'unreadable-gzip', secretIndex: -1 }]);
    const report = await scrubDirectory(dir, redactor());
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[file, 'unreadable-gzip', true]],
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a container nested deeper than can be checked: removed from its parent, even when it looks clean', async () => {
    const dir = await tempDir();
    let bytes: Buffer = gzipSync('clean text, but who can tell at this depth');
    for (let i = 7; i >= 1; i--) bytes = await zipOf({ [`z${i}.${i === 7 ? 'gz' : 'zip'}`]: bytes, [`note${i}.txt`]: 'clean' });
    const file = await put(dir, 'deep.zip', bytes);

    const found = await scanForLeaks(dir, [SECRET]);
    assert.deepEqual(
      found.map((f) => [f.where, f.variant]),
      [['zip:z1.zip > zip:z2.zip > zip:z3.zip > zip:z4.zip > zip:z5.zip > zip:z6.zip', 'too-deep']],
    );
    const report = await scrubDirectory(dir, redactor());
    const inner = `${file}!z1.zip!z2.zip!z3.zip!z4.zip!z5.zip!z6.zip`;
    assert.deepEqual(report.filesChanged, [file]);
    assert.deepEqual(report.filesDeleted, [inner]);
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[inner, 'too-deep', true]],
    );
    assert.deepEqual(await scanForLeaks(dir, [SECRET]), []);
  });

  it('a file that vanishes between listing and reading is reported, and the run goes on', async () => {
    const dir = await tempDir();
    await put(dir, 'a.txt', `first ${SECRET}`);
    const vanishing = await put(dir, 'b.txt', `second ${SECRET}`);
    const c = await put(dir, 'c.txt', `third ${SECRET}`);
    const removeB = (file: string): void => {
      if (file.endsWith('a.txt')) unlinkSync(vanishing);
    };

    const report = await scrubDirectory(dir, redactor(), { onFile: removeB });
    assert.deepEqual(
      report.failures?.map((f) => [f.file, f.reason, f.deleted]),
      [[vanishing, 'vanished', false]],
    );
    assert.ok(report.filesChanged.includes(c));
    assert.equal(await readFile(c, 'utf8'), 'third ***');

    await put(dir, 'b.txt', 'back again');
    const found = await scanForLeaks(dir, [SECRET], { onFile: removeB });
    assert.deepEqual(found, [{ file: vanishing, where: 'file', variant: 'vanished', secretIndex: -1 }]);
  });

  it('a file that cannot be read (replaced by a directory after listing) is deleted, and reported with its error code', async () => {
    const dir = await tempDir();
    const swapped = await put(dir, 'b.txt', `token ${SECRET}`);
    const c = await put(dir, 'c.txt', `token ${SECRET}`);
    const swap = async (file: string): Promise<void> => {
      if (file !== swapped) return;
      await rm(swapped);
      await put(dir, 'b.txt/inside.txt', `token ${SECRET}`);
    };
    const found = await scanForLeaks(dir, [SECRET], { onFile: swap });
    assert.deepEqual(
      found.filter((f) => f.secretIndex === -1),
      [{ file: swapped, where: 'file', variant: 'unreadable', secretIndex: -1 }],
    );
    await rm(swapped, { recursive: true });
    await put(dir, 'b.txt', `token ${SECRET}`);

    const report = await scrubDirectory(dir, redactor(), { onFile: swap });
    assert.deepEqual(report.failures, [{ file: swapped, reason: 'unreadable', detail: 'EISDIR', deleted: true }]);
    assert.deepEqual(report.filesDeleted, [swapped]);
    assert.deepEqual(report.filesChanged, [c]);
    assert.deepEqual(readdirSync(dir), ['c.txt']);
  });

  it('a file that keeps being written while it is scrubbed is deleted after three tries', async () => {
    const dir = await tempDir();
    // Larger than the memory bound, so it streams through real reads while the writer appends.
    const file = await put(dir, 'live.log', `line ${SECRET}\n`.repeat(4000));
    let writer: NodeJS.Timeout | undefined;
    try {
      const report = await scrubDirectory(dir, redactor(), {
        chunkBytes: 512,
        memoryBytes: 1024,
        onFile: (f) => {
          if (f === file) writer ??= setInterval(() => appendFileSync(file, 'more\n'), 1);
        },
      });
      assert.deepEqual(
        report.failures?.map((f) => [f.file, f.reason, f.deleted]),
        [[file, 'changing', true]],
      );
    } finally {
      clearInterval(writer);
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('failure details never carry the secret', async () => {
    const dir = await tempDir();
    await put(dir, `bad-${SECRET}.zip`, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(SECRET), Buffer.alloc(32)]));
    const report = await scrubDirectory(dir, redactor());
    assert.equal(report.failures?.length, 1);
    assert.equal(JSON.stringify(report).includes(SECRET), false);
  });
});
