/**
 * Fault declarations for the sandbox: the types, the string grammar, validation of both forms,
 * and matching a request against them. Applying a fault to a response lives in fault-pipeline.ts.
 *
 * String grammar: `kind[=value][,key=value...]`, e.g. `latency=200,rate=5%,path=/api/*`.
 * `path=` is a glob where `*` matches any run of characters (including `/`); `rate=` is a
 * fraction 0..1 (or a percentage `5%`); `tenant=` limits a fault to requests carrying that
 * `X-Tenant-ID` (one broken tenant, e.g. `errors=1,tenant=contoso`). Values cannot contain commas.
 */
import { RevgateError, ErrorCodes, type Diagnostic } from '../core/errors.js';

/** Narrows a fault to some requests. */
export interface FaultScope {
  /** Glob over the request path (`*` matches anything, query excluded). Default: every non-control route. */
  path?: string;
  /** Fraction 0..1 of matching requests affected, rolled per request. Default 1. */
  rate?: number;
  /** Only requests whose `X-Tenant-ID` header equals this (one broken tenant). Default: every request. */
  tenant?: string;
}

/** Adds `ms` (or a uniform delay in `ms..maxMs`) before the request is handled. */
export interface LatencyFault extends FaultScope {
  kind: 'latency';
  ms: number;
  maxMs?: number;
}
/** A fraction (`rate`) of matching requests answer `status` (default 500) `{"detail":"injected error"}`. */
export interface ErrorsFault extends FaultScope {
  kind: 'errors';
  status?: number;
  /** Only the first N matching requests fail, then the endpoint recovers (a deterministic flake). */
  first?: number;
}
/** Matching requests answer 503, or (`mode: 'reset'`) have their connection destroyed. */
export interface DownFault extends FaultScope {
  kind: 'down';
  mode?: 'status' | 'reset';
}
/** 200 with the right content type and the wrong content. */
export interface WrongBodyFault extends FaultScope {
  kind: 'wrong-body';
}
/** 200 text/html sign-in page instead of the API response (an SSO proxy in front of the API). */
export interface LoginPageFault extends FaultScope {
  kind: 'login-page';
}
/** `/health/ready` answers 503 not_ready with an unhealthy database. */
export interface ReadyFailFault {
  kind: 'ready-fail';
  rate?: number;
}
/** For `ms` after the fault is installed every route except `/health/live` answers 503 starting. */
export interface SlowStartFault {
  kind: 'slow-start';
  ms: number;
}
/** Serve https with a server certificate that expires in `days` days (negative: already expired). */
export interface TlsExpiryFault {
  kind: 'tls-expiry';
  days: number;
}
/** 302 to the same URL, forever. */
export interface RedirectLoopFault extends FaultScope {
  kind: 'redirect-loop';
}
/** 200 application/json body of `mb` MiB (default 32), streamed chunked. */
export interface HugeBodyFault extends FaultScope {
  kind: 'huge-body';
  mb?: number;
}

export type FaultSpec =
  | LatencyFault
  | ErrorsFault
  | DownFault
  | WrongBodyFault
  | LoginPageFault
  | ReadyFailFault
  | SlowStartFault
  | TlsExpiryFault
  | RedirectLoopFault
  | HugeBodyFault;

export type FaultKind = FaultSpec['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'latency',
  'errors',
  'down',
  'wrong-body',
  'login-page',
  'ready-fail',
  'slow-start',
  'tls-expiry',
  'redirect-loop',
  'huge-body',
];

/** Paths under this prefix belong to the control API and are never faulted. */
export const CONTROL_PREFIX = '/__sandbox/';

export const DEFAULT_HUGE_BODY_MB = 32;

