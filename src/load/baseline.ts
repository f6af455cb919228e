/**
 * Baselines: save a run (k6-shaped summary + encoded HDR histograms, whole run and per time block),
 * and compare a new run against one with relative criteria.
 *
 * Noise model (batch means, the standard for autocorrelated simulation output): each run is cut into
 * BLOCKS equal-time blocks and the statistic (p95, ...) is computed per block. The spread of the block
 * values estimates the standard error of the whole-run value (sd / sqrt(K)), for the baseline and the
 * new run alike; the ratio new/baseline gets a t-interval on the log scale (delta method). A change
 * is "beyond noise" when that interval excludes 1. For error rates, a two-proportion interval.
 *
 * A latency criterion fails only when the change exceeds the allowed increase, is beyond noise, and is
 * larger than minDeltaMs; exceeding the limit within noise is inconclusive (hold), not a pass.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { GateResult } from '../verdict/types.js';
import type { EngineResult } from './engine.js';
import { latencyValue, statAggregation, type Lateness } from './lateness.js';
import type { BaselineCriteria } from './profile.js';
import { newHistogram, type Histogram } from '../traffic/histogram.js';
import { BLOCKS } from './recorder.js';
import type { LoadSummary } from './summary.js';
import { checkJsonDepth } from '../core/input-json.js';

export const BASELINE_FORMAT = 'revgate-load-baseline/1';

export interface Baseline {
  format: typeof BASELINE_FORMAT;
  savedAt: string;
  tool: { name: 'revgate'; version: string };
  profile: string;
  target: { baseUrl: string; revision?: string };
  summary: LoadSummary;
  /** Whole-run latency of all requests, HDR compressed base64 (microseconds). */
  histogram: string;
  /** Per time block: HDR histogram and request/failure counts. */
  blocks: Array<{ histogram: string; requests: number; failed: number }>;
}

export interface RunSample {
  whole: Histogram;
  blocks: Array<{ histogram: Histogram; requests: number; failed: number }>;
  requests: number;
  failed: number;
}

/** The run's latency data for comparison or saving. */
export function sampleOf(result: EngineResult): RunSample {
  const r = result.recorder;
  const g = r.groups[0];
  const whole = newHistogram();
  if (g) {
    whole.add(g.ok);
    whole.add(g.bad);
  }
  return {
    whole,
    blocks: r.blocks.map((h, i) => ({ histogram: h, requests: r.blockRequests[i] ?? 0, failed: r.blockFailed[i] ?? 0 })),
    requests: g?.requests ?? 0,
    failed: g?.failed ?? 0,
  };
}

export function saveBaseline(file: string, sample: RunSample, summary: LoadSummary, meta: { profile: string; baseUrl: string; revision?: string }): void {
  const encode = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);
  const baseline: Baseline = {
    format: BASELINE_FORMAT,
    savedAt: new Date().toISOString(),
    tool: { name: 'revgate', version: VERSION },
    profile: meta.profile,
    target: { baseUrl: meta.baseUrl, ...(meta.revision ? { revision: meta.revision } : {}) },
    summary,
    histogram: encode(sample.whole),
    blocks: sample.blocks.map((b) => ({ histogram: encode(b.histogram), requests: b.requests, failed: b.failed })),
  };
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

export function loadBaseline(file: string): { baseline: Baseline; sample: RunSample } {
  let baseline: Baseline;
  try {
    baseline = JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  } catch (err) {
    throw new RevgateError(ErrorCodes.Usage, `cannot read baseline ${file}: ${(err as Error).message}`);
  }
  checkJsonDepth(baseline, `baseline ${file}`);
  if (baseline?.format !== BASELINE_FORMAT || typeof baseline.histogram !== 'string' || !Array.isArray(baseline.blocks)) {
    throw new RevgateError(ErrorCodes.Usage, `${file} is not a revgate load baseline (expected format ${BASELINE_FORMAT}; write one with --save-baseline)`);
  }
  const decode = (s: string): Histogram => {
    const h = newHistogram();
    h.add(hdr.decodeFromCompressedBase64(s, 32, false));
    return h;
  };
  const blocks = baseline.blocks.map((b) => ({ histogram: decode(b.histogram), requests: b.requests, failed: b.failed }));
  return {
    baseline,
    sample: {
      whole: decode(baseline.histogram),
      blocks,
      requests: blocks.reduce((n, b) => n + b.requests, 0),
      failed: blocks.reduce((n, b) => n + b.failed, 0),
    },
  };
}

/** Two-sided 97.5% Student-t quantiles by degrees of freedom (1..30); normal beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const t975 = (df: number): number => (df < 1 ? Infinity : df <= 30 ? (T975[df - 1] as number) : 1.96);

/** Value of a latency stat in ms (avg, med, p(N)); with `lateness`, the lowest the target itself could have caused. */
export function latencyStat(h: Histogram, stat: string, lateness?: Lateness): number | undefined {
  const a = statAggregation(stat);
  return a ? latencyValue(h, a, lateness) : undefined;
}

