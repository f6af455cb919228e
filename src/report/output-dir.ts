import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, RevgateError } from '../core/errors.js';

const MARKER = '.revgate-output';

/**
 * Empties the output folder before a run so reports from a previous run never mix with this one,
 * but only when the folder is empty or was written by revgate: `--out .` must not wipe a repository.
 */
export function prepareOutputDir(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new RevgateError(
        ErrorCodes.Usage,
        `refusing to use ${dir} as the output folder: it is not empty and was not written by revgate (choose another --out)`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MARKER), 'This folder is written by revgate and emptied at the start of each run.\n');
}
