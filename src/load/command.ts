/**
 * `revgate load` as an adapter of the command skeleton (src/run/command.ts): profile -> safety ->
 * engine (embedded or k6) -> thresholds and baseline gates -> verdict + summary.json (+ baseline).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { VERSION } from '../core/version.js';
import type { Command, Resolved, RunContext, Secret } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { RevisionTarget } from '../run/targets.js';
import { SECRET_HEADER_NAMES } from '../secrets/redactor.js';
import { abortingThresholds, evaluateThresholds } from '../thresholds/evaluate-thresholds.js';
import { checkTarget } from '../traffic/safety.js';
import { decide } from '../verdict/decide.js';
import type { GateResult, Target, Verdict } from '../verdict/types.js';
import { compareWithBaseline, loadBaseline, sampleOf, saveBaseline, type Baseline, type RunSample } from './baseline.js';
import { LATE_MS, LoadEngine, type EngineResult } from './engine.js';
import { generatorGates, judgeLatencyOnSaturatedRun, retryGates, withErrorKinds, withRetries } from './gates.js';
import { judgeInterrupted } from './interrupted.js';
import { gatesFromK6Summary, K6_THRESHOLDS_FAILED, requireK6, runK6, type K6Run } from './k6.js';
import { emitOperatorManifests } from './k6-operator.js';
import { buildPlan, peakRatePerSecond } from './plan.js';
import { loadProfile, type LoadedProfile } from './profile.js';
import { progressPrinter } from '../report/progress.js';
import { loadProgressLine } from './progress.js';
import { buildSummary, recorderLookup, type LoadSummary } from './summary.js';
import { loadReportData } from './report-data.js';
import type { LoadReportData } from '../report/data.js';
import { readCaFile } from '../http/ca-file.js';

export interface LoadOptions {
  profile: string;
  baseUrl?: string;
  engine: 'embedded' | 'k6';
  saveBaseline?: string;
  baseline?: string;
  allowProduction: boolean;
  /** Environment from the revgate config: its baseUrl (unless --base-url) and its production flag. */
  env?: string;
  config?: string;
  /** The target is injected (--sandbox): no --base-url needed. */
  sandbox?: boolean;
  caFile?: string;
}

interface Prepared {
  loaded: LoadedProfile;
  base?: { baseline: Baseline; sample: RunSample };
  baseUrl?: string;
  environment?: string;
  ca?: string;
}

interface LoadRun extends Resolved {
  loaded: LoadedProfile;
  base?: { baseline: Baseline; sample: RunSample };
  target: Target;
  ca?: string;
}

type Measured =
  | { engine: 'embedded'; startedAt: Date; finishedAt: Date; result: EngineResult; summary: LoadSummary }
  | { engine: 'k6'; startedAt: Date; finishedAt: Date; summary?: NonNullable<K6Run['summary']>; partial: boolean; harnessError?: string };

function prepareLoad(o: LoadOptions, problems: Problems, env: Record<string, string | undefined>): Prepared | undefined {
  if (o.sandbox && o.baseUrl !== undefined) problems.add('--base-url', 'use either --sandbox or --base-url, not both');
  if (o.engine === 'k6' && (o.baseline || o.saveBaseline))
    problems.add('--engine', 'baselines need the embedded engine (k6 summaries carry no histograms to compare): drop --engine k6');
  const loaded = problems.capture(() => loadProfile(path.resolve(o.profile), env));
  const base = o.baseline ? problems.capture(() => loadBaseline(o.baseline as string)) : undefined;
  let production = false;
  let baseUrl = o.baseUrl;
  let environment: string | undefined;
  if (o.env) {
    const resolved = problems.capture(() =>
      loadConfig({ ...(o.config ? { configPath: o.config } : {}), env: o.env, ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), processEnv: env }),
    );
    production = resolved?.target.production === true;
    baseUrl ??= resolved?.target.baseUrl;
    environment = resolved?.environment;
  }
  if (!baseUrl && !o.sandbox) problems.add('--base-url', 'give --base-url URL (or --sandbox, or --env NAME from the revgate config)');
  if (baseUrl && loaded) {
    const unsafe = checkTarget({ baseUrl, allowedHosts: loaded.profile.allowedHosts ?? [], production, allowProduction: o.allowProduction });
    for (const p of unsafe) problems.add(p.path, `refusing to send load to this target: ${p.message}`);
  }
  let ca: string | undefined;
  if (o.caFile) {
    const read = readCaFile(o.caFile);
    if ('pem' in read) ca = read.pem;
    else problems.add('--ca-file', read.problem);
  }
  if (!loaded) return undefined;
  return { loaded, ...(base ? { base } : {}), ...(baseUrl ? { baseUrl } : {}), ...(environment ? { environment } : {}), ...(ca ? { ca } : {}) };
}

