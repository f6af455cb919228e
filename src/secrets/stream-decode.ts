/**
 * Decoding steps that the scrubber and the scanner apply to text arriving in chunks: ANSI colour codes removed,
 * base64 data URIs cut out, base64 decoded and encoded. Each gives, over any chunking, what the whole-text
 * functions give (stripAnsi, a global data URI regex, Buffer base64), within the stated bounds. Pure: no I/O, no masking.
 */
import { ANSI_SEQUENCE } from './encodings.js';
import { MatchTracker, type NeedleSet } from './stream-search.js';

const EMPTY = Buffer.alloc(0);

/**
 * A colour code cut by a chunk end is held back until it completes. One longer than this (a parameter list of
 * hundreds of digits, which no terminal emits) that straddles a chunk end passes through unstripped.
 */
const ANSI_HOLD = 256;
/** A proper prefix of an ANSI sequence (raw ESC or JSON-escaped \u001b), anchored at both ends. */
const ANSI_PREFIX = /^(?:\x1b(?:\[[0-9;]*)?|\\(?:u(?:0(?:0(?:1(?:[bB](?:\[[0-9;]*)?)?)?)?)?)?)$/;

/** stripAnsi over a stream: `push` receives the text without its colour codes; `removed` counts them. */
export class AnsiStripper {
  removed = 0;
  readonly #push: (bytes: Buffer) => void;
  #pending: Buffer = EMPTY;

  constructor(push: (bytes: Buffer) => void) {
    this.#push = push;
  }

  write(chunk: Buffer): void {
    if (chunk.length > 0) this.#step(this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]), false);
  }

  end(): void {
    this.#step(this.#pending, true);
  }

  #step(buf: Buffer, final: boolean): void {
    const cut = final ? buf.length : heldFrom(buf);
    let last = 0;
    // Most text has no colour code at all: it is not decoded to a string.
    if (buf.indexOf(0x1b) !== -1 || buf.indexOf(JSON_ESCAPE) !== -1) {
      // A sequence never contains ESC or a backslash after its first character, so none crosses `cut`.
      for (const match of buf.toString('latin1', 0, cut).matchAll(ANSI_SEQUENCE)) {
        if (match.index > last) this.#push(buf.subarray(last, match.index));
        last = match.index + match[0].length;
        this.removed++;
      }
    }
    if (cut > last) this.#push(buf.subarray(last, cut));
    this.#pending = Buffer.from(buf.subarray(cut));
  }
}

const JSON_ESCAPE = Buffer.from('\\u001', 'latin1');

/** Where an unfinished colour code starts at the end of `buf` (buf.length when there is none). */
function heldFrom(buf: Buffer): number {
  const from = Math.max(0, buf.length - ANSI_HOLD);
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if ((c === 0x1b || c === 0x5c) && ANSI_PREFIX.test(buf.toString('latin1', i))) return i;
  }
  return buf.length;
}

export type DataUriEvent =
  /** Bytes outside any payload (data URI headers included), in order. */
  | { kind: 'text'; bytes: Buffer }
  | { kind: 'start'; mime: string }
  /** Base64 text of the payload, its `=` padding included. */
  | { kind: 'payload'; bytes: Buffer }
  | { kind: 'end' };

/**
 * `data:<mime>;base64,<payload>` inside text. Playwright's HTML report embeds its whole data zip this way:
 * `<template id="playwrightReportBase64">data:application/zip;base64,UEsDB...</template>` (1.5x; older versions
 * used `window.playwrightReportBase64 = "data:application/zip;base64,...";`). Matching any data URI covers both
 * and any other tool that inlines files. This is the header; the payload is `[A-Za-z0-9+/]+={0,2}`.
 */
