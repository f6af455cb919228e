/**
 * A generated stamps estate for the sandbox gateway: tenants on shared and dedicated cells in several
 * regions, each with a random subscription key. Deterministic apart from the keys.
 */
import { randomBytes } from 'node:crypto';

export type GatewayTier = 'basic' | 'premium' | 'enterprise';

export interface GatewayTenant {
  id: string;
  tier: GatewayTier;
  /** The subscription key: a secret. */
  key: string;
  /** Region -> cell. */
  cells: Record<string, string>;
}

export interface GatewayCell {
  type: 'shared' | 'dedicated';
  region: string;
}

export interface StampsEstate {
  regions: string[];
  tenants: GatewayTenant[];
  cells: Record<string, GatewayCell>;
}

export const DEFAULT_GATEWAY_REGIONS = ['eastus', 'westeurope', 'southeastasia'];
/** Tenants per shared cell, as a capacity plan would cap it. */
const SHARED_CELL_SIZE = 100;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** 1 in 20 tenants is enterprise (dedicated cells), 1 in 4 premium, the rest basic: roughly the runbook's mix. */
export function tierOf(i: number): GatewayTier {
  if (i % 20 === 19) return 'enterprise';
  if (i % 4 === 1) return 'premium';
  return 'basic';
}

export function generateEstate(options: { tenants: number; regions?: string[] }): StampsEstate {
  const regions = options.regions?.length ? options.regions : DEFAULT_GATEWAY_REGIONS;
  const cells: Record<string, GatewayCell> = {};
  const tenants: GatewayTenant[] = [];
  const seen: Record<GatewayTier, number> = { basic: 0, premium: 0, enterprise: 0 };
  for (let i = 0; i < options.tenants; i++) {
    const tier = tierOf(i);
    const id = `t${pad(i + 1, 4)}-${tier}`;
    const nth = seen[tier]++;
    const tenantCells: Record<string, string> = {};
    for (const region of regions) {
      const cell =
        tier === 'enterprise'
          ? `dedicated-${id}-${region}`
          : `shared-${tier === 'basic' ? 'smb' : 'premium'}-${region}-${pad(Math.floor(nth / SHARED_CELL_SIZE) + 1, 2)}`;
      cells[cell] ??= { type: tier === 'enterprise' ? 'dedicated' : 'shared', region };
      tenantCells[region] = cell;
    }
    tenants.push({ id, tier, key: randomBytes(24).toString('base64url'), cells: tenantCells });
  }
  return { regions: [...regions], tenants, cells };
}
