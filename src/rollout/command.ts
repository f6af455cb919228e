/**
 * `revgate rollout` as an adapter of the command skeleton: the runbook's 10% -> 50% -> 100% with a
 * canary gate at every step and automatic rollback, against Azure Resource Manager.
 *
 *   prepare   flags, steps, hold, the gate's criteria/profile/config (through the gate's own prepare)
 *   resolve   the app read from ARM, the journal read and locked, --revision/--baseline resolved, the
 *             rollback point recorded (a missing app or revision, a journal in the way: exit 3)
 *   measure   preflight, then the engine (engine.ts) from wherever the journal says; --dry-run prints the
 *             ARM calls instead
 *   verdict   report.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIsoInterval, realTrafficSpecs, type RealSpec } from '../aca/real-traffic.js';
import { createRequestsMetrics } from '../azure/metrics-client.js';
import type { Problems } from '../run/problems.js';
import { isLoopbackHost } from '../traffic/safety.js';
import { connectApp, prepareAzureApp, type ConnectedApp, type PreparedApp } from '../aca/app-options.js';
import { ArmError, type ArmCall, type ContainerAppsArm } from '../aca/arm.js';
import { resolveRevision, type ResolvedRevision } from '../aca/resolve.js';
import { describeTraffic } from '../aca/traffic.js';
import type { AppSnapshot, TrafficEntry } from '../aca/types.js';
import { createContainerAppsArm } from '../azure/arm-client.js';
import { appReport } from '../discover/command.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import type { Command, Resolved, RunContext } from '../run/command.js';
import type { ContainerAppTarget } from '../run/targets.js';
import { parseDurationMs } from '../thresholds/threshold.js';
import type { Verdict } from '../verdict/types.js';
import { newJournal, preflightBoth, RolloutEngine, type Mode, type Outcome, type RealTraffic } from './engine.js';
import { gateProblems, runGate, type GateSettings } from './gate-step.js';
import { lockJournal, readJournal, TERMINAL, writeJournal, type Journal } from './journal.js';
import { parseSteps, rollbackPoint, stepTable } from './plan.js';
import { rolloutVerdict } from './report.js';

export interface RolloutOptions {
  app?: string;
  resourceGroup?: string;
  subscription?: string;
  armEndpoint?: string;
  caFile?: string;
  sandbox: boolean;
  /** latest, a revision name (or suffix) or a label. */
  revision?: string;
  /** current (default), a revision name or a label. */
  baseline?: string;
  steps?: string;
  /** e.g. 5m: how long each step holds before its gate runs. */
  hold?: string;
  dryRun: boolean;
  resume: boolean;
  abort: boolean;
  journal?: string;
  deactivateOnRollback: boolean;
  minReplicas?: number;
  gate: Omit<GateSettings, 'caFile' | 'criteria'> & { criteria?: string };
  /** Judge each step on Azure Monitor's Requests for the hold too (real users), before the synthetic gate. */
  realTraffic: boolean;
  /** Regional metrics endpoint (default https://<location>.metrics.monitor.azure.com). */
  metricsEndpoint?: string;
  /** Bucket size, ISO 8601 (default PT1M, Azure's finest for Requests). */
  metricsInterval?: string;
  /** Azure Monitor's ingestion delay to allow for, e.g. 3m (default). */
  metricsDelay?: string;
}

interface Prepared {
  app: PreparedApp;
  mode: Mode;
  steps: number[];
  holdMs: number;
  gate?: GateSettings;
  real?: { specs: RealSpec[]; criteria: unknown; confidence: number; intervalMs?: number; delayMs?: number; endpoint?: string };
}

interface RolloutRun extends Resolved, ConnectedApp {
  arm: ContainerAppsArm;
  mode: Mode;
  /** As shown (relative to the working folder) and as written. */
  journalFile: string;
  journalPath: string;
  release: () => void;
  deactivateOnRollback: boolean;
  minReplicas?: number;
  snapshot: AppSnapshot;
  /** The journal to go on from (resume, abort), or the one a new rollout starts with. */
  journal?: Journal;
  canary?: ResolvedRevision;
  baseline?: ResolvedRevision;
  rollbackPoint: TrafficEntry[];
  steps: number[];
  holdMs: number;
  gate?: GateSettings;
  gateEnv: Record<string, string | undefined>;
  startedAt: Date;
  resumeHint: string;
  real?: RealTraffic;
}

interface Measured {
  outcome: Outcome;
  finishedAt: Date;
}

const modeOf = (o: RolloutOptions): Mode => (o.abort ? 'abort' : o.resume ? 'resume' : o.dryRun ? 'dry-run' : 'start');

