/**
 * The sandbox's Container Apps control plane started in the test process, and the flags and
 * environment a CLI run needs to reach it as it would reach Azure: --app/-g/--subscription,
 * --arm-endpoint and --ca-file, and the managed identity variables DefaultAzureCredential reads.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SANDBOX_SERVICE_TIME } from '../../src/cli/sandbox-targets.js';
import { startAcaSandbox, type AcaSandboxOptions, type RunningAcaSandbox } from '../../src/sandbox/aca.js';
import { ROOT, tempDir, writeJson, type TempOwner } from './cli.js';
import { writeFileSync } from 'node:fs';

export interface AcaFixture {
  s: RunningAcaSandbox;
  dir: string;
  /** --app ... --ca-file ... */
  args: string[];
  env: Record<string, string>;
  revision(suffix: string): string;
}

export async function startAca(owner: TempOwner, options: AcaSandboxOptions & { canaryFaults?: string[] } = {}): Promise<AcaFixture> {
  const { canaryFaults, ...rest } = options;
  const s = await startAcaSandbox({
    operationMs: 50,
    revisions: [
      { suffix: 'v1', faults: [SANDBOX_SERVICE_TIME] },
      { suffix: 'v2', faults: [SANDBOX_SERVICE_TIME, ...(canaryFaults ?? [])] },
    ],
    ...rest,
  });
  owner.after(() => s.stop());
  const dir = tempDir(owner, 'revgate-aca-');
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, s.caPem);
  return {
    s,
    dir,
    args: ['--app', s.ref.app, '-g', s.ref.resourceGroup, '--subscription', s.ref.subscription, '--arm-endpoint', s.armUrl, '--ca-file', caFile],
    env: { IDENTITY_ENDPOINT: s.identity.endpoint, IDENTITY_HEADER: s.identity.header },
    revision: (suffix) => `${s.ref.app}--${suffix}`,
  };
}

export { writeJson };

export interface KilledRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI and SIGKILLs it (no chance to clean up, as a lost agent or an OOM kill) the first
 * time its stderr matches `killOn`, and calls `when.run` the first time it matches `when.on` (to change the
 * world under a run at a known moment, or to kill it once something else happened). Without a match it runs to the end; a hang guard kills it after 5 minutes.
 */
export function runCliKilledOn(
  args: string[],
  env: Record<string, string>,
  killOn?: RegExp,
  when?: { on: RegExp; run: (kill: () => void) => unknown },
): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string | undefined> = {
      ...process.env,
      GITHUB_ACTIONS: undefined,
      GITHUB_OUTPUT: undefined,
      GITHUB_STEP_SUMMARY: undefined,
      TF_BUILD: undefined,
      ...env,
    };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'revgate.js'), ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let acted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (when && !acted && when.on.test(stderr)) {
        acted = true;
        void Promise.resolve().then(() => when.run(() => child.kill('SIGKILL')));
      }
      if (killOn && !killed && killOn.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
