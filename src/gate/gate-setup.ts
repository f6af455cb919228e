/**
 * Everything `revgate gate` is given, checked before anything is sent: options, the criteria file,
 * the load profile, sandbox faults, the tag scopes the gates read, and where traffic may go. Every
 * problem is collected and reported at once (exit 3).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { parseDurationMs } from '../thresholds/threshold.js';
import { loadProfile } from '../load/profile.js';
import { checkTarget } from '../traffic/safety.js';
import { parseCriteria, type CanaryCriteria } from './criteria.js';
import { DEFAULT_TOKEN_ENV, loadConfig } from '../config/load.js';
import { mixFromConfig } from './config-mix.js';
import { builtinMix, checkScopes, combineMixes, mixFromProfile, type RequestMix } from './request-mix.js';
import { checkJsonDepth } from '../core/input-json.js';
import { readCaFile } from '../http/ca-file.js';

export interface GateOptions {
  canary?: string;
  baseline?: string;
  criteria: string;
  profile?: string;
  /** Smoke config whose replayable checks join the mix, and its environment. */
  config?: string;
  env?: string;
  /** k6 duration, e.g. 10m; default the criteria's maxDuration, else 10m. */
  maxDuration?: string;
  /** Requests per revision. */
  maxRequests?: number;
  /** Requests per second per revision; default 50 (300 with --sandbox). */
  rate?: number;
  /** Overrides the criteria's confidence. */
  confidence?: number;
  /** The canary and baseline are injected sandboxes that accept `sandboxToken`. */
  sandbox: boolean;
  sandboxToken?: string;
  /** Sandbox faults given (checked by the sandbox launcher); here only to refuse them without --sandbox. */
  faults: string[];
  allowHosts: string[];
  caFile?: string;
  maxInFlight?: number;
}

export interface GateSetup {
  criteria: CanaryCriteria;
  /** Criteria file as given, for messages. */
  criteriaFile: string;
  mix: RequestMix;
  /** --sandbox: the bearer token both sandbox revisions accept (a secret). */
  sandboxToken?: string;
  ratePerSecond: number;
  maxRequests: number;
  maxDurationMs: number;
  maxInFlight: number;
  ca?: string;
}

export const DEFAULT_RATE = 50;
export const DEFAULT_SANDBOX_RATE = 300;
export const DEFAULT_MAX_DURATION_MS = 600_000;
const MAX_DURATION_LIMIT_MS = 24 * 3_600_000;
export const USER_AGENT = `revgate-gate/${VERSION}`;

/** Checks everything; returns the setup or throws one RevgateError (exit 3) listing every problem. */
export function prepareGate(o: GateOptions, env: Record<string, string | undefined>): GateSetup {
  const problems: Diagnostic[] = [];
  const add = (p: string, message: string): void => void problems.push({ path: p, message });

  if (o.sandbox && (o.canary || o.baseline)) add('--sandbox', 'starts its own canary and baseline: drop --canary/--baseline, or drop --sandbox');
  if (!o.sandbox && !o.canary) add('--canary', "is required (the new revision's URL), unless --sandbox");
  if (!o.sandbox && o.faults.length) add('--fault', 'only applies with --sandbox');
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0 && o.rate <= 10_000))
    add('--rate', `must be requests per second per revision, more than 0 and at most 10000, got ${o.rate}`);
  if (o.maxRequests !== undefined && !(Number.isInteger(o.maxRequests) && o.maxRequests >= 1))
    add('--max-requests', `must be a whole number of requests per revision, at least 1, got ${o.maxRequests}`);
  if (o.maxInFlight !== undefined && !(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1 && o.maxInFlight <= 10_000))
    add('--max-in-flight', `must be a whole number from 1 to 10000, got ${o.maxInFlight}`);
  if (o.confidence !== undefined && !(o.confidence > 0 && o.confidence < 1))
    add('--confidence', `must be strictly between 0 and 1 (e.g. 0.95), got ${o.confidence}`);
  let maxDurationMs: number | undefined;
  if (o.maxDuration !== undefined) {
    maxDurationMs = parseDurationMs(o.maxDuration);
    if (maxDurationMs === undefined || maxDurationMs <= 0 || maxDurationMs > MAX_DURATION_LIMIT_MS)
      add('--max-duration', `"${o.maxDuration}" is not a duration from 1ms to 24h like 10m, 90s or 500ms`);
  }
  const { criteria, comparisons } = readCriteria(o.criteria, problems);
  if (comparisons.length && !o.sandbox && !o.baseline) {
    add(
      '--baseline',
      `the criteria compare the canary with a baseline (${comparisons.join(', ')}): give --baseline URL (the revision in service), or remove the "compare" entries`,
    );
  }

  // Both sandbox revisions accept one token, made by the CLI before anything starts so the mix (and a profile's ${REVGATE_TOKEN}) can use it.
  const sandboxToken = o.sandbox ? o.sandboxToken : undefined;
  const token = sandboxToken ?? (env.REVGATE_TOKEN || undefined);
  const mix = readMix(o, env, token, problems);
  if (criteria && mix) problems.push(...checkScopes(mix, criteria.scopes));

  const allowedHosts = [...(mix?.allowedHosts ?? []), ...o.allowHosts];
  for (const [flag, url] of [
    ['--canary', o.canary],
    ['--baseline', o.baseline],
  ] as const) {
    if (!url) continue;
    for (const p of checkTarget({ baseUrl: url, allowedHosts, production: false, allowProduction: true })) {
      add(
        flag,
        p.path === '$.allowedHosts'
          ? `${p.message.replace("add it (or a *.domain pattern) to the profile's allowedHosts", "pass --allow-host HOST (or *.domain), or list it in the profile's allowedHosts")}`
          : p.message,
      );
    }
  }
  if (o.canary && o.baseline && sameOrigin(o.canary, o.baseline))
    add('--baseline', 'is the same URL as --canary: a revision compared with itself proves nothing');

  let ca: string | undefined;
  if (o.caFile) {
    const read = readCaFile(o.caFile);
    if ('pem' in read) ca = read.pem;
    else add('--ca-file', read.problem);
  }

  if (problems.length || !criteria || !mix) {
    throw new RevgateError(
      ErrorCodes.Usage,
      `revgate gate: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the options or criteria; nothing was sent:`,
      problems,
      { schema: 'schemas/canary-criteria.schema.json' },
    );
  }
  return {
    criteria: o.confidence !== undefined ? { ...criteria, confidence: o.confidence } : criteria,
    criteriaFile: o.criteria,
    mix,
    ...(sandboxToken ? { sandboxToken } : {}),
    ratePerSecond: o.rate ?? (o.sandbox ? DEFAULT_SANDBOX_RATE : DEFAULT_RATE),
    maxRequests: o.maxRequests ?? Number.MAX_SAFE_INTEGER,
    maxDurationMs: maxDurationMs ?? criteria.maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
    maxInFlight: o.maxInFlight ?? 256,
    ...(ca ? { ca } : {}),
  };
}

