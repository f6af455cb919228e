import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { replaceSpans } from '../../src/secrets/encodings.js';
import { NeedleIndex } from '../../src/secrets/needle-index.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { seededRandom } from '../../src/sandbox/faults.js';

function naive(text: string, needles: string[]): string[] {
  const out: string[] = [];
  needles.forEach((n, idx) => {
    if (!n) return;
    for (let i = text.indexOf(n); i !== -1; i = text.indexOf(n, i + 1)) out.push(`${idx}@${i}`);
  });
  return out.sort();
}

describe('NeedleIndex (many-secret search)', () => {
  it('finds exactly what one indexOf loop per needle finds, overlaps and non-latin1 text included (seeded fuzz)', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 500; round++) {
      const alphabet = round % 2 ? 'ab' : 'abc\u00e9\u4e2d\u0100';
      const rnd = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const needles = Array.from({ length: 1 + Math.floor(random() * 40) }, () => rnd((round % 3 === 0 ? 0 : 4) + Math.floor(random() * 6)));
      const text = rnd(Math.floor(random() * 300));
      const got: string[] = [];
      new NeedleIndex(needles).forEachMatch(text, (n, i) => got.push(`${n}@${i}`));
      assert.deepEqual(got.sort(), naive(text, needles), JSON.stringify({ needles, text }));
    }
  });

  it('replaceSpans gives the same text with and without the index', () => {
    const secrets = Array.from({ length: 40 }, (_, i) => `secret-${i}-${'x'.repeat(i % 5)}`);
    const text = `a ${secrets[3]}${secrets[4]} b secret-1-x${secrets[39]} c`;
    const small = secrets.slice(0, 10);
    // > 16 needles takes the indexed path; the first 10 alone take the loop: both must agree on those 10.
    const viaLoop = replaceSpans(text, small, '***').text;
    const viaIndex = replaceSpans(text, [...small, ...Array.from({ length: 20 }, (_, i) => `zz-unused-${i}`)], '***').text;
    assert.equal(viaIndex, viaLoop);
    assert.equal(replaceSpans(text, secrets, '***').text, 'a *** b *** c');
  });

  it('a redactor with 1,000 keys masks, detects and checks bytes quickly', () => {
    const r = new Redactor();
    const keys = Array.from({ length: 1000 }, () => randomBytes(24).toString('base64url'));
    for (const k of keys) r.add(k);
    const text = `{"note":"${'lorem ipsum '.repeat(20_000)}","key":"${keys[777]}"}`;
    // CPU time, not wall time: a loaded machine delays this work but does not make it more. ~0.1-0.3 s here;
    // 2 s catches a search that scans the text once per key with per-character JavaScript.
    const started = process.cpuUsage();
    const masked = r.mask(text);
    assert.ok(!masked.includes(keys[777]!) && masked.includes('"key":"***"'));
    assert.ok(r.has(text) && !r.has(masked));
    assert.ok(r.hasBytes(Buffer.from(text)) && !r.hasBytes(Buffer.from(masked)));
    assert.ok(r.hasBytes(Buffer.from(keys[5]!, 'utf16le')), 'UTF-16LE form still found');
    const used = process.cpuUsage(started);
    const cpuMs = (used.user + used.system) / 1000;
    assert.ok(cpuMs < 2000, `took ${Math.round(cpuMs)} ms of CPU`);
  });
});
