import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The package root (where playwright.config.ts and checks/ live), from src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
}

/**
 * Runs `playwright test` in a child process (Playwright has no supported in-process API) and relays
 * its output line by line through `mask`, so a secret split across chunks is still caught.
 * SIGINT/SIGTERM are forwarded so Playwright stops, runs fixture teardown (cleanup) and reports.
 */
export function runPlaywright(options: RunPlaywrightOptions): Promise<PlaywrightRun> {
  const cli = require.resolve('@playwright/test/cli');
  const args = [cli, 'test', '--config', path.join(PACKAGE_ROOT, 'playwright.config.ts'), ...(options.grep ? ['--grep', options.grep] : [])];
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });

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

  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      out.end();
      err.end();
      resolve({ exitCode, signal });
    });
  });
}
