import type { Dispatcher } from 'undici';
import type { CheckConfig, RequestSpec, StepConfig } from '../config/types.js';
import { evaluateHttp, evaluateTls, foldPhases, getPath, requestLatencyMs } from '../evaluate/index.js';
import type { AssertionResult, HttpExpectations, HttpMeasurement, Phase } from '../evaluate/types.js';
import { toCurl } from '../http/curl.js';
import { measureHttp } from '../http/exchange.js';
import { redirectAssertion } from '../http/redirects.js';
import { probeTls } from '../http/tls-probe.js';
import type { StepResult } from '../verdict/types.js';
import type { CleanupRegistry } from './cleanup.js';
import { builtinVars, interpolate, unresolvedVars, type Vars } from './interpolate.js';
import { DEFAULT_TIMEOUT_MS, prepareRequest, type PrepareContext, type PreparedRequest } from '../http/prepare.js';
import type { RunContext } from './run-context.js';

/** What one declared check produced; attached to the Playwright test as `revgate-outcome`. */
export interface CheckOutcome {
  phase: Phase;
  assertions: AssertionResult[];
  steps?: StepResult[];
  reproduce?: string;
  /** The first problem, for one-line reports. */
  message?: string;
  /** Set when the check does not apply to this target (e.g. TLS on an http URL). */
  skip?: string;
  /** Request latency, what latency budgets judge (a flow: its steps' sum); the test's wall time is Playwright's. */
  latencyMs?: number;
  /** Connection setup (DNS, TCP, TLS) the requests paid, reported apart from the latency. */
  connectMs?: number;
}

/** The two numbers every report names the same way: request latency (judged) and connection setup (apart). */
function timing(ms: Array<{ latencyMs: number; connectMs?: number }>): Pick<CheckOutcome, 'latencyMs' | 'connectMs'> {
  const connect = ms.reduce((sum, m) => sum + (m.connectMs ?? 0), 0);
  return { latencyMs: ms.reduce((sum, m) => sum + m.latencyMs, 0), ...(connect > 0 ? { connectMs: connect } : {}) };
}

function stepTiming(m: HttpMeasurement): { latencyMs: number; connectMs?: number } {
  return { latencyMs: requestLatencyMs(m), ...(m.connectMs ? { connectMs: m.connectMs } : {}) };
}

export interface CheckDeps {
  /** The worker's undici dispatcher (see createHttpAgent); hand-written specs keep Playwright's `request`. */
  http: Dispatcher;
  ctx: RunContext;
  cleanup: CleanupRegistry;
  /** Aborted when the run is interrupted or the check's time is up: requests in flight end, cleanup still runs. */
  signal?: AbortSignal;
  /** The trust list when the run trusts extra CAs (what `http` was built with), for the TLS check's own connection. */
  ca?: readonly string[];
}

/** Cleanup requests succeed on 2xx, or when the resource is already gone. */
const DEFAULT_CLEANUP_EXPECT: HttpExpectations = { status: [200, 202, 204, 404, 410] };

export async function runDeclaredCheck(check: CheckConfig, deps: CheckDeps): Promise<CheckOutcome> {
  const outcome = check.tls
    ? await runTlsCheck(check, deps)
    : check.steps
      ? await runFlow(check.steps, deps)
      : await runRequestCheck(check.request as RequestSpec, check.expect ?? {}, deps);
  // Bodies can echo anything back (including a token); mask every message at the source.
  return deps.ctx.redactor.maskDeep(outcome);
}

function prepareContext(ctx: RunContext): PrepareContext {
  const { resolved } = ctx;
  return {
    baseUrl: ctx.baseUrl,
    envHeaders: resolved.target.headers ?? {},
    ...(ctx.token ? { token: ctx.token } : {}),
    defaults: resolved.config.defaults ?? {},
    authConfigured: resolved.config.auth !== undefined,
    configDir: resolved.dir,
  };
}

function withDefaults(expect: HttpExpectations, ctx: RunContext): HttpExpectations {
  const latency = expect.latency ?? ctx.resolved.config.defaults?.latency;
  return latency ? { ...expect, latency } : expect;
}

