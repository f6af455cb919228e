/**
 * `revgate sandbox --aca`: the Container Apps control plane on loopback (src/sandbox/aca.ts), left
 * running for discover and rollout runs that point at it (--arm-endpoint, --ca-file, and the managed
 * identity variables), e.g. to kill a rollout and resume it. The CA, the revisions' token and the
 * identity header go to --state-dir; secrets are never printed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAcaSandbox } from '../../sandbox/aca.js';
import { ACA_CONTROL_PREFIX } from '../../sandbox/aca.js';
import { stderr, stdout } from '../io.js';
import { SANDBOX_SERVICE_TIME } from '../sandbox-targets.js';

export interface AcaSandboxArgs {
  faults: string[];
  armFaults: string[];
  host: string;
  stateDir: string;
  users?: number;
}

export async function runAcaSandbox(a: AcaSandboxArgs): Promise<void> {
  const s = await startAcaSandbox({
    host: a.host,
    revisions: [
      { suffix: 'v1', faults: [SANDBOX_SERVICE_TIME] },
      { suffix: 'v2', faults: [SANDBOX_SERVICE_TIME, ...a.faults] },
    ],
    armFaults: a.armFaults,
    ...(a.users !== undefined ? { users: a.users } : {}),
  });
  const dir = path.resolve(a.stateDir);
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, s.caPem);
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, s.token, { mode: 0o600 });
  const identityFile = path.join(dir, 'identity-header');
  writeFileSync(identityFile, s.identity.header, { mode: 0o600 });
  const rel = (f: string): string => path.relative(process.cwd(), f) || f;
  const weights = s.model.weights();
  const labels = new Map(s.model.traffic().map((t) => [t.revisionName, t.label]));
  stdout(`revgate sandbox: container app ${s.ref.app} (resource group ${s.ref.resourceGroup}, subscription ${s.ref.subscription})\n`);
  stdout(`  ARM:       ${s.armUrl}  (CA: ${rel(caFile)})\n`);
  stdout(`  identity:  export IDENTITY_ENDPOINT=${s.identity.endpoint} IDENTITY_HEADER="$(cat ${rel(identityFile)})"\n`);
  stdout(
    `  ingress:   ${s.ingressUrl}  (split by ARM's traffic weights; ${s.users.rate()} real requests/s from users, PUT ${ACA_CONTROL_PREFIX}users {"perSecond": N})\n`,
  );
  stdout(
    `  metrics:   POST ${s.armUrl}/subscriptions/${s.ref.subscription}/metrics:getBatch (Azure Monitor Requests per revision; ingestion delay ${s.metricsDelayMs / 1000} s)\n`,
  );
  for (const r of s.revisions())
    stdout(`  revision:  ${r.name} ${r.url}  (${weights.get(r.name) ?? 0}%${labels.get(r.name) ? `, label ${labels.get(r.name)}` : ''})\n`);
  stdout(`  token:     ${rel(tokenFile)}  (the revisions' bearer token: export REVGATE_TOKEN="$(cat ${rel(tokenFile)})")\n`);
  stdout(`  deploy:    curl --cacert ${rel(caFile)} -X POST ${s.armUrl}${ACA_CONTROL_PREFIX}revisions -d '{"suffix":"v3","faults":["errors=0.2"]}'\n`);
  stdout(
    `  try:       revgate discover --app ${s.ref.app} -g ${s.ref.resourceGroup} --subscription ${s.ref.subscription} --arm-endpoint ${s.armUrl} --ca-file ${rel(caFile)}\n`,
  );
  stdout('Press Ctrl+C to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => async () => {
      stderr(`revgate sandbox: ${sig}, stopping\n`);
      await s.stop();
      rmSync(tokenFile, { force: true });
      rmSync(identityFile, { force: true });
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT')());
    process.once('SIGTERM', () => void stop('SIGTERM')());
  });
}
