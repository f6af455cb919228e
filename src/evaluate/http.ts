import type { AssertionResult, HttpExpectations, HttpMeasurement, JsonMatcher } from './types.js';
import { getPathSegments, parsePath, PathSyntaxError } from './json-path.js';
import { describeHtml, htmlSummary, isHtml, mediaType, parseJsonBody, type ResponseLike } from './json-body.js';
import { evaluateLatency } from './latency.js';
import { matchValue, validateMatcher } from './matchers.js';
import { describeNetError, targetOf } from './net-errors.js';
import { validatePrometheusText } from './prometheus.js';
import { checkSchema } from './schema.js';
import { describeStatus, statusMatcher, validateStatusSpec } from './status.js';
import { bodySnippet, shortValue, truncate } from './text.js';

/**
 * Assertion names, stable for reports and history:
 *   request                      no usable response (DNS, connect, timeout, TLS, ...)
 *   status  latency  content-type  header:<name>  json  json:<path>  schema
 *   body-contains:<text>  body-not-contains:<text>  prometheus  prometheus:<metric>
 *   evaluate                     the evaluator itself could not run (phase `error`)
 */

// Response header values that are credentials: their presence is reported, never their value.
const SECRET_RESPONSE_HEADERS = new Set(['set-cookie', 'authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'ocp-apim-subscription-key']);

const NAME_TEXT_MAX = 60;

/** Evaluate one HTTP measurement against its expectations. Pure, synchronous; never throws. */
export function evaluateHttp(m: HttpMeasurement, e: HttpExpectations): AssertionResult[] {
  try {
    return evaluate(m, e);
  } catch (err) {
    // A bug or an unvalidated expectation must surface as "could not evaluate", never crash the run or pass.
    return [{ name: 'evaluate', phase: 'error', message: `could not evaluate the response: ${truncate(String((err as Error)?.message ?? err))}` }];
  }
}

function evaluate(m: HttpMeasurement, e: HttpExpectations): AssertionResult[] {
  if (m.error) {
    return [
      {
        name: 'request',
        phase: 'failed',
        message: describeNetError(m.error, targetOf(m.url), m.durationMs),
        expected: 'a response',
        actual: { kind: m.error.kind, ...(m.error.code ? { code: m.error.code } : {}) },
      },
    ];
  }
  const res = m.response;
  if (!res) {
    return [{ name: 'request', phase: 'error', message: 'the measurement has neither a response nor an error: nothing to evaluate' }];
  }

  const results: AssertionResult[] = [evaluateStatus(res.status, res, e.status)];
  if (e.latency) results.push(evaluateLatency(requestLatencyMs(m), e.latency, m.connectMs));
  if (e.contentType !== undefined) results.push(evaluateContentType(res, e.contentType));
  for (const [name, want] of Object.entries(e.headers ?? {})) results.push(evaluateHeader(res, name, want));
  if (e.json !== undefined || e.schema !== undefined) results.push(...evaluateJson(res, e));
  for (const text of e.bodyContains ?? []) results.push(evaluateContains(res, text, true));
  for (const text of e.bodyNotContains ?? []) results.push(evaluateContains(res, text, false));
  if (e.prometheus) results.push(...evaluatePrometheus(res, e.prometheus === true ? {} : e.prometheus));
  return results;
}

/** What latency budgets judge: the exchange without the connection setup it paid for (see HttpMeasurement.connectMs). */
export function requestLatencyMs(m: HttpMeasurement): number {
  return m.connectMs !== undefined && m.connectMs > 0 && m.connectMs <= m.durationMs ? m.durationMs - m.connectMs : m.durationMs;
}

function evaluateStatus(status: number, res: ResponseLike, spec: HttpExpectations['status']): AssertionResult {
  const problem = validateStatusSpec(spec);
  if (problem) return { name: 'status', phase: 'error', message: `cannot evaluate status: ${problem}`, expected: spec, actual: status };
  const matcher = statusMatcher(spec);
  const base = { name: 'status', expected: matcher.description, actual: status };
  if (matcher.matches(status)) return { ...base, phase: 'passed', message: `status ${describeStatus(status)}` };
  const body = res.bodyText.trim() === '' ? 'the body is empty' : `body: ${JSON.stringify(bodySnippet(res.bodyText))}`;
  const html = isHtml(res) ? `; the body is ${htmlSummary(res)}` : '';
  return {
    ...base,
    phase: 'failed',
    message: `expected status ${matcher.description}, got ${describeStatus(status)}${html}; ${body}`,
  };
}

function evaluateContentType(res: ResponseLike, expected: string): AssertionResult {
  if (typeof expected !== 'string') return { name: 'content-type', phase: 'error', message: 'contentType must be a string' };
  const header = res.headers['content-type'];
  const want = mediaType(expected) ?? '';
  const base = { name: 'content-type', expected: want, ...(header === undefined ? {} : { actual: truncate(header) }) };
  if (header === undefined) return { ...base, phase: 'failed', message: `no Content-Type header (expected ${want})` };
  const got = mediaType(header) ?? '';
  if (got.startsWith(want)) return { ...base, phase: 'passed', message: `Content-Type ${truncate(header)}` };
  const hint = got === 'text/html' && want !== 'text/html' ? `; the body is ${htmlSummary(res)}` : '';
  return { ...base, phase: 'failed', message: `expected Content-Type ${want}, got ${truncate(header)}${hint}` };
}

function evaluateHeader(res: ResponseLike, rawName: string, want: boolean | string): AssertionResult {
  const name = rawName.toLowerCase();
  if (typeof want !== 'boolean' && typeof want !== 'string') {
    return { name: `header:${name}`, phase: 'error', message: `expectation for header ${name} must be true, false or a string` };
  }
  const value = res.headers[name];
  const secret = SECRET_RESPONSE_HEADERS.has(name);
  const shown = value === undefined ? undefined : secret ? '[redacted]' : truncate(value);
  const base = { name: `header:${name}`, expected: secret && typeof want === 'string' ? '[redacted]' : want, actual: shown };
  if (want === true) {
    return value === undefined
      ? { ...base, phase: 'failed', message: `header ${name} is missing` }
      : { ...base, phase: 'passed', message: `header ${name} is present` };
  }
  if (want === false) {
    return value === undefined
      ? { ...base, phase: 'passed', message: `header ${name} is absent` }
      : { ...base, phase: 'failed', message: `header ${name} should be absent but is present${secret ? '' : `: ${JSON.stringify(shown)}`}` };
  }
  if (value === undefined)
    return { ...base, phase: 'failed', message: `header ${name} is missing (expected ${secret ? 'a value' : JSON.stringify(truncate(want))})` };
  if (value === want) return { ...base, phase: 'passed', message: `header ${name} has the expected value` };
  return {
    ...base,
    phase: 'failed',
    message: secret
      ? `header ${name} does not have the expected value`
      : `header ${name} is ${JSON.stringify(shown)}, expected ${JSON.stringify(truncate(want))}`,
  };
}

function evaluateJson(res: ResponseLike, e: HttpExpectations): AssertionResult[] {
  const body = parseJsonBody(res);
  if (!body.ok) {
    // Path and schema assertions cannot be evaluated against a body that is not JSON; one clear failure says why.
    return [{ name: 'json', phase: 'failed', message: body.message, expected: 'a JSON body', actual: mediaType(res.headers['content-type']) }];
  }
  const results: AssertionResult[] = [{ name: 'json', phase: 'passed', message: `the body is JSON (${res.bodyBytes} bytes)` }];
  for (const [path, matcher] of Object.entries(e.json ?? {})) results.push(evaluateJsonPath(body.value, path, matcher));
  if (e.schema !== undefined) results.push(evaluateSchema(body.value, e.schema));
  return results;
}

function evaluateJsonPath(value: unknown, path: string, matcher: JsonMatcher): AssertionResult {
  const name = `json:${path}`;
  let segments;
  try {
    segments = parsePath(path);
  } catch (err) {
    if (!(err instanceof PathSyntaxError)) throw err;
    return { name, phase: 'error', message: err.message, expected: matcher };
  }
  const problem = validateMatcher(matcher);
  if (problem) return { name, phase: 'error', message: `invalid matcher for ${path}: ${problem}`, expected: matcher };

  const lookup = getPathSegments(value, segments);
  const result = matchValue(lookup.found ? lookup.value : undefined, matcher);
  const actual = lookup.found ? { actual: shortValue(lookup.value) } : {};
  if (result.ok) return { name, phase: 'passed', message: `${path} ${result.message}`, expected: matcher, ...actual };
  const message = lookup.found ? `${path}: ${result.message}` : `${path} not found in the response body: ${lookup.reason ?? 'no such path'}`;
  return { name, phase: 'failed', message, expected: matcher, ...actual };
}

function evaluateSchema(value: unknown, schema: Record<string, unknown>): AssertionResult {
  const outcome = checkSchema(value, schema);
  if (outcome.valid === 'error') return { name: 'schema', phase: 'error', message: `cannot evaluate schema: ${outcome.message}` };
  if (outcome.valid) return { name: 'schema', phase: 'passed', message: 'the body matches the schema' };
  const more = outcome.errorCount > outcome.errors.length ? `; and ${outcome.errorCount - outcome.errors.length} more` : '';
  const count = `${outcome.errorCount} error${outcome.errorCount === 1 ? '' : 's'}`;
  return {
    name: 'schema',
    phase: 'failed',
    message: `the body does not match the schema (${count}): ${outcome.errors.join('; ')}${more}`,
    actual: outcome.errors,
  };
}

function evaluateContains(res: ResponseLike, text: string, shouldContain: boolean): AssertionResult {
  const kind = shouldContain ? 'body-contains' : 'body-not-contains';
  if (typeof text !== 'string') return { name: kind, phase: 'error', message: `${kind} entries must be strings` };
  const name = `${kind}:${truncate(text, NAME_TEXT_MAX)}`;
  const quoted = JSON.stringify(truncate(text));
  const at = res.bodyText.indexOf(text);
  if (shouldContain) {
    if (at >= 0) return { name, phase: 'passed', message: `the body contains ${quoted}`, expected: text };
    const start = isHtml(res) ? `${describeHtml(res, 'the text')}` : `the body starts with: ${JSON.stringify(bodySnippet(res.bodyText))}`;
    return {
      name,
      phase: 'failed',
      message: `the body does not contain ${quoted}; ${res.bodyText.trim() === '' ? 'the body is empty' : start}`,
      expected: text,
    };
  }
  if (at < 0) return { name, phase: 'passed', message: `the body does not contain ${quoted}`, expected: text };
  const context = bodySnippet(res.bodyText.slice(Math.max(0, at - 40), at + text.length + 40), 120);
  return { name, phase: 'failed', message: `the body contains ${quoted} at character ${at}: ${JSON.stringify(context)}`, expected: text };
}

function evaluatePrometheus(res: ResponseLike, spec: { requiredMetrics?: string[] }): AssertionResult[] {
  const report = validatePrometheusText(res.bodyText);
  const results: AssertionResult[] = [];
  if (report.valid) {
    results.push({
      name: 'prometheus',
      phase: 'passed',
      message: `valid Prometheus text format: ${report.families.length} metric families, ${report.sampleCount} samples`,
    });
  } else {
    const html = isHtml(res) ? `${describeHtml(res, 'Prometheus metrics')}; ` : '';
    const listed = report.errors.slice(0, 5).join('; ');
    const more = report.errorCount > 5 ? `; and ${report.errorCount - 5} more` : '';
    results.push({
      name: 'prometheus',
      phase: 'failed',
      message: `${html}invalid Prometheus text format (${report.errorCount} error${report.errorCount === 1 ? '' : 's'}): ${listed}${more}`,
      actual: report.errors,
    });
  }
  const present = new Set([...report.families, ...report.metrics]);
  for (const metric of spec.requiredMetrics ?? []) {
    const ok = present.has(metric);
    results.push({
      name: `prometheus:${metric}`,
      phase: ok ? 'passed' : 'failed',
      message: ok ? `metric ${metric} is exposed` : `metric ${metric} is not exposed (${report.families.length} families found)`,
      expected: metric,
    });
  }
  return results;
}
