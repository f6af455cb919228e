/**
 * The one HDR histogram configuration every latency recorder uses (load engine, gate arms, baselines):
 * microseconds from 1 µs to 1 h at 3 significant digits (any quantile within 0.1%), flat memory, no
 * WebAssembly so a snapshot encodes the same everywhere. Values outside the range are clamped, so
 * recording never throws.
 */
import * as hdr from 'hdr-histogram-js';

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
