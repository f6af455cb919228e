import type { Argv, CommandModule } from 'yargs';
import { azureAppFlags, azureAppOptions, type AzureAppArgs } from '../azure-flags.js';
import { cliIo } from '../io.js';

interface RolloutArgs extends AzureAppArgs {
  revision?: string;
  baseline?: string;
  steps?: string;
  criteria?: string;
  hold?: string;
  'dry-run': boolean;
  resume: boolean;
  abort: boolean;
  journal?: string;
  'deactivate-on-rollback': boolean;
  'min-replicas'?: number;
  profile?: string;
  config?: string;
  env?: string;
  'max-duration'?: string;
  'max-requests'?: number;
  rate?: number;
  confidence?: number;
  'allow-host'?: string[];
  'max-in-flight'?: number;
  'real-traffic': boolean;
  'metrics-endpoint'?: string;
  'metrics-interval'?: string;
  'metrics-delay'?: string;
  users?: number;
  out: string;
}

export const rolloutCommand: CommandModule<object, RolloutArgs> = {
  command: 'rollout',
  describe: 'Progressive traffic shift through ARM (e.g. 10 -> 50 -> 100%) with the canary gate at every step and automatic rollback; kill-safe and resumable',
  builder: (y: Argv) =>
    azureAppFlags(y, 'Roll out on the sandbox container app (revision v2, with --fault, against v1), started and stopped by the run')
      .option('revision', { type: 'string', describe: 'The revision to roll out: latest, a revision name (or its suffix) or a label' })
      .option('baseline', { type: 'string', describe: 'The revision the gate compares it with (default current: the one with the most traffic)' })
      .option('steps', { type: 'string', describe: 'Canary weights in order, e.g. 10,50,100' })
      .option('criteria', { type: 'string', describe: 'Canary criteria every step is gated on (schemas/canary-criteria.schema.json)' })
      .option('hold', { type: 'string', describe: 'How long each step holds (real users on the new weights) before its gate runs, e.g. 5m (default 0s)' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Read ARM, preflight, and print the ARM calls each step and the rollback would make; change nothing',
      })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'Go on with the rollout in the journal (after a hold, an interruption or a kill), once the journal agrees with ARM',
      })
      .option('abort', { type: 'boolean', default: false, describe: "Restore the journal's rollback point now (exit 1: decision rollback)" })
      .option('journal', {
        type: 'string',
        describe: 'Journal file (default .revgate/rollouts/<subscription>/<group>/<app>.json); keep it between pipeline jobs',
      })
      .option('deactivate-on-rollback', { type: 'boolean', default: false, describe: 'After a rollback, also deactivate the canary revision' })
      .option('min-replicas', { type: 'number', describe: 'Replicas a revision needs to pass preflight (default 1)' })
      .option('profile', { type: 'string', describe: "Gate traffic from a load profile's request mix (as revgate gate --profile)" })
      .option('config', { type: 'string', describe: "Gate traffic also from the smoke config's repeatable checks (as revgate gate --config)" })
      .option('env', { type: 'string', describe: 'With --config: the environment whose headers apply' })
      .option('max-duration', { type: 'string', describe: "Each step's gate budget, e.g. 10m (default: the criteria's maxDuration, else 10m)" })
      .option('max-requests', { type: 'number', describe: "Each step's gate budget in requests per revision" })
      .option('rate', { type: 'number', describe: 'Gate requests per second to each revision (default 50; 150 with --sandbox)' })
      .option('confidence', { type: 'number', describe: "Overrides the criteria's confidence" })
      .option('allow-host', {
        type: 'string',
        array: true,
        describe: 'Also allow gate traffic to this host (the revision FQDNs ARM reports are allowed already)',
      })
      .option('max-in-flight', { type: 'number', describe: 'Gate requests in flight per revision before arrivals are dropped (default 256)' })
      .option('real-traffic', {
        type: 'boolean',
        default: false,
        describe:
          "Also judge each step on real users: Azure Monitor's Requests per revision over the hold (error rates, 5xx, vs the baseline), before the synthetic gate, which then judges only what real traffic left open",
      })
      .option('metrics-endpoint', {
        type: 'string',
        describe: 'With --real-traffic: the regional metrics endpoint (default https://<location>.metrics.monitor.azure.com)',
      })
      .option('metrics-interval', { type: 'string', describe: 'With --real-traffic: bucket size (default PT1M, the finest Azure has for Requests)' })
      .option('metrics-delay', { type: 'string', describe: "With --real-traffic: Azure Monitor's ingestion delay to allow for (default 3m)" })
      .option('users', { type: 'number', describe: "With --sandbox: real users' requests per second to the sandbox app's ingress (split by the weights)" })
      .option('out', { type: 'string', default: 'reports/rollout', describe: 'Output folder for verdict.json, junit.xml, summary.md, report.html' })
      .example(
        '$0 rollout --app apex-backend-prod -g apex-rg-prod --revision latest --steps 10,50,100 --criteria load/criteria/apex-canary.json --hold 5m',
        "The runbook's canary: 10%, 50%, 100%, each held 5 minutes, then gated; a failed gate restores the recorded traffic",
      )
      .example(
        '$0 rollout --sandbox --revision latest --steps 10,50,100 --criteria load/criteria/sandbox-rollout.json',
        'A healthy revision on the sandbox: ends at 100% (exit 0)',
      )
      .example(
        '$0 rollout --sandbox --fault errors=0.2 --revision latest --steps 10,50,100 --criteria load/criteria/sandbox-rollout.json',
        'A faulty one: its gate fails at 10% and the traffic is restored (exit 1)',
      )
      .example(
        '$0 rollout --app apex-backend-prod -g apex-rg-prod --revision latest --steps 10,50,100 --criteria load/criteria/apex-canary.json --dry-run',
        'Print the ARM calls; change nothing',
      )
      .example(
        '$0 rollout --app apex-backend-prod -g apex-rg-prod --resume --criteria load/criteria/apex-canary.json',
        'Go on after a hold (exit 2) or a killed run',
      )
      .example('$0 rollout --app apex-backend-prod -g apex-rg-prod --abort', 'Restore the rollback point by hand')
      .example(
        '$0 rollout --sandbox --users 200 --real-traffic --hold 5s --revision latest --steps 10,50,100 --criteria load/criteria/sandbox-rollout.json',
        'Steps judged on real users (Azure Monitor Requests per revision) first; synthetic traffic only for what they leave open',
      )
      .epilogue(
        'Every change is journaled before it is sent and every start reconciles the journal with ARM (ARM is the source of truth). ' +
          'A newer revision appearing, or traffic changed by someone else, stops the rollout without changing anything.\n' +
          'Exit codes: 0 completed (every gate passed), 1 rolled back (a gate failed, the canary went unhealthy, preflight refused it, or --abort), ' +
          '2 holding (a gate undecided, interrupted, or stopped by a guard: --resume), 3 bad usage or no such app/revision, 4 could not finish (ARM failure; the journal keeps the state). Docs: docs/azure.md',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ rolloutAdapter }, { runCommand }, { requireSandboxFor, sandboxContainerApp }] = await Promise.all([
      import('../../rollout/command.js'),
      import('../../run/command.js'),
      import('../sandbox-targets.js'),
    ]);
    const command = rolloutAdapter({
      ...azureAppOptions(a),
      ...(a.revision !== undefined ? { revision: a.revision } : {}),
      ...(a.baseline !== undefined ? { baseline: a.baseline } : {}),
      ...(a.steps !== undefined ? { steps: a.steps } : {}),
      ...(a.hold !== undefined ? { hold: a.hold } : {}),
      dryRun: a['dry-run'],
      resume: a.resume,
      abort: a.abort,
      ...(a.journal !== undefined ? { journal: a.journal } : {}),
      deactivateOnRollback: a['deactivate-on-rollback'],
      ...(a['min-replicas'] !== undefined ? { minReplicas: a['min-replicas'] } : {}),
      realTraffic: a['real-traffic'],
      ...(a['metrics-endpoint'] !== undefined ? { metricsEndpoint: a['metrics-endpoint'] } : {}),
      ...(a['metrics-interval'] !== undefined ? { metricsInterval: a['metrics-interval'] } : {}),
      ...(a['metrics-delay'] !== undefined ? { metricsDelay: a['metrics-delay'] } : {}),
      gate: {
        ...(a.criteria !== undefined ? { criteria: a.criteria } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        ...(a.config !== undefined ? { config: a.config } : {}),
        ...(a.env !== undefined ? { env: a.env } : {}),
        ...(a['max-duration'] !== undefined ? { maxDuration: a['max-duration'] } : {}),
        ...(a['max-requests'] !== undefined ? { maxRequests: a['max-requests'] } : {}),
        ...(a.rate !== undefined ? { rate: a.rate } : {}),
        ...(a.confidence !== undefined ? { confidence: a.confidence } : {}),
        ...(a['max-in-flight'] !== undefined ? { maxInFlight: a['max-in-flight'] } : {}),
        allowHosts: (a['allow-host'] ?? [])
          .flatMap((h) => h.split(','))
          .map((h) => h.trim())
          .filter(Boolean),
      },
    });
    process.exitCode = await runCommand(command, {
      io: cliIo(),
      out: a.out,
      check: (problems) =>
        requireSandboxFor(problems, a.sandbox, [
          ['--fault', (a.fault ?? []).length > 0],
          ['--arm-fault', (a['arm-fault'] ?? []).length > 0],
          ['--users', a.users !== undefined],
        ]),
      ...(a.sandbox
        ? { launcher: sandboxContainerApp({ faults: a.fault ?? [], armFaults: a['arm-fault'] ?? [], ...(a.users !== undefined ? { users: a.users } : {}) }) }
        : {}),
    });
  },
};
