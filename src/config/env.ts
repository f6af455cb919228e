import type { Diagnostic } from '../core/errors.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface SubstitutionResult<T> {
  value: T;
  diagnostics: Diagnostic[];
  /** Env var names that were referenced (resolved or not). */
  referenced: string[];
  /** Each reference whose value came from the environment (not from a `:-default`), with its JSON path. */
  fromEnv: Array<{ name: string; path: string }>;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of `value`.
 * An unset variable without a default is a diagnostic at its JSON path, never an empty string:
 * a silently empty base URL or header would test the wrong thing.
 * `$${VAR}` escapes the reference (kept literally as `${VAR}`).
 */
export function substituteEnv<T>(value: T, env: Record<string, string | undefined>, path = '$'): SubstitutionResult<T> {
  const diagnostics: Diagnostic[] = [];
  const referenced = new Set<string>();
  const fromEnvRefs: Array<{ name: string; path: string }> = [];

  const visit = (v: unknown, p: string): unknown => {
    if (typeof v === 'string') return substituteString(v, p);
    if (Array.isArray(v)) return v.map((item, i) => visit(item, `${p}[${i}]`));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = visit(item, childPath(p, k));
      return out;
    }
    return v;
  };

  const substituteString = (s: string, p: string): string => {
    if (!s.includes('${')) return s;
    let result = '';
    let last = 0;
    for (const m of s.matchAll(ENV_REF)) {
      const index = m.index ?? 0;
      const escaped = index > 0 && s[index - 1] === '$';
      result += s.slice(last, escaped ? index - 1 : index);
      last = index + m[0].length;
      if (escaped) {
        result += m[0];
        continue;
      }
      const name = m[1] as string;
      referenced.add(name);
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== '') {
        result += fromEnv;
        fromEnvRefs.push({ name, path: p });
      } else if (m[2] !== undefined) result += m[2];
      else diagnostics.push({ path: p, message: `environment variable ${name} is not set (referenced as \${${name}})` });
    }
    return result + s.slice(last);
  };

  return { value: visit(value, path) as T, diagnostics, referenced: [...referenced], fromEnv: fromEnvRefs };
}

/** JSON path of a child property, quoting keys that are not identifiers. */
export function childPath(parent: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
