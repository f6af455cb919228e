import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);

const HERE = fileURLToPath(import.meta.url);
/** The package root (schemas/, examples/, checks/), from src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(HERE), '..', '..');
/**
 * The Playwright config next to this file: the sources when revgate runs from src/ (tsx), the build when it runs
 * from dist/ (Playwright compiles no TypeScript under node_modules, so an installed package must run JavaScript).
 */
const PLAYWRIGHT_CONFIG = path.join(path.dirname(HERE), `playwright.config${path.extname(HERE)}`);

export interface PlaywrightRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunPlaywrightOptions {
  env: Record<string, string | undefined>;
  grep?: string;
  /** Receives child output line by line, already masked by the caller's function. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  mask: (s: string) => string;
  /** Aborted when the run is interrupted: Playwright gets one SIGINT, stops, runs fixture teardown (cleanup) and reports. */
  signal: AbortSignal;
}

/**
 * Runs `playwright test` in a child process (Playwright has no supported in-process API) and relays
 * its output line by line through `mask`, so a secret split across chunks is still caught.
 * The child runs in its own process group, so a terminal's Ctrl-C reaches revgate alone; revgate then
 * sends exactly one SIGINT to the group (a second one would make Playwright quit without teardown).
 */
export function runPlaywright(options: RunPlaywrightOptions): Promise<PlaywrightRun> {
  const cli = require.resolve('@playwright/test/cli');
  const args = [cli, 'test', '--config', PLAYWRIGHT_CONFIG, ...(options.grep ? ['--grep', options.grep] : [])];
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });

  const relay = (stream: 'stdout' | 'stderr') => {
    let buffer = '';
    return {
      data: (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          options.onLine(options.mask(buffer.slice(0, nl)), stream);
          buffer = buffer.slice(nl + 1);
        }
      },
      end: () => {
        if (buffer) options.onLine(options.mask(buffer), stream);
        buffer = '';
      },
    };
  };
  const out = relay('stdout');
  const err = relay('stderr');
  child.stdout.on('data', out.data);
  child.stderr.on('data', err.data);

  const interrupt = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
    } catch {
      child.kill('SIGINT'); // the group is gone already; the child itself may not be
    }
  };
  if (options.signal.aborted) interrupt();
  options.signal.addEventListener('abort', interrupt, { once: true });

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      options.signal.removeEventListener('abort', interrupt);
      out.end();
      err.end();
      resolve({ exitCode, signal });
    });
  });
}
