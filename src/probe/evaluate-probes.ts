/**
 * Pure evaluation of probe outcomes: (probe, what was observed) -> CheckResult. No clock, no I/O.
 * Health probes use the smoke checks' evaluator; isolation probes add the tenant-boundary rules.
 */
import { evaluateHttp, foldPhases } from '../evaluate/index.js';
import type { AssertionResult, HttpMeasurement, Phase } from '../evaluate/types.js';
import { describeNetError, targetOf } from '../evaluate/net-errors.js';
import { toCurl } from '../http/curl.js';
import type { CheckResult, CheckStatus } from '../verdict/types.js';
import type { Exchange, ProbeOutcome } from './engine.js';
import type { HealthProbe, IsolationProbe, Probe, ProbeRequest } from './types.js';

export const KEY_MISSING_CODE = 'REVGATE_TENANT_KEY_MISSING';

const labelsOf = (p: Probe): Record<string, string> => ({
  tenant: p.tenant,
  tier: p.tier,
  cell: p.cell,
  region: p.region,
  probe: p.kind,
  ...(p.kind === 'health' ? { endpoint: p.endpoint } : {}),
});

/** `reproduce` never needs the key: it is an env-var reference, or masked. */
function reproduce(r: ProbeRequest, envRef: string | undefined): string {
  const headers: Record<string, string> = { 'X-Tenant-ID': r.tenantHeader };
  if (r.key === 'own') headers['Ocp-Apim-Subscription-Key'] = 'key';
  return toCurl({ method: r.method, url: r.url, headers }, envRef ? { secretEnvRefs: { 'ocp-apim-subscription-key': envRef } } : {});
}

function rateLimitAssertion(x: Exchange): AssertionResult | undefined {
  if (!x.rateLimited) return undefined;
  const after = x.rateLimited.retryAfterMs !== undefined ? `Retry-After ${Math.ceil(x.rateLimited.retryAfterMs / 1000)} s` : 'no Retry-After';
  const status = x.measurement.response?.status;
  if (status === 429) {
    const why = x.rateLimited.retried ? `${after} honoured once and the gateway still answered 429` : `${after}; not retried: ${x.rateLimited.why ?? ''}`;
    return { name: 'rate-limit', phase: 'error', message: `rate-limited (429), not an outage: ${why}; the probe could not measure the tenant`, actual: 429 };
  }
  return { name: 'rate-limit', phase: 'passed', message: `rate-limited once (429, ${after}); the retry was answered ${status ?? 'with a transport error'}` };
}

function toStatus(phase: Phase): CheckStatus {
  return phase;
}

function firstProblem(results: readonly AssertionResult[], status: CheckStatus): string | undefined {
  const worst = results.find((a) => a.phase === status) ?? results.find((a) => a.phase !== 'passed');
  return worst?.message;
}

export interface EvaluateContext {
  /** Every tenant id in the catalog: any of them in another tenant's response is a leak. */
  tenantIds: ReadonlySet<string>;
  /** Tenant -> env var holding its key, for reproduce commands. */
  envRefs: ReadonlyMap<string, string>;
}

export function evaluateHealth(p: HealthProbe, o: ProbeOutcome, ctx: EvaluateContext): CheckResult {
  const base = {
    id: p.id,
    title: `${p.endpoint} of tenant ${p.tenant} in ${p.region} (cell ${p.cell}, ${p.tier})`,
    blocking: true,
    severity: 'major' as const,
    attempts: 1,
    labels: labelsOf(p),
  };
  const repro = reproduce(p.request, ctx.envRefs.get(p.tenant));
  if (o.keyProblem || !o.main) {
    const message = o.keyProblem ?? o.notSent ?? 'the probe was not sent';
    const error = o.keyProblem ? { message, code: KEY_MISSING_CODE, kind: 'key' } : { message, kind: 'not-sent' };
    return { ...base, status: 'error', durationMs: 0, error, assertions: [{ name: o.keyProblem ? 'key' : 'sent', phase: 'error', message }], reproduce: repro };
  }
  const limited = rateLimitAssertion(o.main);
  const results = limited?.phase === 'error' ? [limited] : [...evaluateHttp(o.main.measurement, p.expect), ...(limited ? [limited] : [])];
  const status = toStatus(foldPhases(results));
  const problem = status === 'passed' ? undefined : firstProblem(results, status);
  return {
    ...base,
    status,
    durationMs: o.main.measurement.durationMs,
    attempts: o.main.rateLimited?.retried ? 2 : 1,
    ...(problem
      ? {
          error: {
            message: problem,
            ...(limited?.phase === 'error' ? { kind: 'rate-limited' } : o.main.measurement.error ? { kind: o.main.measurement.error.kind } : {}),
          },
        }
      : {}),
    // Passing probes keep their labels and duration but not every assertion: at 1,000 tenants x 3 regions the
    // assertions of passes would be most of verdict.json, junit.xml and report.html, and say nothing new.
    ...(status === 'passed' ? {} : { assertions: results, reproduce: repro }),
  };
}

/** Tenant ids (other than `allowed`) that appear as whole tokens in `text`. */
export function foreignTenantIds(text: string, known: ReadonlySet<string>, allowed: readonly string[]): string[] {
  const found = new Set<string>();
  for (const token of text.match(/[A-Za-z0-9][A-Za-z0-9._-]*/g) ?? []) {
    for (const candidate of [token, token.replace(/[._-]+$/, '')]) {
      if (known.has(candidate) && !allowed.includes(candidate)) found.add(candidate);
    }
  }
  return [...found];
}