export function rolloutAdapter(o: RolloutOptions): Command<Prepared, ContainerAppTarget, RolloutRun, Measured> {
  return {
    interruptMessage: 'finishing the ARM change in flight, then holding at the current step (resume with --resume)',
    prepare: async (problems, io: Io) => {
      const app = prepareAzureApp(o, io.env, problems);
      const modes = [o.dryRun && '--dry-run', o.resume && '--resume', o.abort && '--abort'].filter(Boolean);
      if (modes.length > 1) problems.add(modes[0] as string, `cannot be combined with ${modes.slice(1).join(' or ')}`);
      const mode = modeOf(o);
      let steps: number[] = [];
      if (mode === 'start' || mode === 'dry-run') {
        if (!o.revision) problems.add('--revision', 'is required: the revision to roll out (latest, a revision name or a label)');
        else if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(o.revision)) problems.add('--revision', `"${o.revision}" is not a revision name, a label or latest`);
        if (o.baseline !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(o.baseline))
          problems.add('--baseline', `"${o.baseline}" is not a revision name, a label or current`);
        if (!o.steps) problems.add('--steps', 'is required: the canary weights in order, e.g. 10,50,100');
        else {
          const parsed = parseSteps(o.steps);
          if ('problem' in parsed) problems.add('--steps', parsed.problem);
          else steps = parsed.steps;
        }
      } else {
        for (const [flag, given] of [
          ['--revision', o.revision],
          ['--baseline', o.baseline],
          ['--steps', o.steps],
        ] as const)
          if (given !== undefined) problems.add(flag, `does not apply with ${mode === 'abort' ? '--abort' : '--resume'}: the rollout's journal has it`);
      }
      let holdMs = 0;
      if (o.hold !== undefined) {
        const ms = parseDurationMs(o.hold);
        if (ms === undefined || ms > 24 * 3_600_000) problems.add('--hold', `"${o.hold}" is not a duration up to 24h like 5m, 30s or 0s`);
        else holdMs = ms;
      }
      if (o.minReplicas !== undefined && !(Number.isInteger(o.minReplicas) && o.minReplicas >= 0))
        problems.add('--min-replicas', `must be a whole number, 0 or more, got ${o.minReplicas}`);
      let gate: GateSettings | undefined;
      if (mode !== 'abort') {
        if (!o.gate.criteria) problems.add('--criteria', 'is required: the canary criteria every step is gated on, e.g. load/criteria/apex-canary.json');
        else {
          gate = { ...o.gate, criteria: o.gate.criteria, ...(o.caFile ? { caFile: o.caFile } : {}) };
          // The gate checks its own inputs, located by its flags, before anything starts.
          problems.addAll(await gateProblems(gate, io));
        }
      }
      const real = o.realTraffic && gate ? prepareRealTraffic(o, gate, problems) : undefined;
      if (!o.realTraffic)
        for (const [flag, v] of [
          ['--metrics-endpoint', o.metricsEndpoint],
          ['--metrics-interval', o.metricsInterval],
          ['--metrics-delay', o.metricsDelay],
        ] as const)
          if (v !== undefined) problems.add(flag, 'only applies with --real-traffic');
      return { app, mode, steps, holdMs, ...(gate ? { gate } : {}), ...(real ? { real } : {}) };
    },
    inputs: () => [o.gate.criteria, o.gate.profile, o.gate.config, o.caFile, o.journal].filter((f): f is string => typeof f === 'string'),
    resolve: async (p, target, io) => resolveRollout(o, p, target, io),
    measure: async (run, ctx) => {
      try {
        return { outcome: await measure(run, ctx), finishedAt: new Date() };
      } finally {
        run.release();
      }
    },
    verdict: (run, m): Verdict =>
      rolloutVerdict({
        ref: run.ref,
        armEndpoint: run.connection.endpoint,
        journalFile: run.journalFile,
        revision: m.outcome.journal?.revision ?? run.canary?.revision.name ?? run.journal?.revision ?? '',
        ...(m.outcome.journal?.baseline || run.baseline ? { baseline: m.outcome.journal?.baseline ?? (run.baseline?.revision.name as string) } : {}),
        steps: run.steps,
        rollbackPoint: m.outcome.journal?.rollbackPoint ?? run.rollbackPoint,
        outcome: m.outcome,
        startedAt: run.startedAt,
        finishedAt: m.finishedAt,
        ...(run.canary?.url ? { canaryUrl: run.canary.url } : {}),
        containerApp: appReport(run),
        resumeHint: run.resumeHint,
      }),
  };
}

