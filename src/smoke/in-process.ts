/**
 * Declared checks without Playwright: a suite with no hand-written spec runs its checks in revgate's own process,
 * through the same code a Playwright worker runs (runDeclaredCheck over undici, evaluate, cleanup), and hands the
 * verdict the same RawResults the Playwright reporter writes. Why: the Playwright runner and its worker cost
 * ~280 MB and a few seconds of start-up before the first request, for checks that never touch a browser.
 *
 * Semantics kept from the Playwright run: `--workers` checks at a time, `--retries` per check (a pass on retry is
 * flaky, and keeps the failure), `--grep` on "[id] title @tags", each check's time limit from its request budgets
 * (budget.ts), cleanup after every attempt whatever happened. An interrupt ends the requests in flight (their
 * checks are `interrupted`, so errors, never failures), still runs their cleanup, and starts nothing new.
 */
import type { Agent } from 'undici';
import type { CheckConfig } from '../config/types.js';
import type { Io } from '../core/io.js';
import { trustedCas } from '../http/ca-file.js';
import { createHttpAgent } from '../http/exchange.js';
import { latencyText, timingText } from '../report/timing.js';
import { CleanupRegistry, mergeCleanup, type CleanupReport } from './cleanup.js';
import { testTimeoutMs } from './budget.js';
import { Annotation, declaredTestTitle, progressMark } from './conventions.js';
import type { RawResults, RawTest } from './raw-results.js';
import { runDeclaredCheck, type CheckOutcome } from './run-check.js';
import type { PlannedCheck, RunContext } from './run-context.js';

export interface InProcessOptions {
  ctx: RunContext;
  io: Io;
  signal: AbortSignal;
  workers: number;
  retries: number;
  grep?: string;
  /** Extra CAs (PEM) to trust besides Node's store and NODE_EXTRA_CA_CERTS. */
  caPems: readonly string[];
}

type Try = NonNullable<RawTest['tries']>[number];

/** How checks reach the target: one keep-alive agent for the run, and the trust list it was built with (for the TLS check). */
interface Transport {
  http: Agent;
  ca?: readonly string[];
}

const INTERRUPTED = 'not measured: the run was interrupted';

/** `[id] title @tag`: what --grep matches, as Playwright matched the title with its tags. */
function grepText(check: CheckConfig): string {
  const tags = (check.tags ?? []).map((t) => (t.startsWith('@') ? t : `@${t}`));
  return [declaredTestTitle(check), ...tags].join(' ');
}

export async function runDeclaredInProcess(o: InProcessOptions): Promise<RawResults> {
  const started = new Date();
  const grep = o.grep ? new RegExp(o.grep) : undefined;
  const planned = o.ctx.planned.filter((p) => !grep || grep.test(grepText(p.check)));
  const workers = Math.max(1, Math.min(o.workers, planned.length || 1));
  o.io.out(`revgate: running ${planned.length} check${planned.length === 1 ? '' : 's'} in-process, ${workers} at a time\n`);

  const ca = trustedCas(o.caPems, o.io.env);
  const http = createHttpAgent(ca);
  const transport: Transport = { http, ...(ca ? { ca } : {}) };
  const tests: RawTest[] = new Array<RawTest>(planned.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= planned.length) return;
      const p = planned[i] as PlannedCheck;
      const test = o.signal.aborted ? notRun(p.check) : await runOne(p, transport, o);
      tests[i] = test;
      done++;
      progress(o.io, test, done, planned.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await http.destroy();
  }
  const interrupted = o.signal.aborted;
  return {
    status: interrupted ? 'interrupted' : tests.some((t) => t.outcome === 'unexpected') ? 'failed' : 'passed',
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    globalErrors: [],
    tests,
  };
}

