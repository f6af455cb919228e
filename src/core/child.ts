import { spawn } from 'node:child_process';

export interface ShellResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Ended by revgate: the time limit passed, or the output grew past its limit. */
  killed?: 'timeout' | 'output-limit';
}

/**
 * Runs a shell command in its own process group and waits for it. On timeout (or output past the limit)
 * the whole group gets SIGTERM, then SIGKILL two seconds later, so nothing it started outlives it (a
 * `--tenants-cmd` that pipes through `az ... | jq` leaves no orphan behind).
 */
export function runShell(command: string, options: { env: Record<string, string | undefined>; timeoutMs: number; maxBytes: number }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let killed: ShellResult['killed'];
    let hard: NodeJS.Timeout | undefined;
    const killGroup = (why: NonNullable<ShellResult['killed']>): void => {
      if (killed) return;
      killed = why;
      const signal = (sig: NodeJS.Signals): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          // the group is gone already
        }
      };
      signal('SIGTERM');
      hard = setTimeout(() => signal('SIGKILL'), 2000);
      hard.unref();
    };
    const timer = setTimeout(() => killGroup('timeout'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > options.maxBytes) killGroup('output-limit');
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(d);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (hard && !killed) clearTimeout(hard);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal, ...(killed ? { killed } : {}) });
    });
  });
}
