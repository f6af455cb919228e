import type { AssertionResult, TlsExpectations, TlsMeasurement } from './types.js';
import { describeNetError } from './net-errors.js';

/**
 * Assertion names: `tls` (could not complete a handshake) and `certificate-expiry`.
 * "Below" is strict: exactly `minDays` left passes, as exactly-at-the-limit latency does.
 */
export function evaluateTls(m: TlsMeasurement, e: TlsExpectations): AssertionResult[] {
  try {
    return evaluate(m, e);
  } catch (err) {
    // Same safety net as evaluateHttp: "could not evaluate", never a crash or a pass.
    return [{ name: 'evaluate', phase: 'error', message: `could not evaluate the certificate: ${String((err as Error)?.message ?? err).slice(0, 200)}` }];
  }
}

function evaluate(m: TlsMeasurement, e: TlsExpectations): AssertionResult[] {
  const hostPort = `${m.host}:${m.port}`;
  if (m.error) {
    return [
      {
        name: 'tls',
        phase: 'failed',
        message: describeNetError(m.error, { hostname: m.host, hostPort }, m.durationMs),
        actual: { kind: m.error.kind, ...(m.error.code ? { code: m.error.code } : {}) },
      },
    ];
  }
  const cert = m.certificate;
  if (!cert) return [{ name: 'tls', phase: 'error', message: `no certificate was recorded for ${hostPort}: nothing to evaluate` }];

  const days = cert.daysRemaining;
  const expected = { minDays: e.minDays, ...(e.warnDays !== undefined ? { warnDays: e.warnDays } : {}) };
  const actual = { daysRemaining: days, validTo: cert.validTo, subject: cert.subject, issuer: cert.issuer };
  const base = { name: 'certificate-expiry', expected, actual };
  const validNumber = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);
  if (!validNumber(days)) return [{ ...base, phase: 'error', message: `the certificate's remaining days (${String(days)}) are not a number` }];
  if (!validNumber(e.minDays) || (e.warnDays !== undefined && !validNumber(e.warnDays))) {
    return [{ ...base, phase: 'error', message: 'cannot evaluate certificate expiry: minDays and warnDays must be numbers' }];
  }

  const who = `the certificate for ${m.host}`;
  if (days < 0) {
    return [{ ...base, phase: 'failed', message: `${who} expired ${formatDays(-days, 'up')} ago (valid to ${cert.validTo})` }];
  }
  const left = `${who} expires in ${formatDays(days, 'down')} (${cert.validTo})`;
  if (days < e.minDays) {
    return [{ ...base, phase: 'failed', message: `${left}, below the minimum of ${e.minDays} days` }];
  }
  if (e.warnDays !== undefined && days < e.warnDays) {
    return [{ ...base, phase: 'degraded', message: `${left}, below the warning level of ${e.warnDays} days: renew it soon` }];
  }
  return [{ ...base, phase: 'passed', message: left }];
}

/** One decimal, rounded toward the side that never makes a failing value read like a passing one. */
function formatDays(days: number, direction: 'up' | 'down'): string {
  const tenths = direction === 'down' ? Math.floor(days * 10) / 10 : Math.ceil(days * 10) / 10;
  return `${tenths.toFixed(1)} days`;
}