function refusal(
  name: string,
  x: Exchange | undefined,
  refused: readonly number[],
  notSent: string | undefined,
  accepted: (status: number) => string,
): AssertionResult {
  if (!x) return { name, phase: 'error', message: notSent ?? 'not sent' };
  const limited = rateLimitAssertion(x);
  if (limited?.phase === 'error') return { ...limited, name };
  const m: HttpMeasurement = x.measurement;
  if (m.error || !m.response) {
    return { name, phase: 'error', message: `could not verify: ${m.error ? describeNetError(m.error, targetOf(m.url), m.durationMs) : 'no response'}` };
  }
  const status = m.response.status;
  if (refused.includes(status)) return { name, phase: 'passed', message: `refused with ${status}`, expected: refused, actual: status };
  return { name, phase: 'failed', message: accepted(status), expected: refused, actual: status };
}

/**
 * Isolation: the tenant's key with another tenant's id must be refused, a request without a key must be
 * refused, and no response to this tenant may contain another tenant's id. Any breach is critical.
 */
export function evaluateIsolation(p: IsolationProbe, o: ProbeOutcome, ownResponses: readonly string[], ctx: EvaluateContext): CheckResult {
  const results: AssertionResult[] = [
    refusal(
      'isolation:cross-tenant-key',
      o.cross,
      p.refusedStatus,
      o.keyProblem ? `not sent: ${o.keyProblem}` : o.notSent,
      (s) => `ISOLATION BREACH: ${p.tenant}'s subscription key was accepted for tenant ${p.partner} (status ${s}, expected ${p.refusedStatus.join(' or ')})`,
    ),
    refusal(
      'isolation:no-key',
      o.anonymous,
      p.refusedStatus,
      o.notSent,
      (s) => `ISOLATION BREACH: a request for ${p.tenant} without a subscription key was accepted (status ${s}, expected ${p.refusedStatus.join(' or ')})`,
    ),
  ];
  const leaks = new Set<string>();
  for (const body of ownResponses) for (const id of foreignTenantIds(body, ctx.tenantIds, [p.tenant])) leaks.add(id);
  // The cross probe sent the partner's id, so a refusal that echoes it back is not a leak.
  if (o.cross?.measurement.response)
    for (const id of foreignTenantIds(o.cross.measurement.response.bodyText, ctx.tenantIds, [p.tenant, p.partner])) leaks.add(id);
  if (o.anonymous?.measurement.response) for (const id of foreignTenantIds(o.anonymous.measurement.response.bodyText, ctx.tenantIds, [p.tenant])) leaks.add(id);
  const shown = [...leaks].slice(0, 5);
  results.push(
    leaks.size === 0
      ? { name: 'isolation:foreign-tenant-ids', phase: 'passed', message: `no other tenant's id in ${ownResponses.length + 2} responses` }
      : {
          name: 'isolation:foreign-tenant-ids',
          phase: 'failed',
          message: `ISOLATION BREACH: a response to ${p.tenant} contains another tenant's id: ${shown.join(', ')}${leaks.size > shown.length ? ` and ${leaks.size - shown.length} more` : ''}`,
          actual: shown,
        },
  );
  const status = toStatus(foldPhases(results));
  const problem = status === 'passed' ? undefined : firstProblem(results, status);
  const breach = results.find((a) => a.phase === 'failed');
  const repro = breach?.name === 'isolation:no-key' ? reproduce(p.anonymous, undefined) : reproduce(p.cross, ctx.envRefs.get(p.tenant));
  return {
    id: p.id,
    title: `tenant isolation of ${p.tenant} in ${p.region} (cell ${p.cell}, ${p.tier})`,
    status,
    blocking: true,
    severity: 'critical',
    durationMs: (o.cross?.measurement.durationMs ?? 0) + (o.anonymous?.measurement.durationMs ?? 0),
    attempts: 1,
    labels: labelsOf(p),
    ...(problem
      ? { error: { message: problem, ...(breach ? { kind: 'isolation-breach' } : o.keyProblem ? { code: KEY_MISSING_CODE, kind: 'key' } : {}) } }
      : {}),
    ...(status === 'passed' ? {} : { assertions: results, reproduce: repro }),
  };
}

/** Evaluates every probe; isolation checks see the same tenant's health responses in that region. */
export function evaluateAll(probes: readonly Probe[], outcomes: readonly ProbeOutcome[], ctx: EvaluateContext): CheckResult[] {
  const bodies = new Map<string, string[]>();
  probes.forEach((p, i) => {
    const body = p.kind === 'health' ? outcomes[i]?.main?.measurement.response?.bodyText : undefined;
    if (body === undefined) return;
    const k = `${p.tenant}\u0000${p.region}`;
    const list = bodies.get(k) ?? [];
    list.push(body);
    bodies.set(k, list);
  });
  return probes.map((p, i) => {
    const o = outcomes[i] ?? {};
    return p.kind === 'health' ? evaluateHealth(p, o, ctx) : evaluateIsolation(p, o, bodies.get(`${p.tenant}\u0000${p.region}`) ?? [], ctx);
  });
}
