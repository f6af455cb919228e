/**
 * The rollout's verdict, pure: the preflight, every step's gate (from the journal's history), every ARM
 * change this run made, and the last gate's results (so the verdict names the gate that decided), folded
 * by decide(); the summarizer says where traffic ended and what to do next.
 */
import type { ArmCall } from '../aca/arm.js';
import { describeTraffic } from '../aca/traffic.js';
import type { AppRef, TrafficEntry } from '../aca/types.js';
import { VERSION } from '../core/version.js';
import { decide } from '../verdict/decide.js';
import type { CheckResult, ContainerAppReport, GateResult, RolloutReport, Verdict } from '../verdict/types.js';
import type { Outcome } from './engine.js';
import type { Journal } from './journal.js';
import { stepLabel } from './plan.js';

export interface RolloutVerdictInput {
  ref: AppRef;
  armEndpoint: string;
  journalFile: string;
  revision: string;
  baseline?: string;
  steps: number[];
  rollbackPoint: TrafficEntry[];
  outcome: Outcome;
  startedAt: Date;
  finishedAt: Date;
  canaryUrl?: string;
  containerApp: ContainerAppReport;
  /** The command line that resumes it, for the summary. */
  resumeHint: string;
}

const check = (id: string, title: string, status: CheckResult['status'], message?: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  id,
  title,
  status,
  blocking: true,
  durationMs: 0,
  attempts: 1,
  ...(message ? { error: { message } } : {}),
  ...extra,
});

const held = (id: string, reason: string): GateResult => ({
  id,
  metric: 'rollout',
  expression: 'the rollout can go on',
  blocking: true,
  status: 'inconclusive',
  reason,
});

/** The latest entry per step: an undecided step that passed on resume counts as passed. */
function lastPerStep(history: Journal['history']): Journal['history'] {
  const last = new Map<number, Journal['history'][number]>();
  for (const h of history) last.set(h.step, h);
  return [...last.values()].sort((a, b) => a.step - b.step);
}

export function rolloutVerdict(x: RolloutVerdictInput): Verdict {
  const o = x.outcome;
  const j = o.journal;
  const checks: CheckResult[] = [...o.preflight];
  const gates: GateResult[] = [];
  for (const h of lastPerStep(j?.history ?? [])) {
    const title = `Gate at step ${h.step}/${x.steps.length} (${h.weight}% to ${x.revision})`;
    if (h.verdict === 'pass') checks.push(check(`gate-step-${h.step}`, title, 'passed', undefined, { labels: { summary: h.summary } }));
    else if (h.verdict === 'fail') checks.push(check(`gate-step-${h.step}`, title, 'failed', h.summary));
    else if (h.verdict === 'error') checks.push(check(`gate-step-${h.step}`, title, 'error', h.summary));
  }
  for (const a of o.actions) {
    const id = a.kind === 'rollback' ? 'rollback' : a.kind === 'deactivate' ? 'deactivate-canary' : `traffic-step-${a.step + 1}`;
    const title =
      a.kind === 'rollback'
        ? `Restore the rollback point (${describeTraffic(x.rollbackPoint)})`
        : a.kind === 'deactivate'
          ? `Deactivate ${x.revision}`
          : `Set traffic for ${stepLabel(x.steps, a.step)}: ${describeTraffic(a.traffic ?? [])}`;
    checks.push(check(id, title, a.ok ? 'passed' : 'error', a.ok ? undefined : a.message, { durationMs: a.durationMs, blocking: a.kind !== 'deactivate' }));
  }
  if (o.gate) gates.push(...o.gate.verdict.gates);
  // Real-traffic evidence, reported apart from the synthetic gates (ids real:...). One it could not decide was
  // left to the synthetic gate, so it does not hold the verdict.
  if (o.real)
    gates.push(...o.real.map((g) => (g.status === 'inconclusive' ? { ...g, blocking: false, reason: `${g.reason} (left to the synthetic gate)` } : g)));
  const state = o.state;
  const ended = j?.state;
  if ((ended === 'rolled-back' || ended === 'aborted') && !checks.some((c) => c.status === 'failed'))
    checks.push(check('rollback-reason', ended === 'aborted' ? 'Aborted by hand' : 'Rolled back', 'failed', j?.reason ?? o.reason));
  if (ended === 'stopped' || (state !== 'error' && ended === 'holding' && !gates.some((g) => g.status === 'inconclusive')))
    gates.push(held(ended === 'stopped' ? 'rollout-guard' : 'rollout-held', j?.reason ?? o.reason ?? 'held'));
  if (state === 'planned')
    checks.push(check('plan', `Plan ${x.steps.map((s) => `${s}%`).join(' -> ')} (${o.calls?.length ?? 0} ARM calls printed; nothing changed)`, 'passed'));

  const report: RolloutReport = {
    revision: x.revision,
    ...(x.baseline ? { baseline: x.baseline } : {}),
    steps: x.steps,
    state: state === 'planned' ? 'planned' : state === 'preflight-failed' ? 'not-started' : (ended ?? 'not-started'),
    ...(j && j.step >= 0 ? { step: { index: j.step + 1, weight: x.steps[j.step] as number } } : {}),
    rollbackPoint: x.rollbackPoint,
    ...(o.traffic ? { finalTraffic: o.traffic } : {}),
    journal: x.journalFile,
    history: j?.history ?? [],
    ...(o.calls ? { calls: o.calls.map((c: ArmCall) => ({ method: c.method, url: c.url, ...(c.body !== undefined ? { body: c.body } : {}) })) } : {}),
  };
  return decide({
    kind: 'rollout',
    target: { baseUrl: x.canaryUrl ?? x.armEndpoint, service: x.ref.app, revision: x.revision },
    startedAt: x.startedAt,
    finishedAt: x.finishedAt,
    checks,
    gates,
    ...(o.error ? { harnessError: o.error } : {}),
    version: VERSION,
    summarize: (v) => ({ summary: summary(v, x, report), containerApp: x.containerApp, rollout: report }),
  });
}

