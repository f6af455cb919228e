/**
 * Pure gate logic for a load run, after the engine has measured: network error kinds named on failed-request
 * gates, the generator's own health as an advisory gate, and latency gates judged on a saturated run.
 */
import { holdLatencyOnSaturation } from '../traffic/saturation.js';
import type { GateResult } from '../verdict/types.js';
import type { EngineResult } from './engine.js';
import type { LoadSummary } from './summary.js';

/** Failed-request gates name the network error kinds behind them (refused, timeout, reset, TLS...). */
export function withErrorKinds(gates: GateResult[], summary: LoadSummary): GateResult[] {
  const kinds = Object.entries(summary.revgate.errorsByKind);
  if (!kinds.length) return gates;
  const detail = kinds.map(([k, n]) => `${k}=${n}${summary.revgate.errorSamples[k] ? ` (${summary.revgate.errorSamples[k]})` : ''}`).join(', ');
  return gates.map((g) => (g.metric.startsWith('http_req_failed') && g.status !== 'passed' ? { ...g, reason: `${g.reason}; network errors: ${detail}` } : g));
}

/**
 * Failed-request gates say how many requests were retried after an idle close (wire/connection.ts): a retried
 * request counts by its retry's outcome, so a reader of the failure rate sees what it does not include.
 */
export function withRetries(gates: GateResult[], summary: LoadSummary): GateResult[] {
  const retries = summary.metrics.http_req_retries?.values.count ?? 0;
  if (!retries) return gates;
  const note = `; ${retries} request${retries === 1 ? ' was' : 's were'} sent once more after the server closed an idle connection under ${retries === 1 ? 'it' : 'them'} (http_req_retries), counted by the retry's outcome`;
  return gates.map((g) => (g.metric.startsWith('http_req_failed') ? { ...g, reason: `${g.reason}${note}` } : g));
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
  const saturation = {
    saturated: generator?.status === 'failed',
    why: `the load generator was saturated (${generator?.reason.split(':')[0] ?? ''})`,
    delay: 'its late starts',
  };
  return holdLatencyOnSaturation(gates, saturation, (g) => {
    const bound = lowerBounds.find((b) => b.id === g.id);
    return bound?.status === 'failed'
      ? `even allowing for its late starts the gate fails: ${bound.reason.replace(/^(threshold breached|regression): /, '').replace(' = ', ' is at least ')}`
      : undefined;
  });
}

const GENERATOR_GATE = 'generator late starts';

/** Advisory gates on the generator itself: results measured by a saturated generator say little about the target. */
export function generatorGates(result: EngineResult): GateResult[] {
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

/**
 * Advisory gate on retries: a request is retried only when the server's idle close could explain its connection
 * ending under it, which should be rare (connections are retired before the server's keep-alive hint). Many
 * retries mean the server closes idle connections sooner than they are reused and sends no hint: every retried
 * request paid for a second connection, and the server received more requests than were planned.
 */
export function retryGates(result: EngineResult): GateResult[] {
  const r = result.recorder;
  const requests = r.groups[0]?.requests ?? 0;
  const share = requests ? r.retries / requests : 0;
  const ok = share <= 0.01;
  const what = `${r.retries} of ${requests} requests were sent once more, on a new connection, after the server closed an idle keep-alive connection as they were written`;
  return [
    {
      id: 'connection retries',
      metric: 'http_req_retries',
      expression: 'retries <= 1% of requests',
      blocking: false,
      status: ok ? 'passed' : 'failed',
      observed: r.retries,
      samples: requests,
      reason: ok
        ? what
        : `${what} (${(share * 100).toFixed(1)}%): the server closes idle connections before revgate stops reusing them and sends no keep-alive hint; the target received up to ${requests + r.retries} requests for ${requests}, and the retried requests' latency includes the failed attempt`,
    },
  ];
}
