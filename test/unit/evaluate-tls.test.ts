import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateTls } from '../../src/evaluate/tls.js';
import type { NetErrorKind, TlsExpectations, TlsMeasurement } from '../../src/evaluate/types.js';
import { assertResults, type Expected } from './evaluate-fixtures.js';

const cert = (daysRemaining: number): TlsMeasurement => ({
  kind: 'tls',
  host: 'api.example.io',
  port: 443,
  durationMs: 35,
  certificate: {
    subject: 'CN=api.example.io',
    issuer: "CN=R11, O=Let's Encrypt",
    validFrom: '2025-01-01T00:00:00.000Z',
    validTo: '2025-04-01T00:00:00.000Z',
    daysRemaining,
  },
});

const failure = (kind: NetErrorKind, code: string | undefined, message: string): TlsMeasurement => ({
  kind: 'tls',
  host: 'api.example.io',
  port: 8443,
  durationMs: 5000,
  error: { kind, ...(code ? { code } : {}), message },
});

const both: TlsExpectations = { warnDays: 30, minDays: 14 };

const rows: { name: string; m: TlsMeasurement; e: TlsExpectations; want: Expected }[] = [
  {
    name: 'plenty of days left',
    m: cert(80),
    e: both,
    want: {
      name: 'certificate-expiry',
      phase: 'passed',
      message: /^the certificate for api\.example\.io expires in 80\.0 days \(2025-04-01T00:00:00\.000Z\)$/,
    },
  },
  { name: 'exactly warnDays left passes', m: cert(30), e: both, want: { name: 'certificate-expiry', phase: 'passed' } },
  {
    name: 'just below warnDays is degraded',
    m: cert(29.99),
    e: both,
    want: { name: 'certificate-expiry', phase: 'degraded', message: /expires in 29\.9 days .*below the warning level of 30 days: renew it soon$/ },
  },
  { name: 'exactly minDays left passes the minimum (degraded by warn)', m: cert(14), e: both, want: { name: 'certificate-expiry', phase: 'degraded' } },
  { name: 'exactly minDays without a warn level passes', m: cert(14), e: { minDays: 14 }, want: { name: 'certificate-expiry', phase: 'passed' } },
  {
    name: 'just below minDays fails, and never reads like the minimum',
    m: cert(13.99),
    e: both,
    want: { name: 'certificate-expiry', phase: 'failed', message: /expires in 13\.9 days \(.*\), below the minimum of 14 days$/ },
  },
  { name: 'expiring today fails', m: cert(0.2), e: both, want: { name: 'certificate-expiry', phase: 'failed' } },
  { name: 'zero days with minDays 0 passes', m: cert(0), e: { minDays: 0 }, want: { name: 'certificate-expiry', phase: 'passed' } },
  {
    name: 'expired fails',
    m: cert(-3.01),
    e: both,
    want: {
      name: 'certificate-expiry',
      phase: 'failed',
      message: /^the certificate for api\.example\.io expired 3\.1 days ago \(valid to 2025-04-01T00:00:00\.000Z\)$/,
    },
  },
  {
    name: 'expired fails even with minDays 0',
    m: cert(-0.01),
    e: { minDays: 0 },
    want: { name: 'certificate-expiry', phase: 'failed', message: /expired 0\.1 days ago/ },
  },
  {
    name: 'handshake error fails with the reason',
    m: failure('tls', 'CERT_HAS_EXPIRED', 'certificate has expired'),
    e: both,
    want: {
      name: 'tls',
      phase: 'failed',
      message: /^TLS handshake failed: CERT_HAS_EXPIRED: certificate has expired \(is the certificate valid for this host\?\)$/,
    },
  },
  {
    name: 'self-signed chain fails',
    m: failure('tls', 'SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    e: both,
    want: { name: 'tls', phase: 'failed', message: /SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain/ },
  },
  {
    name: 'DNS error fails',
    m: failure('dns', 'ENOTFOUND', 'getaddrinfo ENOTFOUND'),
    e: both,
    want: { name: 'tls', phase: 'failed', message: /^DNS lookup failed for api\.example\.io \(ENOTFOUND\)/ },
  },
  {
    name: 'refused connection fails',
    m: failure('connect', 'ECONNREFUSED', 'connect ECONNREFUSED'),
    e: both,
    want: { name: 'tls', phase: 'failed', message: /^connection refused by api\.example\.io:8443/ },
  },
  { name: 'timeout fails', m: failure('timeout', undefined, 'timed out'), e: both, want: { name: 'tls', phase: 'failed', message: /gave up after 5000 ms/ } },
  {
    name: 'no certificate and no error cannot be evaluated',
    m: { kind: 'tls', host: 'api.example.io', port: 443, durationMs: 1 },
    e: both,
    want: { name: 'tls', phase: 'error', message: /no certificate was recorded for api\.example\.io:443/ },
  },
  { name: 'non-numeric days cannot be evaluated', m: cert(Number.NaN), e: both, want: { name: 'certificate-expiry', phase: 'error' } },
  { name: 'a non-numeric minimum cannot be evaluated', m: cert(50), e: { minDays: Number.NaN }, want: { name: 'certificate-expiry', phase: 'error' } },
];

for (const row of rows) {
  test(`evaluateTls: ${row.name}`, () => {
    assertResults(evaluateTls(row.m, row.e), [row.want]);
  });
}

test('evaluateTls: actual carries the certificate facts, expected the limits', () => {
  const [r] = evaluateTls(cert(20), both);
  assert.deepEqual(r?.expected, { minDays: 14, warnDays: 30 });
  assert.deepEqual(r?.actual, { daysRemaining: 20, validTo: '2025-04-01T00:00:00.000Z', subject: 'CN=api.example.io', issuer: "CN=R11, O=Let's Encrypt" });
});