function summary(v: Verdict, x: RolloutVerdictInput, r: RolloutReport): string {
  const o = x.outcome;
  const where = `rollout of ${x.revision} on ${x.ref.app} in ${(v.durationMs / 1000).toFixed(1)} s`;
  const traffic = o.traffic ? describeTraffic(o.traffic) : '(not read)';
  const at = r.step ? `step ${r.step.index}/${x.steps.length} (${r.step.weight}%)` : 'the rollback point';
  const failedGate = o.gate?.verdict.gates.find((g) => g.blocking && g.status === 'failed');
  const gateWhy = failedGate ? `: gate ${failedGate.id} failed (${failedGate.reason})` : '';
  const reason = o.journal?.reason ?? o.reason ?? '';
  switch (o.state) {
    case 'planned':
      return `${v.verdict === 'pass' ? 'PASS' : 'FAIL'}: dry run, preflight ${v.verdict === 'pass' ? 'passed' : 'failed'}; ${o.calls?.length ?? 0} ARM calls printed, nothing changed - ${where}`;
    case 'preflight-failed':
      return `FAIL: preflight: ${v.reasons[0] ?? 'a revision is not ready'}; no traffic was changed - ${where}`;
    case 'completed':
      return `PASS: ${x.revision} rolled out ${x.steps.map((s) => `${s}%`).join(' -> ')}, every gate passed; traffic ${traffic} - ${where}`;
    case 'rolled-back':
    case 'aborted':
      return `FAIL: ${reason}${gateWhy}; traffic restored to the rollback point: ${traffic} - ${where}`;
    case 'stopped':
      return `INCONCLUSIVE: stopped at ${at}: ${reason} - hold; ${where}`;
    case 'holding':
    case 'running':
      return `INCONCLUSIVE: holding at ${at}: ${o.gate && o.gate.verdict.verdict !== 'pass' ? o.gate.verdict.summary : reason}; resume: ${x.resumeHint} - hold; ${where}`;
    case 'error':
      return `${v.verdict === 'fail' ? 'FAIL' : 'ERROR'}: ${o.error ?? 'could not finish'}${v.verdict === 'fail' ? gateWhy : ''}; traffic now ${traffic}; the journal keeps the state: ${x.resumeHint} - ${where}`;
  }
}