type FieldType = 'ms' | 'rate' | 'path' | 'status' | 'mode' | 'mb' | 'days' | 'count' | 'tenant';
/** Which fields each kind accepts, and which one the `kind=value` shorthand sets. */
const KIND_FIELDS: Record<FaultKind, { fields: Record<string, FieldType>; value?: string; required?: string }> = {
  latency: { fields: { ms: 'ms', maxMs: 'ms', rate: 'rate', path: 'path', tenant: 'tenant' }, value: 'ms', required: 'ms' },
  errors: { fields: { rate: 'rate', status: 'status', path: 'path', tenant: 'tenant', first: 'count' }, value: 'rate' },
  down: { fields: { mode: 'mode', rate: 'rate', path: 'path', tenant: 'tenant' } },
  'wrong-body': { fields: { rate: 'rate', path: 'path', tenant: 'tenant' } },
  'login-page': { fields: { rate: 'rate', path: 'path', tenant: 'tenant' } },
  'ready-fail': { fields: { rate: 'rate' } },
  'slow-start': { fields: { ms: 'ms' }, value: 'ms', required: 'ms' },
  'tls-expiry': { fields: { days: 'days' }, value: 'days', required: 'days' },
  'redirect-loop': { fields: { rate: 'rate', path: 'path', tenant: 'tenant' } },
  'huge-body': { fields: { mb: 'mb', rate: 'rate', path: 'path', tenant: 'tenant' } },
};

const REQUIRED_EXAMPLES: Partial<Record<FaultKind, string>> = { latency: 'latency=200', 'slow-start': 'slow-start=5000', 'tls-expiry': 'tls-expiry=7' };
const KINDS_HINT = `valid fault kinds: ${FAULT_KINDS.join(', ')}`;
const MAX_MS = 600_000;

function isKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}

/** Checks one field's value (already converted from a string where needed); returns a problem or undefined. */
function checkField(type: FieldType, value: unknown): string | undefined {
  const isNum = typeof value === 'number' && Number.isFinite(value);
  switch (type) {
    case 'ms':
      return isNum && value >= 0 && value <= MAX_MS ? undefined : `must be milliseconds between 0 and ${MAX_MS}`;
    case 'rate':
      return isNum && value >= 0 && value <= 1 ? undefined : 'must be a fraction between 0 and 1 (or a percentage like 5%)';
    case 'status':
      return isNum && Number.isInteger(value) && value >= 400 && value <= 599 ? undefined : 'must be an HTTP status 400-599';
    case 'mode':
      return value === 'status' || value === 'reset' ? undefined : 'must be "status" or "reset"';
    case 'mb':
      return isNum && value > 0 && value <= 1024 ? undefined : 'must be MiB greater than 0 and at most 1024';
    case 'count':
      return isNum && Number.isInteger(value) && value >= 1 && value <= 1_000_000 ? undefined : 'must be a whole number of requests from 1';
    case 'days':
      return isNum && value >= -3650 && value <= 3650 ? undefined : 'must be days between -3650 and 3650';
    case 'tenant':
      return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)
        ? undefined
        : 'must be a tenant id (letters, digits, ".", "_", "-"), as sent in X-Tenant-ID';
    case 'path':
      if (typeof value !== 'string' || !value.startsWith('/')) return 'must be a path glob starting with "/" (e.g. /api/*)';
      if (value.startsWith(CONTROL_PREFIX)) return `must not target the control API (${CONTROL_PREFIX}*), which is never faulted`;
      return undefined;
  }
}

/**
 * Validates a fault given as an object (the JSON form). Returns the spec, or every problem found,
 * each located by a JSON path under `at`.
 */
export function checkFaultObject(input: unknown, at = '$'): { fault?: FaultSpec; problems: Diagnostic[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problems: [{ path: at, message: `must be a fault string or an object with "kind"; ${KINDS_HINT}` }] };
  }
  const record = input as Record<string, unknown>;
  if (!isKind(record.kind)) {
    const got = record.kind === undefined ? 'missing' : JSON.stringify(record.kind);
    return { problems: [{ path: `${at}.kind`, message: `unknown fault kind (${got}); ${KINDS_HINT}` }] };
  }
  const kind = record.kind;
  const { fields, required } = KIND_FIELDS[kind];
  const problems: Diagnostic[] = [];
  const valid = Object.keys(fields).join(', ');
  const fault: Record<string, unknown> = { kind };
  for (const [key, value] of Object.entries(record)) {
    // Optional properties set to undefined are absent, as in TypeScript.
    if (key === 'kind' || value === undefined) continue;
    fault[key] = value;
    const type = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!type) {
      problems.push({ path: `${at}.${key}`, message: `"${kind}" does not take "${key}"; it takes: ${valid || 'nothing'}` });
      continue;
    }
    const problem = checkField(type, value);
    if (problem) problems.push({ path: `${at}.${key}`, message: `${kind} ${key} ${problem}, got ${JSON.stringify(value)}` });
  }
  if (required && record[required] === undefined) {
    const example = REQUIRED_EXAMPLES[kind];
    problems.push({ path: `${at}.${required}`, message: `"${kind}" requires ${required}${example ? ` (e.g. ${example})` : ''}` });
  }
  if (kind === 'latency' && typeof record.maxMs === 'number' && typeof record.ms === 'number' && record.maxMs < record.ms) {
    problems.push({ path: `${at}.maxMs`, message: `latency maxMs (${record.maxMs}) must be >= ms (${record.ms})` });
  }
  if (problems.length > 0) return { problems };
  return { fault: fault as unknown as FaultSpec, problems };
}

