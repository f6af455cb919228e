/**
 * `revgate gate` as an adapter of the command skeleton (src/run/command.ts): options + criteria ->
 * paired traffic -> evaluate after every batch -> stop when decided or the budget is spent -> verdict.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Io } from '../core/io.js';
import type { Command, Resolved, RunContext } from '../run/command.js';
import type { RevisionPair } from '../run/targets.js';
import type { Target, Verdict } from '../verdict/types.js';
import { alphaPerGate, evaluateCanary, shouldStop, type Arms, type CanaryGateResult } from './evaluate-gates.js';
import { baselineReachability, gateVerdict, progressLine, standingResults } from './gate-report.js';
import { prepareGate, type GateOptions, type GateSetup } from './gate-setup.js';
import { ArmRecorder } from './observations.js';
import { GateTraceRecorder } from './trace.js';
import { PerSecondRecorder } from '../traffic/per-second.js';
import type { GateReportData } from '../report/data.js';
import { TrafficDriver, type ArmStats, type ArmTarget, type TrafficEnd } from './traffic.js';

export type { GateOptions } from './gate-setup.js';

/** How often the gates are evaluated, and how often progress is printed. */
const EVALUATE_EVERY_MS = 250;
const PROGRESS_EVERY_MS = 1000;

interface GateRun extends Resolved {
  setup: GateSetup;
  canaryUrl: string;
  baselineUrl?: string;
  target: Target;
}

interface Measured {
  results: CanaryGateResult[];
  decided: boolean;
  end: TrafficEnd;
  startedAt: Date;
  finishedAt: Date;
  canary: ArmStats;
  baseline?: ArmStats;
  /** Requests sent that had no outcome when the run stopped (aborted at a decision or an interrupt). */
  outstanding: { canary: number; baseline?: number };
  loopDelayP99Ms: number;
  loopDelaySamples: number;
  baselineResults?: CanaryGateResult[];
  /** For report.html: each arm's per-second series and each gate's interval over time. */
  report: GateReportData;
}

export function gateAdapter(opts: GateOptions): Command<GateSetup | undefined, RevisionPair, GateRun, Measured> {
  return {
    interruptMessage: 'stopping the traffic and writing a partial verdict',
    prepare: (problems, io: Io) => problems.capture(() => prepareGate(opts, io.env)),
    inputs: () => [opts.criteria, opts.profile, opts.config, opts.caFile].filter((f): f is string => typeof f === 'string'),
    resolve: (prepared, pair) => {
      const setup = prepared as GateSetup;
      const canaryUrl = pair ? pair.canary.url : (opts.canary as string);
      const baselineUrl = pair ? pair.baseline.url : opts.baseline;
      return {
        setup,
        canaryUrl,
        ...(baselineUrl ? { baselineUrl } : {}),
        target: { baseUrl: canaryUrl, ...(pair ? { revision: pair.canary.revision } : {}) },
        secrets: [...setup.mix.secrets, ...(setup.sandboxToken ? [{ value: setup.sandboxToken, label: 'sandbox token' }] : [])],
      };
    },
    measure: (run, ctx) => sendAndEvaluate(run, ctx),
    verdict: (run, m, { interrupted }): Verdict =>
      gateVerdict({
        criteria: run.setup.criteria,
        results: m.results,
        decided: m.decided,
        interrupted,
        end: m.end,
        target: run.target,
        ...(run.baselineUrl ? { baselineUrl: run.baselineUrl } : {}),
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        ratePerSecond: run.setup.ratePerSecond,
        canary: m.canary,
        ...(m.baseline ? { baseline: m.baseline } : {}),
        outstanding: m.outstanding,
        loopDelayP99Ms: m.loopDelayP99Ms,
        loopDelaySamples: m.loopDelaySamples,
        ...(m.baselineResults ? { baselineResults: m.baselineResults } : {}),
      }),
    publish: (_run, m) => ({ report: { gate: m.report } }),
  };
}

