import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { displayPath, packagedFile } from '../../core/package-files.js';
import { cliIo } from '../io.js';
import { azureRefFlags, azureRefOptions, type AzureRefArgs } from '../azure-flags.js';

interface SmokeArgs extends AzureRefArgs {
  'base-url'?: string;
  config?: string;
  env?: string;
  grep?: string;
  out: string;
  retries: number;
  workers?: number;
  sandbox: boolean;
  fault?: string[];
  'sandbox-tls': boolean;
  'ca-file'?: string;
  'allow-destructive': boolean;
  verbose: boolean;
}

/**
 * `smoke --sandbox` in a folder without a config (a fresh install) runs the APEX runbook's suite shipped with the
 * package, and says so. Its specs-free example is used because Playwright compiles no TypeScript specs under node_modules.
 */
function sandboxDemoConfig(sandbox: boolean): string | undefined {
  if (!sandbox || existsSync(DEFAULT_CONFIG_FILE)) return undefined;
  const file = packagedFile('examples/apex-backend.json');
  // Through the run's io, so --quiet drops it and --json keeps stdout for the verdict alone.
  cliIo().err(`revgate: no ${DEFAULT_CONFIG_FILE} here: running the bundled example suite ${displayPath(file)} against the sandbox\n`);
  return file;
}

/** config/load.ts's DEFAULT_CONFIG_FILE, kept here so the command's help does not load the config validator. */
const DEFAULT_CONFIG_FILE = 'revgate.config.json';

export const smokeCommand: CommandModule<object, SmokeArgs> = {
  command: 'smoke',
  describe: 'Run the smoke suite (declared checks + hand-written specs) against a revision and return a verdict',
  builder: (y: Argv) =>
    azureRefFlags(y)
      .option('base-url', {
        type: 'string',
        describe:
          'Revision URL to test (overrides the environment baseUrl), e.g. https://app--rev2.<env>.azurecontainerapps.io; or, with --app and -g, ' +
          'a revision reference resolved through Azure and preflighted: latest, current, a revision name or suffix, a label',
      })
      .option('config', {
        type: 'string',
        describe: `Config file (with --sandbox and no ${DEFAULT_CONFIG_FILE} here: the bundled examples/apex-backend.json)`,
        defaultDescription: DEFAULT_CONFIG_FILE,
      })
      .option('env', { type: 'string', describe: 'Environment from the config (smoke, dev, prod, ...)' })
      .option('grep', { type: 'string', describe: 'Only run checks whose title or id matches this regex' })
      .option('out', {
        type: 'string',
        default: 'reports/smoke',
        describe: 'Output folder for verdict.json, junit.xml, summary.md, report.html (charts), allure-results/, and html/ (Playwright, suites with specs)',
      })
      .option('retries', { type: 'number', default: 0, describe: 'Playwright retries; a check that passes only on retry is reported as flaky' })
      .option('workers', { type: 'number', describe: 'Parallel workers (default 2)' })
      .option('sandbox', { type: 'boolean', default: false, describe: 'Start a local sandbox revision and test it (no --base-url needed)' })
      .option('fault', {
        type: 'string',
        array: true,
        describe: 'With --sandbox: inject a fault, e.g. ready-fail, latency=300, errors=0.2, down,path=/health/db',
      })
      .option('sandbox-tls', { type: 'boolean', default: false, describe: 'With --sandbox: serve https with a throw-away CA' })
      .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust for the target; TLS is never disabled' })
      .option('allow-destructive', { type: 'boolean', default: false, describe: 'Run checks with readOnly:false on a production environment' })
      .option('verbose', { type: 'boolean', default: false, describe: 'List every check in the final output, not only the ones that did not pass' })
      .check((a) => {
        if (!Number.isInteger(a.retries) || a.retries < 0 || a.retries > 10)
          throw new RevgateError(ErrorCodes.Usage, '--retries must be a whole number from 0 to 10');
        if (a.workers !== undefined && (!Number.isInteger(a.workers) || a.workers < 1 || a.workers > 64))
          throw new RevgateError(ErrorCodes.Usage, '--workers must be a whole number from 1 to 64');
        return true;
      })
      .example('$0 smoke --sandbox', 'Start a local sandbox and run the default suite against it')
      .example('$0 smoke --sandbox --fault ready-fail', 'See what a failing readiness probe does to the verdict (exit 1)')
      .example('$0 smoke --base-url https://apex-backend--v42.example.azurecontainerapps.io --env prod', 'Gate a new revision on its own FQDN')
      .example(
        '$0 smoke --app apex-backend -g apex-rg --base-url latest --env prod',
        'Test the newest revision on its own FQDN, resolved through Azure (AZURE_SUBSCRIPTION_ID); refused (exit 1) if it is not healthy',
      )
      .example('$0 smoke --config examples/wine-quality.json --base-url http://127.0.0.1:8080 --grep predict', 'Run only the predict checks of an example')
      .epilogue('Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold), 3 bad usage or config, 4 could not evaluate.'),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ runCommand }, { smokeAdapter }, { requireSandboxFor, sandboxRevision }, { azureRevision, isRevisionRef, requireRefFor }] = await Promise.all([
      import('../../run/command.js'),
      import('../../smoke/command.js'),
      import('../sandbox-targets.js'),
      import('../revision-refs.js'),
    ]);
    if (a.grep !== undefined) {
      try {
        new RegExp(a.grep);
      } catch (err) {
        throw new RevgateError(ErrorCodes.Usage, `--grep is not a valid regular expression: ${(err as Error).message}`);
      }
    }
    const config = a.config ?? sandboxDemoConfig(a.sandbox);
    // A revision reference (latest, a name, a label) is resolved by a launcher, as a sandbox is started: the adapter gets a URL.
    const ref = !a.sandbox && isRevisionRef(a['base-url']) ? { flag: '--base-url', value: a['base-url'] } : undefined;
    const command = smokeAdapter({
      ...(config ? { config } : {}),
      ...(a.env ? { env: a.env } : {}),
      ...(a['base-url'] !== undefined && !ref ? { baseUrl: a['base-url'] } : {}),
      ...(a.grep ? { grep: a.grep } : {}),
      retries: a.retries,
      ...(a.workers ? { workers: a.workers } : {}),
      sandbox: a.sandbox || ref !== undefined,
      ...(a['ca-file'] ? { caFile: a['ca-file'] } : {}),
      allowDestructive: a['allow-destructive'],
      verbose: a.verbose,
    });
    process.exitCode = await runCommand(command, {
      io: cliIo(),
      out: a.out,
      check: (problems) => {
        requireSandboxFor(problems, a.sandbox, [
          ['--fault', Boolean(a.fault?.length)],
          ['--sandbox-tls', a['sandbox-tls']],
        ]);
        requireRefFor(problems, ref !== undefined, azureRefOptions(a), '--base-url');
      },
      ...(a.sandbox ? { launcher: sandboxRevision({ faults: a.fault ?? [], tls: a['sandbox-tls'] }) } : {}),
      ...(ref ? { launcher: azureRevision(ref, azureRefOptions(a)) } : {}),
    });
  },
};
