/**
 * `revgate load`: profile -> safety -> (sandbox) -> engine (embedded or k6) -> thresholds and baseline
 * gates -> verdict + summary.json (+ baseline). Returns the exit code; usage problems throw (exit 3).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import { abortingThresholds, evaluateThresholds } from '../thresholds/evaluate-thresholds.js';
import { prepareOutputDir } from '../report/output-dir.js';
import { publishVerdict } from '../report/publish.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { Redactor, SECRET_HEADER_NAMES } from '../secrets/redactor.js';
import { decide } from '../verdict/decide.js';
import type { GateResult } from '../verdict/types.js';
import { compareWithBaseline, loadBaseline, sampleOf, saveBaseline } from './baseline.js';
import { LATE_MS, LoadEngine, type EngineResult } from './engine.js';
import { gatesFromK6Summary, requireK6, runK6 } from './k6.js';
import { emitOperatorManifests } from './k6-operator.js';
import { buildPlan, peakRatePerSecond } from './plan.js';
import { loadProfile, type LoadedProfile } from './profile.js';
import { checkTarget } from '../traffic/safety.js';
import { buildSummary, recorderLookup, type LoadSummary } from './summary.js';

export interface LoadOptions {
  profile: string;
  baseUrl?: string;
  out: string;
  engine: 'embedded' | 'k6';
  saveBaseline?: string;
  baseline?: string;
  emit?: 'k6-operator';
  parallelism?: number;
  allowProduction: boolean;
  /** Environment from the revgate config: its baseUrl (unless --base-url) and its production flag. */
  env?: string;
  config?: string;
  sandbox?: boolean;
  faults?: string[];
  caFile?: string;
}

const usage = (m: string): RevgateError => new RevgateError(ErrorCodes.Usage, m);

function checkUsage(o: LoadOptions): void {
  if (o.sandbox && o.baseUrl) throw usage('use either --sandbox or --base-url, not both');
  if (!o.sandbox && o.faults?.length) throw usage('--fault only applies with --sandbox');
  if (o.emit && (o.parallelism === undefined || !Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > 1000))
    throw usage('--emit k6-operator needs --parallelism N (a whole number from 1 to 1000)');
  if (!o.emit && o.parallelism !== undefined) throw usage('--parallelism only applies with --emit k6-operator');
  if (o.emit && o.sandbox) throw usage('--emit k6-operator writes manifests for a cluster; give --base-url, not --sandbox');
  if (o.engine === 'k6' && (o.baseline || o.saveBaseline))
    throw usage('baselines need the embedded engine (k6 summaries carry no histograms to compare): drop --engine k6');
}

/** Secrets in the profile's headers (Authorization-like names) and any env var it references. */
function redactorFor(loaded: LoadedProfile, env: Record<string, string | undefined>): Redactor {
  const r = new Redactor();
  const headerSets = [loaded.profile.headers ?? {}, ...Object.values(loaded.profile.scenarios).flatMap((s) => s.requests.map((q) => q.headers ?? {}))];
  for (const headers of headerSets) {
    for (const [name, value] of Object.entries(headers)) {
      if (!SECRET_HEADER_NAMES.includes(name.toLowerCase())) continue;
      r.add(value, `header ${name}`);
      const bearer = /^(?:Bearer|Basic)\s+(.+)$/i.exec(value);
      if (bearer?.[1]) r.add(bearer[1], `header ${name}`);
    }
  }
  for (const name of loaded.referencedEnv) if (env[name]) r.add(env[name], `env ${name}`);
  return r;
}

