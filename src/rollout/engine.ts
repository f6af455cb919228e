/**
 * The rollout itself (the provider): for each step, write the intent, set the complete traffic table
 * through ARM and wait until ARM confirms it, hold, run the canary gate; on a failed gate restore the
 * rollback point; on an undecided one hold at the step (resumable). Before every change it reads ARM
 * again and stops if a newer revision appeared, if someone else changed the traffic, or if ARM says
 * the canary is no longer healthy (which is a failure: rolled back).
 *
 * A signal never interrupts an ARM write: the change in flight is finished and confirmed, then the run
 * stops holding at that step. A killed run leaves the journal's intent; the next start reconciles it.
 */
import { ArmError, type ArmCall, type ContainerAppsArm } from '../aca/arm.js';
import { preflightCheck, preflightProblems } from '../aca/preflight.js';
import { describeTraffic, sameTraffic, weightOf } from '../aca/traffic.js';
import type { AppSnapshot, RevisionInfo, TrafficEntry } from '../aca/types.js';
import type { Io } from '../core/io.js';
import type { CheckResult, GateResult, Verdict } from '../verdict/types.js';
import { countsOf, criteriaWithout, evaluateRealTraffic, type RealSpec } from '../aca/real-traffic.js';
import type { RequestBucket } from '../aca/real-traffic-types.js';
import { TERMINAL, writeJournal, type Journal, type RolloutState } from './journal.js';
import { armTraffic, newerRevision, reconcile, stepLabel, stepTable } from './plan.js';

export type Mode = 'start' | 'resume' | 'abort' | 'dry-run';

export interface Action {
  kind: 'step' | 'rollback' | 'deactivate';
  step: number;
  traffic?: TrafficEntry[];
  ok: boolean;
  message: string;
  durationMs: number;
}

export interface Outcome {
  /** What the journal says now (or would say: dry run). */
  state: RolloutState | 'planned' | 'preflight-failed' | 'error';
  journal?: Journal;
  /** The gate run that decided this run (the last one). */
  gate?: { step: number; verdict: Verdict };
  /** The real-traffic gates of the last step judged on real traffic. */
  real?: GateResult[];
  /** Passed steps this run gated (earlier ones are in the journal's history). */
  actions: Action[];
  preflight: CheckResult[];
  /** revgate could not finish (an ARM failure mid-way, a gate that could not evaluate). */
  error?: string;
  /** Why it stopped or rolled back, when no gate says it. */
  reason?: string;
  interrupted: boolean;
  notes: string[];
  calls?: ArmCall[];
  /** What ARM held last. */
  traffic?: TrafficEntry[];
}

/** Real-traffic evidence (--real-traffic): Azure Monitor's Requests for the hold, judged before the synthetic gate. */
export interface RealTraffic {
  /** Buckets of Requests per revision and status code category in [fromMs, toMs). */
  query(fromMs: number, toMs: number): Promise<RequestBucket[]>;
  specs: RealSpec[];
  /** The criteria document the specs came from (what is left of it goes to the synthetic gate). */
  criteria: unknown;
  confidence: number;
  /** Azure Monitor's ingestion delay: the last delayMs of the hold are not visible yet. */
  delayMs: number;
}

export interface EngineDeps {
  arm: ContainerAppsArm;
  journalFile: string;
  io: Io;
  signal: AbortSignal;
  holdMs: number;
  /** Runs the gate of one step (src/rollout/gate-step.ts), with other criteria than the rollout's when given. */
  gate: (canaryUrl: string, baselineUrl: string, step: number, criteria?: unknown) => Promise<Verdict>;
  real?: RealTraffic;
  deactivateOnRollback: boolean;
  minReplicas?: number;
  /** How often to read ARM again while an operation on the app is still running, and for how long. */
  busyPollMs: number;
  busyTimeoutMs: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

export class RolloutEngine {
  readonly #d: EngineDeps;
  #j: Journal;
  #snapshot: AppSnapshot;
  readonly #out: Outcome;

  constructor(deps: EngineDeps, journal: Journal, snapshot: AppSnapshot, preflight: CheckResult[] = []) {
    this.#d = deps;
    this.#j = journal;
    this.#snapshot = snapshot;
    this.#out = { state: journal.state, journal, actions: [], preflight, interrupted: false, notes: [] };
  }

  #say(s: string): void {
    this.#d.io.err(`revgate: ${s}\n`);
  }

