/**
 * `revgate gate`: options + criteria -> (sandboxes) -> paired traffic -> evaluate after every batch
 * -> stop when decided or the budget is spent -> verdict. Returns the exit code; problems with the
 * input throw before anything is sent (exit 3).
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Io } from '../core/io.js';
import { prepareOutputDir } from '../report/output-dir.js';
import { publishVerdict } from '../report/publish.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { Redactor } from '../secrets/redactor.js';
import { alphaPerGate, evaluateCanary, shouldStop, type Arms, type CanaryGateResult } from './evaluate-gates.js';
import { baselineReachability, gateVerdict, progressLine } from './gate-report.js';
import { prepareGate, type GateOptions, type GateSetup } from './gate-setup.js';
import { ArmRecorder } from './observations.js';
import { TrafficDriver, type ArmStats, type ArmTarget, type TrafficEnd } from './traffic.js';

export type { GateOptions } from './gate-setup.js';

/**
 * Both sandbox revisions get a service time, as a real API has: a loopback app answering in 1-3 ms
 * would make "p95 at most 20% above baseline" a question about event-loop jitter of a few hundred
 * microseconds. Faults given with --fault come on top (latency adds up).
 */
export const SANDBOX_SERVICE_TIME = 'latency=20-40';

/** How often the gates are evaluated, and how often progress is printed. */
const EVALUATE_EVERY_MS = 250;
const PROGRESS_EVERY_MS = 1000;

export async function runGate(opts: GateOptions, io: Io): Promise<number> {
  const setup = prepareGate(opts, io.env);
  const redactor = new Redactor();
  for (const s of setup.mix.secrets) redactor.add(s.value, s.label);
  if (setup.sandboxToken) redactor.add(setup.sandboxToken, 'sandbox token');
  const out = path.resolve(opts.out);
  prepareOutputDir(out);

  let interrupted = false;
  let driver: TrafficDriver | undefined;
  const onSigint = (): void => {
    io.err('revgate: interrupted: stopping the traffic and writing a partial verdict (Ctrl-C again to quit now)\n');
    process.removeListener('SIGINT', onSigint);
    interrupted = true;
    driver?.stop();
  };
  process.on('SIGINT', onSigint);
  const sandboxes: RunningSandbox[] = [];
  try {
    let canaryUrl = opts.canary as string;
    let baselineUrl = opts.baseline;
    let revision: string | undefined;
    if (opts.sandbox) {
      const token = setup.sandboxToken as string;
      const baseline = await startSandbox({ revision: 'sandbox--stable', token, faults: [SANDBOX_SERVICE_TIME] });
      sandboxes.push(baseline);
      const canary = await startSandbox({ revision: 'sandbox--canary', token, faults: [SANDBOX_SERVICE_TIME, ...opts.faults] });
      sandboxes.push(canary);
      canaryUrl = canary.url;
      baselineUrl = baseline.url;
      revision = canary.revision;
      io.err(
        `revgate: sandbox baseline ${baseline.revision} at ${baseline.url}, canary ${canary.revision} at ${canary.url}${opts.faults.length ? ` with faults: ${opts.faults.join(' ')}` : ''} (both answer in ${SANDBOX_SERVICE_TIME.slice('latency='.length)} ms)\n`,
      );
    }
    const startedAt = new Date();
    const { criteria } = setup;
    const canary = new ArmRecorder(criteria.latencyThresholdsMs, criteria.scopes);
    const baseline = baselineUrl ? new ArmRecorder(criteria.latencyThresholdsMs, criteria.scopes) : undefined;
    const arms: Arms = { canary, ...(baseline ? { baseline } : {}) };
    const targets: ArmTarget[] = [
      { name: 'canary', baseUrl: canaryUrl, recorder: canary },
      ...(baseline && baselineUrl ? [{ name: 'baseline' as const, baseUrl: baselineUrl, recorder: baseline }] : []),
    ];
    io.err(describeStart(setup, canaryUrl, baselineUrl));

    driver = new TrafficDriver(setup.mix, targets, {
      ratePerSecond: setup.ratePerSecond,
      maxRequests: setup.maxRequests,
      maxDurationMs: setup.maxDurationMs,
      maxInFlight: setup.maxInFlight,
      ...(setup.ca ? { ca: setup.ca } : {}),
    });
    if (interrupted) driver.stop();
    const d = driver;
    const evaluateAll = (final: boolean): CanaryGateResult[] => [...evaluateCanary(criteria, arms, { final }), ...baselineReachability(d.stats('baseline'))];

    let decided = false;
    let lastProgress = 0;
    const timer = setInterval(() => {
      if (decided) return;
      const results = evaluateAll(false);
      if (shouldStop(results)) {
        decided = true;
        d.stop();
      }
      const elapsed = d.elapsedMs();
      if (decided || elapsed - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = elapsed;
        const b = d.stats('baseline');
        io.err(
          redactor.mask(
            progressLine(
              elapsed,
              results,
              { stats: d.stats('canary') as ArmStats, ...p95Of(canary) },
              b && baseline ? { stats: b, ...p95Of(baseline) } : undefined,
            ),
          ),
        );
      }
    }, EVALUATE_EVERY_MS);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let end: TrafficEnd;
    try {
      end = await d.run();
    } finally {
      clearInterval(timer);
      loopDelay.disable();
    }
    // The same data that decided the run, evaluated once more as final (count gates and triggers settle).
    const results = evaluateAll(true);
    const final = gateVerdict({
      criteria,
      results,
      decided: decided || shouldStop(results),
      interrupted,
      end,
      target: { baseUrl: canaryUrl, ...(revision ? { revision } : {}) },
      ...(baselineUrl ? { baselineUrl } : {}),
      startedAt,
      finishedAt: new Date(),
      ratePerSecond: setup.ratePerSecond,
      canary: d.stats('canary') as ArmStats,
      ...(d.stats('baseline') ? { baseline: d.stats('baseline') } : {}),
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelaySamples: loopDelay.count,
    });
    const published = await publishVerdict(final, { out, redactor, io });
    return published.exitCode;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await Promise.all(sandboxes.map((s) => s.stop()));
  }
}

function p95Of(recorder: ArmRecorder): { p95Ms?: number } {
  const { latency } = recorder.view();
  return latency.count ? { p95Ms: latency.valueAtRank(Math.ceil(0.95 * latency.count)) } : {};
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
    `confidence ${c.confidence} (alpha ${alphaPerGate(c).toPrecision(2)} per gate); ${setup.mix.source}${noProjects} (${setup.mix.requests.length} requests) at ${setup.ratePerSecond} req/s per revision; budget ${budget}\n` +
    (setup.mix.leftOut.length ? `revgate: not sent as traffic: ${setup.mix.leftOut.join('; ')}\n` : '')
  );
}