const HEADER = /data:([A-Za-z0-9.+-]+\/[A-Za-z0-9.+-]+)?((?:;[A-Za-z0-9.+-]+=[^;,"'\s]*)*);base64,/y;
/** A header is looked for this far back from a chunk end; longer ones cut by a chunk end are not recognised. */
const HEADER_HOLD = 4096;
/** Payloads shorter than this cannot hold a 4-byte secret plus a container around it. */
const MIN_PAYLOAD = 8;
const BASE64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;
const EQUALS = 0x3d;
const DATA = Buffer.from('data:', 'latin1');

/**
 * Cuts base64 data URIs out of a text stream, reported as events so that a payload of any size streams through.
 * Finds what `text.matchAll(/data:...;base64,([A-Za-z0-9+/]+={0,2})/g)` finds in the whole text (payloads of at
 * least 8 characters), whatever the chunking.
 */
export class DataUriSplitter {
  #mode: 'text' | 'payload' | 'padding' = 'text';
  #padding = 0;
  /** Text held back because a header or a short payload may continue in the next chunk. */
  #pending: Buffer = EMPTY;

  write(chunk: Buffer): DataUriEvent[] {
    const out: DataUriEvent[] = [];
    this.#feed(chunk, false, out);
    return out;
  }

  end(): DataUriEvent[] {
    const out: DataUriEvent[] = [];
    this.#feed(EMPTY, true, out);
    return out;
  }

  #feed(chunk: Buffer, final: boolean, out: DataUriEvent[]): void {
    let buf: Buffer | undefined = chunk;
    while (buf !== undefined) {
      if (this.#mode === 'text') {
        const text: Buffer = this.#pending.length === 0 ? buf : Buffer.concat([this.#pending, buf]);
        this.#pending = EMPTY;
        buf = this.#text(text, final, out);
      } else {
        buf = this.#payload(buf, out);
        if (buf === undefined && final) {
          out.push({ kind: 'end' });
          this.#mode = 'text';
        }
      }
    }
  }

  /** Payload bytes up to the first non-base64 byte and at most two `=`; returns what follows, once known. */
  #payload(buf: Buffer, out: DataUriEvent[]): Buffer | undefined {
    let i = 0;
    if (this.#mode === 'payload') {
      while (i < buf.length && BASE64_CHAR[buf[i]!] === 1) i++;
      if (i === buf.length) {
        if (i > 0) out.push({ kind: 'payload', bytes: buf });
        return undefined;
      }
      this.#mode = 'padding';
      this.#padding = 0;
    }
    while (i < buf.length && buf[i] === EQUALS && this.#padding < 2) {
      i++;
      this.#padding++;
    }
    if (i > 0) out.push({ kind: 'payload', bytes: buf.subarray(0, i) });
    if (i === buf.length && this.#padding < 2) return undefined; // more padding may follow
    out.push({ kind: 'end' });
    this.#mode = 'text';
    return buf.subarray(i);
  }

  /** Text up to the next payload (returned, to be read in payload mode) or to what must wait for more input. */
  #text(buf: Buffer, final: boolean, out: DataUriEvent[]): Buffer | undefined {
    // "data" at the very end may be the start of a "data:" cut by the chunk end.
    let hold = final ? buf.length : Math.max(0, buf.length - 4);
    // Most text holds no data URI: it is not decoded to a string.
    const s = buf.indexOf(DATA) === -1 ? '' : buf.toString('latin1');
    let pos = 0;
    for (;;) {
      const i = s.indexOf('data:', pos);
      if (i === -1) break;
      HEADER.lastIndex = i;
      const match = HEADER.exec(s);
      if (!match) {
        if (!final && s.length - i < HEADER_HOLD) {
          hold = i; // the header may be cut by the chunk end
          break;
        }
        pos = i + 1;
        continue;
      }
      const h = i + match[0].length;
      let j = h;
      while (j < s.length && BASE64_CHAR[s.charCodeAt(j)] === 1) j++;
      let k = j;
      while (k < s.length && s.charCodeAt(k) === EQUALS && k - j < 2) k++;
      // The payload's length counts its padding, as the regex's capture does.
      if (k - h >= MIN_PAYLOAD) {
        if (h > 0) out.push({ kind: 'text', bytes: buf.subarray(0, h) });
        out.push({ kind: 'start', mime: match[1] ?? '' });
        this.#mode = 'payload';
        return buf.subarray(h);
      }
      if (k === s.length && k - j < 2 && !final) {
        hold = i; // the payload or its padding may go on in the next chunk
        break;
      }
      if (j === h) {
        pos = i + 1; // no payload: no match at i
        continue;
      }
      // A payload too short to hold a secret: the match is skipped whole, and matching resumes after it.
      pos = k;
    }
    // Never hold back bytes inside a match already skipped: matching resumes after it, as matchAll does.
    hold = Math.max(hold, Math.min(pos, buf.length));
    if (hold > 0) out.push({ kind: 'text', bytes: buf.subarray(0, hold) });
    this.#pending = Buffer.from(buf.subarray(hold));
    return undefined;
  }
}

/** Buffer.from(base64, 'base64') over a stream of base64 text (any `=` is padding at the end). */
export class Base64Decoder {
  #rest = '';

  write(base64: Buffer): Buffer {
    let s = this.#rest + base64.toString('latin1');
    if (s.includes('=')) s = s.replace(/=/g, '');
    const whole = s.length - (s.length % 4);
    this.#rest = s.slice(whole);
    return Buffer.from(s.slice(0, whole), 'base64');
  }

  end(): Buffer {
    const out = Buffer.from(this.#rest, 'base64');
    this.#rest = '';
    return out;
  }
}

/** bytes.toString('base64') over a stream of bytes, as latin1 bytes of the base64 text. */
export class Base64Encoder {
  #rest: Buffer = EMPTY;

  write(bytes: Buffer): Buffer {
    const buf = this.#rest.length === 0 ? bytes : Buffer.concat([this.#rest, bytes]);
    const whole = buf.length - (buf.length % 3);
    this.#rest = Buffer.from(buf.subarray(whole));
    return Buffer.from(buf.subarray(0, whole).toString('base64'), 'latin1');
  }

  end(): Buffer {
    const out = Buffer.from(this.#rest.toString('base64'), 'latin1');
    this.#rest = EMPTY;
    return out;
  }
}

/**
 * Which needles occur in a stream once its colour codes are stripped, counting only what stripping could have
 * created: until the first code is removed the stripped text is the text itself, so the tracker starts then,
 * fed the last (longest needle - 1) bytes before it. A match it misses lies wholly in text that had no colour
 * code removed, where the caller's own search of the unstripped text sees it. Costs one regex pass when a
 * stream has no colour codes (nearly always), not a second search.
 */
export class StrippedMatches {
  readonly #tracker: MatchTracker;
  readonly #keep: number;
  readonly #stripper = new AnsiStripper((bytes) => this.#pieces.push(bytes));
  #pieces: Buffer[] = [];
  #tail: Buffer = EMPTY;
  #active = false;

  constructor(needles: NeedleSet) {
    this.#tracker = new MatchTracker(needles);
    this.#keep = Math.max(0, needles.maxLength - 1);
  }

  /** How many colour codes were stripped. */
  get removed(): number {
    return this.#stripper.removed;
  }

  /** Needles found in the stripped text from the first removed code on (complete after `end()`). */
  get found(): ReadonlySet<number> {
    return this.#tracker.found;
  }

  write(chunk: Buffer): void {
    this.#stripper.write(chunk);
    this.#take();
  }

  end(): void {
    this.#stripper.end();
    this.#take();
    if (this.#active) this.#tracker.end();
  }

  #take(): void {
    if (!this.#active && this.#stripper.removed > 0) {
      this.#active = true;
      this.#tracker.write(this.#tail);
      this.#tail = EMPTY;
    }
    if (this.#active) {
      for (const piece of this.#pieces) this.#tracker.write(piece);
    } else if (this.#pieces.length > 0) {
      // Keep the last #keep bytes, copied (a slice would keep the whole chunk alive).
      const parts: Buffer[] = [];
      let need = this.#keep;
      for (let i = this.#pieces.length - 1; i >= 0 && need > 0; i--) {
        const piece = this.#pieces[i]!;
        parts.unshift(piece.subarray(Math.max(0, piece.length - need)));
        need -= parts[0]!.length;
      }
      if (need > 0) parts.unshift(this.#tail.subarray(Math.max(0, this.#tail.length - need)));
      this.#tail = Buffer.concat(parts);
    }
    this.#pieces = [];
  }
}
