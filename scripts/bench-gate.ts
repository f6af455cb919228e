/**
 * Decision-quality benchmark for the canary gate (run by hand, not in npm test):
 *   node --import tsx scripts/bench-gate.ts [--runs-per-scenario 400] [--seed 1]
 *
 * Simulates canaries with a known truth and feeds the same simulated traffic to three gates:
 *   revgate   the real gate code (src/gate): anytime-valid tests evaluated after every 5 s batch
 *   argo      an Argo-Rollouts-style check: every 1-minute interval compared with the thresholds, failureLimit 0
 *   fixed     one fixed-sample test per gate at the end of the budget (Clopper-Pearson / order statistics)
 * and prints false rollbacks on healthy canaries, false promotes on bad ones, inconclusive rates and
 * the requests/seconds each needed to reach a verdict.
 */
import { parseCriteria, type CanaryCriteria } from '../src/gate/criteria.js';
import { evaluateCanary, shouldStop } from '../src/gate/evaluate-gates.js';
import { ArmRecorder } from '../src/gate/observations.js';
import { clopperPearson, createRng, quantileInterval, type Rng } from '../src/stats/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = arg('runs-per-scenario', 400);
const SEED = arg('seed', 1);
const RATE = 20; // requests per second per arm (10% of a 200 rps service on the canary)
const BATCH_S = 5;
const MAX_S = 600; // the runbook's 10-minute canary window
const INTERVAL_S = 60;
const CONFIDENCE = 0.95;
const TENANTS = Array.from({ length: 10 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);

interface Scenario {
  name: string;
  healthy: boolean;
  /** Error probability for a canary request (by tenant). */
  canaryError: (tenant: string) => number;
  baselineError: number;
  /** Multiplies canary latency. */
  slowdown: number;
  clearlyBad?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'healthy (0.1% errors)', healthy: true, canaryError: () => 0.001, baselineError: 0.001, slowdown: 1 },
  { name: 'errors just under (0.8% vs 1%)', healthy: true, canaryError: () => 0.008, baselineError: 0.001, slowdown: 1 },
  { name: 'p95 +10% (20% allowed)', healthy: true, canaryError: () => 0.001, baselineError: 0.001, slowdown: 1.1 },
  { name: 'errors 5x threshold (5%)', healthy: false, clearlyBad: true, canaryError: () => 0.05, baselineError: 0.001, slowdown: 1 },
  { name: 'p95 +50% (20% allowed)', healthy: false, clearlyBad: true, canaryError: () => 0.001, baselineError: 0.001, slowdown: 1.5 },
  { name: 'one bad tenant (t07 at 20%)', healthy: false, canaryError: (t) => (t === 't07' ? 0.2 : 0.001), baselineError: 0.001, slowdown: 1 },
];

const criteria: CanaryCriteria = parseCriteria({
  confidence: CONFIDENCE,
  tags: { tenant: TENANTS },
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<2000'], 'http_req_failed{tenant:*}': ['rate<0.05'] },
  compare: [{ metric: 'http_req_duration', stat: 'p(95)', maxIncrease: 0.2 }],
});

type Verdict = 'pass' | 'fail' | 'inconclusive';
interface Outcome {
  verdict: Verdict;
  seconds: number;
  requests: number;
}

/** Latency: lognormal, median 200 ms, p95 ~455 ms. */
const latency = (rng: Rng, slowdown: number): number => slowdown * 200 * Math.exp(0.5 * rng.normal());

