/**
 * The chunked search, masking and decoding steps give what the whole-text functions give, however the input is
 * cut: every case is run through seeded random chunkings (1-byte chunks included), so an occurrence that spans
 * a chunk boundary is exercised at every offset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replaceSpans, stripAnsi, variantsOf } from '../../src/secrets/encodings.js';
import { seededRandom } from '../../src/sandbox/faults.js';
import { AnsiStripper, Base64Decoder, Base64Encoder, DataUriSplitter, StrippedMatches, type DataUriEvent } from '../../src/secrets/stream-decode.js';
import { MatchTracker, NeedleSet, SpanMasker } from '../../src/secrets/stream-search.js';

const random = seededRandom(7);

/** `bytes` cut at random places: mostly short chunks, some of 1-3 bytes. */
function cuts(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(random() * (random() < 0.3 ? 3 : 40));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Text assembled from tokens chosen to collide: needles, their overlaps, colour codes, data URI parts. */
function sample(tokens: readonly string[], max: number): string {
  return Array.from({ length: Math.floor(random() * max) }, () => tokens[Math.floor(random() * tokens.length)]!).join('');
}

function maskChunked(text: string, needles: string[], chunks = cuts(Buffer.from(text, 'latin1'))): { text: string; count: number } {
  const out: Buffer[] = [];
  const masker = new SpanMasker(new NeedleSet(needles), Buffer.from('***'), (b) => out.push(Buffer.from(b)));
  for (const chunk of chunks) masker.write(chunk);
  masker.end();
  return { text: Buffer.concat(out).toString('latin1'), count: masker.count };
}

const NEEDLE_SETS: string[][] = [
  ['ab', 'bab', 'aba'],
  ['abab', 'b'],
  // Over 16 needles: the indexed search instead of one indexOf per needle.
  ['ab', 'bab', ...Array.from({ length: 20 }, (_, i) => `zz${i}`)],
  variantsOf('s3cr/t+k3y').map((v) => Buffer.from(v.text).toString('latin1')),
];

describe('SpanMasker and MatchTracker: replaceSpans and includes over chunks', () => {
  it('mask the same spans and count the same matches, adjacent and overlapping ones merged (seeded fuzz)', () => {
    for (let round = 0; round < 4000; round++) {
      const needles = NEEDLE_SETS[round % NEEDLE_SETS.length]!;
      const text = sample([...needles, 'a', 'b', 'x', ' ', 'zz1'], 14);
      assert.deepEqual(maskChunked(text, needles), replaceSpans(text, needles, '***'), JSON.stringify({ text, needles }));

      const tracker = new MatchTracker(new NeedleSet(needles));
      for (const chunk of cuts(Buffer.from(text, 'latin1'))) tracker.write(chunk);
      tracker.end();
      const expected = needles.flatMap((n, i) => (text.includes(n) ? [i] : []));
      assert.deepEqual(
        [...tracker.found].sort((a, b) => a - b),
        expected,
        JSON.stringify({ text, needles }),
      );
    }
  });

  it('a run of adjacent secrets longer than any chunk becomes one mask', () => {
    const text = `[${'abcd'.repeat(1000)}]`;
    const chunks = cuts(Buffer.from(text));
    assert.deepEqual(maskChunked(text, ['abcd'], chunks), { text: '[***]', count: 1000 });
  });

  it('with no needles, passes the bytes through', () => {
    assert.deepEqual(maskChunked('anything', []), { text: 'anything', count: 0 });
  });
});

describe('AnsiStripper and StrippedMatches: stripAnsi over chunks', () => {
  const tokens = ['ab', 'cd', '\x1b[7m', '\x1b[27m', '\x1b[', '31', ';', 'm', '\\u001b[31m', '\\u001B[0m', '\\u00', '\\', '\x1b', 'x'];

  it('strips the same colour codes, raw or JSON-escaped, cut anywhere (seeded fuzz)', () => {
    for (let round = 0; round < 4000; round++) {
      const text = sample(tokens, 16);
      const out: Buffer[] = [];
      const stripper = new AnsiStripper((b) => out.push(Buffer.from(b)));
      for (const chunk of cuts(Buffer.from(text, 'latin1'))) stripper.write(chunk);
      stripper.end();
      assert.equal(Buffer.concat(out).toString('latin1'), stripAnsi(text), JSON.stringify(text));
      assert.equal(stripper.removed > 0, stripAnsi(text) !== text);
    }
  });

  it('StrippedMatches finds every needle that only stripping reveals', () => {
    const needles = ['abcd', 'cdab'];
    for (let round = 0; round < 4000; round++) {
      const text = sample(tokens, 16);
      const matches = new StrippedMatches(new NeedleSet(needles));
      for (const chunk of cuts(Buffer.from(text, 'latin1'))) matches.write(chunk);
      matches.end();
      const onlyStripped = (found: (n: string) => boolean): number[] => needles.flatMap((n, i) => (found(n) && !text.includes(n) ? [i] : []));
      assert.deepEqual(
        onlyStripped((n) => matches.found.has(needles.indexOf(n))),
        onlyStripped((n) => stripAnsi(text).includes(n)),
        JSON.stringify(text),
      );
    }
  });
});

/** The whole-text definition the splitter streams (the regex the scrubber used on whole files). */
const DATA_URI = /data:([A-Za-z0-9.+-]+\/[A-Za-z0-9.+-]+)?((?:;[A-Za-z0-9.+-]+=[^;,"'\s]*)*);base64,([A-Za-z0-9+/]+={0,2})/g;

describe('DataUriSplitter: data URIs over chunks', () => {
  it('cuts out the payloads the whole-text regex finds (8 characters or more, padding included), and passes everything else through', () => {
    // Short base64 runs and padding make payloads of 6-10 characters, around the 8-character minimum.
    const tokens = [
      'data:',
      'text/plain',
      ';charset=utf-8',
      ';a=data:x',
      ';base64,',
      'data:;base64,',
      'QUJDREVGR0hJSktM',
      'QQ',
      'QUJD',
      'Q',
      '=',
      '==',
      '"',
      ' ',
      'x',
    ];
    for (let round = 0; round < 8000; round++) {
      const text = sample(tokens, 14);
      const splitter = new DataUriSplitter();
      const events: DataUriEvent[] = [];
      for (const chunk of cuts(Buffer.from(text, 'latin1'))) events.push(...splitter.write(chunk));
      events.push(...splitter.end());

      let rebuilt = '';
      const payloads: Array<{ mime: string; text: string }> = [];
      for (const e of events) {
        if (e.kind === 'start') payloads.push({ mime: e.mime, text: '' });
        if (e.kind === 'payload') payloads.at(-1)!.text += e.bytes.toString('latin1');
        if (e.kind === 'text' || e.kind === 'payload') rebuilt += e.bytes.toString('latin1');
      }
      const expected = [...text.matchAll(DATA_URI)].filter((m) => m[3]!.length >= 8).map((m) => ({ mime: m[1] ?? '', text: m[3]! }));
      assert.equal(rebuilt, text);
      assert.deepEqual(payloads, expected, JSON.stringify(text));
      assert.equal(events.filter((e) => e.kind === 'end').length, expected.length);
    }
  });
});

describe('Base64Encoder and Base64Decoder', () => {
  it('match Buffer base64 over any chunking', () => {
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      const encoder = new Base64Encoder();
      const encoded = Buffer.concat([...cuts(bytes).map((c) => encoder.write(c)), encoder.end()]).toString('latin1');
      assert.equal(encoded, bytes.toString('base64'));
      // Unpadded input decodes as Buffer.from decodes it.
      const text = round % 2 ? encoded : encoded.replace(/=+$/, '');
      const decoder = new Base64Decoder();
      const decoded = Buffer.concat([...cuts(Buffer.from(text, 'latin1')).map((c) => decoder.write(c)), decoder.end()]);
      assert.deepEqual(decoded, Buffer.from(text, 'base64'));
    }
  });
});
