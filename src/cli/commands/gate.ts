import type { Argv, CommandModule } from 'yargs';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { displayPath, packagedFile } from '../../core/package-files.js';
import { cliIo, stderr } from '../io.js';
import { azureRefFlags, azureRefOptions, type AzureRefArgs } from '../azure-flags.js';

interface GateArgs extends AzureRefArgs {
  canary?: string;
  baseline?: string;
  criteria?: string;
  profile?: string;
  config?: string;
  env?: string;
  'max-duration'?: string;
  'max-requests'?: number;
  rate?: number;
  confidence?: number;
  out: string;
  sandbox: boolean;
  fault?: string[];
  'allow-host'?: string[];
  'max-in-flight'?: number;
  'ca-file'?: string;
}

/** `gate --sandbox` without --criteria (a fresh install) gates with the APEX runbook's criteria shipped with the package. */
function sandboxDemoCriteria(sandbox: boolean): string {
  if (!sandbox) throw new RevgateError(ErrorCodes.Usage, 'Missing required argument: criteria (a criteria file, e.g. load/criteria/apex-canary.json)');
  const file = packagedFile('load/criteria/apex-canary.json');
  stderr(`revgate: no --criteria: using the bundled ${displayPath(file)}\n`);
  return file;
}

export const gateCommand: CommandModule<object, GateArgs> = {
  command: 'gate',
  describe: 'Canary acceptance gate: paired traffic to the canary (and baseline), anytime-valid statistics, stop as soon as every gate is decided',
  builder: (y: Argv) =>
    azureRefFlags(y)
      .option('canary', {
        type: 'string',
        describe:
          'URL of the new revision (its own FQDN); loopback or an allowed host. Or, with --app and -g, a revision reference resolved through Azure and preflighted: latest, a revision name or suffix, a label',
      })
      .option('baseline', {
        type: 'string',
        describe:
          'URL of the revision in service; needed by "compare" criteria. Both get the same requests, interleaved. Or, with --app and -g, current (the revision taking most traffic, never the canary), a revision name or a label',
      })
      .option('criteria', {
        type: 'string',
        describe: 'Criteria file (schemas/canary-criteria.schema.json), e.g. load/criteria/apex-canary.json; with --sandbox the bundled one is the default',
      })
      .option('profile', {
        type: 'string',
        describe: 'Take the request mix (paths, weights, headers such as X-Tenant-ID, allowedHosts) from a load profile; its rates and thresholds do not apply',
      })
      .option('config', {
        type: 'string',
        describe:
          "Also send the smoke config's checks as traffic: every single-request check that is safe to repeat (flows, data-changing and TLS checks are left out, with the reason)",
      })
      .option('env', { type: 'string', describe: "With --config: the environment whose headers apply (default the config's default)" })
      .option('max-duration', { type: 'string', describe: "Time budget, e.g. 10m or 90s (default: the criteria's maxDuration, else 10m)" })
      .option('max-requests', { type: 'number', describe: 'Request budget per revision' })
      .option('rate', { type: 'number', describe: 'Requests per second sent to each revision (default 50; 300 with --sandbox)' })
      .option('confidence', { type: 'number', describe: "Overrides the criteria's confidence (default 0.95): the chance that no gate gives a wrong verdict" })
      .option('out', {
        type: 'string',
        default: 'reports/gate',
        describe: 'Output folder for verdict.json, junit.xml, summary.md, report.html (charts), allure-results/',
      })
      .option('sandbox', { type: 'boolean', default: false, describe: 'Start a healthy baseline and a canary sandbox on loopback and gate the canary' })
      .option('fault', {
        type: 'string',
        array: true,
        describe: 'With --sandbox: a fault for the canary, e.g. errors=0.2, latency=300, errors=1,path=/api/v1/prediction/*, errors=1,tenant=contoso',
      })
      .option('allow-host', { type: 'string', array: true, describe: 'Also allow traffic to this host (or *.domain); loopback is always allowed' })
      .option('max-in-flight', { type: 'number', describe: 'Requests in flight per revision before arrivals are dropped (default 256)' })
      .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust; TLS is never disabled' })
      .example(
        '$0 gate --sandbox --criteria load/criteria/apex-canary.json',
        'Gate a healthy local canary against a local baseline with the APEX runbook criteria: promotes (exit 0) after about 6 minutes of clean windows',
      )
      .example(
        '$0 gate --sandbox --criteria load/criteria/apex-canary.json --fault errors=0.05',
        'A canary failing 5% of requests: rolls back (exit 1) within seconds',
      )
      .example(
        '$0 gate --sandbox --criteria load/criteria/tenants-canary.json --fault errors=1,tenant=contoso',
        'One tenant broken: its own gate fails (exit 1) and is named',
      )
      .example(
        '$0 gate --sandbox --criteria load/criteria/apex-canary.json --config revgate.config.json',
        "Traffic from the smoke config's checks (health, readiness, metrics, projects list...) instead of the built-in mix",
      )
      .example(
        '$0 gate --sandbox --criteria load/criteria/apex-canary.json --max-requests 50',
        "Too little traffic (and less than the criteria's minDuration): inconclusive (exit 2), never pass, with the traffic that would decide it",
      )
      .example(
        '$0 gate --app apex-backend -g apex-rg --canary latest --baseline current --criteria load/criteria/apex-canary.json',
        'Gate the newest revision against the one taking most traffic, both resolved through Azure (AZURE_SUBSCRIPTION_ID) and preflighted first',
      )
      .example(
        '$0 gate --canary https://apex--v43.example.azurecontainerapps.io --baseline https://apex--v42.example.azurecontainerapps.io --criteria load/criteria/apex-canary.json --allow-host "*.example.azurecontainerapps.io" --rate 20',
        'Gate a deployed canary against the revision in service',
      )
      .epilogue(
        'Each revision\'s requests are grouped into time windows (criteria "window", default 500ms) and every gate is decided on the windows with ' +
          'anytime-valid betting confidence sequences, so failures in bursts within a window and evaluating every 250 ms keep the chance of a false promote, ' +
          'and of a false rollback, each at most 1 - confidence (assuming windows are independent: bursts longer than a window need a longer window). No gate passes on less than the criteria\'s "minDuration" (default 1m) of evidence; ' +
          'a request still in flight counts against the canary, and as slower than a latency limit once it is older than it.\n' +
          'Exit codes: 0 pass (promote), 1 fail (roll back), 2 inconclusive (hold: more traffic would decide), 3 bad usage or criteria (nothing sent), ' +
          '4 could not evaluate, or interrupted (SIGINT/SIGTERM) before the evidence decided. Docs: docs/gate.md',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ runCommand }, { gateAdapter }, { DEFAULT_RATE }, { requireSandboxFor, sandboxPair }, { anyRef, azurePair, requireRefFor }] = await Promise.all([
      import('../../run/command.js'),
      import('../../gate/command.js'),
      import('../../gate/gate-setup.js'),
      import('../sandbox-targets.js'),
      import('../revision-refs.js'),
    ]);
    const criteria = a.criteria ?? sandboxDemoCriteria(a.sandbox);
    // Both sandbox revisions accept one token, made before anything starts so the request mix can carry it.
    const sandboxToken = a.sandbox ? randomBytes(32).toString('base64url') : undefined;
    // Revision references (latest, current, a name, a label) are resolved by a launcher, as a sandbox is started: the adapter gets URLs.
    const refs = !a.sandbox && anyRef([a.canary, a.baseline].filter((v): v is string => v !== undefined).map((value) => ({ flag: '', value })));
    const command = gateAdapter({
      ...(a.canary !== undefined && !refs ? { canary: a.canary } : {}),
      ...(a.baseline !== undefined && !refs ? { baseline: a.baseline } : {}),
      criteria,
      ...(a.profile !== undefined ? { profile: a.profile } : {}),
      ...(a.config !== undefined ? { config: a.config } : {}),
      ...(a.env !== undefined ? { env: a.env } : {}),
      ...(a['max-duration'] !== undefined ? { maxDuration: a['max-duration'] } : {}),
      ...(a['max-requests'] !== undefined ? { maxRequests: a['max-requests'] } : {}),
      ...(a.rate !== undefined || refs ? { rate: a.rate ?? DEFAULT_RATE } : {}),
      ...(a.confidence !== undefined ? { confidence: a.confidence } : {}),
      sandbox: a.sandbox || refs,
      ...(sandboxToken ? { sandboxToken } : {}),
      faults: a.fault ?? [],
      allowHosts: (a['allow-host'] ?? [])
        .flatMap((h) => h.split(','))
        .map((h) => h.trim())
        .filter(Boolean),
      ...(a['max-in-flight'] !== undefined ? { maxInFlight: a['max-in-flight'] } : {}),
      ...(a['ca-file'] !== undefined ? { caFile: a['ca-file'] } : {}),
    });
    process.exitCode = await runCommand(command, {
      io: cliIo(),
      out: a.out,
      check: (problems) => requireRefFor(problems, refs, azureRefOptions(a), '--canary or --baseline'),
      ...(sandboxToken ? { launcher: sandboxPair({ faults: a.fault ?? [], token: sandboxToken }) } : {}),
      ...(refs
        ? {
            check: (problems) => {
              requireSandboxFor(problems, false, [['--fault', Boolean(a.fault?.length)]]);
              if (a.canary === undefined) problems.add('--canary', "is required (the new revision's URL, latest, a revision name or a label)");
              if (a.baseline === undefined)
                problems.add(
                  '--baseline',
                  `--canary ${a.canary} names a revision: give --baseline too (current: the revision taking most traffic, a revision, a label or a URL)`,
                );
            },
            launcher: azurePair({ flag: '--canary', value: a.canary as string }, { flag: '--baseline', value: a.baseline as string }, azureRefOptions(a)),
          }
        : {}),
    });
  },
};