/** Batch-means standard error of a stat on the log scale, from blocks with enough samples; undefined when fewer than 3 blocks qualify. */
function logStandardError(sample: RunSample, stat: string): { se: number; df: number } | undefined {
  const logs = sample.blocks
    .filter((b) => b.histogram.totalCount >= 20)
    .map((b) => latencyStat(b.histogram, stat))
    .filter((v): v is number => v !== undefined && v > 0)
    .map(Math.log);
  if (logs.length < 3) return undefined;
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1);
  return { se: Math.sqrt(variance / logs.length), df: logs.length - 1 };
}

export const DEFAULT_CRITERIA: Required<BaselineCriteria> = { latency: [{ stat: 'p(95)', maxIncreasePct: 20 }], errorRateMaxIncreasePts: 0.5, minDeltaMs: 1 };

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const fmtMs = (x: number): string => `${x >= 100 ? x.toFixed(0) : x.toFixed(2)} ms`;

/**
 * This run against the baseline, one gate per latency criterion plus the error rate. With `lateness`, this run's
 * latency stats are lower bounds that allow for the generator's late starts (lateness.ts).
 */
export function compareWithBaseline(current: RunSample, base: RunSample, criteria: BaselineCriteria = {}, lateness?: Lateness): GateResult[] {
  const c = { ...DEFAULT_CRITERIA, ...criteria };
  const gates: GateResult[] = [];
  for (const { stat, maxIncreasePct } of c.latency) {
    const id = `baseline http_req_duration ${stat}`;
    const expression = `${stat} <= baseline ${stat} +${maxIncreasePct}%`;
    const cur = latencyStat(current.whole, stat, lateness);
    const was = latencyStat(base.whole, stat);
    const common = { id, metric: 'http_req_duration', expression, blocking: true, samples: current.whole.totalCount };
    if (cur === undefined || was === undefined || was <= 0) {
      gates.push({
        ...common,
        status: 'error',
        reason: `${stat} cannot be compared: ${cur === undefined ? 'this run' : 'the baseline'} has no latency samples`,
      });
      continue;
    }
    const ratio = cur / was;
    const seC = logStandardError(current, stat);
    const seB = logStandardError(base, stat);
    let interval: [number, number] | undefined;
    if (seC && seB) {
      const se = Math.sqrt(seC.se ** 2 + seB.se ** 2);
      const t = t975(Math.min(seC.df, seB.df));
      interval = [Math.exp(Math.log(ratio) - t * se), Math.exp(Math.log(ratio) + t * se)];
    }
    const beyondNoise = interval ? interval[0] > 1 : undefined;
    const over = ratio > 1 + maxIncreasePct / 100;
    const bigEnough = cur - was >= c.minDeltaMs;
    const noise = interval
      ? `95% interval of the ratio [${interval[0].toFixed(3)}, ${interval[1].toFixed(3)}]: ${beyondNoise ? 'beyond' : 'within'} the baseline's run-to-run noise`
      : 'too few samples per block to estimate run-to-run noise';
    const what = `${stat} ${fmtMs(cur)} vs baseline ${fmtMs(was)} (${pct(ratio - 1)}, allowed +${maxIncreasePct}%); ${noise}`;
    let status: GateResult['status'] = 'passed';
    let reason = what;
    if (over && !bigEnough) reason = `${what}; the difference is below the ${c.minDeltaMs} ms floor`;
    else if (over && beyondNoise !== false) {
      status = 'failed';
      reason = `regression: ${what}`;
    } else if (over) {
      status = 'inconclusive';
      reason = `over the limit but within noise: ${what}`;
    }
    gates.push({ ...common, status, observed: ratio, ...(interval ? { interval } : {}), reason });
  }

  // Error rate: difference in proportions with a normal-approximation 95% interval.
  const pc = current.requests ? current.failed / current.requests : 0;
  const pb = base.requests ? base.failed / base.requests : 0;
  const diff = pc - pb;
  const se = Math.sqrt((pc * (1 - pc)) / Math.max(1, current.requests) + (pb * (1 - pb)) / Math.max(1, base.requests));
  const interval: [number, number] = [diff - 1.96 * se, diff + 1.96 * se];
  const over = diff * 100 > c.errorRateMaxIncreasePts;
  const beyond = interval[0] > 0;
  const what = `error rate ${(pc * 100).toFixed(2)}% vs baseline ${(pb * 100).toFixed(2)}% (${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(2)} points, allowed +${c.errorRateMaxIncreasePts}); 95% interval of the difference [${(interval[0] * 100).toFixed(2)}, ${(interval[1] * 100).toFixed(2)}] points: ${beyond ? 'beyond' : 'within'} noise`;
  const status: GateResult['status'] = current.requests === 0 ? 'error' : over ? (beyond ? 'failed' : 'inconclusive') : 'passed';
  gates.push({
    id: 'baseline http_req_failed rate',
    metric: 'http_req_failed',
    expression: `rate <= baseline rate +${c.errorRateMaxIncreasePts} points`,
    blocking: true,
    status,
    observed: diff,
    interval,
    samples: current.requests,
    reason: current.requests === 0 ? 'no requests completed in this run' : status === 'failed' ? `regression: ${what}` : what,
  });
  return gates;
}

export { BLOCKS };