function describeRun(result: EngineResult, summary: LoadSummary): string {
  const m = summary.metrics;
  const reqs = m.http_reqs?.values.count ?? 0;
  const d = m.http_req_duration?.values ?? {};
  const errs = Object.entries(summary.revgate.errorsByKind)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  return (
    `revgate: ${reqs} requests in ${(result.durationMs / 1000).toFixed(1)} s (${(reqs / Math.max(0.001, result.durationMs / 1000)).toFixed(1)}/s), ` +
    `p50 ${d.med ?? '-'} ms, p95 ${d['p(95)'] ?? '-'} ms, p99 ${d['p(99)'] ?? '-'} ms, failed ${((m.http_req_failed?.values.rate ?? 0) * 100).toFixed(2)}%, ` +
    `dropped ${m.dropped_iterations?.values.count ?? 0}, late starts ${m.revgate_late_starts?.values.count ?? 0}${errs ? `, errors: ${errs}` : ''}\n`
  );
}

export async function runLoad(opts: LoadOptions, io: Io): Promise<number> {
  checkUsage(opts);
  // Everything the user gave us is validated before anything is sent.
  // Manifests are generated for runners that get their own env: unset variables stay references there.
  const profileEnv = opts.emit ? new Proxy(io.env, { get: (t, k: string) => t[k] ?? `\${${k}}` }) : io.env;
  const loaded = loadProfile(path.resolve(opts.profile), profileEnv);
  const base = opts.baseline ? loadBaseline(opts.baseline) : undefined;
  let production = false;
  let baseUrl = opts.baseUrl;
  let environment: string | undefined;
  if (opts.env) {
    const resolved = loadConfig({
      ...(opts.config ? { configPath: opts.config } : {}),
      env: opts.env,
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      processEnv: io.env,
    });
    production = resolved.target.production === true;
    baseUrl ??= resolved.target.baseUrl;
    environment = resolved.environment;
  }
  if (!baseUrl && !opts.sandbox) throw usage('give --base-url URL (or --sandbox, or --env NAME from the revgate config)');
  if (baseUrl) {
    const problems = checkTarget({ baseUrl, allowedHosts: loaded.profile.allowedHosts ?? [], production, allowProduction: opts.allowProduction });
    if (problems.length) throw new RevgateError(ErrorCodes.Usage, 'refusing to send load to this target; nothing was sent:', problems);
  }
  const ca = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined;

  if (opts.emit === 'k6-operator') {
    const out = path.resolve(opts.out);
    const files = emitOperatorManifests(path.join(out, 'k6-operator'), {
      profileName: loaded.profile.name,
      profileFile: path.resolve(opts.profile),
      baseUrl: baseUrl as string,
      parallelism: opts.parallelism as number,
      secretEnv: loaded.referencedEnv,
    });
    io.out(
      `wrote ${path.relative(process.cwd(), files.configMap)} and ${path.relative(process.cwd(), files.testRun)} (parallelism ${opts.parallelism})\n` +
        `apply: kubectl apply -f ${path.relative(process.cwd(), files.configMap)} -f ${path.relative(process.cwd(), files.testRun)}\n` +
        'note: k6-operator does not aggregate thresholds across runners; each runner judges its own share, so gate on every runner (all pods exit 0, none 99).\n',
    );
    return 0;
  }

  let sandbox: RunningSandbox | undefined;
  const controller = new AbortController();
  let engine: LoadEngine | undefined;
  const onSigint = (): void => {
    io.err('revgate: interrupted: stopping the load and writing partial results (Ctrl-C again to quit now)\n');
    process.removeListener('SIGINT', onSigint);
    controller.abort();
    engine?.stop('interrupted', 'interrupted by SIGINT');
  };
  process.on('SIGINT', onSigint);
  try {
    if (opts.sandbox) {
      sandbox = await startSandbox({ faults: opts.faults ?? [] });
      baseUrl = sandbox.url;
      io.err(`revgate: sandbox ${sandbox.revision} at ${sandbox.url}${opts.faults?.length ? ` with faults: ${opts.faults.join(' ')}` : ''}\n`);
    }
    const target = { baseUrl: baseUrl as string, ...(environment ? { environment } : {}), ...(sandbox ? { revision: sandbox.revision } : {}) };
    const redactor = redactorFor(loaded, io.env);
    const out = path.resolve(opts.out);
    prepareOutputDir(out);
    const names = Object.entries(loaded.profile.scenarios)
      .map(([n, s]) => `${n} (${s.executor})`)
      .join(', ');
    const peak = peakRatePerSecond(loaded);
    io.err(
      `revgate: load ${loaded.profile.name} -> ${target.baseUrl} with ${opts.engine === 'k6' ? 'k6' : 'the embedded engine'}: ${names}${peak ? `, at most ${peak.toFixed(1)} req/s` : ''}\n`,
    );

    let gates: GateResult[];
    let summary: LoadSummary | Record<string, unknown>;
    let partial: boolean;
    let harnessError: string | undefined;
    const startedAt = new Date();
    if (opts.engine === 'k6') {
      const k6 = requireK6(io.env);
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'revgate-k6-'));
      try {
        const run = await runK6(k6, {
          profile: opts.profile,
          baseUrl: target.baseUrl,
          summaryFile: path.join(tmp, 'summary.json'),
          env: io.env,
          onLine: (l) => io.err(`${redactor.mask(l)}\n`),
          signal: controller.signal,
        });
        partial = controller.signal.aborted || run.signal !== null;
        if (!run.summary) {
          gates = [];
          summary = {};
          harnessError = `k6 exited ${run.exitCode ?? run.signal} without writing a summary`;
        } else {
          summary = run.summary;
          gates = gatesFromK6Summary(run.summary, loaded.thresholds);
          if (run.exitCode !== 0 && run.exitCode !== 99 && !partial) harnessError = `k6 exited ${run.exitCode} (not a threshold failure)`;
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    } else {
      const plan = buildPlan(loaded, { baseUrl: target.baseUrl, userAgent: `revgate/${VERSION}`, ...(ca ? { ca } : {}) });
      engine = new LoadEngine(plan, {
        onSecond: (elapsed, recorder) => {
          const failing = abortingThresholds(
            loaded.thresholds,
            recorderLookup(
              recorder,
              elapsed,
              plan.scenarios.reduce((n, s) => n + s.slots, 0),
            ),
            elapsed,
          );
          return failing.length ? `abortOnFail threshold breached: ${failing.map((t) => `${t.metricKey} ${t.expression}`).join(', ')}` : undefined;
        },
      });
      if (controller.signal.aborted) engine.stop('interrupted', 'interrupted by SIGINT');
      const result = await engine.run();
      partial = result.stopReason === 'interrupted';
      const s = buildSummary(result, loaded.thresholds, partial);
      summary = s;
      io.err(describeRun(result, s));
      gates = withErrorKinds(evaluateThresholds(loaded.thresholds, recorderLookup(result.recorder, result.durationMs, result.slots)), s);
      const sample = sampleOf(result);
      if (base) gates.push(...compareWithBaseline(sample, base.sample, loaded.profile.baseline));
      // The same gates at the lowest latency the target itself could have caused, for a run where the generator fell behind.
      const lateness = result.recorder.lateness(LATE_MS);
      const lowerBounds = [
        ...evaluateThresholds(loaded.thresholds, recorderLookup(result.recorder, result.durationMs, result.slots, lateness)),
        ...(base ? compareWithBaseline(sample, base.sample, loaded.profile.baseline, lateness) : []),
      ];
      gates = judgeLatencyOnSaturatedRun([...gates, ...generatorGates(result)], lowerBounds);
      if (result.stopReason === 'aborted') io.err(`revgate: stopped early: ${result.stopDetail}\n`);
      if (opts.saveBaseline) {
        if (partial) io.err('revgate: not saving a baseline from an interrupted run\n');
        else {
          saveBaseline(path.resolve(opts.saveBaseline), sample, s, {
            profile: loaded.profile.name,
            baseUrl: target.baseUrl,
            ...(target.revision ? { revision: target.revision } : {}),
          });
          io.err(`revgate: baseline saved to ${opts.saveBaseline}\n`);
        }
      }
    }
    writeFileSync(path.join(out, 'summary.json'), `${redactor.mask(JSON.stringify(summary, null, 2))}\n`);
    const verdict = decide({
      kind: 'load',
      target,
      startedAt,
      finishedAt: new Date(),
      checks: [],
      gates,
      partial,
      ...(harnessError ? { harnessError } : {}),
      version: VERSION,
    });
    const final = await publishVerdict(verdict, { out, redactor, io, artifacts: { summary: 'summary.json' } });
    return final.exitCode;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await sandbox?.stop();
  }
}

