/**
 * The skeleton every command runs on. A command is an adapter with four stages; the skeleton does
 * everything around them, in this order, the same way for every command:
 *
 *   prepare(problems)        every input problem collected (exit 3 lists them all); nothing started or sent
 *   launcher.start()         the injected target, e.g. a sandbox the CLI chose (commands never start one)
 *   resolve(prepared, target) the run's inputs against that target: tokens, keys, final URLs; its secrets
 *   redactor, output folder  every secret masked everywhere; OUT emptied (only if revgate wrote it)
 *   signals                  SIGINT/SIGTERM/SIGHUP abort ctx.signal: the command stops sending and returns
 *   measure(resolved, ctx)   the provider: traffic, Playwright, probes; never throws for a failed target
 *   verdict(resolved, m)     evaluate + decide, pure
 *   publish                  reports, scrub, scan, CI outputs, console
 *
 * Adding a command: write `src/<command>/command.ts` exporting a `Command` (the four stages above), a
 * yargs module in `src/cli/commands/` whose handler calls `runCommand(command, { io, out, launcher })`,
 * and, if it has a sandbox mode, a launcher in `src/cli/sandbox-targets.ts`. See docs/architecture.md.
 */
import path from 'node:path';
import type { Io } from '../core/io.js';
import { claimOutputDir, outputDirProblems, wipeOutputDir } from '../report/output-dir.js';
import { publishVerdict, type PublishOptions } from '../report/publish.js';
import { Redactor } from '../secrets/redactor.js';
import type { Verdict } from '../verdict/types.js';
import { Problems } from './problems.js';
import { listenForInterrupts } from './signals.js';

export interface Secret {
  value: string;
  /** Where it came from ("env REVGATE_TOKEN", "sandbox token"), for scan findings; never the value. */
  label: string;
}

/** The run's inputs once resolved against the target: whatever the command needs, plus its secrets. */
export interface Resolved {
  secrets: readonly Secret[];
}

export interface RunContext {
  io: Io;
  /** Aborted on the first SIGINT/SIGTERM/SIGHUP: stop sending, let what is in flight finish, return. */
  signal: AbortSignal;
  redactor: Redactor;
  /** The output folder, prepared and empty. */
  out: string;
}

/** How the verdict is published beyond the defaults (reports written by Playwright, extra artifacts, the charts' data). */
export type PublishExtras = Pick<PublishOptions, 'playwrightReports' | 'artifacts' | 'verbose' | 'report'>;

export interface Command<P, T, R extends Resolved, M> {
  /** Collect every problem with the input into `problems`; return what later stages need. */
  prepare(problems: Problems, io: Io): P | Promise<P>;
  /** Files the run reads (config, profile, criteria, catalog, baseline, CA): the output folder must not hold any of them. */
  inputs?(prepared: P): readonly string[];
  /** Resolve the inputs against the target (undefined: no launcher, the target is the user's). May still refuse (exit 3). */
  resolve(prepared: P, target: T | undefined, io: Io): R | Promise<R>;
  /** Said when the first signal arrives, after "interrupted: ". */
  interruptMessage: string;
  measure(resolved: R, ctx: RunContext): Promise<M>;
  /** Evaluate and decide. Pure: `interrupted` is the only fact about the run it gets besides the measurement. */
  verdict(resolved: R, measured: M, run: { interrupted: boolean }): Verdict;
  publish?(resolved: R, measured: M): PublishExtras;
}

/** A target the CLI injects (a sandbox): its own input problems, and how to start and stop it. */
export interface Launcher<T> {
  check?(problems: Problems): void;
  start(io: Io): Promise<Started<T>>;
}

export interface Started<T> {
  target: T;
  stop(): Promise<void>;
}

export interface RunOptions<T> {
  io: Io;
  out: string;
  launcher?: Launcher<T>;
  /** The CLI's own cross-flag problems (e.g. a sandbox-only flag without --sandbox), collected with the rest. */
  check?: (problems: Problems) => void;
}

/** Runs a command through every stage; returns the exit code. Input problems throw RevgateError (exit 3) before anything starts. */
export async function runCommand<P, T, R extends Resolved, M>(command: Command<P, T, R, M>, options: RunOptions<T>): Promise<number> {
  const { io } = options;
  const out = path.resolve(options.out);
  let claimed = false;
  let published = false;
  // Listening from the first moment: a signal during start-up still ends the run with a verdict (the
  // providers see an aborted signal and send nothing). A second signal quits at once, and whatever is in
  // OUT has not been scrubbed yet, so it goes; a folder this run never claimed is not touched.
  const interrupts = listenForInterrupts(io, command.interruptMessage, () => {
    if (claimed && !published) wipeOutputDir(out);
  });
  try {
    const problems = new Problems();
    options.check?.(problems);
    options.launcher?.check?.(problems);
    const prepared = await command.prepare(problems, io);
    problems.addAll(outputDirProblems(options.out, command.inputs?.(prepared) ?? []));
    problems.throwIfAny();

    const started = options.launcher ? await options.launcher.start(io) : undefined;
    try {
      const resolved = await command.resolve(prepared, started?.target, io);
      const redactor = new Redactor();
      for (const s of resolved.secrets) redactor.add(s.value, s.label);
      const claim = claimOutputDir(out);
      claimed = true;
      try {
        const measured = await command.measure(resolved, { io, signal: interrupts.signal, redactor, out });
        // Error messages and reproduce commands can quote what a target sent back: the verdict is masked as a whole.
        const verdict = redactor.maskDeep(command.verdict(resolved, measured, { interrupted: interrupts.received() !== undefined }));
        const final = await publishVerdict(verdict, { out, redactor, io, ...(command.publish?.(resolved, measured) ?? {}) });
        published = true;
        return final.exitCode;
      } finally {
        claim.release();
      }
    } finally {
      await started?.stop();
    }
  } finally {
    interrupts.dispose();
  }
}