/** Secrets in the profile's headers (Authorization-like names) and any env var it references. */
function profileSecrets(loaded: LoadedProfile, env: Record<string, string | undefined>): Secret[] {
  const secrets: Secret[] = [];
  const headerSets = [loaded.profile.headers ?? {}, ...Object.values(loaded.profile.scenarios).flatMap((s) => s.requests.map((q) => q.headers ?? {}))];
  for (const headers of headerSets) {
    for (const [name, value] of Object.entries(headers)) {
      if (!SECRET_HEADER_NAMES.includes(name.toLowerCase())) continue;
      secrets.push({ value, label: `header ${name}` });
      const bearer = /^(?:Bearer|Basic)\s+(.+)$/i.exec(value);
      if (bearer?.[1]) secrets.push({ value: bearer[1], label: `header ${name}` });
    }
  }
  for (const name of loaded.referencedEnv) if (env[name]) secrets.push({ value: env[name] as string, label: `env ${name}` });
  return secrets;
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
    `p50 ${d.med ?? '-'} ms, p95 ${d['p(95)'] ?? '-'} ms, p99 ${d['p(99)'] ?? '-'} ms, failed ${(((m.http_req_failed?.values.rate ?? 0) as number) * 100).toFixed(2)}%, ` +
    `dropped ${m.dropped_iterations?.values.count ?? 0}, late starts ${m.revgate_late_starts?.values.count ?? 0}, retries ${m.http_req_retries?.values.count ?? 0}` +
    `${errs ? `, errors: ${errs}` : ''}\n`
  );
}

/** Thresholds, baseline comparisons and the generator's health for one embedded-engine run. Pure. */
export function embeddedGates(run: Pick<LoadRun, 'loaded' | 'base'>, result: EngineResult, summary: LoadSummary): GateResult[] {
  const { loaded, base } = run;
  const gates = withRetries(
    withErrorKinds(evaluateThresholds(loaded.thresholds, recorderLookup(result.recorder, result.durationMs, result.slots)), summary),
    summary,
  );
  const sample = sampleOf(result);
  if (base) gates.push(...compareWithBaseline(sample, base.sample, loaded.profile.baseline));
  // The same gates at the lowest latency the target itself could have caused, for a run where the generator fell behind.
  const lateness = result.recorder.lateness(LATE_MS);
  const lowerBounds = [
    ...evaluateThresholds(loaded.thresholds, recorderLookup(result.recorder, result.durationMs, result.slots, lateness)),
    ...(base ? compareWithBaseline(sample, base.sample, loaded.profile.baseline, lateness) : []),
  ];
  const judged = judgeLatencyOnSaturatedRun([...gates, ...generatorGates(result), ...retryGates(result)], lowerBounds);
  return result.stopReason === 'interrupted'
    ? judgeInterrupted(judged, loaded.thresholds, recorderLookup(result.recorder, result.durationMs, result.slots))
    : judged;
}