  #save(changes: Partial<Journal>): void {
    this.#j = { ...this.#j, ...changes };
    if (changes.intent === undefined && 'intent' in changes) delete this.#j.intent;
    writeJournal(this.#d.journalFile, this.#j);
    this.#out.journal = this.#j;
    this.#out.state = this.#j.state;
  }

  #end(extra: Partial<Outcome> = {}): Outcome {
    Object.assign(this.#out, extra);
    this.#out.journal = this.#j;
    this.#out.traffic = armTraffic(this.#snapshot);
    return this.#out;
  }

  #fail(err: unknown, doing: string): Outcome {
    if (!(err instanceof ArmError)) throw err;
    this.#say(`${doing} failed: ${err.message}`);
    return this.#end({ state: 'error', error: `${doing}: ${err.message}` });
  }

  async #read(): Promise<AppSnapshot> {
    const started = Date.now();
    for (;;) {
      this.#snapshot = await this.#d.arm.snapshot(this.#j.app.resourceGroup, this.#j.app.app);
      const r = reconcile(this.#j, this.#snapshot);
      if (r.kind !== 'busy' || Date.now() - started > this.#d.busyTimeoutMs) return this.#snapshot;
      // An operation on the app is still running (possibly the change a killed run sent): let it finish.
      await sleep(this.#d.busyPollMs);
    }
  }

  #canary(): RevisionInfo | undefined {
    return this.#snapshot.revisions.find((r) => r.name === this.#j.revision);
  }

  #urls(): { canary: string; baseline: string } | undefined {
    const fqdn = (name: string): string | undefined => this.#snapshot.revisions.find((r) => r.name === name)?.fqdn;
    const c = fqdn(this.#j.revision);
    const b = fqdn(this.#j.baseline);
    return c && b ? { canary: `https://${c}`, baseline: `https://${b}` } : undefined;
  }

  /** Sets a table through ARM with the intent journaled first; true once ARM confirmed it. */
  async #apply(kind: 'step' | 'rollback', step: number, traffic: TrafficEntry[]): Promise<true | Outcome> {
    const label = kind === 'rollback' ? 'rollback' : stepLabel(this.#j.steps, step);
    this.#save({ intent: { kind, step, traffic, at: new Date().toISOString() } });
    this.#say(`${label}: setting traffic ${describeTraffic(traffic)}`);
    const started = Date.now();
    try {
      const after = await this.#d.arm.setTraffic(this.#j.app.resourceGroup, this.#j.app.app, this.#snapshot.app.location, traffic);
      this.#snapshot = { ...this.#snapshot, app: after };
    } catch (err) {
      this.#out.actions.push({ kind, step, traffic, ok: false, message: err instanceof Error ? err.message : String(err), durationMs: Date.now() - started });
      return this.#fail(err, `setting the traffic for ${label}`);
    }
    const confirmed = armTraffic(this.#snapshot);
    if (!sameTraffic(confirmed, traffic)) {
      const reason = `ARM confirmed the change for ${label} with another table (${describeTraffic(confirmed)}): something else changed the traffic at the same time`;
      this.#out.actions.push({ kind, step, traffic, ok: false, message: reason, durationMs: Date.now() - started });
      this.#save({ state: 'stopped', reason });
      return this.#end({ reason });
    }
    this.#out.actions.push({ kind, step, traffic, ok: true, message: `set in ${fmtMs(Date.now() - started)}`, durationMs: Date.now() - started });
    this.#say(`${label}: ARM confirmed the traffic in ${fmtMs(Date.now() - started)}`);
    this.#save({ applied: traffic, step: kind === 'rollback' ? -1 : step, intent: undefined });
    return true;
  }

  /** Restores the rollback point (a failed gate, an unhealthy canary, --abort). */
  async #rollback(final: 'rolled-back' | 'aborted', reason: string): Promise<Outcome> {
    this.#say(`${final === 'aborted' ? 'aborting' : 'rolling back'}: ${reason}`);
    this.#j = { ...this.#j, reason };
    if (!sameTraffic(armTraffic(this.#snapshot), this.#j.rollbackPoint) || this.#j.intent) {
      const applied = await this.#apply('rollback', -1, this.#j.rollbackPoint);
      if (applied !== true) return applied.state === 'error' ? { ...applied, error: `ROLLBACK NOT DONE: ${applied.error}` } : applied;
    }
    this.#save({ state: final, step: -1, reason });
    if (this.#d.deactivateOnRollback && final === 'rolled-back') {
      const started = Date.now();
      try {
        await this.#d.arm.deactivateRevision(this.#j.app.resourceGroup, this.#j.app.app, this.#j.revision);
        this.#out.actions.push({ kind: 'deactivate', step: -1, ok: true, message: `deactivated ${this.#j.revision}`, durationMs: Date.now() - started });
        this.#say(`deactivated ${this.#j.revision}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.#out.actions.push({ kind: 'deactivate', step: -1, ok: false, message, durationMs: Date.now() - started });
        this.#say(`could not deactivate ${this.#j.revision} (the traffic is restored): ${message}`);
      }
    }
    return this.#end({ reason });
  }

  /** Stops without changing anything: a person has to look. */
  #stop(reason: string): Outcome {
    this.#say(`stopped: ${reason}`);
    this.#save({ state: 'stopped', reason });
    return this.#end({ reason });
  }

  /** Reads ARM and checks the guards; undefined to go on, else how the run ends. */
  async #guard(): Promise<Outcome | undefined> {
    try {
      await this.#read();
    } catch (err) {
      return this.#fail(err, 'reading the container app');
    }
    const newer = newerRevision(this.#j, this.#snapshot);
    if (newer)
      return this.#stop(
        `a newer revision ${newer.name} (created ${newer.createdTime ?? 'recently'}) appeared during the rollout of ${this.#j.revision}: the gate results are not about what will be served. Traffic is left as it is; --abort restores the rollback point, or start a rollout of ${newer.name}`,
      );
    const r = reconcile(this.#j, this.#snapshot);
    if (r.kind === 'busy') return this.#stop('an operation on the container app is still running after waiting for it');
    if (r.kind === 'drift') return this.#stop(`${r.reason}. Nothing was changed; --abort restores the rollback point`);
    this.#out.notes.push(...r.notes);
    for (const n of r.notes) this.#say(n);
    if (r.journal !== this.#j) this.#save({ ...r.journal, intent: r.journal.intent });
    const canary = this.#canary();
    const problems = canary
      ? preflightProblems(canary, this.#d.minReplicas !== undefined ? { minReplicas: this.#d.minReplicas } : {})
      : ['ARM no longer lists it'];
    if (problems.length) return this.#rollback('rolled-back', `ARM reports the canary ${this.#j.revision} is not fit to serve: ${problems.join('; ')}`);
    return undefined;
  }

  /** Runs from wherever the journal says the rollout is. */
  async run(): Promise<Outcome> {
    if (this.#j.intent?.kind === 'rollback') {
      const r = await this.#read().catch((err: unknown) => err);
      if (r instanceof Error) return this.#fail(r, 'reading the container app');
      const rec = reconcile(this.#j, this.#snapshot);
      if (rec.kind === 'ok') this.#save({ ...rec.journal, intent: rec.journal.intent });
      return this.#rollback('rolled-back', this.#j.reason ?? 'finishing the rollback the previous run started');
    }
    for (;;) {
      const stop = await this.#guard();
      if (stop) return stop;
      // History counts steps from 1, as people do; the journal's step is an index.
      const passed = this.#j.history.some((h) => h.step === this.#j.step + 1 && h.verdict === 'pass');
      const i = this.#j.step < 0 ? 0 : passed ? this.#j.step + 1 : this.#j.step;
      if (i >= this.#j.steps.length) {
        this.#say(`rollout of ${this.#j.revision} completed: ${describeTraffic(this.#j.applied)}`);
        this.#save({ state: 'completed' });
        return this.#end();
      }
      const label = stepLabel(this.#j.steps, i);
      const table = stepTable(this.#j, i);
      if (!sameTraffic(armTraffic(this.#snapshot), table) || this.#j.step !== i) {
        const applied = await this.#apply('step', i, table);
        if (applied !== true) return applied;
      }
      if (this.#j.state !== 'running') this.#save({ state: 'running' });
      if (this.#d.signal.aborted) return this.#hold(label, 'interrupted before the gate');
      // Real traffic is counted from here: no synthetic request is sent before the hold ends.
      const holdStartedAt = Date.now();
      if (this.#d.holdMs > 0) {
        this.#say(`${label}: holding ${fmtMs(this.#d.holdMs)} before the gate`);
        await sleep(this.#d.holdMs, this.#d.signal);
        if (this.#d.signal.aborted) return this.#hold(label, 'interrupted during the hold');
        const stopped = await this.#guard();
        if (stopped) return stopped;
      }
      let criteria: unknown;
      let real: { gates: GateResult[]; requests: number } | undefined;
      if (this.#d.real) {
        const judged = await this.#realTraffic(i, holdStartedAt);
        if ('outcome' in judged) return judged.outcome;
        real = judged;
        const passed = this.#d.real.specs.filter((sp) => judged.gates.some((g) => g.id === sp.id && g.status === 'passed'));
        const left = criteriaWithout(this.#d.real.criteria, passed);
        if (left.empty) {
          const summary = `decided by real traffic alone (${passed.map((sp) => sp.id).join(', ')} passed on ${judged.requests.toLocaleString('en-US')} real canary requests): no synthetic traffic needed`;
          this.#say(`${label}: ${summary}`);
          this.#save({
            history: [
              ...this.#j.history,
              { step: i + 1, weight: this.#j.steps[i] as number, verdict: 'pass', summary, at: new Date().toISOString(), synthetic: 0, real: judged.requests },
            ],
          });
          continue;
        }
        if (passed.length) {
          criteria = left.doc;
          this.#say(`${label}: real traffic passed ${passed.map((sp) => sp.id).join(', ')}; the synthetic gate judges the rest`);
        }
      }
      const urls = this.#urls();
      if (!urls) return this.#stop(`ARM lists no FQDN for ${this.#j.revision} or ${this.#j.baseline}: the gate cannot reach them`);
      this.#say(`${label}: gate ${this.#j.revision} against ${this.#j.baseline}`);
      let v: Verdict;
      try {
        v = await this.#d.gate(urls.canary, urls.baseline, i, criteria);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.#save({
          state: 'holding',
          history: [...this.#j.history, { step: i + 1, weight: this.#j.steps[i] as number, verdict: 'error', summary: message, at: new Date().toISOString() }],
        });
        return this.#end({ state: 'error', error: `the gate of ${label} could not run: ${message}`, gate: undefined });
      }
      this.#out.gate = { step: i, verdict: v };
      this.#say(`${label}: gate ${v.verdict}: ${v.summary}`);
      this.#save({
        history: [
          ...this.#j.history,
          {
            step: i + 1,
            weight: this.#j.steps[i] as number,
            verdict: v.verdict,
            summary: v.summary,
            at: new Date().toISOString(),
            ...(v.canary ? { synthetic: v.canary.requests.canary } : {}),
            ...(real ? { real: real.requests } : {}),
          },
        ],
      });
      if (v.verdict === 'fail') {
        const failed = v.gates.filter((g) => g.blocking && g.status === 'failed').map((g) => g.id);
        return this.#rollback('rolled-back', `the gate of ${label} failed${failed.length ? ` (${failed.join(', ')})` : ''}`);
      }
      if (v.verdict !== 'pass') {
        this.#save({ state: 'holding', reason: `the gate of ${label} was ${v.verdict}` });
        this.#say(`${label}: holding at ${this.#j.steps[i]}% (resume with --resume)`);
        return this.#end({
          interrupted: this.#d.signal.aborted,
          ...(v.verdict === 'error' ? { state: 'error' as const, error: `the gate of ${label} could not evaluate: ${v.summary}` } : {}),
        });
      }
      // The history says this step passed; the loop reads ARM again and moves on.
    }
  }

  /** Judges the step on what Azure Monitor reports for the hold; a failed real-traffic gate rolls back. */
  async #realTraffic(i: number, holdStartedAt: number): Promise<{ gates: GateResult[]; requests: number } | { outcome: Outcome }> {
    const real = this.#d.real as RealTraffic;
    const label = stepLabel(this.#j.steps, i);
    const visibleTo = Date.now() - real.delayMs;
    let buckets: RequestBucket[];
    try {
      buckets = visibleTo > holdStartedAt ? await real.query(holdStartedAt, Date.now()) : [];
    } catch (err) {
      if (!(err instanceof ArmError)) throw err;
      // Metrics that cannot be read leave the decision to the synthetic gate, as without --real-traffic.
      this.#say(`${label}: real traffic not available (${err.message}); the synthetic gate judges the step alone`);
      this.#out.notes.push(`${label}: real traffic not available: ${err.message}`);
      return { gates: [], requests: 0 };
    }
    const window = `from ${new Date(holdStartedAt).toISOString()} (the hold; ingestion delay ${fmtMs(real.delayMs)})`;
    const canary = countsOf(buckets, this.#j.revision, holdStartedAt);
    const baseline = countsOf(buckets, this.#j.baseline, holdStartedAt);
    const gates = evaluateRealTraffic(real.specs, { canary, baseline }, real.confidence, window);
    this.#out.real = gates;
    this.#say(
      `${label}: real traffic: ${gates.map((g) => `${g.id} ${g.status}`).join(', ') || 'no gate it can judge'} (${canary.total} canary, ${baseline.total} baseline requests)`,
    );
    const failed = gates.filter((g) => g.blocking && g.status === 'failed');
    if (failed.length) {
      const summary = `real traffic failed ${failed.map((g) => `${g.id} (${g.reason})`).join('; ')}`;
      this.#save({
        history: [
          ...this.#j.history,
          { step: i + 1, weight: this.#j.steps[i] as number, verdict: 'fail', summary, at: new Date().toISOString(), synthetic: 0, real: canary.total },
        ],
      });
      return { outcome: await this.#rollback('rolled-back', `real traffic at ${label} failed (${failed.map((g) => g.id).join(', ')})`) };
    }
    return { gates, requests: canary.total };
  }

  #hold(label: string, why: string): Outcome {
    this.#say(`${label}: ${why}; holding at ${weightOf(this.#j.applied, this.#j.revision)}% (resume with --resume)`);
    this.#save({ state: 'holding', reason: `${why} at ${label}` });
    return this.#end({ interrupted: true, reason: `${why} at ${label}` });
  }

  /** --abort: restore the rollback point whatever the step; ARM's current traffic is noted, not obeyed. */
  async abort(): Promise<Outcome> {
    try {
      await this.#read();
    } catch (err) {
      return this.#fail(err, 'reading the container app');
    }
    const r = reconcile(this.#j, this.#snapshot);
    if (r.kind === 'drift') this.#out.notes.push(`${r.reason}; restoring the rollback point as asked`);
    if (r.kind === 'ok') this.#save({ ...r.journal, intent: r.journal.intent });
    return this.#rollback('aborted', `aborted by hand at ${this.#j.step >= 0 ? stepLabel(this.#j.steps, this.#j.step) : 'the start'}`);
  }

  /** A rollout that ended before: what ARM shows now is checked against how it ended. */
  async finished(): Promise<Outcome> {
    try {
      await this.#read();
    } catch (err) {
      return this.#fail(err, 'reading the container app');
    }
    const arm = armTraffic(this.#snapshot);
    const expected = this.#j.state === 'completed' ? this.#j.applied : this.#j.rollbackPoint;
    const note = sameTraffic(arm, expected)
      ? `this rollout already ended ${this.#j.state}; ARM still shows ${describeTraffic(arm)}`
      : `this rollout already ended ${this.#j.state}, but ARM now shows ${describeTraffic(arm)} (it left ${describeTraffic(expected)}): something changed it since`;
    this.#out.notes.push(note);
    this.#say(note);
    return this.#end({ ...(this.#j.reason ? { reason: this.#j.reason } : {}) });
  }
}

/** The first journal of a rollout, once preflight passed. */
export function newJournal(init: Omit<Journal, 'version' | 'createdAt' | 'updatedAt' | 'state' | 'step' | 'applied' | 'history'>): Journal {
  const now = new Date().toISOString();
  return { version: 1, ...init, createdAt: now, updatedAt: now, state: 'running', step: -1, applied: init.rollbackPoint, history: [] };
}

/** The preflight checks of the canary and baseline from a snapshot. */
export function preflightBoth(s: AppSnapshot, canary: string, baseline: string, minReplicas?: number): CheckResult[] {
  const find = (n: string): RevisionInfo | undefined => s.revisions.find((r) => r.name === n);
  const options = minReplicas !== undefined ? { minReplicas } : {};
  return [
    ...(find(canary) ? [preflightCheck(find(canary) as RevisionInfo, 'canary', options)] : []),
    ...(find(baseline) ? [preflightCheck(find(baseline) as RevisionInfo, 'baseline', options)] : []),
  ];
}

export { TERMINAL };
