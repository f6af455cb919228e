/**
 * Searching and masking bytes that arrive in chunks, with the same answers as searching the whole file at once.
 * Each step keeps the last (longest needle - 1) bytes back, so an occurrence that spans two chunks is found
 * whole in the next step; nothing else is held, so memory is bounded by the chunk size whatever the file size.
 * Needles are latin1 strings of their bytes (one char per byte), as in needle-index.ts. Pure: no I/O.
 */
import { NeedleIndex } from './needle-index.js';

/** Up to this many needles are searched with one native Buffer.indexOf loop each (as replaceSpans does). */
const INDEXED_FROM = 16;
const EMPTY = Buffer.alloc(0);

export class NeedleSet {
  /** Length of the longest needle, in bytes: the overlap a chunked search needs is one less. */
  readonly maxLength: number;
  /** Each needle's length in bytes, by index. */
  readonly lengths: readonly number[];
  readonly #bytes: Array<[number, Buffer]> | undefined;
  readonly #index: NeedleIndex | undefined;

  constructor(latin1: readonly string[]) {
    this.lengths = latin1.map((n) => n.length);
    this.maxLength = this.lengths.reduce((max, n) => Math.max(max, n), 0);
    if (latin1.length > INDEXED_FROM) this.#index = new NeedleIndex(latin1);
    else this.#bytes = latin1.flatMap((n, i): Array<[number, Buffer]> => (n.length > 0 ? [[i, Buffer.from(n, 'latin1')]] : []));
  }

  get empty(): boolean {
    return this.maxLength === 0;
  }

  /**
   * Calls `onMatch(needle, start)` for every occurrence (overlapping ones included) in `chunk` that starts before
   * `limit`, in no particular order.
   */
  forEach(chunk: Buffer, limit: number, onMatch: (needle: number, start: number) => void): void {
    if (limit <= 0) return;
    if (this.#bytes) {
      for (const [n, bytes] of this.#bytes) {
        for (let i = chunk.indexOf(bytes); i !== -1 && i < limit; i = chunk.indexOf(bytes, i + 1)) onMatch(n, i);
      }
      return;
    }
    this.#index!.forEachMatch(chunk.toString('latin1'), (n, i) => {
      if (i < limit) onMatch(n, i);
    });
  }
}

/** How many bytes a chunked search must keep back so that an occurrence spanning two chunks is found. */
function overlapOf(needles: NeedleSet, available: number): number {
  return Math.min(available, Math.max(0, needles.maxLength - 1));
}

/**
 * Which needles occur in a stream of bytes: `found` holds their indices once `end()` has been called.
 * The chunked equivalent of `needleIndex(needles).matches(wholeFile)`.
 */
export class MatchTracker {
  readonly found = new Set<number>();
  readonly #needles: NeedleSet;
  #pending: Buffer = EMPTY;

  constructor(needles: NeedleSet) {
    this.#needles = needles;
  }

  write(chunk: Buffer): void {
    if (this.#needles.empty || chunk.length === 0) return;
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const safe = buf.length - overlapOf(this.#needles, buf.length);
    this.#needles.forEach(buf, safe, (n) => this.found.add(n));
    this.#pending = Buffer.from(buf.subarray(safe));
  }

  end(): void {
    this.#needles.forEach(this.#pending, this.#pending.length, (n) => this.found.add(n));
    this.#pending = EMPTY;
  }
}

/**
 * `replaceSpans` (encodings.ts) over a stream: every occurrence of every needle is replaced by `replacement`,
 * overlapping and adjacent occurrences merged into one span first, and `push` receives the output in order.
 * The output is byte-for-byte what `replaceSpans` returns for the whole input, and `count` is its count.
 */
export class SpanMasker {
  count = 0;
  readonly #needles: NeedleSet;
  readonly #replacement: Buffer;
  readonly #push: (bytes: Buffer) => void;
  /** Input not yet searched as a match start, beginning at absolute offset #base. */
  #pending: Buffer = EMPTY;
  #base = 0;
  /** Absolute offset up to which input has been accounted for in the output. */
  #cursor = 0;
  /** The merged span being built, [start, end) in absolute offsets, while a later match could still join it. */
  #span: [number, number] | undefined;

  constructor(needles: NeedleSet, replacement: Buffer, push: (bytes: Buffer) => void) {
    this.#needles = needles;
    this.#replacement = replacement;
    this.#push = push;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#needles.empty) {
      this.#push(chunk);
      return;
    }
    this.#step(this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]), false);
  }

  end(): void {
    this.#step(this.#pending, true);
    if (this.#span) this.#close();
  }

  #step(buf: Buffer, final: boolean): void {
    const base = this.#base;
    // Occurrences starting before `safe` lie wholly inside `buf`; later ones are searched again with the next chunk.
    const safe = final ? buf.length : buf.length - overlapOf(this.#needles, buf.length);
    const spans: number[] = [];
    this.#needles.forEach(buf, safe, (n, i) => spans.push(i, i + this.#needles.lengths[n]!));
    const order = Array.from({ length: spans.length / 2 }, (_, k) => k);
    // As replaceSpans: by start, the longest first.
    order.sort((a, b) => spans[2 * a]! - spans[2 * b]! || spans[2 * b + 1]! - spans[2 * a + 1]!);
    this.count += order.length;
    for (const k of order) {
      const [start, end] = [base + spans[2 * k]!, base + spans[2 * k + 1]!];
      if (this.#span && start <= this.#span[1]) {
        this.#span[1] = Math.max(this.#span[1], end);
        continue;
      }
      if (this.#span) this.#close();
      this.#emitTo(buf, base, start);
      this.#span = [start, end];
    }
    // Later matches start at base + safe or after: a span ending before that can no longer grow.
    if (this.#span && this.#span[1] < base + safe) this.#close();
    if (!this.#span) this.#emitTo(buf, base, base + safe);
    this.#pending = Buffer.from(buf.subarray(safe));
    this.#base = base + safe;
  }

  #emitTo(buf: Buffer, base: number, to: number): void {
    if (to > this.#cursor) this.#push(buf.subarray(this.#cursor - base, to - base));
    this.#cursor = Math.max(this.#cursor, to);
  }

  #close(): void {
    this.#push(this.#replacement);
    this.#cursor = this.#span![1];
    this.#span = undefined;
  }
}
