/**
 * Blast radius: from every probe result to "is it one tenant, one cell, one region, or the revision?". Pure.
 */
import type { BlastRadius, CheckResult } from '../verdict/types.js';

export interface CellInfo {
  type?: 'shared' | 'dedicated';
  region?: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function computeBlastRadius(checks: readonly CheckResult[], cells: Readonly<Record<string, CellInfo>> = {}): BlastRadius {
  const tenants = new Set<string>();
  const failing = new Set<string>();
  const degraded = new Set<string>();
  const errored = new Set<string>();
  const breaches = new Set<string>();
  let rateLimited = 0;
  const cellTenants = new Map<string, { all: Set<string>; failing: Set<string>; error: Set<string> }>();
  const regionTenants = new Map<string, { all: Set<string>; failing: Set<string>; error: Set<string> }>();
  const bucket = (m: typeof cellTenants, k: string) => {
    let b = m.get(k);
    if (!b) m.set(k, (b = { all: new Set(), failing: new Set(), error: new Set() }));
    return b;
  };

  for (const c of checks) {
    const t = c.labels?.tenant;
    if (!t) continue;
    tenants.add(t);
    const cell = bucket(cellTenants, c.labels?.cell ?? '?');
    const region = bucket(regionTenants, c.labels?.region ?? '?');
    cell.all.add(t);
    region.all.add(t);
    if (c.error?.kind === 'rate-limited') rateLimited++;
    if (!c.blocking) continue;
    if (c.status === 'failed') {
      failing.add(t);
      cell.failing.add(t);
      region.failing.add(t);
      if (c.labels?.probe === 'isolation') breaches.add(t);
    } else if (c.status === 'error') {
      errored.add(t);
      cell.error.add(t);
      region.error.add(t);
    } else if (c.status === 'degraded') degraded.add(t);
  }
  for (const t of failing) {
    errored.delete(t);
    degraded.delete(t);
  }

  const byCell = [...cellTenants]
    .filter(([, b]) => b.failing.size > 0 || b.error.size > 0)
    .map(([cell, b]) => ({
      cell,
      ...(cells[cell]?.type ? { type: cells[cell]?.type } : {}),
      ...(cells[cell]?.region ? { region: cells[cell]?.region } : {}),
      tenants: b.all.size,
      failing: b.failing.size,
      error: b.error.size,
    }))
    .sort((a, b) => b.failing - a.failing || b.error - a.error || a.cell.localeCompare(b.cell));
  const byRegion = [...regionTenants]
    .map(([region, b]) => ({ region, tenants: b.all.size, failing: b.failing.size, error: b.error.size }))
    .sort((a, b) => a.region.localeCompare(b.region));
  const failCells = byCell.filter((c) => c.failing > 0);
  const failRegions = byRegion.filter((r) => r.failing > 0);

  const total = tenants.size;
  let line: string;
  if (failing.size === 0) {
    line = `0/${total} tenants failing across ${plural(regionTenants.size, 'region')} and ${plural(cellTenants.size, 'cell')}`;
  } else {
    line = `${failing.size}/${total} tenants failing`;
    const share = (c: { failing: number; tenants: number }): string =>
      c.failing === c.tenants ? (c.tenants === 1 ? '' : ` (all ${c.tenants} of its tenants)`) : ` (${c.failing} of its ${c.tenants} tenants)`;
    const only = failCells.length === 1 ? failCells[0] : undefined;
    if (only) {
      line += `, all on ${only.type ? `${only.type} ` : ''}cell ${only.cell}${share(only)}`;
    } else {
      const where =
        failRegions.length === 1
          ? `, all in region ${failRegions[0]?.region}`
          : ` across ${plural(failCells.length, 'cell')} in ${plural(failRegions.length, 'region')}`;
      // Name the worst cells: a whole cell down next to one odd tenant reads differently from a scatter.
      const top = failCells.slice(0, 3).map((c) => `${c.failing} on ${c.cell}${share(c)}`);
      line += `${where}: ${top.join(', ')}${failCells.length > 3 ? `, +${plural(failCells.length - 3, 'more cell')}` : ''}`;
    }
    if (failing.size <= 3) line += ` (${[...failing].sort().join(', ')})`;
  }
  if (breaches.size) line += `; isolation breach for ${plural(breaches.size, 'tenant')}`;
  if (errored.size) line += `; ${plural(errored.size, 'tenant')} could not be probed`;
  if (rateLimited) line += `; ${plural(rateLimited, 'probe')} rate-limited`;
  if (degraded.size) line += `; ${degraded.size} degraded`;

  return {
    line,
    tenants: { total, failing: failing.size, degraded: degraded.size, error: errored.size },
    cells: { total: cellTenants.size, affected: failCells.length },
    regions: { total: regionTenants.size, affected: failRegions.length },
    isolationBreaches: breaches.size,
    rateLimited,
    byCell,
    byRegion,
    failingTenants: [...failing].sort().slice(0, 100),
  };
}
