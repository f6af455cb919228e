import type { Argv, CommandModule } from 'yargs';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { outputMode, stdout } from '../io.js';

interface ValidateArgs {
  config: string;
  env?: string;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Check a config file (schema, references, env vars) without running anything',
  builder: (y: Argv) =>
    y
      .option('config', { type: 'string', default: 'revgate.config.json', describe: 'Config file' })
      .option('env', { type: 'string', describe: 'Environment whose ${VARS} must resolve' })
      .example('$0 validate --config examples/apex-backend.json --env smoke', 'Lint a config in a pull request (exit 3 when invalid)')
      .epilogue('Exit codes: 0 valid, 3 invalid (every problem is listed with its JSON path).'),
  handler: async (a) => {
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without this command's dependencies.
    const [{ loadConfig }, { readSettings }] = await Promise.all([import('../../config/load.js'), import('../../monitor/settings.js')]);
    const { json } = outputMode();
    let r: ReturnType<typeof loadConfig>;
    try {
      r = loadConfig({ configPath: a.config, ...(a.env ? { env: a.env } : {}) });
      // The monitor section is checked in full as `revgate monitor` would (schedules, thresholds, channels, SLO).
      if (r.config.monitor) {
        const { problems } = readSettings({ monitor: r.config.monitor, checkIds: r.config.checks.map((c) => c.id) });
        if (problems.length)
          throw new RevgateError(
            ErrorCodes.ConfigInvalid,
            `${a.config} has ${problems.length} problem${problems.length === 1 ? '' : 's'} in its monitor section`,
            problems.map((d) => ({ ...d, file: r.file })),
            { schema: 'schemas/config.schema.json' },
          );
      }
    } catch (err) {
      // --json: the problems as data too (the message and exit 3 still come from the error).
      if (json && err instanceof RevgateError)
        stdout(
          `${JSON.stringify({ valid: false, config: a.config, problems: err.diagnostics.length ? err.diagnostics : [{ path: '', message: err.message }] }, null, 2)}\n`,
        );
      throw err;
    }
    const n = r.config.checks.length;
    if (json) stdout(`${JSON.stringify({ valid: true, config: a.config, environment: r.environment, baseUrl: r.target.baseUrl, checks: n }, null, 2)}\n`);
    else stdout(`${a.config}: valid (${n} check${n === 1 ? '' : 's'}, environment ${r.environment} -> ${r.target.baseUrl})\n`);
  },
};