async function sendAndEvaluate(run: GateRun, ctx: RunContext): Promise<Measured> {
  const { setup, canaryUrl, baselineUrl } = run;
  const { io, redactor } = ctx;
  const startedAt = new Date();
  const { criteria } = setup;
  const canary = new ArmRecorder(criteria.recording);
  const baseline = baselineUrl ? new ArmRecorder(criteria.recording) : undefined;
  const arms: Arms = { canary, ...(baseline ? { baseline } : {}) };
  const canarySeries = new PerSecondRecorder();
  const baselineSeries = baseline ? new PerSecondRecorder() : undefined;
  const traces = new GateTraceRecorder(criteria);
  const targets: ArmTarget[] = [
    { name: 'canary', baseUrl: canaryUrl, recorder: canary, series: canarySeries },
    ...(baseline && baselineUrl && baselineSeries ? [{ name: 'baseline' as const, baseUrl: baselineUrl, recorder: baseline, series: baselineSeries }] : []),
  ];
  io.err(describeStart(setup, canaryUrl, baselineUrl));

  const driver = new TrafficDriver(setup.mix, targets, {
    ratePerSecond: setup.ratePerSecond,
    maxRequests: setup.maxRequests,
    maxDurationMs: setup.maxDurationMs,
    maxInFlight: setup.maxInFlight,
    ...(setup.ca ? { ca: setup.ca } : {}),
  });
  // When the traffic was stopped (decided, or interrupted), on the run's clock: the verdict is evaluated as of then.
  let stoppedAtMs: number | undefined;
  const stop = (): void => {
    stoppedAtMs ??= driver.elapsedMs();
    driver.stop();
  };
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const evaluateAll = (final: boolean, nowMs: number): CanaryGateResult[] => [
    ...evaluateCanary(criteria, arms, { final, nowMs }),
    ...baselineReachability(driver.stats('baseline'), nowMs),
  ];

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loopDelayP99Ms = (): number => (loopDelay.count ? loopDelay.percentile(99) / 1e6 : 0);
  // The stop rule reads the results as the verdict will: a breach the saturation policies hold does not stop the run.
  const standing = (results: CanaryGateResult[], final: boolean, nowMs: number): CanaryGateResult[] =>
    shouldStop(results)
      ? standingResults(results, {
          loopDelayP99Ms: loopDelayP99Ms(),
          canary: driver.stats('canary') as ArmStats,
          ...(driver.stats('baseline') ? { baseline: driver.stats('baseline') as ArmStats } : {}),
          ...(baseline ? { baselineResults: evaluateCanary(criteria, { canary: baseline }, { final, nowMs }) } : {}),
        })
      : results;

  let decided = false;
  let lastProgress = 0;
  const timer = setInterval(() => {
    if (decided || stoppedAtMs !== undefined) return;
    const nowMs = driver.elapsedMs();
    const results = standing(evaluateAll(false, nowMs), false, nowMs);
    traces.add(nowMs, results);
    if (shouldStop(results)) {
      decided = true;
      stoppedAtMs = nowMs;
      driver.stop();
    }
    if (decided || nowMs - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = nowMs;
      const b = driver.stats('baseline');
      io.err(
        redactor.mask(
          progressLine(
            nowMs,
            results,
            { stats: driver.stats('canary') as ArmStats, ...p95Of(canary) },
            b && baseline ? { stats: b, ...p95Of(baseline) } : undefined,
          ),
        ),
      );
    }
  }, EVALUATE_EVERY_MS);
  let end: TrafficEnd;
  try {
    end = await driver.run();
  } finally {
    clearInterval(timer);
    loopDelay.disable();
    ctx.signal.removeEventListener('abort', stop);
  }
  // Evaluated once more on the data the run stopped with. Stopped (decided or interrupted): as of that moment,
  // and only a spent budget settles count gates and triggers. Budget spent: once every window holding a request
  // has ended, so that every request sent is judged (outstanding ones at their least favourable outcome).
  const budgetSpent = stoppedAtMs === undefined;
  const nowMs = budgetSpent ? Math.max(driver.elapsedMs(), windowEnd(driver.lastSentMs(), criteria.windowMs)) : (stoppedAtMs as number);
  const results = evaluateAll(budgetSpent, nowMs);
  traces.add(nowMs, results, true);
  // The baseline alone against the same criteria: did the revision in service meet the absolute gates?
  const baselineResults = baseline ? evaluateCanary(criteria, { canary: baseline }, { final: budgetSpent, nowMs }) : undefined;
  const b = driver.stats('baseline');
  return {
    results,
    decided: decided || shouldStop(standing(results, budgetSpent, nowMs)),
    end,
    startedAt,
    finishedAt: new Date(),
    canary: driver.stats('canary') as ArmStats,
    ...(b ? { baseline: b } : {}),
    outstanding: { canary: canary.outstanding, ...(baseline ? { baseline: baseline.outstanding } : {}) },
    loopDelayP99Ms: loopDelayP99Ms(),
    loopDelaySamples: loopDelay.count,
    ...(baselineResults ? { baselineResults } : {}),
    report: { canary: canarySeries.series(), ...(baselineSeries ? { baseline: baselineSeries.series() } : {}), traces: traces.traces() },
  };
}

/** The end of the window holding time t. */
function windowEnd(t: number, windowMs: number): number {
  return (Math.floor(t / windowMs) + 1) * windowMs;
}

function p95Of(recorder: ArmRecorder): { p95Ms?: number } {
  const { latency } = recorder.view();
  return latency.count ? { p95Ms: latency.valueAtRank(Math.ceil(0.95 * latency.count)) } : {};
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

function describeStart(setup: GateSetup, canaryUrl: string, baselineUrl: string | undefined): string {
  const c = setup.criteria;
  const blocking = c.gates.filter((g) => g.blocking).length;
  const budget = [
    `${(setup.maxDurationMs / 1000).toLocaleString('en-US')} s`,
    ...(setup.maxRequests < Number.MAX_SAFE_INTEGER ? [`${setup.maxRequests.toLocaleString('en-US')} requests per revision`] : []),
  ].join(' or ');
  const noProjects =
    setup.mix.source === 'built-in mix' && !setup.mix.requests.some((r) => r.name === 'projects')
      ? ' (no REVGATE_TOKEN: the authenticated projects request is left out)'
      : '';
  return (
    `revgate: gate ${canaryUrl}${baselineUrl ? ` against baseline ${baselineUrl}` : ''}: ${c.gates.length} gates (${blocking} blocking) from ${setup.criteriaFile}, ` +
    `confidence ${c.confidence} (alpha ${alphaPerGate(c).toPrecision(2)} per gate on the rollback side); windows of ${fmtMs(c.windowMs)}, a pass needs ${fmtMs(c.minDurationMs)} of evidence; ` +
    `${setup.mix.source}${noProjects} (${setup.mix.requests.length} requests) at ${setup.ratePerSecond} req/s per revision; budget ${budget}\n` +
    (setup.mix.leftOut.length ? `revgate: not sent as traffic: ${setup.mix.leftOut.join('; ')}\n` : '') +
    (Math.min(setup.maxDurationMs, (1000 * setup.maxRequests) / setup.ratePerSecond) < c.minDurationMs
      ? `revgate: note: the budget is shorter than the criteria's minDuration (${fmtMs(c.minDurationMs)}): this run can roll back or hold, never promote\n`
      : '')
  );
}