/** The traffic: the config's checks and/or a profile's requests, else the built-in mix. Problems are added, never thrown. */
function readMix(
  o: GateOptions,
  env: Record<string, string | undefined>,
  sandboxOrEnvToken: string | undefined,
  problems: Diagnostic[],
): RequestMix | undefined {
  if (!o.config && !o.profile) return builtinMix({ ...(sandboxOrEnvToken ? { token: sandboxOrEnvToken } : {}), userAgent: USER_AGENT });
  const mixes: RequestMix[] = [];
  const attempt = (flag: string, read: () => RequestMix): void => {
    try {
      mixes.push(read());
    } catch (err) {
      if (!(err instanceof RevgateError)) throw err;
      problems.push(...(err.diagnostics.length ? err.diagnostics.map((d) => ({ ...d, path: `${flag} ${d.path}` })) : [{ path: flag, message: err.message }]));
    }
  };
  if (o.config) {
    attempt('--config', () => {
      // The targets are --canary/--baseline: the environment's baseUrl is not used (nor need its variables be set).
      const resolved = loadConfig({
        configPath: o.config as string,
        ...(o.env ? { env: o.env } : {}),
        baseUrl: o.canary ?? 'http://127.0.0.1',
        processEnv: env,
      });
      const token = o.sandbox ? sandboxOrEnvToken : env[resolved.config.auth?.tokenEnv ?? DEFAULT_TOKEN_ENV] || undefined;
      const mix = mixFromConfig(resolved, { ...(token ? { token } : {}), userAgent: USER_AGENT });
      if (!mix.requests.length) throw new RevgateError(ErrorCodes.Usage, `none of its checks can be sent as gate traffic: ${mix.leftOut.join('; ')}`);
      return mix;
    });
  }
  if (o.profile)
    attempt('--profile', () =>
      mixFromProfile(
        loadProfile(path.resolve(o.profile as string), { ...env, ...(sandboxOrEnvToken ? { REVGATE_TOKEN: sandboxOrEnvToken } : {}) }),
        USER_AGENT,
      ),
    );
  return mixes.length === (o.config ? 1 : 0) + (o.profile ? 1 : 0) ? combineMixes(mixes) : undefined;
}

/**
 * Reads and parses the criteria, adding every problem (located in the file) to `problems`. The
 * comparisons are listed even when something else is wrong, so "needs a baseline" is reported too.
 */
function readCriteria(file: string, problems: Diagnostic[]): { criteria?: CanaryCriteria; comparisons: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    problems.push({ path: '--criteria', message: missing ? `criteria file not found: ${file}` : `${file} is not valid JSON: ${(err as Error).message}` });
    return { comparisons: [] };
  }
  try {
    checkJsonDepth(raw, `criteria ${file}`);
  } catch (err) {
    problems.push({ path: '--criteria', message: (err as Error).message });
    return { comparisons: [] };
  }
  try {
    const criteria = parseCriteria(raw, file);
    return { criteria, comparisons: criteria.gates.filter((g) => g.kind === 'compare-rate' || g.kind === 'compare-quantile').map((g) => g.id) };
  } catch (err) {
    if (!(err instanceof RevgateError)) throw err;
    problems.push(...err.diagnostics);
    const compare = (raw as { compare?: unknown } | null)?.compare;
    const comparisons = Array.isArray(compare) ? compare.map((c: { metric?: unknown }, i) => `compare[${i}] ${String(c?.metric ?? '')}`.trim()) : [];
    return { comparisons };
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/$/, '') === y.pathname.replace(/\/$/, '');
  } catch {
    return false;
  }
}