function reproduce(req: PreparedRequest, ctx: RunContext): string {
  const multipart = req.multipart
    ? Object.fromEntries(Object.entries(req.multipart).map(([k, v]) => [k, typeof v === 'string' ? v : { file: v.file, contentType: v.mimeType }]))
    : undefined;
  const body = req.json !== undefined ? JSON.stringify(req.json) : (req.body ?? (req.form ? new URLSearchParams(req.form).toString() : undefined));
  return toCurl(
    { method: req.method, url: req.url, headers: req.headers, ...(body !== undefined ? { body } : {}), ...(multipart ? { multipart } : {}) },
    { secretEnvRefs: ctx.secretEnvRefs, redactor: ctx.redactor },
  );
}

/** The evaluator's assertions, preceded by the redirects the request followed or refused. */
function assess(m: HttpMeasurement, expect: HttpExpectations): AssertionResult[] {
  const redirects = redirectAssertion(m);
  return [...(redirects ? [redirects] : []), ...evaluateHttp(m, expect)];
}

function firstProblem(assertions: AssertionResult[]): string | undefined {
  return (assertions.find((a) => a.phase === 'failed') ?? assertions.find((a) => a.phase === 'error') ?? assertions.find((a) => a.phase === 'degraded'))
    ?.message;
}

async function runRequestCheck(spec: RequestSpec, expect: HttpExpectations, deps: CheckDeps, vars: Vars = builtinVars(deps.ctx.runId)): Promise<CheckOutcome> {
  const req = prepareRequest(interpolate(spec, vars), prepareContext(deps.ctx));
  const measurement = await measureHttp(deps.http, req, deps.signal);
  const assertions = assess(measurement, withDefaults(expect, deps.ctx));
  const phase = foldPhases(assertions);
  const message = firstProblem(assertions);
  return { phase, assertions, reproduce: reproduce(req, deps.ctx), ...timing([stepTiming(measurement)]), ...(message ? { message } : {}) };
}

async function runTlsCheck(check: CheckConfig, deps: CheckDeps): Promise<CheckOutcome> {
  if (!deps.ctx.baseUrl.startsWith('https:')) {
    return { phase: 'passed', assertions: [], skip: `target ${deps.ctx.baseUrl} is not https; certificate expiry applies to https targets only` };
  }
  const timeout = deps.ctx.resolved.config.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const measurement = await probeTls(deps.ctx.baseUrl, timeout, Date.now, deps.ca);
  const assertions = evaluateTls(measurement, check.tls as NonNullable<CheckConfig['tls']>);
  const phase = foldPhases(assertions);
  const message = firstProblem(assertions);
  const host = new URL(deps.ctx.baseUrl).host;
  return {
    phase,
    assertions,
    reproduce: `openssl s_client -connect ${host} -servername ${host.split(':')[0]} </dev/null 2>/dev/null | openssl x509 -noout -enddate`,
    ...(message ? { message } : {}),
  };
}

/**
 * A multi-step flow: each step's captures feed later steps. Cleanup follows creation, not success: a step
 * whose response shows the resource exists (a 2xx) registers its cleanup at once, from whatever values could
 * be captured, even when another of its assertions failed; a cleanup that cannot be built (the id never came
 * back) is reported on the check. Data created before a later failure is still deleted.
 */
