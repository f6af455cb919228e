import type { Argv, CommandModule } from 'yargs';
import { cliIo } from '../io.js';
import { azureRefFlags, azureRefOptions, type AzureRefArgs } from '../azure-flags.js';

interface LoadArgs extends AzureRefArgs {
  profile: string;
  'base-url'?: string;
  out: string;
  'save-baseline'?: string;
  baseline?: string;
  engine: string;
  emit?: string;
  parallelism?: number;
  'allow-production': boolean;
  env?: string;
  config?: string;
  sandbox: boolean;
  fault?: string[];
  'ca-file'?: string;
}

export const loadCommand: CommandModule<object, LoadArgs> = {
  command: 'load',
  describe: 'Run a load profile (open-model arrival rates, k6 thresholds) against a revision and return a verdict; save or compare baselines',
  builder: (y: Argv) =>
    azureRefFlags(y)
      .option('profile', {
        type: 'string',
        demandOption: true,
        describe: 'Load profile (JSON, schemas/load-profile.schema.json), e.g. load/profiles/sandbox-smoke.json',
      })
      .option('base-url', {
        type: 'string',
        describe:
          "Revision URL to load; its host must be loopback or in the profile's allowedHosts. Or, with --app and -g, a revision reference resolved through Azure and preflighted: latest, current, a revision name or suffix, a label",
      })
      .option('out', {
        type: 'string',
        default: 'reports/load',
        describe: 'Output folder for verdict.json, summary.json (k6 summary shape), junit.xml, summary.md, report.html (charts)',
      })
      .option('save-baseline', { type: 'string', describe: 'Save this run (summary + HDR histograms) as a baseline file' })
      .option('baseline', {
        type: 'string',
        describe: 'Compare with a saved baseline (relative criteria from the profile\'s "baseline", default p95 +20%, error rate +0.5 points)',
      })
      .option('engine', {
        type: 'string',
        choices: ['embedded', 'k6'],
        default: 'embedded',
        describe: 'embedded (Node + undici, no install) or k6 (K6_PATH or PATH)',
      })
      .option('emit', {
        type: 'string',
        choices: ['k6-operator'],
        describe: 'Write k6-operator manifests (ConfigMap + TestRun) to OUT/k6-operator instead of running',
      })
      .option('parallelism', { type: 'number', describe: 'With --emit k6-operator: number of runner pods' })
      .option('allow-production', { type: 'boolean', default: false, describe: 'Allow load on an environment marked production in the config' })
      .option('env', { type: 'string', describe: 'Environment from the revgate config: its baseUrl and production flag' })
      .option('config', { type: 'string', describe: 'Config file for --env (default revgate.config.json)' })
      .option('sandbox', { type: 'boolean', default: false, describe: 'Start a local sandbox revision and load it (no --base-url needed)' })
      .option('fault', { type: 'string', array: true, describe: 'With --sandbox: inject a fault, e.g. latency=200,rate=0.05 or errors=0.05' })
      .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust for the target; TLS is never disabled' })
      .example('$0 load --profile load/profiles/sandbox-smoke.json --sandbox', 'Load a local sandbox revision for a few seconds and gate on p95 and error rate')
      .example('$0 load --profile load/profiles/sandbox-smoke.json --sandbox --fault latency=600', 'See a breached p(95) threshold fail the verdict (exit 1)')
      .example(
        '$0 load --profile load/profiles/apex-canary.json --app apex-backend -g apex-rg --base-url latest',
        'Load the newest revision on its own FQDN, resolved through Azure (AZURE_SUBSCRIPTION_ID) and preflighted first',
      )
      .example(
        '$0 load --profile load/profiles/wine-quality-ab.json --base-url http://127.0.0.1:8080 --save-baseline baselines/wine.json',
        'Record the revision in service as the baseline',
      )
      .example(
        '$0 load --profile load/profiles/wine-quality-ab.json --base-url http://127.0.0.1:8081 --baseline baselines/wine.json',
        'Fail when p95 regressed beyond +20% and beyond run-to-run noise',
      )
      .example(
        '$0 load --profile load/profiles/apex-canary.json --base-url https://apex--rev2.example.azurecontainerapps.io --emit k6-operator --parallelism 4',
        'Write a ConfigMap + TestRun for a distributed k6-operator run',
      )
      .epilogue(
        'Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold), 3 bad usage or profile, 4 could not evaluate (interrupted, k6 missing). Docs: docs/load.md',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [
      { runCommand },
      { Problems },
      { emitK6Operator, loadAdapter },
      { requireSandboxFor, sandboxRevision },
      { azureRevision, isRevisionRef, requireRefFor },
    ] = await Promise.all([
      import('../../run/command.js'),
      import('../../run/problems.js'),
      import('../../load/command.js'),
      import('../sandbox-targets.js'),
      import('../revision-refs.js'),
    ]);
    const io = cliIo();
    const common = {
      profile: a.profile,
      ...(a['base-url'] !== undefined ? { baseUrl: a['base-url'] } : {}),
      allowProduction: a['allow-production'],
      ...(a.env ? { env: a.env } : {}),
      ...(a.config ? { config: a.config } : {}),
    };
    if (a.emit === 'k6-operator') {
      const problems = new Problems();
      if (a.sandbox) problems.add('--sandbox', '--emit k6-operator writes manifests for a cluster; give --base-url, not --sandbox');
      const emitted = emitK6Operator({ ...common, out: a.out, ...(a.parallelism !== undefined ? { parallelism: a.parallelism } : {}) }, problems, io.env);
      // --json: one document on stdout, as every command's result; --quiet: the one line saying what was written.
      if (io.result && io.resultFormat === 'json') io.result(`${JSON.stringify(emitted.json, null, 2)}\n`);
      else if (io.result) io.result(emitted.text.split('\n')[0] + '\n');
      else io.out(emitted.text);
      process.exitCode = 0;
      return;
    }
    // A revision reference (latest, a name, a label) is resolved by a launcher, as a sandbox is started: the adapter gets a URL.
    const ref = !a.sandbox && isRevisionRef(a['base-url']) ? { flag: '--base-url', value: a['base-url'] } : undefined;
    const { baseUrl: _given, ...rest } = common;
    const command = loadAdapter({
      ...(ref ? rest : common),
      engine: a.engine === 'k6' ? 'k6' : 'embedded',
      ...(a['save-baseline'] ? { saveBaseline: a['save-baseline'] } : {}),
      ...(a.baseline ? { baseline: a.baseline } : {}),
      sandbox: a.sandbox || ref !== undefined,
      ...(a['ca-file'] ? { caFile: a['ca-file'] } : {}),
    });
    process.exitCode = await runCommand(command, {
      io,
      out: a.out,
      check: (problems) => {
        requireSandboxFor(problems, a.sandbox, [['--fault', Boolean(a.fault?.length)]]);
        requireRefFor(problems, ref !== undefined, azureRefOptions(a), '--base-url');
        if (a.parallelism !== undefined) problems.add('--parallelism', '--parallelism only applies with --emit k6-operator');
      },
      ...(a.sandbox ? { launcher: sandboxRevision({ faults: a.fault ?? [] }) } : {}),
      ...(ref ? { launcher: azureRevision(ref, azureRefOptions(a)) } : {}),
    });
  },
};
