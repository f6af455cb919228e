import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/exit-codes.js';
import { VERSION } from '../core/version.js';
import { gateCommand } from './commands/gate.js';
import { probeCommand } from './commands/probe.js';
import { sandboxCommand } from './commands/sandbox.js';
import { smokeCommand } from './commands/smoke.js';
import { loadCommand } from './commands/load.js';
import { validateCommand } from './commands/validate.js';
import { reportError, stderr } from './io.js';

/** Entry point. Sets process.exitCode and returns; it never calls process.exit() in the middle of work. */
export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  let usageError = false;
  const cli = yargs(argv)
    .scriptName('revgate')
    .usage('$0 <command> [options]\n\nPost-deploy verification: run checks against a new revision and return a verdict pipelines can gate on.')
    .command(smokeCommand)
    .command(validateCommand)
    .command(sandboxCommand)
    .command(probeCommand)
    .command(loadCommand)
    .command(gateCommand)
    .demandCommand(1, 'Name a command (see the list above).')
    .strict()
    .recommendCommands()
    .version(VERSION)
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .epilogue('Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold), 3 bad usage or config, 4 could not evaluate.\nDocs: README.md')
    .fail((msg, err, y) => {
      if (err) throw err;
      usageError = true;
      stderr(`${y.help() && ''}revgate: usage error: ${msg}\nRun "revgate --help" or "revgate <command> --help" for usage and examples.\n`);
    });
  try {
    await cli.parseAsync();
    if (usageError) process.exitCode = ExitCode.Usage;
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
