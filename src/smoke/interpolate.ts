import { randomUUID } from 'node:crypto';

const VAR_REF = /\{\{\s*([$A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Values for `{{name}}`: captures from earlier steps plus built-ins. */
export type Vars = Record<string, string>;

export function builtinVars(runId: string): Vars {
  return { $runId: runId, $timestamp: String(Date.now()), $uuid: randomUUID(), $random: String(Math.floor(Math.random() * 1e9)) };
}

/**
 * Replaces `{{name}}` in every string of `value`. Unknown names are left as they are; the config
 * validator already rejected references that no earlier step captures.
 * Captured values are always strings (so `{"id": "{{projectId}}"}` sends a string).
 */
export function interpolate<T>(value: T, vars: Vars): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(VAR_REF, (whole, name: string) => vars[name] ?? whole);
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}

/** The `{{name}}` references in `value` that `vars` cannot fill (in order, once each). */
export function unresolvedVars(value: unknown, vars: Vars): string[] {
  const missing = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(VAR_REF)) if (vars[m[1] as string] === undefined) missing.add(m[1] as string);
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v !== null && typeof v === 'object') {
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return [...missing];
}
