/** Builders shared by the evaluate-* unit tests (not a test file itself). */
import assert from 'node:assert/strict';
import type { AssertionResult, HttpMeasurement, NetErrorKind, Phase } from '../../src/evaluate/types.js';

/** The URL carries credentials and a signed query on purpose: no message may repeat them. */
export const SECRET_URL = 'https://deploy:hunter2@api--rev7.example.io/health?sig=SECRETSIG';

export function response(bodyText: string, opts: { status?: number; headers?: Record<string, string>; durationMs?: number } = {}): HttpMeasurement {
  return {
    kind: 'http',
    method: 'GET',
    url: SECRET_URL,
    durationMs: opts.durationMs ?? 42,
    response: {
      status: opts.status ?? 200,
      headers: opts.headers ?? {},
      bodyText,
      bodyBytes: Buffer.byteLength(bodyText),
    },
  };
}

export function jsonResponse(value: unknown, opts: { status?: number; durationMs?: number } = {}): HttpMeasurement {
  return response(JSON.stringify(value), { ...opts, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

export function netError(kind: NetErrorKind, code: string | undefined, message: string, durationMs = 42): HttpMeasurement {
  return { kind: 'http', method: 'GET', url: SECRET_URL, durationMs, error: { kind, ...(code ? { code } : {}), message } };
}

export interface Expected {
  name: string;
  phase: Phase;
  message?: RegExp;
  /** The message must NOT match this. */
  notMessage?: RegExp;
}

/** The results must be exactly these names and phases, in order, with matching messages. */
export function assertResults(results: AssertionResult[], expected: Expected[]): void {
  assert.deepEqual(
    results.map((r) => `${r.name}=${r.phase}`),
    expected.map((e) => `${e.name}=${e.phase}`),
    `results: ${JSON.stringify(results, null, 2)}`,
  );
  expected.forEach((e, i) => {
    const r = results[i] as AssertionResult;
    if (e.message) assert.match(r.message, e.message);
    if (e.notMessage) assert.doesNotMatch(r.message, e.notMessage);
  });
}

/** No message or actual value may repeat the URL's credentials or signed query. */
export function assertNoUrlSecrets(results: AssertionResult[]): void {
  const text = JSON.stringify(results);
  assert.doesNotMatch(text, /hunter2|SECRETSIG|deploy:/);
}
