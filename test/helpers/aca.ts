/**
 * The sandbox's Container Apps control plane started in the test process, and the flags and
 * environment a CLI run needs to reach it as it would reach Azure: --app/-g/--subscription,
 * --arm-endpoint and --ca-file, and the managed identity variables DefaultAzureCredential reads.
 */
import path from 'node:path';
import { SANDBOX_SERVICE_TIME } from '../../src/cli/sandbox-targets.js';
import { startAcaSandbox, type AcaSandboxOptions, type RunningAcaSandbox } from '../../src/sandbox/aca.js';
import { tempDir, writeJson, type TempOwner } from './cli.js';
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