function usage(message: string): RevgateError {
  return new RevgateError(ErrorCodes.Usage, message);
}

async function resolveRollout(o: RolloutOptions, p: Prepared, target: ContainerAppTarget | undefined, io: Io): Promise<RolloutRun> {
  const startedAt = new Date();
  const connected = connectApp(p.app, target, io.env);
  const { ref } = connected;
  const journalFile = path.resolve(
    o.journal ??
      (target ? path.join(target.stateDir, 'rollout.json') : path.join('.revgate', 'rollouts', ref.subscription, ref.resourceGroup, `${ref.app}.json`)),
  );
  const arm = createContainerAppsArm({
    ...connected.connection,
    onRetry: (e) => io.err(`revgate: ${e.error.message}; retrying in ${e.delayMs} ms (try ${e.attempt + 1} of ${e.maxAttempts})\n`),
  });
  const release = p.mode === 'dry-run' ? () => undefined : lockJournal(journalFile);
  try {
    let journal = readJournal(journalFile);
    const rel = path.relative(process.cwd(), journalFile) || journalFile;
    if (journal && (journal.app.app !== ref.app || journal.app.resourceGroup !== ref.resourceGroup || journal.app.subscription !== ref.subscription))
      throw usage(
        `the journal ${rel} is for ${journal.app.app} in ${journal.app.resourceGroup}, not ${ref.app} in ${ref.resourceGroup}: give --journal for this app`,
      );
    if ((p.mode === 'resume' || p.mode === 'abort') && !journal)
      throw usage(
        `nothing to ${p.mode === 'abort' ? 'abort' : 'resume'}: no rollout journal at ${rel}${o.journal ? '' : ' (give --journal if it is elsewhere)'}`,
      );
    if (p.mode === 'start' && journal && !TERMINAL.has(journal.state))
      throw usage(
        `a rollout of ${journal.revision} is ${journal.state} at ${journal.step >= 0 ? `step ${journal.step + 1}/${journal.steps.length} (${journal.steps[journal.step]}%)` : 'its start'} (journal ${rel}): --resume it, --abort it (restores its rollback point), or remove the journal once the traffic is as you want it`,
      );
    const snapshot = await readSnapshot(arm, connected);
    const secrets = [...connected.secrets, ...(io.env.REVGATE_TOKEN ? [{ value: io.env.REVGATE_TOKEN, label: 'env REVGATE_TOKEN' }] : [])];
    const gateEnv = { ...io.env, ...(target ? { REVGATE_TOKEN: target.token } : {}) };
    const gate = p.gate
      ? { ...p.gate, ...(connected.caFile ? { caFile: connected.caFile } : {}), ...(target && p.gate.rate === undefined ? { rate: 150 } : {}) }
      : undefined;
    const resumeHint = target
      ? 'not resumable (the sandbox ends with this run): use revgate sandbox --aca and --arm-endpoint to try --resume'
      : `revgate rollout --app ${ref.app} -g ${ref.resourceGroup} --subscription ${ref.subscription} --resume --criteria ${o.gate.criteria ?? '<criteria>'}${o.journal ? ` --journal ${o.journal}` : ''} (or --abort)`;
    const real = p.real ? realTrafficFor(p.real, connected, target, snapshot, p.holdMs, io) : undefined;
    const base = {
      ...(real ? { real } : {}),
      ...connected,
      secrets,
      arm,
      mode: p.mode,
      journalFile: rel,
      journalPath: journalFile,
      release,
      snapshot,
      holdMs: p.holdMs,
      gateEnv,
      startedAt,
      resumeHint,
      deactivateOnRollback: o.deactivateOnRollback,
      ...(o.minReplicas !== undefined ? { minReplicas: o.minReplicas } : {}),
      ...(gate ? { gate } : {}),
    };

    if (p.mode === 'resume' || p.mode === 'abort') {
      journal = journal as Journal;
      const canary = resolveRevision(snapshot, journal.revision);
      const baseline = resolveRevision(snapshot, journal.baseline);
      return {
        ...base,
        journal,
        steps: journal.steps,
        rollbackPoint: journal.rollbackPoint,
        ...(canary.ok ? { canary: canary.resolved } : {}),
        ...(baseline.ok ? { baseline: baseline.resolved } : {}),
      };
    }
    const canary = orUsage(resolveRevision(snapshot, o.revision as string), '--revision');
    const baseline = orUsage(resolveRevision(snapshot, o.baseline ?? 'current', { exclude: canary.revision.name }), '--baseline');
    if (baseline.revision.name === canary.revision.name) throw usage(`--baseline resolves to ${canary.revision.name}, the revision being rolled out`);
    const point = rollbackPoint(snapshot, canary.revision.name, p.steps);
    if ('problem' in point) throw usage(`cannot record a rollback point: ${point.problem}`);
    return { ...base, canary, baseline, steps: p.steps, rollbackPoint: point.traffic };
  } catch (err) {
    release();
    throw err;
  }
}

