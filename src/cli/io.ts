import { RevgateError, exitCodeForError, formatDiagnostics } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { Io } from '../core/io.js';
import { isAzure, isGithub, neutralizeCommands } from '../report/ci.js';

export const stdout = (s: string): void => {
  process.stdout.write(s);
};
export const stderr = (s: string): void => {
  process.stderr.write(s);
};

/** Prints an error the way every command does, and returns the exit code it maps to. */
export function reportError(err: unknown): number {
  if (err instanceof RevgateError) {
    stderr(`revgate: error: ${err.message}\n`);
    if (err.diagnostics.length) stderr(`${formatDiagnostics(err.diagnostics)}\n`);
    if (err.exitCode === ExitCode.Usage && err.diagnostics.length) {
      stderr(`nothing was run. Fix the problems above${err.schema ? ` (the schema is ${err.schema})` : ''}.\n`);
    }
  } else {
    stderr(`revgate: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  return exitCodeForError(err);
}

/** --json and --quiet, set once from the parsed flags (main.ts's middleware) before a command runs. */
export interface OutputMode {
  json: boolean;
  quiet: boolean;
}
let mode: OutputMode = { json: false, quiet: false };
export function setOutputMode(m: OutputMode): void {
  mode = m;
}
export function outputMode(): OutputMode {
  return mode;
}

/**
 * The process's own streams and environment, as commands receive them. With --json the verdict is the only thing on
 * stdout (everything else goes to stderr); with --quiet only the result and errors are printed. Under GitHub Actions
 * or Azure Pipelines, what a target or a spec said cannot become a workflow command: only `command` writes them.
 */
export function cliIo(): Io {
  const ci = isGithub(process.env) || isAzure(process.env);
  const safe = (write: (s: string) => void) => (ci ? (s: string) => write(neutralizeCommands(s)) : write);
  const drop = (): void => undefined;
  return {
    out: mode.quiet ? drop : safe(mode.json ? stderr : stdout),
    err: mode.quiet ? drop : safe(stderr),
    env: process.env,
    ...(ci ? { command: mode.json ? stderr : stdout } : {}),
    ...(mode.json || mode.quiet ? { result: stdout, resultFormat: mode.json ? ('json' as const) : ('line' as const) } : {}),
    ...(process.stderr.isTTY && !mode.quiet ? { tty: true } : {}),
  };
}
