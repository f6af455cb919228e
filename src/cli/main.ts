import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/exit-codes.js';
import { VERSION } from '../core/version.js';
import { discoverCommand } from './commands/discover.js';
import { gateCommand } from './commands/gate.js';
import { probeCommand } from './commands/probe.js';
import { rolloutCommand } from './commands/rollout.js';
import { sandboxCommand } from './commands/sandbox.js';
import { smokeCommand } from './commands/smoke.js';
import { loadCommand } from './commands/load.js';
import { monitorCommand } from './commands/monitor.js';
import { reportCommand } from './commands/report.js';
import { validateCommand } from './commands/validate.js';
import { reportError, setOutputMode, stderr } from './io.js';

/** A yargs validation failure: thrown from .fail() so no command handler ever runs after it. */
export class UsageFailure extends Error {}

const NO_COMMAND = 'Name a command: smoke, probe, load, gate, discover, rollout, monitor, report, validate or sandbox (see the list above).';

/**
 * An empty value is never what a pipeline meant: `--base-url "$NEW_FQDN"` with the variable unset must not
 * fall back to the config's URL and test (and promote) the wrong revision.
 */
function rejectEmptyValues(argv: Record<string, unknown>): true {
  const empty = Object.entries(argv)
    .filter(([k]) => k !== '_' && k !== '$0')
    .filter(([, v]) => v === '' || (Array.isArray(v) && v.some((x) => x === '')))
    .map(([k]) => `--${k}`);
  if (empty.length)
    throw new UsageFailure(`${empty.join(', ')} ${empty.length === 1 ? 'is' : 'are'} empty: give a value (an unset variable in a pipeline ends up like this)`);
  return true;
}

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly CommandModule<object, never>[] = [
  smokeCommand,
  validateCommand,
  sandboxCommand,
  probeCommand,
  loadCommand,
  gateCommand,
  discoverCommand,
  rolloutCommand,
  monitorCommand,
  reportCommand,
] as unknown as readonly CommandModule<object, never>[];

/**
 * The parser. `parseOnly` swaps every handler for a no-op, so tests can check that a documented command
 * line (README, --help examples) parses as written without running it.
 */
export function buildCli(argv: string[], options: { parseOnly?: boolean } = {}): Argv {
  let cli = yargs(argv)
    .scriptName('revgate')
    .usage('$0 <command> [options]\n\nPost-deploy verification: run checks against a new revision and return a verdict pipelines can gate on.');
  for (const c of COMMANDS) cli = cli.command(options.parseOnly ? { ...c, handler: () => undefined } : c);
  return (
    cli
      .option('json', {
        type: 'boolean',
        default: false,
        global: true,
        describe: 'Print the result as JSON on stdout (the verdict, as in verdict.json); everything else goes to stderr',
      })
      .option('quiet', {
        type: 'boolean',
        default: false,
        global: true,
        describe: 'Print only the result (the verdict line) and errors: no progress, no per-check lines',
      })
      .middleware((a) => {
        if (!options.parseOnly) setOutputMode({ json: a.json === true, quiet: a.quiet === true });
      })
      .demandCommand(1, NO_COMMAND)
      // Flags are read by their kebab-case names only, so a typo is reported once, as typed.
      .parserConfiguration({ 'camel-case-expansion': false })
      .strict()
      .check(rejectEmptyValues, true)
      .recommendCommands()
      .version(VERSION)
      .alias('h', 'help')
      .wrap(options.parseOnly ? null : Math.min(120, process.stdout.columns || 100))
      .epilogue('Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold), 3 bad usage or config, 4 could not evaluate.\nDocs: README.md')
      .exitProcess(!options.parseOnly)
      .fail((msg, err) => {
        // Throwing here (instead of printing and returning) is what keeps the handler from running on a bad flag.
        if (err && !(err instanceof UsageFailure)) throw err;
        throw err ?? new UsageFailure(msg);
      })
  );
}

/** Entry point. Sets process.exitCode and returns; it never calls process.exit() in the middle of work. */
export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  const cli = buildCli(argv);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageFailure) {
      if (err.message === NO_COMMAND) cli.showHelp((s) => stderr(`${s}\n\n`));
      stderr(`revgate: usage error: ${err.message}\nNothing was run. Run "revgate --help" or "revgate <command> --help" for usage and examples.\n`);
      process.exitCode = ExitCode.Usage;
      return;
    }
    process.exitCode = reportError(err);
  }
}