async function readSnapshot(arm: ContainerAppsArm, c: ConnectedApp): Promise<AppSnapshot> {
  try {
    return await arm.snapshot(c.ref.resourceGroup, c.ref.app);
  } catch (err) {
    if (err instanceof ArmError && err.kind === 'not-found') throw usage(err.message);
    // Nothing started yet: could not read ARM at all is a harness error, with ARM's message.
    if (err instanceof ArmError) throw new RevgateError(ErrorCodes.Internal, err.message, [], { cause: err });
    throw err;
  }
}

function orUsage(r: ReturnType<typeof resolveRevision>, flag: string): ResolvedRevision {
  if (r.ok) return r.resolved;
  throw usage(`${flag}: ${r.problem}`);
}

async function measure(run: RolloutRun, ctx: RunContext): Promise<Outcome> {
  const engineDeps = {
    arm: run.arm,
    journalFile: run.journalPath,
    io: ctx.io,
    signal: ctx.signal,
    holdMs: run.holdMs,
    gate: (canary: string, baseline: string, _step: number, criteria?: unknown) =>
      withCriteria(run.gate as GateSettings, criteria, (settings) => runGate(settings, canary, baseline, { ...ctx, io: { ...ctx.io, env: run.gateEnv } })),
    ...(run.real ? { real: run.real } : {}),
    deactivateOnRollback: run.deactivateOnRollback,
    ...(run.minReplicas !== undefined ? { minReplicas: run.minReplicas } : {}),
    busyPollMs: run.connection.pollIntervalMs ?? 2000,
    busyTimeoutMs: 10 * 60_000,
  };
  if (run.mode === 'resume' || run.mode === 'abort') {
    const journal = run.journal as Journal;
    const engine = new RolloutEngine(engineDeps, journal, run.snapshot);
    if (TERMINAL.has(journal.state) && (run.mode === 'resume' || journal.state !== 'completed')) return engine.finished();
    return run.mode === 'abort' ? engine.abort() : engine.run();
  }
  const canary = run.canary as ResolvedRevision;
  const baseline = run.baseline as ResolvedRevision;
  const preflight = preflightBoth(run.snapshot, canary.revision.name, baseline.revision.name, run.minReplicas);
  const plan = (): Journal =>
    newJournal({
      app: run.ref,
      armEndpoint: run.connection.endpoint,
      revision: canary.revision.name,
      baseline: baseline.revision.name,
      steps: run.steps,
      criteria: run.gate?.criteria ?? '',
      latestAtStart: run.snapshot.app.latestRevisionName ?? canary.revision.name,
      rollbackPoint: run.rollbackPoint,
    });
  ctx.io.err(
    `revgate: rollout of ${canary.revision.name} on ${run.ref.app} against ${baseline.revision.name}: ${run.steps.map((s) => `${s}%`).join(' -> ')}, ` +
      `hold ${run.holdMs / 1000} s, gate ${run.gate?.criteria}; journal ${run.journalFile}\n`,
  );
  if (run.mode === 'dry-run') {
    const j = plan();
    const calls: ArmCall[] = [
      ...run.steps.map((_, i) => run.arm.describeSetTraffic(run.ref.resourceGroup, run.ref.app, run.snapshot.app.location, stepTable(j, i))),
      run.arm.describeSetTraffic(run.ref.resourceGroup, run.ref.app, run.snapshot.app.location, run.rollbackPoint),
    ];
    calls.forEach((c, i) =>
      ctx.io.out(
        `${i < run.steps.length ? `step ${i + 1} (${run.steps[i]}%)` : 'rollback (on a failed gate)'}: ${c.method} ${c.url}\n  ${JSON.stringify(c.body)}\n`,
      ),
    );
    return { state: 'planned', actions: [], preflight, interrupted: false, notes: [], calls, traffic: run.rollbackPoint };
  }
  if (preflight.some((c) => c.status !== 'passed'))
    return { state: 'preflight-failed', actions: [], preflight, interrupted: false, notes: [], traffic: run.rollbackPoint };
  // The rollback point is on disk before anything changes.
  const journal = plan();
  writeJournal(run.journalPath, journal);
  ctx.io.err(`revgate: rollback point recorded: ${describeTraffic(run.rollbackPoint)}\n`);
  return new RolloutEngine(engineDeps, journal, run.snapshot, preflight).run();
}

