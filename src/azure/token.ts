import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { substituteEnv } from '../config/env.js';
import { DEFAULT_TOKEN_ENV } from '../config/load.js';
import type { AuthConfig } from '../config/types.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';

export interface AcquiredToken {
  token: string;
  source: 'env' | 'azure';
  /** The env var the token can be supplied through (used in reproduce commands). */
  envName: string;
}

export interface AcquireOptions {
  env: Record<string, string | undefined>;
  /** Injected for tests and for callers that already hold a credential. */
  credential?: TokenCredential;
  timeoutMs?: number;
}

/**
 * A ready token from the configured env var wins (local runs, pipelines that fetched one already);
 * otherwise DefaultAzureCredential is asked for `auth.scope` (e.g. `api://<client-id>/.default`).
 * Failing to get a token is a harness error (exit 4): the revision was not measured.
 */
export async function acquireToken(auth: AuthConfig | undefined, options: AcquireOptions): Promise<AcquiredToken | undefined> {
  if (!auth) return undefined;
  const envName = auth.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const fromEnv = options.env[envName];
  if (fromEnv) return { token: fromEnv, source: 'env', envName };

  if (!auth.scope) {
    throw new RevgateError(
      ErrorCodes.Usage,
      `auth is configured but ${envName} is not set and auth.scope is missing: set ${envName} (export ${envName}=...), set auth.scope to use DefaultAzureCredential, or try it on the built-in sandbox: revgate smoke --sandbox`,
    );
  }
  const scoped = substituteEnv(auth.scope, options.env, '$.auth.scope');
  if (scoped.diagnostics.length) {
    throw new RevgateError(
      ErrorCodes.EnvVarMissing,
      `no token: ${envName} is not set, and the token scope cannot be built for DefaultAzureCredential. ` +
        `Set ${envName} (export ${envName}=...), set the variables below, or try it on the built-in sandbox: revgate smoke --sandbox`,
      scoped.diagnostics,
    );
  }
  const credential = options.credential ?? new DefaultAzureCredential();
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const token = await credential.getToken(scoped.value, { abortSignal: AbortSignal.timeout(timeoutMs) });
    if (!token?.token) throw new Error('the credential returned no token');
    return { token: token.token, source: 'azure', envName };
  } catch (err) {
    const attempts = credentialAttempts(err);
    const first = String((err as Error).message ?? err)
      .split('\n')[0]
      ?.replace(/\.+$/, '');
    throw new RevgateError(
      ErrorCodes.AuthFailed,
      `could not get a token for scope ${scoped.value}: ${attempts.length ? 'no credential of DefaultAzureCredential could get one' : first}. For local runs set ${envName}.`,
      attempts.map((a, i) => ({ path: `credential ${i + 1}`, message: a })),
      { cause: err },
    );
  }
}

/** What each credential of a chain said (AggregateAuthenticationError.errors), one line each without the SDK's empty fields. */
export function credentialAttempts(err: unknown): string[] {
  const errors = (err as { errors?: unknown[] }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => {
    const line = String((e as Error)?.message ?? e).split('\n')[0] ?? '';
    const cleaned = line
      .replace(/\s*-?\s*(?:Error\(s\)|Timestamp|Correlation ID|Trace ID): Not Available/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    return cleaned.length > 240 ? `${cleaned.slice(0, 237)}...` : cleaned;
  });
}
