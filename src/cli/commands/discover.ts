import type { Argv, CommandModule } from 'yargs';
import { azureAppFlags, azureAppOptions, type AzureAppArgs } from '../azure-flags.js';
import { cliIo, stderr, stdout } from '../io.js';

interface DiscoverArgs extends AzureAppArgs {
  canary?: string;
  baseline?: string;
  'min-replicas'?: number;
  json: boolean;
  out: string;
}

export const discoverCommand: CommandModule<object, DiscoverArgs> = {
  command: 'discover',
  describe: "List a container app's revisions from Azure Resource Manager; resolve --canary/--baseline to revision FQDNs and preflight them",
  builder: (y: Argv) =>
    azureAppFlags(y, 'Discover the sandbox container app (an emulated ARM with revisions v1 and v2 on loopback)')
      .option('canary', {
        type: 'string',
        describe: 'Resolve and preflight the canary: latest (the newest revision), a revision name (or its suffix) or a label',
      })
      .option('baseline', {
        type: 'string',
        describe: 'Resolve and preflight the baseline: current (most traffic, not the canary), a revision name or a label',
      })
      .option('min-replicas', { type: 'number', describe: 'Replicas a revision needs to pass preflight (default 1; 0 accepts a revision scaled to zero)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document on stdout (the verdict lines go to stderr)' })
      .option('out', { type: 'string', default: 'reports/discover', describe: 'Output folder for verdict.json, junit.xml, summary.md, report.html' })
      .example(
        '$0 discover --app apex-backend-prod -g apex-rg-prod',
        'Revisions with active, weight, labels, health, provisioning and running state, replicas, created time, FQDN',
      )
      .example(
        '$0 discover --app apex-backend-prod -g apex-rg-prod --canary latest --baseline current --json',
        'Resolve both and preflight them; exit 1 (with the ARM state) if either is not provisioned, healthy and running',
      )
      .example('$0 discover --sandbox --canary latest --baseline current', 'The same on the sandbox')
      .example('$0 discover --sandbox --canary latest --arm-fault forbidden', 'ARM refuses the identity: exit 4 with what ARM said')
      .epilogue(
        'In a pipeline: CANARY_URL=$(revgate discover --app APP -g RG --canary latest --json | jq -r .canary.url), then revgate smoke --base-url "$CANARY_URL" or revgate gate --canary ... ' +
          'Credentials: DefaultAzureCredential (az login, azure/login OIDC, managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET).\n' +
          'Exit codes: 0 listed (and preflight passed), 1 preflight failed, 3 bad usage or no such app/revision, 4 ARM could not be read (auth, throttling, outage).',
      ),
  handler: async (a) => {
    // Loaded here: the ARM SDK is only worth loading for the commands that talk to ARM (and, like every command's
    // implementation, not for `revgate --help` or `--version`).
    const [{ discoverAdapter }, { runCommand }, { requireSandboxFor, sandboxContainerApp }] = await Promise.all([
      import('../../discover/command.js'),
      import('../../run/command.js'),
      import('../sandbox-targets.js'),
    ]);
    const io = cliIo();
    const command = discoverAdapter({
      ...azureAppOptions(a),
      ...(a.canary !== undefined ? { canary: a.canary } : {}),
      ...(a.baseline !== undefined ? { baseline: a.baseline } : {}),
      ...(a['min-replicas'] !== undefined ? { minReplicas: a['min-replicas'] } : {}),
      json: a.json,
      emit: stdout,
    });
    process.exitCode = await runCommand(command, {
      // With --json, stdout holds the document alone: the verdict lines go to stderr.
      // (its own document is the result: the global --json's verdict document is not written as well)
      io: a.json ? { ...io, out: stderr, result: undefined, resultFormat: undefined } : io,
      out: a.out,
      check: (problems) =>
        requireSandboxFor(problems, a.sandbox, [
          ['--fault', (a.fault ?? []).length > 0],
          ['--arm-fault', (a['arm-fault'] ?? []).length > 0],
        ]),
      ...(a.sandbox ? { launcher: sandboxContainerApp({ faults: a.fault ?? [], armFaults: a['arm-fault'] ?? [] }) } : {}),
    });
  },
};