/** Failed-request gates name the network error kinds behind them (refused, timeout, reset, TLS...). */
function withErrorKinds(gates: GateResult[], summary: LoadSummary): GateResult[] {
  const kinds = Object.entries(summary.revgate.errorsByKind);
  if (!kinds.length) return gates;
  const detail = kinds.map(([k, n]) => `${k}=${n}${summary.revgate.errorSamples[k] ? ` (${summary.revgate.errorSamples[k]})` : ''}`).join(', ');
  return gates.map((g) => (g.metric.startsWith('http_req_failed') && g.status !== 'passed' ? { ...g, reason: `${g.reason}; network errors: ${detail}` } : g));
}

/**
 * A saturated generator (late starts above 1% of arrivals: it could not send on time, and latency counts from the
 * scheduled time) inflates latency figures. A latency gate that failed on such a run stays failed only if it also
 * fails at the lowest latency the target itself could have caused (`lowerBounds`: the same gates evaluated with the
 * generator's lateness taken off, see lateness.ts): a target that really is slow is still rolled back. Otherwise
 * the failure is not evidence against the target and the gate becomes inconclusive (hold, never promote) instead
 * of rolling back a revision on noise. Error-rate gates stand. Pure.
 */
export function judgeLatencyOnSaturatedRun(gates: GateResult[], lowerBounds: GateResult[]): GateResult[] {
  const generator = gates.find((g) => g.id === GENERATOR_GATE);
  if (!generator || generator.status !== 'failed') return gates;
  const saturation = `the load generator was saturated (${generator.reason.split(':')[0]})`;
  return gates.map((g) => {
    const latency = g.metric.startsWith('http_req_duration') || g.id.startsWith('baseline http_req_duration');
    if (!latency || g.status !== 'failed' || !g.blocking) return g;
    const bound = lowerBounds.find((b) => b.id === g.id);
    if (bound?.status === 'failed')
      return {
        ...g,
        reason: `${g.reason}; ${saturation}, but even allowing for its late starts the gate fails: ${bound.reason.replace(/^(threshold breached|regression): /, '').replace(' = ', ' is at least ')}`,
      };
    return {
      ...g,
      status: 'inconclusive',
      reason: `${g.reason}; not trusted: ${saturation} and its late starts could account for the breach; rerun with a lower rate or on a less busy machine`,
    };
  });
}

const GENERATOR_GATE = 'generator late starts';

/** Advisory gates on the generator itself: results measured by a saturated generator say little about the target. */
function generatorGates(result: EngineResult): GateResult[] {
  const r = result.recorder;
  const issued = r.iterations + r.dropped + r.interrupted;
  const late = issued ? r.lateStarts / issued : 0;
  const ok = late <= 0.01;
  return [
    {
      id: GENERATOR_GATE,
      metric: 'revgate_late_starts',
      expression: 'late starts <= 1% of arrivals',
      blocking: false,
      status: ok ? 'passed' : 'failed',
      observed: r.lateStarts,
      samples: issued,
      reason: ok
        ? `${r.lateStarts} of ${issued} arrivals started more than 10 ms late`
        : `${r.lateStarts} of ${issued} arrivals (${(late * 100).toFixed(1)}%) started more than 10 ms late: the load generator was saturated; their latency still counts from the scheduled time`,
    },
  ];
}