/** One check, with its retries: what the Playwright reporter would have written for it. */
async function runOne(p: PlannedCheck, transport: Transport, o: InProcessOptions): Promise<RawTest> {
  const { check } = p;
  const base = baseTest(check);
  if (p.skip) return { ...base, annotations: [...base.annotations, { type: 'skip', description: p.skip }] };

  const tries: Try[] = [];
  const cleanups: Array<CleanupReport | undefined> = [];
  let last: { status: string; outcome?: CheckOutcome; error?: string } | undefined;
  const defaults = o.ctx.resolved.config.defaults ?? {};
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0 && o.signal.aborted) break;
    const startedAt = new Date();
    const t0 = performance.now();
    const attemptRun = await runAttempt(check, transport, o, testTimeoutMs(check, defaults));
    const durationMs = performance.now() - t0;
    cleanups.push(attemptRun.cleanup.tasks.length ? attemptRun.cleanup : undefined);
    last = attemptRun;
    const failed = attemptRun.status !== 'passed' && attemptRun.status !== 'skipped';
    const message = failed ? (attemptRun.outcome?.message ?? attemptRun.error) : undefined;
    tries.push({
      status: attemptRun.status,
      durationMs,
      startedAt: startedAt.toISOString(),
      ...(attemptRun.outcome?.latencyMs !== undefined ? { latencyMs: attemptRun.outcome.latencyMs } : {}),
      ...(message ? { message } : {}),
    });
    if (!failed || attemptRun.status === 'interrupted') break;
    if (attempt < o.retries && !o.signal.aborted) o.io.out(`  retry ${base.title} (attempt ${attempt + 1} ${attemptRun.status})\n`);
  }
  const final = last as NonNullable<typeof last>;
  const outcome = final.outcome;
  const passedAfterFailing = final.status === 'passed' && tries.length > 1;
  const annotations = [...base.annotations];
  if (final.status === 'skipped' && outcome?.skip) annotations.push({ type: 'skip', description: outcome.skip });
  if (outcome?.latencyMs !== undefined && final.status !== 'skipped')
    annotations.push({
      type: Annotation.latency,
      description: `${latencyText({ ...outcome, latencyMs: outcome.latencyMs })}; the test's duration is its wall time`,
    });
  if (outcome?.phase === 'degraded') annotations.push({ type: Annotation.degraded, description: outcome.message ?? 'over the warning budget' });
  if (outcome?.phase === 'error' && final.status !== 'interrupted')
    annotations.push({ type: Annotation.error, description: outcome.message ?? 'could not evaluate' });
  // revgate itself failed to run the check (it threw: nothing measured): an error, never a failure of the revision.
  if (!outcome && final.status === 'failed' && final.error) annotations.push({ type: Annotation.error, description: final.error });
  const cleanup = mergeCleanup(cleanups);
  const error =
    final.status === 'timedOut' ? final.error : final.status === 'failed' || final.status === 'interrupted' ? (outcome?.message ?? final.error) : undefined;
  return {
    ...base,
    outcome: final.status === 'skipped' ? 'skipped' : final.status === 'passed' ? (passedAfterFailing ? 'flaky' : 'expected') : 'unexpected',
    lastStatus: final.status,
    attempts: tries.length,
    durationMs: tries.reduce((sum, t) => sum + t.durationMs, 0),
    ...(tries[0]?.startedAt ? { startedAt: tries[0].startedAt } : {}),
    errors: error ? [error] : [],
    annotations,
    ...(outcome ? { declared: outcome } : {}),
    tries,
    ...(cleanup ? { cleanup } : {}),
  };
}

/**
 * One attempt: the check under its time limit, then its cleanup (never interrupted: what was created is deleted
 * even after a signal). Status as Playwright names it: passed | failed | timedOut | skipped | interrupted.
 */
async function runAttempt(
  check: CheckConfig,
  { http, ca }: Transport,
  o: InProcessOptions,
  limitMs: number,
): Promise<{ status: string; outcome?: CheckOutcome; error?: string; cleanup: CleanupReport }> {
  const cleanup = new CleanupRegistry();
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  o.signal.addEventListener('abort', onInterrupt, { once: true });
  if (o.signal.aborted) stop.abort();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, limitMs);
  let outcome: CheckOutcome | undefined;
  let error: string | undefined;
  try {
    outcome = await runDeclaredCheck(check, { http, ctx: o.ctx, cleanup, signal: stop.signal, ...(ca ? { ca } : {}) });
  } catch (err) {
    error = o.ctx.redactor.mask(`the check could not run: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', onInterrupt);
  }
  const report = o.ctx.redactor.maskDeep(await cleanup.runAll());
  let status: string;
  if (timedOut) status = 'timedOut';
  // Cut by the interrupt: nothing was measured, so an error (never a failure); a failure decided before it stands.
  else if (o.signal.aborted && (error !== undefined || JSON.stringify(outcome ?? {}).includes(INTERRUPTED))) status = 'interrupted';
  else if (error !== undefined) status = 'failed';
  else if (outcome?.skip !== undefined) status = 'skipped';
  else status = outcome?.phase === 'failed' || outcome?.phase === 'error' ? 'failed' : 'passed';
  // A failed cleanup fails the attempt, as the Playwright fixture's teardown does.
  if (report.failures.length && (status === 'passed' || status === 'skipped')) {
    status = 'failed';
    error = `cleanup failed, test data may be left behind: ${report.failures.map((f) => `${f.description}: ${f.message}`).join('; ')}`;
  }
  if (timedOut) error = `Test timeout of ${limitMs}ms exceeded.`;
  return { status, ...(outcome ? { outcome } : {}), ...(error ? { error } : {}), cleanup: report };
}

function baseTest(check: CheckConfig): RawTest {
  return {
    title: declaredTestTitle(check),
    file: 'declared',
    project: 'declared',
    outcome: 'skipped',
    lastStatus: 'skipped',
    attempts: 0,
    durationMs: 0,
    errors: [],
    annotations: [
      { type: Annotation.id, description: check.id },
      ...(check.blocking === false ? [{ type: Annotation.nonBlocking }] : []),
      ...(check.severity ? [{ type: Annotation.severity, description: check.severity }] : []),
    ],
    tags: (check.tags ?? []).map((t) => (t.startsWith('@') ? t : `@${t}`)),
  };
}

/** A check the interrupt came before: not run, said so. */
function notRun(check: CheckConfig): RawTest {
  const base = baseTest(check);
  return { ...base, annotations: [...base.annotations, { type: 'skip', description: 'not run: the run was interrupted' }] };
}

function progress(io: Io, t: RawTest, done: number, total: number): void {
  const degraded = t.annotations.some((a) => a.type === Annotation.degraded);
  const mark = progressMark(t.outcome, degraded);
  io.out(
    `  ${mark} ${t.title}  ${timingText({ latencyMs: t.declared?.latencyMs, connectMs: t.declared?.connectMs, durationMs: t.durationMs })}  [${done}/${total}]\n`,
  );
}
