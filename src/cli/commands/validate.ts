import type { Argv, CommandModule } from 'yargs';
import { loadConfig } from '../../config/load.js';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { readSettings } from '../../monitor/settings.js';
import { stdout } from '../io.js';

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
  handler: (a) => {
    const r = loadConfig({ configPath: a.config, ...(a.env ? { env: a.env } : {}) });
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
    const n = r.config.checks.length;
    stdout(`${a.config}: valid (${n} check${n === 1 ? '' : 's'}, environment ${r.environment} -> ${r.target.baseUrl})\n`);
  },
};