const DEFAULT_METRICS_DELAY_MS = 180_000;

function prepareRealTraffic(o: RolloutOptions, gate: GateSettings, problems: Problems): Prepared['real'] {
  let intervalMs: number | undefined;
  if (o.metricsInterval !== undefined) {
    intervalMs = parseIsoInterval(o.metricsInterval);
    if (intervalMs === undefined) problems.add('--metrics-interval', `"${o.metricsInterval}" is not an ISO 8601 interval like PT1M`);
  }
  let delayMs: number | undefined;
  if (o.metricsDelay !== undefined) {
    delayMs = parseDurationMs(o.metricsDelay);
    if (delayMs === undefined) problems.add('--metrics-delay', `"${o.metricsDelay}" is not a duration like 3m or 30s`);
  }
  if (o.metricsEndpoint !== undefined && !/^https:\/\/[^/]+/.test(o.metricsEndpoint)) problems.add('--metrics-endpoint', 'must be an https URL');
  let criteria: unknown;
  try {
    criteria = JSON.parse(readFileSync(gate.criteria, 'utf8')) as unknown;
  } catch {
    return undefined; // the gate's own checks have reported it
  }
  const specs = realTrafficSpecs(criteria);
  if (!specs.length)
    problems.add(
      '--real-traffic',
      `${gate.criteria} has no gate real traffic can judge (untagged http_req_failed, availability or http_5xx thresholds, or an http_req_failed comparison)`,
    );
  const confidence = o.gate.confidence ?? (criteria as { confidence?: number }).confidence ?? 0.95;
  return {
    specs,
    criteria,
    confidence,
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(delayMs !== undefined ? { delayMs } : {}),
    ...(o.metricsEndpoint ? { endpoint: o.metricsEndpoint } : {}),
  };
}

/**
 * The metrics query for --real-traffic. An emulator (the sandbox, or an ARM endpoint on loopback) serves
 * metrics on its ARM endpoint, in 1-second buckets, with its own short ingestion delay; Azure is asked
 * through the regional endpoint in PT1M buckets, allowing 3 minutes for ingestion.
 */
function realTrafficFor(
  r: NonNullable<Prepared['real']>,
  c: ConnectedApp,
  target: ContainerAppTarget | undefined,
  s: AppSnapshot,
  holdMs: number,
  io: Io,
): RealTraffic {
  const emulator = !!target || isLoopbackHost(new URL(c.connection.endpoint).hostname);
  const endpoint = r.endpoint ?? (emulator ? c.connection.endpoint : `https://${s.app.location.replace(/\s+/g, '').toLowerCase()}.metrics.monitor.azure.com`);
  const intervalMs = r.intervalMs ?? (emulator ? 1000 : 60_000);
  const delayMs = r.delayMs ?? target?.metricsDelayMs ?? (emulator ? 2000 : DEFAULT_METRICS_DELAY_MS);
  if (holdMs < intervalMs + delayMs)
    throw usage(
      `--real-traffic needs --hold of at least the metrics interval plus their ingestion delay (${(intervalMs + delayMs) / 1000} s here): a shorter hold never has a complete bucket of real requests to judge`,
    );
  const interval = `PT${intervalMs % 60_000 === 0 ? `${intervalMs / 60_000}M` : `${intervalMs / 1000}S`}`;
  const metrics = createRequestsMetrics({ endpoint, audience: c.connection.endpoint, ...(c.connection.caPem ? { caPem: c.connection.caPem } : {}) });
  io.err(`revgate: real traffic from Azure Monitor at ${endpoint} (Requests per revision, ${interval} buckets, ingestion delay ${delayMs / 1000} s)\n`);
  return {
    query: (fromMs, toMs) => metrics.requests(c.ref, new Date(Math.floor(fromMs / intervalMs) * intervalMs), new Date(toMs), interval),
    specs: r.specs,
    criteria: r.criteria,
    confidence: r.confidence,
    delayMs,
  };
}

/** Runs `fn` with the criteria replaced by `criteria` (written to a temporary file the gate reads), or as they are. */
async function withCriteria<T>(settings: GateSettings, criteria: unknown, fn: (s: GateSettings) => Promise<T>): Promise<T> {
  if (criteria === undefined) return fn(settings);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-criteria-'));
  try {
    const file = path.join(dir, path.basename(settings.criteria));
    writeFileSync(file, JSON.stringify(criteria));
    return await fn({ ...settings, criteria: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
