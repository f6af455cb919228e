import type { Argv, CommandModule } from 'yargs';
import { cliIo } from '../io.js';

interface ReportArgs {
  db: string;
  out: string;
  verbose: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: "The monitor's HTML page (status grid, latency, availability and error budget, incidents) and a verdict on the monitored state, from its database",
  builder: (y: Argv) =>
    y
      .option('db', { type: 'string', default: 'revgate-monitor.sqlite', describe: 'The database revgate monitor writes (--db)' })
      .option('out', {
        type: 'string',
        default: 'reports/monitor-report',
        describe: 'Output folder for monitor.html, verdict.json, junit.xml, summary.md, report.html',
      })
      .option('verbose', { type: 'boolean', default: false, describe: 'List every unit in the final output' })
      .example('$0 report --db revgate-monitor.sqlite --out reports/monitor-report', 'Write monitor.html from the history of a monitor that is not running')
      .epilogue(
        'A running monitor owns its database and rewrites OUT/monitor.html every minute itself; report refuses to share the database with it (exit 3).\nExit codes: 0 every unit passed its latest run, 1 a unit failed, 3 bad usage or the database is in use, 4 could not evaluate.',
      ),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ reportAdapter }, { runCommand }] = await Promise.all([import('../../monitor/report-command.js'), import('../../run/command.js')]);
    process.exitCode = await runCommand(reportAdapter({ db: a.db, verbose: a.verbose }), { io: cliIo(), out: a.out });
  },
};