const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** Converts a string option value to the type its field wants; returns a problem message on failure. */
function convertValue(kind: FaultKind, key: string, type: FieldType, raw: string): { value?: unknown; problem?: string } {
  if (type === 'path' || type === 'mode' || type === 'tenant') return { value: raw };
  if (type === 'rate' && raw.endsWith('%')) {
    const pct = raw.slice(0, -1);
    if (NUMBER.test(pct)) return { value: Number(pct) / 100 };
  }
  if (NUMBER.test(raw)) return { value: Number(raw) };
  const example = type === 'rate' ? '0.05 or 5%' : type === 'ms' ? '200' : type === 'days' ? '7' : '1';
  return { problem: `${kind} ${key} must be a plain number (e.g. ${example}), got "${raw}"` };
}

function usage(spec: string, message: string, problems: Diagnostic[] = []): RevgateError {
  return new RevgateError(ErrorCodes.Usage, `invalid fault "${spec}": ${message}; ${KINDS_HINT}`, problems);
}

/**
 * Parses `kind[=value][,key=value...]`. Throws RevgateError(Usage) naming the bad part;
 * every message ends with the list of valid kinds.
 */
export function parseFault(spec: string): FaultSpec {
  const text = spec.trim();
  if (text === '') throw usage(spec, 'empty fault spec');
  const [head = '', ...options] = text.split(',').map((part) => part.trim());
  const eq = head.indexOf('=');
  const kindText = (eq === -1 ? head : head.slice(0, eq)).trim();
  if (!isKind(kindText)) throw usage(spec, `unknown fault kind "${kindText}"`);
  const kind = kindText;
  const def = KIND_FIELDS[kind];
  const out: Record<string, unknown> = { kind };
  const problems: string[] = [];
  const failed = new Set<string>();

  const set = (key: string, raw: string, shown: string): void => {
    const type = Object.hasOwn(def.fields, key) ? def.fields[key] : undefined;
    if (!type) {
      problems.push(`"${kind}" does not take "${shown}"; it takes: ${Object.keys(def.fields).join(', ') || 'nothing'}`);
      return;
    }
    if (Object.hasOwn(out, key)) {
      problems.push(`${kind} ${key} is given twice`);
      return;
    }
    if (raw === '') {
      problems.push(`${kind} ${key} has an empty value`);
      failed.add(key);
      return;
    }
    const converted = convertValue(kind, key, type, raw);
    if (converted.problem) {
      problems.push(converted.problem);
      failed.add(key);
    } else out[key] = converted.value;
  };

  if (eq !== -1) {
    const raw = head.slice(eq + 1).trim();
    if (!def.value) problems.push(`"${kind}" takes no value after "=" (got "${raw}"); use ${kind}[,key=value]`);
    else if (kind === 'latency' && /^\d+(?:\.\d+)?-\d+(?:\.\d+)?$/.test(raw)) {
      const [min = '', max = ''] = raw.split('-');
      out.ms = Number(min);
      out.maxMs = Number(max);
    } else if (kind === 'latency' && !NUMBER.test(raw)) {
      failed.add('ms');
      problems.push(`latency value must be MS or MIN-MAX milliseconds (e.g. latency=200 or latency=100-300), got "${raw}"`);
    } else set(def.value, raw, def.value);
  }
  for (const option of options) {
    if (option === '') {
      problems.push('empty option (stray comma)');
      continue;
    }
    const at = option.indexOf('=');
    if (at <= 0) {
      problems.push(`option "${option}" must be key=value`);
      continue;
    }
    const key = option.slice(0, at).trim();
    // The shorthand value may also be spelled out (errors,rate=0.1); maxMs is spelled max in strings too.
    const field = kind === 'latency' && key === 'max' ? 'maxMs' : key;
    set(field, option.slice(at + 1).trim(), key);
  }
  // Check what did convert too, so one message lists every problem; skip fields already reported.
  const checked = checkFaultObject(out);
  if (checked.fault && problems.length === 0) return checked.fault;
  const semantic = checked.problems.filter((p) => !failed.has(p.path.slice(2))).map((p) => p.message);
  throw usage(spec, [...problems, ...semantic].join('; '));
}

