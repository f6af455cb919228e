import type { Diagnostic } from '../core/errors.js';
import type { HttpExpectations, LatencyBudget } from '../evaluate/types.js';
import { validatePath } from '../evaluate/json-path.js';
import { validateMatcher } from '../evaluate/matchers.js';
import type { CheckConfig, RequestSpec, RevgateConfig } from './types.js';
import { childPath } from './env.js';

/** Built-in `{{...}}` variables available to every request. */
export const BUILTIN_VARS = ['$runId', '$timestamp', '$uuid', '$random'] as const;

const VAR_REF = /\{\{\s*([$A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Rules JSON Schema cannot express. Runs on a schema-valid document and collects every problem.
 */
export function validateSemantics(config: RevgateConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  const envNames = Object.keys(config.environments);

  if (config.defaultEnvironment !== undefined && !envNames.includes(config.defaultEnvironment)) {
    out.push({ path: '$.defaultEnvironment', message: `unknown environment "${config.defaultEnvironment}" (declared: ${envNames.join(', ')})` });
  }
  if (config.defaults?.latency) checkLatency(config.defaults.latency, '$.defaults.latency', out);
  // A monitor of tenant probes alone (monitor.probes) has something to evaluate without checks.
  if (config.checks.length === 0 && !config.specs?.length && config.monitor?.probes === undefined)
    out.push({ path: '$.checks', message: 'declares no checks and no specs: there would be nothing to evaluate' });

  const firstIndexOfId = new Map<string, number>();
  config.checks.forEach((check, i) => {
    const p = `$.checks[${i}]`;
    const seen = firstIndexOfId.get(check.id);
    if (seen !== undefined) out.push({ path: `${p}.id`, message: `duplicate check id "${check.id}" (first used at $.checks[${seen}])` });
    else firstIndexOfId.set(check.id, i);

    for (const [j, env] of (check.environments ?? []).entries()) {
      if (!envNames.includes(env)) out.push({ path: `${p}.environments[${j}]`, message: `unknown environment "${env}"` });
    }
    validateCheckShape(check, p, out);
  });
  return out;
}

function validateCheckShape(check: CheckConfig, p: string, out: Diagnostic[]): void {
  const kinds = (['request', 'steps', 'tls'] as const).filter((k) => check[k] !== undefined);
  if (kinds.length !== 1) {
    out.push({
      path: p,
      message:
        kinds.length === 0
          ? 'a check needs exactly one of "request", "steps" or "tls"'
          : `a check needs exactly one of "request", "steps" or "tls" (found ${kinds.join(' and ')})`,
    });
  }
  if (check.expect && !check.request) out.push({ path: `${p}.expect`, message: '"expect" belongs to a "request" check; flow steps carry their own "expect"' });
  if (check.tls?.warnDays !== undefined && check.tls.warnDays < check.tls.minDays) {
    out.push({ path: `${p}.tls.warnDays`, message: `warnDays (${check.tls.warnDays}) must be >= minDays (${check.tls.minDays})` });
  }
  if (check.request) {
    checkRequestVars(check.request, `${p}.request`, new Set(), out);
    if (check.expect) checkExpect(check.expect, `${p}.expect`, out);
  }
  if (check.steps) {
    const defined = new Set<string>();
    check.steps.forEach((step, j) => {
      const sp = `${p}.steps[${j}]`;
      checkRequestVars(step.request, `${sp}.request`, defined, out);
      if (step.expect) {
        checkExpect(step.expect, `${sp}.expect`, out);
        checkRequestVars(step.expect, `${sp}.expect`, defined, out);
      }
      for (const [name, path] of Object.entries(step.capture ?? {})) {
        const problem = validatePath(path);
        if (problem) out.push({ path: `${sp}.capture.${name}`, message: problem });
        defined.add(name);
      }
      if (step.cleanup) {
        checkRequestVars(step.cleanup, `${sp}.cleanup`, defined, out);
        if (step.cleanup.expect) checkExpect(step.cleanup.expect, `${sp}.cleanup.expect`, out);
      }
    });
  }
}

function checkExpect(e: HttpExpectations, p: string, out: Diagnostic[]): void {
  if (e.latency) checkLatency(e.latency, `${p}.latency`, out);
  for (const [path, matcher] of Object.entries(e.json ?? {})) {
    const jp = childPath(`${p}.json`, path);
    const pathProblem = validatePath(path);
    if (pathProblem) out.push({ path: jp, message: pathProblem });
    const matcherProblem = validateMatcher(matcher);
    if (matcherProblem) out.push({ path: jp, message: matcherProblem });
  }
}

function checkLatency(l: LatencyBudget, p: string, out: Diagnostic[]): void {
  if (l.warnMs !== undefined && l.warnMs > l.maxMs) {
    out.push({ path: `${p}.warnMs`, message: `warnMs (${l.warnMs}) must be <= maxMs (${l.maxMs})` });
  }
}

/** Every `{{var}}` a request uses must be a built-in or captured by an earlier step. */
function checkRequestVars(req: Partial<RequestSpec> | HttpExpectations, p: string, defined: ReadonlySet<string>, out: Diagnostic[]): void {
  const strings: Array<[string, string]> = [];
  const collect = (v: unknown, vp: string): void => {
    if (typeof v === 'string') strings.push([vp, v]);
    else if (Array.isArray(v)) v.forEach((x, i) => collect(x, `${vp}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, childPath(vp, k));
  };
  collect(req, p);
  for (const [vp, s] of strings) {
    for (const m of s.matchAll(VAR_REF)) {
      const name = m[1] as string;
      if (!defined.has(name) && !(BUILTIN_VARS as readonly string[]).includes(name)) {
        out.push({
          path: vp,
          message: name.startsWith('$')
            ? `unknown built-in variable {{${name}}} (built-ins: ${BUILTIN_VARS.join(', ')})`
            : `{{${name}}} is not captured by an earlier step`,
        });
      }
    }
  }
}
