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

/**
 * The process's own streams and environment, as commands receive them. Under GitHub Actions or Azure Pipelines,
 * what a target or a spec said cannot become a workflow command: only `command` writes them.
 */
export function cliIo(): Io {
  if (!isGithub(process.env) && !isAzure(process.env)) return { out: stdout, err: stderr, env: process.env };
  return { out: (s) => stdout(neutralizeCommands(s)), err: (s) => stderr(neutralizeCommands(s)), env: process.env, command: stdout };
}
