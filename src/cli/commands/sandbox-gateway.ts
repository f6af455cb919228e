/**
 * `revgate sandbox --gateway`: the APIM-like gateway in front of a generated stamps estate, one loopback
 * port per region. The catalog and a 0600 keys file go to --state-dir so `revgate probe --tenants` can use
 * them; keys are never printed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { estateCatalog } from '../../sandbox/estate.js';
import { generateEstate } from '../../sandbox/gateway-catalog.js';
import { startGateway } from '../../sandbox/gateway.js';
import { outputMode, stderr, stdout } from '../io.js';

export interface GatewaySandboxArgs {
  tenants: number;
  regions?: string[];
  faults: string[];
  port: number;
  host: string;
  stateDir: string;
}

export async function runGatewaySandbox(a: GatewaySandboxArgs): Promise<void> {
  const estate = generateEstate({ tenants: a.tenants, ...(a.regions?.length ? { regions: a.regions } : {}) });
  const gateway = await startGateway({ estate, host: a.host, ...(a.port ? { basePort: a.port } : {}), faults: a.faults });
  const dir = path.resolve(a.stateDir);
  mkdirSync(dir, { recursive: true });
  const keysFile = path.join(dir, 'subscription-keys.json');
  writeFileSync(keysFile, JSON.stringify(Object.fromEntries(estate.tenants.map((t) => [t.id, t.key]))), { mode: 0o600 });
  const catalogFile = path.join(dir, 'tenants.json');
  writeFileSync(catalogFile, `${JSON.stringify(estateCatalog(estate, gateway.urls, 'subscription-keys.json'), null, 2)}\n`);
  const rel = (f: string): string => path.relative(process.cwd(), f) || f;
  const first = Object.values(gateway.urls)[0];
  const { json, quiet } = outputMode();
  if (json) stdout(`${JSON.stringify({ regions: gateway.urls, catalogFile, keysFile, tenants: estate.tenants.length, faults: gateway.faults() })}\n`);
  else if (quiet) stdout(`${rel(catalogFile)}\n`);
  else {
    stdout(`revgate sandbox: gateway for ${estate.tenants.length} tenants on ${Object.keys(estate.cells).length} cells\n`);
    for (const [region, url] of Object.entries(gateway.urls)) stdout(`  ${region.padEnd(14)} ${url}\n`);
    stdout(`  catalog: ${rel(catalogFile)} (keys in ${rel(keysFile)}, mode 0600)\n`);
    stdout(
      `  faults:  ${gateway.faults().join(' ') || 'none'}  (change: curl -X PUT ${first}/__gateway/faults -d '{"faults":["cell=${Object.keys(estate.cells)[0]}:errors,status=503"]}')\n`,
    );
    stdout(`  try:     revgate probe --tenants ${rel(catalogFile)}\n`);
    stdout('Press Ctrl+C to stop.\n');
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => async () => {
      stderr(`revgate sandbox: ${sig}, stopping\n`);
      await gateway.stop();
      rmSync(keysFile, { force: true });
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT')());
    process.once('SIGTERM', () => void stop('SIGTERM')());
  });
}