/** Normalizes a list of strings and objects, collecting every problem before throwing. */
export function normalizeFaults(input: ReadonlyArray<string | FaultSpec | unknown>): FaultSpec[] {
  const faults: FaultSpec[] = [];
  const problems: Diagnostic[] = [];
  input.forEach((item, i) => {
    const at = `$.faults[${i}]`;
    if (typeof item === 'string') {
      try {
        faults.push(parseFault(item));
      } catch (err) {
        problems.push({ path: at, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    const checked = checkFaultObject(item, at);
    if (checked.fault) faults.push(checked.fault);
    problems.push(...checked.problems);
  });
  const tlsCount = faults.filter((f) => f.kind === 'tls-expiry').length;
  if (tlsCount > 1) problems.push({ path: '$.faults', message: 'at most one tls-expiry fault (a listener has one certificate)' });
  const slowCount = faults.filter((f) => f.kind === 'slow-start').length;
  if (slowCount > 1) problems.push({ path: '$.faults', message: 'at most one slow-start fault' });
  if (problems.length > 0) {
    const message =
      problems.length === 1 ? problems[0]!.message : `${problems.length} invalid faults:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`;
    throw new RevgateError(ErrorCodes.Usage, message, problems);
  }
  return faults;
}

/** The canonical string form; `parseFault(formatFault(f))` deep-equals `f`. */
export function formatFault(fault: FaultSpec): string {
  const { kind, ...rest } = fault as FaultSpec & Record<string, unknown>;
  const def = KIND_FIELDS[kind];
  const parts: string[] = [kind];
  const values = rest as Record<string, unknown>;
  if (kind === 'latency' && values.maxMs !== undefined) parts[0] = `latency=${String(values.ms)}-${String(values.maxMs)}`;
  else if (def.value && values[def.value] !== undefined) parts[0] = `${kind}=${String(values[def.value])}`;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || key === def.value || (kind === 'latency' && key === 'maxMs')) continue;
    parts.push(`${key}=${String(value)}`);
  }
  return parts.join(',');
}

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

const globCache = new Map<string, RegExp>();

/** Does a fault's path scope cover this request path? Control paths never match. */
export function pathMatches(fault: FaultSpec, pathname: string): boolean {
  if (pathname.startsWith(CONTROL_PREFIX)) return false;
  const glob = 'path' in fault ? fault.path : undefined;
  if (glob === undefined) return true;
  let re = globCache.get(glob);
  if (!re) {
    re = globToRegExp(glob);
    globCache.set(glob, re);
  }
  return re.test(pathname);
}

/** Does a fault's tenant scope cover a request with this X-Tenant-ID (undefined: no header)? */
export function tenantMatches(fault: FaultSpec, tenantId: string | undefined): boolean {
  const wanted = 'tenant' in fault ? fault.tenant : undefined;
  return wanted === undefined || wanted === tenantId;
}

/** Rolls the fault's rate; consumes no randomness when the rate is 1 so seeded runs stay stable. */
export function rollRate(fault: FaultSpec, random: () => number): boolean {
  const rate = 'rate' in fault && fault.rate !== undefined ? fault.rate : 1;
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return random() < rate;
}

/** mulberry32: a tiny seedable PRNG so fault rates are reproducible in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
