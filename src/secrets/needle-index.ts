/**
 * Finds every occurrence of many needles in one pass over the text. The redactor, scrubber and scanner
 * search for every encoded form of every secret; with one key per tenant that is thousands of needles, and
 * one indexOf per needle per file does not scale (1,000 keys x 6,000 report files took minutes).
 * Candidates are found by a hash of their first k characters, then confirmed with startsWith, so the
 * result is exactly what a separate indexOf loop per needle finds, overlapping occurrences included.
 */

const MAX_PREFIX = 4;
const FILTER_BITS = 20;

/**
 * The last k characters as one 32-bit number (low byte of each char): exact for latin1 text, which is what
 * the scrubber and scanner search; other chars may collide, which only costs a startsWith.
 */
function windowOf(s: string, at: number, k: number): number {
  let h = 0;
  for (let j = 0; j < k; j++) h = ((h << 8) | (s.charCodeAt(at + j) & 0xff)) >>> 0;
  return h;
}

/** Multiplicative hash of a window to FILTER_BITS bits. */
const slot = (w: number): number => Math.imul(w, 0x9e3779b1) >>> (32 - FILTER_BITS);

export class NeedleIndex {
  readonly #needles: readonly string[];
  readonly #k: number;
  readonly #buckets = new Map<number, number[]>();
  /** One byte per hashed window: nearly every position is rejected with one array read. */
  readonly #filter = new Uint8Array(1 << FILTER_BITS);

  constructor(needles: readonly string[]) {
    this.#needles = needles;
    let k = MAX_PREFIX;
    for (const n of needles) if (n.length > 0 && n.length < k) k = n.length;
    this.#k = needles.some((n) => n.length > 0) ? k : 0;
    needles.forEach((n, i) => {
      if (n.length === 0) return;
      const w = windowOf(n, 0, this.#k);
      this.#filter[slot(w)] = 1;
      const bucket = this.#buckets.get(w);
      if (bucket) bucket.push(i);
      else this.#buckets.set(w, [i]);
    });
  }

  /** Calls `onMatch(needleIndex, start)` for every occurrence of every needle, in text order. */
  forEachMatch(text: string, onMatch: (needle: number, start: number) => void): void {
    const k = this.#k;
    if (k === 0 || text.length < k) return;
    const needles = this.#needles;
    const filter = this.#filter;
    const mask = k === 4 ? 0xffffffff : (1 << (8 * k)) - 1;
    let w = windowOf(text, 0, k - 1);
    for (let i = 0, end = text.length - k; i <= end; i++) {
      // Roll the window forward by one char: it now covers text[i .. i+k-1].
      w = (((w << 8) | (text.charCodeAt(i + k - 1) & 0xff)) & mask) >>> 0;
      if (filter[slot(w)] === 0) continue;
      const bucket = this.#buckets.get(w);
      if (!bucket) continue;
      for (const n of bucket) if (text.startsWith(needles[n] as string, i)) onMatch(n, i);
    }
  }

  /** Indices of the needles that occur in `text`, ascending. */
  matches(text: string): number[] {
    const found = new Set<number>();
    this.forEachMatch(text, (n) => found.add(n));
    return [...found].sort((a, b) => a - b);
  }

  some(text: string): boolean {
    let hit = false;
    try {
      this.forEachMatch(text, () => {
        hit = true;
        throw STOP;
      });
    } catch (err) {
      if (err !== STOP) throw err;
    }
    return hit;
  }
}

const STOP = Symbol('stop');

const cache = new WeakMap<readonly string[], NeedleIndex>();

/** The index for a needle list, cached by the list's identity (callers keep their lists, so it is built once). */
export function needleIndex(needles: readonly string[]): NeedleIndex {
  let index = cache.get(needles);
  if (!index) cache.set(needles, (index = new NeedleIndex(needles)));
  return index;
}