function simulate(s: Scenario, rng: Rng): { revgate: Outcome; argo: Outcome; fixed: Outcome } {
  const canary = new ArmRecorder(criteria.latencyThresholdsMs, criteria.scopes);
  const baseline = new ArmRecorder(criteria.latencyThresholdsMs, criteria.scopes);
  let revgate: Outcome | undefined;
  let argo: Outcome | undefined;
  // Per-interval state for the Argo-style reference, and everything for the fixed-sample test.
  let ivErrors = 0;
  let ivCount = 0;
  const ivTenant = new Map<string, [number, number]>();
  let ivCanaryLat: number[] = [];
  let ivBaseLat: number[] = [];
  const allCanaryLat: number[] = [];
  const allBaseLat: number[] = [];
  let errors = 0;
  const tenantTotals = new Map<string, [number, number]>();

  for (let t = 1; t <= MAX_S; t++) {
    for (let i = 0; i < RATE; i++) {
      const tenant = TENANTS[Math.floor(rng.uniform() * TENANTS.length)] as string;
      const failed = rng.uniform() < s.canaryError(tenant);
      const l = latency(rng, s.slowdown);
      const bl = latency(rng, 1);
      const baselineStatus = rng.uniform() < s.baselineError ? 500 : 200;
      if (!revgate) {
        canary.record({ status: failed ? 500 : 200, latencyMs: l, tags: { tenant } });
        baseline.record({ status: baselineStatus, latencyMs: bl, tags: { tenant } });
      }
      ivErrors += failed ? 1 : 0;
      ivCount++;
      errors += failed ? 1 : 0;
      const it = ivTenant.get(tenant) ?? [0, 0];
      it[0] += failed ? 1 : 0;
      it[1]++;
      ivTenant.set(tenant, it);
      const tt = tenantTotals.get(tenant) ?? [0, 0];
      tt[0] += failed ? 1 : 0;
      tt[1]++;
      tenantTotals.set(tenant, tt);
      ivCanaryLat.push(l);
      ivBaseLat.push(bl);
      allCanaryLat.push(l);
      allBaseLat.push(bl);
    }
    if (!revgate && t % BATCH_S === 0) {
      const r = evaluateCanary(criteria, { canary, baseline }, { final: t === MAX_S });
      if (shouldStop(r) || t === MAX_S) {
        const blocking = r.filter((g) => g.blocking);
        const verdict: Verdict = blocking.some((g) => g.status === 'failed' || g.status === 'error')
          ? 'fail'
          : blocking.every((g) => g.status === 'passed')
            ? 'pass'
            : 'inconclusive';
        revgate = { verdict, seconds: t, requests: t * RATE };
      }
    }
    if (!argo && t % INTERVAL_S === 0) {
      const p95 = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1] as number;
      const breach =
        ivErrors / ivCount >= 0.01 ||
        p95(ivCanaryLat) >= 2000 ||
        p95(ivCanaryLat) > 1.2 * p95(ivBaseLat) ||
        [...ivTenant.values()].some(([e, n]) => e / n >= 0.05);
      if (breach) argo = { verdict: 'fail', seconds: t, requests: t * RATE };
      else if (t === MAX_S) argo = { verdict: 'pass', seconds: t, requests: t * RATE };
      ivErrors = 0;
      ivCount = 0;
      ivTenant.clear();
      ivCanaryLat = [];
      ivBaseLat = [];
    }
    // No early exit: the fixed-sample reference looks once, at the end of the whole window.
  }

  // Fixed-sample: every request of the window, one look, the same alpha split as revgate.
  const n = MAX_S * RATE;
  const alpha = (1 - CONFIDENCE) / 13;
  const decideRate = (e: number, trials: number, limit: number): Verdict => {
    const ci = clopperPearson({ successes: e, trials, alpha });
    return ci.lower > limit ? 'fail' : ci.upper < limit ? 'pass' : 'inconclusive';
  };
  const gates: Verdict[] = [decideRate(errors, n, 0.01), ...[...tenantTotals.values()].map(([e, t]) => decideRate(e, t, 0.05))];
  const cq = quantileInterval(allCanaryLat, 0.95, alpha / 2, 'fixed');
  const bq = quantileInterval(allBaseLat, 0.95, alpha / 2, 'fixed');
  gates.push(cq.upper < 2000 ? 'pass' : cq.lower > 2000 ? 'fail' : 'inconclusive');
  gates.push(cq.upper < 1.2 * bq.lower ? 'pass' : cq.lower > 1.2 * bq.upper ? 'fail' : 'inconclusive');
  const fixedVerdict: Verdict = gates.includes('fail') ? 'fail' : gates.every((g) => g === 'pass') ? 'pass' : 'inconclusive';
  return { revgate: revgate as Outcome, argo: argo as Outcome, fixed: { verdict: fixedVerdict, seconds: MAX_S, requests: n } };
}

