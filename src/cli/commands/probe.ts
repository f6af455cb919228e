import type { Argv, CommandModule } from 'yargs';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { cliIo } from '../io.js';

interface ProbeArgs {
  tenants?: string;
  'tenants-cmd'?: string;
  'tenants-cmd-timeout': number;
  regions?: string[];
  'base-url'?: string;
  'region-url'?: string[];
  isolation: boolean;
  out: string;
  concurrency: number;
  'timeout-ms'?: number;
  'max-retry-wait': number;
  'ca-file'?: string;
  sandbox: boolean;
  'sandbox-tenants'?: number;
  'sandbox-regions'?: string[];
  'gateway-fault'?: string[];
  verbose: boolean;
}

const list = (values: string[] | undefined): string[] | undefined =>
  values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: 'probe',
  describe: 'Probe every tenant in every region through the API gateway (health + isolation) and return a verdict with the blast radius',
  builder: (y: Argv) =>
    y
      .option('tenants', { type: 'string', describe: 'Tenant catalog file (schemas/tenants.schema.json), e.g. fixtures/tenants/stamps.json' })
      .option('tenants-cmd', { type: 'string', describe: 'Shell command that prints the catalog JSON (e.g. an export from the routing database)' })
      .option('tenants-cmd-timeout', {
        type: 'number',
        default: 60,
        describe: 'Seconds --tenants-cmd may run; after that its whole process group is ended (exit 3)',
      })
      .option('regions', { type: 'string', array: true, describe: 'Only these regions (comma-separated or repeated)' })
      .option('base-url', { type: 'string', describe: 'One gateway URL for every region (overrides the catalog)' })
      .option('region-url', { type: 'string', array: true, describe: 'REGION=URL: gateway URL for one region (repeatable)' })
      .option('isolation', {
        type: 'boolean',
        default: true,
        describe: 'Isolation probes (cross-tenant key, no key, foreign tenant ids); --no-isolation turns them off',
      })
      .option('out', {
        type: 'string',
        default: 'reports/probe',
        describe: 'Output folder for verdict.json, junit.xml, summary.md, report.html (charts), allure-results/',
      })
      .option('concurrency', { type: 'number', default: 64, describe: 'Requests in flight at once' })
      .option('timeout-ms', { type: 'number', describe: "Per-request timeout (default: the catalog's defaults.timeoutMs, else 10000)" })
      .option('max-retry-wait', { type: 'number', default: 5, describe: "Seconds a 429's Retry-After is honoured (once); longer means rate-limited" })
      .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust; TLS is never disabled' })
      .option('sandbox', { type: 'boolean', default: false, describe: 'Start a sandbox gateway with a generated estate and probe it' })
      .option('sandbox-tenants', { type: 'number', describe: 'With --sandbox: number of tenants (default 120)' })
      .option('sandbox-regions', { type: 'string', array: true, describe: 'With --sandbox: regions (default eastus,westeurope,southeastasia)' })
      .option('gateway-fault', {
        type: 'string',
        array: true,
        describe: 'With --sandbox: [tenant|cell|region=NAME:]FAULT, e.g. cell=shared-smb-eastus-01:errors,status=503',
      })
      .option('verbose', { type: 'boolean', default: false, describe: 'List every probe in the final output' })
      .check((a) => {
        if (!Number.isFinite(a['tenants-cmd-timeout']) || a['tenants-cmd-timeout'] <= 0 || a['tenants-cmd-timeout'] > 3600)
          throw new RevgateError(ErrorCodes.Usage, '--tenants-cmd-timeout must be seconds, more than 0 and at most 3600');
        if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 1024)
          throw new RevgateError(ErrorCodes.Usage, '--concurrency must be a whole number from 1 to 1024');
        if (a['timeout-ms'] !== undefined && (!Number.isInteger(a['timeout-ms']) || a['timeout-ms'] < 100 || a['timeout-ms'] > 120_000))
          throw new RevgateError(ErrorCodes.Usage, '--timeout-ms must be a whole number from 100 to 120000');
        if (!Number.isFinite(a['max-retry-wait']) || a['max-retry-wait'] < 0 || a['max-retry-wait'] > 600)
          throw new RevgateError(ErrorCodes.Usage, '--max-retry-wait must be seconds from 0 to 600');
        const n = a['sandbox-tenants'];
        if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 20_000))
          throw new RevgateError(ErrorCodes.Usage, '--sandbox-tenants must be a whole number from 1 to 20000');
        return true;
      })
      .example('$0 probe --sandbox', 'Probe 120 generated tenants in 3 regions through a local gateway')
      .example(
        '$0 probe --sandbox --gateway-fault cell=shared-smb-eastus-01:errors,status=503',
        'One cell broken: exactly its tenants fail (exit 1), and the blast radius says so',
      )
      .example('$0 probe --sandbox --gateway-fault tenant=t0002-premium:isolation-leak', 'A cross-tenant key accepted: a critical isolation breach')
      .example(
        '$0 probe --tenants fixtures/tenants/stamps.json --regions eastus',
        "Probe the catalog's tenants in one region (keys from the env vars it names)",
      )
      .example('$0 probe --tenants-cmd "az cosmosdb sql query ... | jq .catalog" --out reports/probe', 'Take the catalog from the routing database')
      .epilogue(
        'Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold), 3 bad usage or catalog, 4 could not evaluate (e.g. a key missing, probes rate-limited).\nGateway faults: any sandbox fault (latency=MS, errors[,status=N], down, wrong-body, ...) or isolation-leak[,mode=cross|anonymous|body], rate-limited[,first=N][,retry-after=S]; prefix tenant=ID:, cell=NAME: or region=NAME: to scope it.',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ runCommand }, { probeAdapter }, { requireSandboxFor, sandboxEstate }] = await Promise.all([
      import('../../run/command.js'),
      import('../../probe/command.js'),
      import('../sandbox-targets.js'),
    ]);
    const regionUrls: Record<string, string> = {};
    for (const item of a['region-url'] ?? []) {
      const at = item.indexOf('=');
      if (at <= 0) throw new RevgateError(ErrorCodes.Usage, `--region-url must be REGION=URL, got "${item}"`);
      regionUrls[item.slice(0, at)] = item.slice(at + 1);
    }
    const regions = list(a.regions);
    const sandboxRegions = list(a['sandbox-regions']);
    const sandboxOnly = [
      ['--gateway-fault', Boolean(a['gateway-fault']?.length)],
      ['--sandbox-tenants', a['sandbox-tenants'] !== undefined],
      ['--sandbox-regions', Boolean(sandboxRegions?.length)],
    ] as const;
    const command = probeAdapter({
      ...(a.tenants !== undefined ? { tenants: a.tenants } : {}),
      ...(a['tenants-cmd'] !== undefined ? { tenantsCmd: a['tenants-cmd'], tenantsCmdTimeoutMs: a['tenants-cmd-timeout'] * 1000 } : {}),
      ...(regions?.length ? { regions } : {}),
      ...(a['base-url'] !== undefined ? { baseUrl: a['base-url'] } : {}),
      ...(Object.keys(regionUrls).length ? { regionUrls } : {}),
      isolation: a.isolation,
      concurrency: a.concurrency,
      ...(a['timeout-ms'] !== undefined ? { timeoutMs: a['timeout-ms'] } : {}),
      maxRetryWaitMs: a['max-retry-wait'] * 1000,
      ...(a['ca-file'] ? { caFile: a['ca-file'] } : {}),
      sandbox: a.sandbox,
      verbose: a.verbose,
    });
    process.exitCode = await runCommand(command, {
      io: cliIo(),
      out: a.out,
      check: (problems) => requireSandboxFor(problems, a.sandbox, sandboxOnly),
      ...(a.sandbox
        ? {
            launcher: sandboxEstate({
              tenants: a['sandbox-tenants'] ?? 120,
              ...(sandboxRegions?.length ? { regions: sandboxRegions } : {}),
              faults: a['gateway-fault'] ?? [],
            }),
          }
        : {}),
    });
  },
};
