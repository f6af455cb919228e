/**
 * `revgate probe --sandbox`: a generated estate behind the sandbox gateway, and the catalog that describes
 * it. The keys go to a 0600 file outside the output folder and are referenced by {"file": ...}, as a CI
 * secrets file would be; they are never printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEstate, type StampsEstate } from './gateway-catalog.js';
import { startGateway, type RunningGateway } from './gateway.js';

export interface SandboxEstate {
  estate: StampsEstate;
  gateway: RunningGateway;
  /** The catalog document (schemas/tenants.schema.json), keys by reference only. */
  catalog: Record<string, unknown>;
  dir: string;
  stop(): Promise<void>;
}

export function estateCatalog(estate: StampsEstate, urls: Record<string, string>, keysFile: string): Record<string, unknown> {
  return {
    service: 'sandbox-stamps',
    environment: 'sandbox',
    regions: Object.fromEntries(estate.regions.map((r) => [r, { gatewayUrl: urls[r] }])),
    cells: estate.cells,
    defaults: { key: { file: keysFile } },
    tenants: estate.tenants.map((t) => ({ id: t.id, tier: t.tier, regions: Object.keys(t.cells), cell: t.cells })),
  };
}

export async function startSandboxEstate(options: { tenants: number; regions?: string[]; faults?: string[] }): Promise<SandboxEstate> {
  const estate = generateEstate({ tenants: options.tenants, ...(options.regions ? { regions: options.regions } : {}) });
  const gateway = await startGateway({ estate, faults: options.faults ?? [] });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-gateway-'));
  const keysFile = path.join(dir, 'subscription-keys.json');
  writeFileSync(keysFile, JSON.stringify(Object.fromEntries(estate.tenants.map((t) => [t.id, t.key]))), { mode: 0o600 });
  // A second Ctrl-C exits at once (run/signals.ts), before stop() could run: the keys file goes with the process.
  const removeOnExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  return {
    estate,
    gateway,
    catalog: estateCatalog(estate, gateway.urls, keysFile),
    dir,
    stop: async () => {
      await gateway.stop();
      process.removeListener('exit', removeOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
