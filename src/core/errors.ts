import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * Stable error codes (like undici's UND_ERR_*): tests and users match on `code`, never on message text.
 * Each code maps to exactly one exit code, here and nowhere else.
 */
export const ErrorCodes = {
  Usage: 'REVGATE_USAGE',
  ConfigInvalid: 'REVGATE_CONFIG_INVALID',
  ConfigNotFound: 'REVGATE_CONFIG_NOT_FOUND',
  EnvVarMissing: 'REVGATE_ENV_VAR_MISSING',
  NoChecksSelected: 'REVGATE_NO_CHECKS_SELECTED',
  AuthFailed: 'REVGATE_AUTH_FAILED',
  BrowserMissing: 'REVGATE_BROWSER_MISSING',
  RunnerFailed: 'REVGATE_RUNNER_FAILED',
  SecretLeak: 'REVGATE_SECRET_LEAK',
  Internal: 'REVGATE_INTERNAL',
  K6Missing: 'REVGATE_K6_MISSING',
  LoadProfileInvalid: 'REVGATE_LOAD_PROFILE_INVALID',
  /** A revision resolved through ARM is not fit to test (unhealthy, failed, unprovisioned): the run fails before any traffic. */
  PreflightFailed: 'REVGATE_PREFLIGHT_FAILED',
  /** ARM could not be read (credential, authorization, throttling, ARM down): nothing could be resolved. */
  ArmFailed: 'REVGATE_ARM_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const exitCodeOf: Record<ErrorCode, ExitCodeValue> = {
  REVGATE_USAGE: ExitCode.Usage,
  REVGATE_CONFIG_INVALID: ExitCode.Usage,
  REVGATE_CONFIG_NOT_FOUND: ExitCode.Usage,
  REVGATE_ENV_VAR_MISSING: ExitCode.Usage,
  REVGATE_NO_CHECKS_SELECTED: ExitCode.Usage,
  REVGATE_AUTH_FAILED: ExitCode.Harness,
  REVGATE_BROWSER_MISSING: ExitCode.Harness,
  REVGATE_RUNNER_FAILED: ExitCode.Harness,
  REVGATE_SECRET_LEAK: ExitCode.Harness,
  REVGATE_INTERNAL: ExitCode.Harness,
  REVGATE_K6_MISSING: ExitCode.Harness,
  REVGATE_LOAD_PROFILE_INVALID: ExitCode.Usage,
  REVGATE_PREFLIGHT_FAILED: ExitCode.Fail,
  REVGATE_ARM_FAILED: ExitCode.Harness,
};

/** One problem found in user input, located by a JSON path (`$.checks[3].expect.status`). */
export interface Diagnostic {
  path: string;
  message: string;
  /** The file the path is relative to, when there is one. */
  file?: string;
}

export class RevgateError extends Error {
  readonly code: ErrorCode;
  readonly diagnostics: readonly Diagnostic[];
  /** The published JSON Schema the rejected input is checked against (e.g. `schemas/config.schema.json`), for the hint. */
  readonly schema: string | undefined;

  constructor(code: ErrorCode, message: string, diagnostics: readonly Diagnostic[] = [], options?: { cause?: unknown; schema?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RevgateError';
    this.code = code;
    this.diagnostics = diagnostics;
    this.schema = options?.schema;
  }

  get exitCode(): ExitCodeValue {
    return exitCodeOf[this.code];
  }
}

export function exitCodeForError(err: unknown): ExitCodeValue {
  return err instanceof RevgateError ? err.exitCode : ExitCode.Harness;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => `  - ${d.file ? `${d.file} ` : ''}${!d.file && d.message.startsWith(d.path) ? d.message : `${d.path}: ${d.message}`}`)
    .join('\n');
}