export function loadAdapter(o: LoadOptions): Command<Prepared | undefined, RevisionTarget, LoadRun, Measured> {
  return {
    interruptMessage: 'stopping the load and writing partial results',
    prepare: (problems, io) => prepareLoad(o, problems, io.env),
    inputs: () => [o.profile, o.baseline, o.env ? (o.config ?? 'revgate.config.json') : undefined, o.caFile].filter((f): f is string => typeof f === 'string'),
    resolve: (prepared, sandbox, io) => {
      const p = prepared as Prepared;
      const target: Target = sandbox
        ? { baseUrl: sandbox.url, revision: sandbox.revision }
        : { baseUrl: p.baseUrl as string, ...(p.environment ? { environment: p.environment } : {}) };
      return {
        loaded: p.loaded,
        ...(p.base ? { base: p.base } : {}),
        target,
        ...(p.ca ? { ca: p.ca } : {}),
        secrets: profileSecrets(p.loaded, io.env),
      };
    },
    measure: async (run, ctx) => (o.engine === 'k6' ? measureK6(run, ctx) : measureEmbedded(run, ctx)),
    verdict: (run, m): Verdict => {
      const gates = m.engine === 'embedded' ? embeddedGates(run, m.result, m.summary) : m.summary ? gatesFromK6Summary(m.summary, run.loaded.thresholds) : [];
      const partial = m.engine === 'embedded' ? m.result.stopReason === 'interrupted' : m.partial;
      const harnessError = m.engine === 'k6' ? m.harnessError : undefined;
      return decide({
        kind: 'load',
        target: run.target,
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        checks: [],
        gates,
        partial,
        ...(harnessError ? { harnessError } : {}),
        version: VERSION,
      });
    },
    publish: (run, m) => ({ artifacts: { summary: 'summary.json' }, report: { load: reportData(run, m) } }),
  };

  /** The charts' data: the measurements summary.json was written from, the profile's thresholds, the baseline's series. */
  function reportData(run: LoadRun, m: Measured): LoadReportData {
    if (m.engine === 'k6') return loadReportData({ summary: m.summary ?? { metrics: {} }, thresholds: run.loaded.thresholds });
    return loadReportData({
      summary: m.summary,
      thresholds: run.loaded.thresholds,
      histogram: sampleOf(m.result).whole,
      ...(run.base ? { baseline: { baseline: run.base.baseline, whole: run.base.sample.whole } } : {}),
    });
  }

  function describeStart(run: LoadRun, ctx: RunContext): void {
    const names = Object.entries(run.loaded.profile.scenarios)
      .map(([n, s]) => `${n} (${s.executor})`)
      .join(', ');
    const peak = peakRatePerSecond(run.loaded);
    ctx.io.err(
      `revgate: load ${run.loaded.profile.name} -> ${run.target.baseUrl} with ${o.engine === 'k6' ? 'k6' : 'the embedded engine'}: ${names}${peak ? `, at most ${peak.toFixed(1)} req/s` : ''}\n`,
    );
  }

  function writeSummary(ctx: RunContext, summary: unknown): void {
    writeFileSync(path.join(ctx.out, 'summary.json'), `${ctx.redactor.mask(JSON.stringify(summary, null, 2))}\n`);
  }

  async function measureEmbedded(run: LoadRun, ctx: RunContext): Promise<Measured> {
    describeStart(run, ctx);
    const { loaded } = run;
    const plan = buildPlan(loaded, { baseUrl: run.target.baseUrl, userAgent: `revgate/${VERSION}`, ...(run.ca ? { ca: run.ca } : {}) });
    const slots = plan.scenarios.reduce((n, s) => n + s.slots, 0);
    const plannedMs = Math.max(0, ...plan.scenarios.map((s) => s.startMs + s.durationMs));
    const progress = progressPrinter(ctx.io);
    const engine = new LoadEngine(plan, {
      onSecond: (elapsed, recorder) => {
        const lookup = recorderLookup(recorder, elapsed, slots);
        progress.update(ctx.redactor.mask(loadProgressLine(elapsed, plannedMs, recorder, lookup('http_req_duration')?.get({ name: 'p', p: 95 }), ctx.io.tty)));
        const failing = abortingThresholds(loaded.thresholds, lookup, elapsed);
        return failing.length ? `abortOnFail threshold breached: ${failing.map((t) => `${t.metricKey} ${t.expression}`).join(', ')}` : undefined;
      },
    });
    const stop = (): void => engine.stop('interrupted', 'interrupted by a signal');
    if (ctx.signal.aborted) stop();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const startedAt = new Date();
    let result: EngineResult;
    try {
      result = await engine.run();
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      progress.done();
    }
    const finishedAt = new Date();
    const partial = result.stopReason === 'interrupted';
    const summary = buildSummary(result, loaded.thresholds, partial);
    ctx.io.err(describeRun(result, summary));
    if (result.stopReason === 'aborted') ctx.io.err(`revgate: stopped early: ${result.stopDetail}\n`);
    writeSummary(ctx, summary);
    if (o.saveBaseline) {
      if (partial) ctx.io.err('revgate: not saving a baseline from an interrupted run\n');
      else {
        saveBaseline(path.resolve(o.saveBaseline), sampleOf(result), summary, {
          profile: loaded.profile.name,
          baseUrl: run.target.baseUrl,
          ...(run.target.revision ? { revision: run.target.revision } : {}),
        });
        ctx.io.err(`revgate: baseline saved to ${o.saveBaseline}\n`);
      }
    }
    return { engine: 'embedded', startedAt, finishedAt, result, summary };
  }

  async function measureK6(run: LoadRun, ctx: RunContext): Promise<Measured> {
    describeStart(run, ctx);
    const k6 = requireK6(ctx.io.env);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'revgate-k6-'));
    const startedAt = new Date();
    try {
      const k6run = await runK6(k6, {
        profile: o.profile,
        baseUrl: run.target.baseUrl,
        summaryFile: path.join(tmp, 'summary.json'),
        env: ctx.io.env,
        onLine: (l) => ctx.io.err(`${ctx.redactor.mask(l)}\n`),
        signal: ctx.signal,
      });
      const partial = ctx.signal.aborted || k6run.signal !== null;
      writeSummary(ctx, k6run.summary ?? {});
      const finishedAt = new Date();
      if (!k6run.summary)
        return { engine: 'k6', startedAt, finishedAt, partial, harnessError: `k6 exited ${k6run.exitCode ?? k6run.signal} without writing a summary` };
      const harnessError =
        k6run.exitCode !== 0 && k6run.exitCode !== K6_THRESHOLDS_FAILED && !partial ? `k6 exited ${k6run.exitCode} (not a threshold failure)` : undefined;
      return { engine: 'k6', startedAt, finishedAt, summary: k6run.summary, partial, ...(harnessError ? { harnessError } : {}) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

export interface EmitOptions {
  profile: string;
  baseUrl?: string;
  parallelism?: number;
  out: string;
  allowProduction: boolean;
  env?: string;
  config?: string;
}

/**
 * `load --emit k6-operator`: manifests for a cluster instead of a run (no verdict). Unset variables stay
 * references, since the runners get their own environment. Returns what was written: as lines for a person
 * (`text`), and as a document for `--json` (the manifests' paths, the kubectl command, the note).
 */
export interface Emitted {
  text: string;
  json: { configMap: string; testRun: string; parallelism: number; apply: string; note: string };
}

export function emitK6Operator(o: EmitOptions, problems: Problems, env: Record<string, string | undefined>): Emitted {
  if (o.parallelism === undefined || !Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > 1000)
    problems.add('--parallelism', '--emit k6-operator needs --parallelism N (a whole number from 1 to 1000)');
  const profileEnv = new Proxy(env, { get: (t, k: string) => t[k] ?? `\${${k}}` });
  const prepared = prepareLoad({ ...o, engine: 'embedded', ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}) }, problems, profileEnv);
  problems.throwIfAny();
  const p = prepared as Prepared;
  const out = path.resolve(o.out);
  const files = emitOperatorManifests(path.join(out, 'k6-operator'), {
    profileName: p.loaded.profile.name,
    profileFile: path.resolve(o.profile),
    baseUrl: p.baseUrl as string,
    parallelism: o.parallelism as number,
    secretEnv: p.loaded.referencedEnv,
  });
  const rel = (f: string): string => path.relative(process.cwd(), f);
  const apply = `kubectl apply -f ${rel(files.configMap)} -f ${rel(files.testRun)}`;
  const note =
    'k6-operator does not aggregate thresholds across runners; each runner judges its own share, so gate on every runner (all pods exit 0, none 99).';
  return {
    text: `wrote ${rel(files.configMap)} and ${rel(files.testRun)} (parallelism ${o.parallelism})\napply: ${apply}\nnote: ${note}\n`,
    json: { configMap: files.configMap, testRun: files.testRun, parallelism: o.parallelism as number, apply, note },
  };
}
