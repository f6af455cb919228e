import type { Argv, CommandModule } from 'yargs';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { parseDuration } from '../../monitor/duration.js';
import { cliIo } from '../io.js';

interface MonitorArgs {
  config?: string;
  env?: string;
  'base-url'?: string;
  interval?: string;
  once: boolean;
  'metrics-port'?: number;
  'metrics-host': string;
  db: string;
  out: string;
  'ca-file'?: string;
  'allow-destructive': boolean;
  'notify-backoff'?: string;
  sandbox: boolean;
  fault?: string[];
  verbose: boolean;
}

export const monitorCommand: CommandModule<object, MonitorArgs> = {
  command: 'monitor',
  describe: "Run the config's checks and tenant probes on schedules against production: alerts with thresholds, history, SLO burn rates, /metrics",
  builder: (y: Argv) =>
    y
      .option('config', { type: 'string', describe: 'Config file (its "monitor" section: schedules, alerts, notify, SLO)', default: 'revgate.config.json' })
      .option('env', { type: 'string', describe: 'Environment from the config' })
      .option('base-url', { type: 'string', describe: "Target URL (overrides the environment's baseUrl)" })
      .option('interval', {
        type: 'string',
        describe: "Default schedule, e.g. 60s, 5m, 200ms (replaces monitor.interval; a check's own interval or cron wins)",
      })
      .option('once', {
        type: 'boolean',
        default: false,
        describe: 'Run every check and probe once, deliver notifications and exit (cron, GitHub Actions schedule, Container Apps Job)',
      })
      .option('metrics-port', { type: 'number', describe: 'Serve Prometheus metrics at /metrics on this port (0: any free port, printed)' })
      .option('metrics-host', { type: 'string', default: '127.0.0.1', describe: 'Address /metrics listens on (0.0.0.0 in a container)' })
      .option('db', { type: 'string', default: 'revgate-monitor.sqlite', describe: 'History and alert state database (SQLite); keep it between runs' })
      .option('out', { type: 'string', default: 'reports/monitor', describe: 'Output folder for the final verdict.json, junit.xml, summary.md, report.html' })
      .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust; TLS is never disabled' })
      .option('allow-destructive', { type: 'boolean', default: false, describe: 'Also run checks with readOnly:false on a production environment' })
      .option('notify-backoff', { type: 'string', describe: 'First retry of a failed notification after this (doubling, at most 5m); default 1s' })
      .option('sandbox', { type: 'boolean', default: false, describe: 'Start a local sandbox revision and monitor it' })
      .option('fault', { type: 'string', array: true, describe: 'With --sandbox: inject a fault, e.g. errors=0.5 or latency=300' })
      .option('verbose', { type: 'boolean', default: false, describe: 'List every unit in the final output' })
      .check((a) => {
        if (a.interval !== undefined && (parseDuration(a.interval) ?? 0) < 100)
          throw new RevgateError(ErrorCodes.Usage, '--interval must be a duration of at least 100ms, e.g. 60s or 5m');
        if (a['notify-backoff'] !== undefined && (parseDuration(a['notify-backoff']) ?? 0) < 10)
          throw new RevgateError(ErrorCodes.Usage, '--notify-backoff must be a duration such as 1s or 200ms');
        const port = a['metrics-port'];
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
          throw new RevgateError(ErrorCodes.Usage, '--metrics-port must be a port number from 0 to 65535');
        return true;
      })
      .example('$0 monitor --sandbox --once', 'Run the default checks once against a local sandbox and record them in revgate-monitor.sqlite')
      .example(
        '$0 monitor --config revgate.config.json --env prod --metrics-port 9464',
        'Monitor production on the configured schedules, with Prometheus metrics',
      )
      .example(
        '$0 monitor --env prod --once --db /data/monitor.sqlite',
        'One round per invocation (a cron job): alert state and history carry over in the database',
      )
      .epilogue(
        'Alerts: monitor.alerts.failureThreshold (default 3) consecutive failures open an alert, successThreshold (default 2) resolve it; notifications to webhook, PagerDuty, Slack and Teams go through an outbox in the database (retried, never duplicated per state change). See docs/monitor.md.\nExit codes: 0 every unit passed its latest run, 1 a unit failed, 3 bad usage or config, 4 could not evaluate.',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ monitorAdapter }, { runCommand }, { requireSandboxFor, sandboxRevision }] = await Promise.all([
      import('../../monitor/command.js'),
      import('../../run/command.js'),
      import('../sandbox-targets.js'),
    ]);
    const interval = a.interval !== undefined ? parseDuration(a.interval) : undefined;
    const backoff = a['notify-backoff'] !== undefined ? parseDuration(a['notify-backoff']) : undefined;
    const command = monitorAdapter({
      ...(a.config !== undefined ? { config: a.config } : {}),
      ...(a.env !== undefined ? { env: a.env } : {}),
      ...(a['base-url'] !== undefined ? { baseUrl: a['base-url'] } : {}),
      ...(interval !== undefined ? { intervalMs: interval } : {}),
      once: a.once,
      ...(a['metrics-port'] !== undefined ? { metricsPort: a['metrics-port'] } : {}),
      metricsHost: a['metrics-host'],
      db: a.db,
      ...(a['ca-file'] ? { caFile: a['ca-file'] } : {}),
      allowDestructive: a['allow-destructive'],
      ...(backoff !== undefined ? { notifyBackoffMs: backoff } : {}),
      sandbox: a.sandbox,
      verbose: a.verbose,
    });
    process.exitCode = await runCommand(command, {
      io: cliIo(),
      out: a.out,
      check: (problems) => requireSandboxFor(problems, a.sandbox, [['--fault', Boolean(a.fault?.length)]]),
      ...(a.sandbox ? { launcher: sandboxRevision({ faults: a.fault ?? [] }) } : {}),
    });
  },
};
