/**
 * The whole rollout story on one sandbox container app, through the real CLI, ARM client and credential:
 *
 *   1. v2 (healthy) is rolled out 10% -> 50% -> 100% and promoted          (revgate rollout: exit 0)
 *   2. v3 is deployed failing 20% of its requests, rolled out, its gate fails
 *      at 10% and the traffic goes back to v2 at 100%, labels intact        (revgate rollout: exit 1)
 *
 * Run: node --import tsx scripts/demo-rollout.ts   (exit 0 when the story went as told)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_SERVICE_TIME } from '../src/cli/sandbox-targets.js';
import { startAcaSandbox } from '../src/sandbox/aca.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function revgate(args: string[], env: Record<string, string>): Promise<number | null> {
  console.log(`\n$ revgate ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'revgate.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.once('close', resolve);
  });
}

const s = await startAcaSandbox({
  revisions: [
    { suffix: 'v1', faults: [SANDBOX_SERVICE_TIME] },
    { suffix: 'v2', faults: [SANDBOX_SERVICE_TIME] },
  ],
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-demo-'));
try {
  const ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, s.caPem);
  const env = { IDENTITY_ENDPOINT: s.identity.endpoint, IDENTITY_HEADER: s.identity.header, REVGATE_TOKEN: s.token };
  const common = ['--app', s.ref.app, '-g', s.ref.resourceGroup, '--subscription', s.ref.subscription, '--arm-endpoint', s.armUrl, '--ca-file', ca];
  const rollout = ['rollout', ...common, '--revision', 'latest', '--steps', '10,50,100', '--criteria', 'load/criteria/sandbox-rollout.json', '--rate', '100'];
  const traffic = (): string =>
    s.model
      .traffic()
      .map((t) => `${t.revisionName}=${t.weight}${t.label ? ` (${t.label})` : ''}`)
      .join(', ');

  console.log(`sandbox container app ${s.ref.app}: ${traffic()}`);
  const good = await revgate([...rollout, '--journal', path.join(dir, 'v2.json'), '--out', path.join(dir, 'v2')], env);
  console.log(`\n==> v2: exit ${good}; ARM traffic now ${traffic()}`);

  const v3 = await s.deployRevision({ suffix: 'v3', faults: [SANDBOX_SERVICE_TIME, 'errors=0.2'] });
  console.log(`\ndeployed ${v3}, which fails 20% of its requests`);
  const bad = await revgate([...rollout, '--journal', path.join(dir, 'v3.json'), '--out', path.join(dir, 'v3')], env);
  console.log(`\n==> v3: exit ${bad}; ARM traffic now ${traffic()}`);

  const told = good === 0 && bad === 1 && s.model.weights().get(`${s.ref.app}--v2`) === 100;
  console.log(told ? '\ndemo: v2 promoted, v3 rolled back to v2 at 100%' : '\ndemo: the story did not go as told (see above)');
  process.exitCode = told ? 0 : 1;
} finally {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
}
