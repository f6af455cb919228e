/**
 * The one HDR histogram configuration every latency recorder uses (load engine, gate arms, baselines):
 * microseconds from 1 µs to 1 h at 3 significant digits (any quantile within 0.1%), flat memory, no
 * WebAssembly so a snapshot encodes the same everywhere. Values outside the range are clamped, so
 * recording never throws.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencyHistogram } from '../report/data.js';

export type Histogram = hdr.Histogram;

/** 1 h: above any timeout revgate allows. */
export const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** A latency in µs clamped into the recordable range. */
export function clampUs(us: number): number {
  return us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us;
}

/** Buckets per decade of the report's latency distributions: upper edges 1, 1.26, 1.58, 2, 2.5, 3.2, 4, 5, 6.3, 7.9, 10 ms... */
const PER_DECADE = 10;

/**
 * A latency histogram (µs) as log-spaced buckets in ms on one fixed grid, so two distributions (canary and
 * baseline, a run and its baseline) line up bucket for bucket. Only the buckets from the first to the last
 * non-empty one are listed. Runs once per report, never per request.
 */
export function latencyBuckets(h: Histogram): LatencyHistogram {
  if (h.totalCount === 0) return { upperMs: [], counts: [] };
  if (!(h instanceof hdr.JsHistogram)) throw new Error('latencyBuckets needs a JavaScript HDR histogram (newHistogram())');
  const byBucket = new Map<number, number>();
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    // valueIteratedTo is the top of the HDR bucket (within 0.1%): the bucket of edges it falls under.
    const k = Math.ceil(Math.log10(Math.max(1, v.valueIteratedTo) / 1000) * PER_DECADE - 1e-9);
    byBucket.set(k, (byBucket.get(k) ?? 0) + v.countAtValueIteratedTo);
  }
  const keys = [...byBucket.keys()];
  const lo = Math.min(...keys);
  const hi = Math.max(...keys);
  const upperMs: number[] = [];
  const counts: number[] = [];
  for (let k = lo; k <= hi; k++) {
    upperMs.push(Number((10 ** (k / PER_DECADE)).toPrecision(3)));
    counts.push(byBucket.get(k) ?? 0);
  }
  return { upperMs, counts };
}