async function runFlow(steps: StepConfig[], deps: CheckDeps): Promise<CheckOutcome> {
  const vars: Vars = builtinVars(deps.ctx.runId);
  const pctx = prepareContext(deps.ctx);
  const assertions: AssertionResult[] = [];
  const results: StepResult[] = [];
  let failedAt: number | undefined;

  for (const [i, step] of steps.entries()) {
    const req = prepareRequest(interpolate(step.request, vars), pctx);
    const measurement = await measureHttp(deps.http, req, deps.signal);
    const stepAssertions = assess(measurement, withDefaults(interpolate(step.expect ?? {}, vars), deps.ctx));
    const failedBefore = stepAssertions.some((a) => a.phase === 'failed' || a.phase === 'error');
    // Values are taken whenever they are there; a missing one is a problem of its own only when nothing else failed.
    const captureProblems = capture(step, measurement, vars);
    if (!failedBefore) stepAssertions.push(...captureProblems);
    const phase = foldPhases(stepAssertions);
    assertions.push(...stepAssertions.map((a) => ({ ...a, name: `${step.name} > ${a.name}` })));
    const message = firstProblem(stepAssertions);
    results.push({
      name: step.name,
      status: phase,
      durationMs: measurement.durationMs,
      ...stepTiming(measurement),
      reproduce: reproduce(req, deps.ctx),
      ...(message ? { message } : {}),
    });

    if (step.cleanup && created(measurement)) registerCleanup(step, vars, deps, pctx);
    if (phase === 'failed' || phase === 'error') {
      failedAt = i;
      break;
    }
  }
  if (failedAt !== undefined) {
    for (const step of steps.slice(failedAt + 1))
      results.push({ name: step.name, status: 'skipped', durationMs: 0, message: 'not run: an earlier step failed' });
  }
  const phase = foldPhases(assertions);
  const failing = failedAt !== undefined ? results[failedAt] : undefined;
  const message = failing ? `step "${failing.name}": ${failing.message ?? failing.status}` : firstProblem(assertions);
  const ran = results.filter((r): r is StepResult & { latencyMs: number } => r.latencyMs !== undefined);
  return {
    phase,
    assertions,
    steps: results,
    ...timing(ran),
    ...(failing?.reproduce ? { reproduce: failing.reproduce } : {}),
    ...(message ? { message } : {}),
  };
}

/** The response says the resource exists: a 2xx. A 4xx/5xx or no response created nothing to delete. */
function created(m: HttpMeasurement): boolean {
  const status = m.response?.status;
  return status !== undefined && status >= 200 && status < 300;
}

function capture(step: StepConfig, m: HttpMeasurement, vars: Vars): AssertionResult[] {
  if (!step.capture) return [];
  let body: unknown;
  try {
    body = JSON.parse(m.response?.bodyText ?? '');
  } catch {
    return [{ name: 'capture', phase: 'failed', message: 'cannot capture values: the response body is not JSON' }];
  }
  const problems: AssertionResult[] = [];
  for (const [name, path] of Object.entries(step.capture)) {
    const got = getPath(body, path);
    if (!got.found || got.value === null || got.value === undefined) {
      problems.push({ name: `capture:${name}`, phase: 'failed', message: `cannot capture ${name}: ${path} is not in the response body` });
    } else {
      vars[name] = typeof got.value === 'string' ? got.value : JSON.stringify(got.value);
    }
  }
  return problems;
}

function registerCleanup(step: StepConfig, vars: Vars, deps: CheckDeps, pctx: PrepareContext): void {
  const template = step.cleanup as NonNullable<StepConfig['cleanup']>;
  const missing = unresolvedVars(template, vars);
  if (missing.length) {
    const what = missing.map((name) => (step.capture?.[name] ? `${name} (${step.capture[name]})` : name)).join(', ');
    deps.cleanup.cannotBuild(
      `${template.method ?? 'DELETE'} ${template.path} (cleanup of "${step.name}")`,
      `cannot be built: ${what} did not come back in the response of "${step.name}", so what it created may be left behind`,
    );
    return;
  }
  const spec = interpolate(template, { ...vars });
  const { expect, ...request } = spec;
  const req = prepareRequest({ method: 'DELETE', ...request }, pctx);
  const target = `${req.method} ${new URL(req.url).pathname}`;
  deps.cleanup.register(`${target} (cleanup of "${step.name}")`, async () => {
    const m = await measureHttp(deps.http, req);
    const a = assess(m, expect ?? DEFAULT_CLEANUP_EXPECT);
    const phase = foldPhases(a);
    if (phase === 'failed' || phase === 'error') {
      throw new Error(`${target}: ${firstProblem(a) ?? 'failed'} (reproduce: ${reproduce(req, deps.ctx)})`);
    }
    return `answered ${m.response?.status ?? 'no status'}`;
  });
}