const median = (xs: number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

const gatesNames = ['revgate', 'argo', 'fixed'] as const;
type Totals = Record<
  (typeof gatesNames)[number],
  {
    falseRollback: number;
    healthy: number;
    falsePromote: number;
    bad: number;
    clearlyBadPromote: number;
    clearlyBad: number;
    inconclusive: number;
    total: number;
    badSeconds: number[];
    clearlyBadSeconds: number[];
  }
>;
const totals = Object.fromEntries(
  gatesNames.map((g) => [
    g,
    {
      falseRollback: 0,
      healthy: 0,
      falsePromote: 0,
      bad: 0,
      clearlyBadPromote: 0,
      clearlyBad: 0,
      inconclusive: 0,
      total: 0,
      badSeconds: [],
      clearlyBadSeconds: [],
    },
  ]),
) as unknown as Totals;

const started = Date.now();
console.log(
  `bench-gate: ${RUNS} canaries x ${scenarios.length} scenarios = ${RUNS * scenarios.length}; ${RATE} req/s per arm, ${MAX_S / 60} min budget, confidence ${CONFIDENCE}, seed ${SEED}\n`,
);
console.log('scenario'.padEnd(34) + gatesNames.map((g) => `${g}: pass/fail/inconcl, median s (req)`.padEnd(44)).join(''));
scenarios.forEach((s, si) => {
  const rng = createRng(SEED * 1000 + si);
  const per: Record<string, Outcome[]> = { revgate: [], argo: [], fixed: [] };
  for (let r = 0; r < RUNS; r++) {
    const o = simulate(s, rng);
    for (const g of gatesNames) per[g]?.push(o[g]);
  }
  let line = s.name.padEnd(34);
  for (const g of gatesNames) {
    const os = per[g] as Outcome[];
    const count = (v: Verdict): number => os.filter((o) => o.verdict === v).length;
    const t = totals[g];
    t.total += os.length;
    t.inconclusive += count('inconclusive');
    if (s.healthy) {
      t.healthy += os.length;
      t.falseRollback += count('fail');
    } else {
      t.bad += os.length;
      t.falsePromote += count('pass');
      t.badSeconds.push(...os.filter((o) => o.verdict === 'fail').map((o) => o.seconds));
      if (s.clearlyBad) {
        t.clearlyBad += os.length;
        t.clearlyBadPromote += count('pass');
        t.clearlyBadSeconds.push(...os.map((o) => (o.verdict === 'fail' ? o.seconds : MAX_S)));
      }
    }
    const decided = os.filter((o) => o.verdict !== 'inconclusive');
    const secs = median(decided.map((o) => o.seconds));
    line +=
      `${count('pass')}/${count('fail')}/${count('inconclusive')}, ${Number.isNaN(secs) ? '-' : secs} s (${Number.isNaN(secs) ? '-' : median(decided.map((o) => o.requests))})`.padEnd(
        44,
      );
  }
  console.log(line);
});

console.log('\nsummary'.padEnd(35) + gatesNames.map((g) => g.padEnd(12)).join(''));
const row = (label: string, f: (t: Totals[keyof Totals]) => string): void =>
  console.log(label.padEnd(34) + gatesNames.map((g) => f(totals[g]).padEnd(12)).join(''));
row('false rollback (healthy)', (t) => pct(t.falseRollback / t.healthy));
row('false promote (bad)', (t) => pct(t.falsePromote / t.bad));
row('false promote (clearly bad)', (t) => pct(t.clearlyBadPromote / t.clearlyBad));
row('inconclusive (all)', (t) => pct(t.inconclusive / t.total));
row('median s to rollback (bad)', (t) => `${median(t.badSeconds)} s`);
row('median s to verdict (clearly bad)', (t) => `${median(t.clearlyBadSeconds)} s`);
const ours = totals.revgate;
const argoT = totals.argo;
const fixedT = totals.fixed;
// With no false rollback at all, the ratio uses the rule-of-three 95% upper bound (3/n) for revgate's rate.
const oursRate = ours.falseRollback / ours.healthy;
const argoRate = argoT.falseRollback / argoT.healthy;
const ratio =
  oursRate > 0
    ? `${(argoRate / oursRate).toFixed(1)}x lower`
    : `at least ${(argoRate / (3 / ours.healthy)).toFixed(1)}x lower (0 of ${ours.healthy}; 95% upper bound ${pct(3 / ours.healthy)})`;
console.log(
  `\ntargets: false rollback <= 5%: ${pct(oursRate)}; >= 3x lower than argo (${pct(argoRate)}): ${ratio};` +
    ` clearly-bad false promote < 1%: ${pct(ours.clearlyBadPromote / ours.clearlyBad)};` +
    ` time to verdict on clearly bad ${median(ours.clearlyBadSeconds)} s vs fixed ${median(fixedT.clearlyBadSeconds)} s (${(median(fixedT.clearlyBadSeconds) / median(ours.clearlyBadSeconds)).toFixed(1)}x shorter)`,
);
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
