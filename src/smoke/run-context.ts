import { loadConfig } from '../config/load.js';
import type { CheckConfig, ResolvedConfig } from '../config/types.js';
import { Redactor } from '../secrets/redactor.js';
import { DEFAULT_TOKEN_ENV } from '../config/load.js';
import type { Secret } from '../run/command.js';

/**
 * What the parent CLI hands to the Playwright run, through environment variables (never files in
 * the output folder, which would have to be scrubbed): the config location and selection, the run id,
 * and the resolved bearer token.
 */
export const RunEnv = {
  config: 'REVGATE_CONFIG',
  env: 'REVGATE_ENV',
  baseUrl: 'REVGATE_BASE_URL',
  runId: 'REVGATE_RUN_ID',
  out: 'REVGATE_OUT',
  results: 'REVGATE_RESULTS_FILE',
  token: 'REVGATE_RESOLVED_TOKEN',
  retries: 'REVGATE_RETRIES',
  workers: 'REVGATE_WORKERS',
  specs: 'REVGATE_SPECS',
  allowDestructive: 'REVGATE_ALLOW_DESTRUCTIVE',
} as const;

export interface PlannedCheck {
  check: CheckConfig;
  /** Set when the check is declared but must not run here, with the reason. */
  skip?: string;
}

export interface RunContext {
  resolved: ResolvedConfig;
  baseUrl: string;
  runId: string;
  token?: string;
  /** Header name -> env var name used in reproduce commands instead of the secret value. */
  secretEnvRefs: Record<string, string>;
  redactor: Redactor;
  planned: PlannedCheck[];
}

/** Which declared checks run in this environment, and why the others do not. Pure. */
export function planChecks(resolved: ResolvedConfig, allowDestructive: boolean): PlannedCheck[] {
  const production = resolved.target.production === true;
  return resolved.config.checks.map((check) => {
    if (check.environments && !check.environments.includes(resolved.environment)) {
      return { check, skip: `only runs in ${check.environments.join(', ')} (this is ${resolved.environment})` };
    }
    if (production && check.readOnly === false && !allowDestructive) {
      return { check, skip: 'changes data and the environment is production (pass --allow-destructive to run it)' };
    }
    return { check };
  });
}

/** A run's secrets: the token, secret env vars, and secret-named env headers. */
export function runSecrets(resolved: ResolvedConfig, token: string | undefined, env: Record<string, string | undefined>): Secret[] {
  const secrets: Secret[] = [];
  if (token) secrets.push({ value: token, label: 'token' });
  for (const name of resolved.secretEnv) {
    const v = env[name];
    if (v) secrets.push({ value: v, label: name });
  }
  const secretHeaders = new Set(['authorization', 'ocp-apim-subscription-key', 'x-api-key', ...resolved.secretHeaders]);
  for (const [k, v] of Object.entries(resolved.target.headers ?? {})) if (secretHeaders.has(k.toLowerCase())) secrets.push({ value: v, label: k });
  return secrets;
}

/** The redactor a Playwright worker builds for itself from the same secrets. */
export function buildRedactor(resolved: ResolvedConfig, token: string | undefined, env: Record<string, string | undefined>): Redactor {
  const redactor = new Redactor();
  for (const s of runSecrets(resolved, token, env)) redactor.add(s.value, s.label);
  return redactor;
}

export function loadRunContext(env: Record<string, string | undefined> = process.env): RunContext {
  const configPath = env[RunEnv.config];
  if (!configPath) throw new Error(`${RunEnv.config} is not set: run the declared checks through "revgate smoke", not "playwright test" directly`);
  const resolved = loadConfig({
    configPath,
    ...(env[RunEnv.env] ? { env: env[RunEnv.env] } : {}),
    ...(env[RunEnv.baseUrl] ? { baseUrl: env[RunEnv.baseUrl] } : {}),
    processEnv: env,
  });
  const token = env[RunEnv.token] || undefined;
  return buildRunContext({
    resolved,
    runId: env[RunEnv.runId] ?? 'local',
    ...(token ? { token } : {}),
    env,
    allowDestructive: env[RunEnv.allowDestructive] === '1',
  });
}

/** The run context from what the CLI resolved: what a Playwright worker rebuilds from its environment, and what the in-process runner uses as is. */
export function buildRunContext(o: {
  resolved: ResolvedConfig;
  runId: string;
  token?: string;
  env: Record<string, string | undefined>;
  allowDestructive: boolean;
}): RunContext {
  const { resolved, token, env } = o;
  const tokenEnv = resolved.config.auth?.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const secretEnvRefs: Record<string, string> = { authorization: tokenEnv };
  // A header filled from a secret env var is reproduced as a reference to that variable.
  for (const [header, value] of Object.entries(resolved.target.headers ?? {})) {
    const source = resolved.secretEnv.find((name) => env[name] !== undefined && env[name] === value);
    if (source) secretEnvRefs[header.toLowerCase()] = source;
  }
  return {
    resolved,
    baseUrl: resolved.target.baseUrl,
    runId: o.runId,
    ...(token ? { token } : {}),
    secretEnvRefs,
    redactor: buildRedactor(resolved, token, env),
    planned: planChecks(resolved, o.allowDestructive),
  };
}
