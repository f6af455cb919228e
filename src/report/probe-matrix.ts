/**
 * summary.md section for tenant probes: the blast radius, per-region and per-cell counts, and a tenant x
 * region matrix of the tenants with a problem. Readable at 1,000 tenants: passing tenants are counted,
 * not listed. Pure.
 */
import type { CheckStatus, Verdict } from '../verdict/types.js';

const ICON: Record<CheckStatus, string> = { passed: '✅', failed: '❌', degraded: '⚠️', flaky: '🔁', skipped: '⏭️', error: '⛔' };
const RANK: Record<CheckStatus, number> = { passed: 0, skipped: 0, degraded: 1, flaky: 2, error: 3, failed: 4 };
const MAX_ROWS = 200;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export interface GridSlot {
  status: CheckStatus;
  /** Probes in that tenant x region that did not pass, with their reasons. */
  problems: Array<{ probe: string; status: CheckStatus; message?: string }>;
  probes: number;
  cell: string;
}

/** Tenant -> region -> the worst status of its probes there, and the probes behind it. Pure. */
export function tenantGrid(v: Pick<Verdict, 'checks'>): Map<string, { tier: string; at: Map<string, GridSlot> }> {
  const grid = new Map<string, { tier: string; at: Map<string, GridSlot> }>();
  for (const c of v.checks) {
    const t = c.labels?.tenant;
    const r = c.labels?.region;
    if (!t || !r) continue;
    let row = grid.get(t);
    if (!row) grid.set(t, (row = { tier: c.labels?.tier ?? '', at: new Map() }));
    let slot = row.at.get(r);
    if (!slot) row.at.set(r, (slot = { status: 'passed', problems: [], probes: 0, cell: c.labels?.cell ?? '' }));
    slot.probes++;
    if (c.status !== 'passed')
      slot.problems.push({ probe: c.labels?.endpoint ?? c.labels?.probe ?? c.id, status: c.status, ...(c.error?.message ? { message: c.error.message } : {}) });
    if (RANK[c.status] > RANK[slot.status]) slot.status = c.status;
  }
  return grid;
}

/** Worst status rank of a tenant's row, for sorting the worst first. */
export const worstRank = (row: { at: Map<string, GridSlot> }): number => Math.max(...[...row.at.values()].map((s) => RANK[s.status]));

export function renderProbeMatrix(v: Verdict): string[] {
  const b = v.blastRadius;
  if (!b) return [];
  const lines: string[] = ['### Blast radius', '', `**${cell(b.line)}**`, ''];
  lines.push('| Region | Tenants | Failing | Could not probe |', '|---|---|---|---|');
  for (const r of b.byRegion) lines.push(`| ${cell(r.region)} | ${r.tenants} | ${r.failing} | ${r.error} |`);
  lines.push('');
  if (b.byCell.length) {
    lines.push(
      `Affected cells (${b.cells.affected} failing of ${b.cells.total}):`,
      '',
      '| Cell | Type | Region | Tenants | Failing | Could not probe |',
      '|---|---|---|---|---|---|',
    );
    for (const c of b.byCell.slice(0, 50)) lines.push(`| ${cell(c.cell)} | ${c.type ?? ''} | ${c.region ?? ''} | ${c.tenants} | ${c.failing} | ${c.error} |`);
    if (b.byCell.length > 50) lines.push(`| … ${b.byCell.length - 50} more | | | | | |`);
    lines.push('');
  }

  const regions = b.byRegion.map((r) => r.region);
  const grid = tenantGrid(v);
  const troubled = [...grid].filter(([, row]) => [...row.at.values()].some((s) => s.status !== 'passed'));
  const ok = grid.size - troubled.length;
  if (!troubled.length) {
    lines.push(`All ${grid.size} tenants passed in every region they are served in.`, '');
    return lines;
  }
  troubled.sort(([a, ra], [b2, rb]) => worstRank(rb) - worstRank(ra) || a.localeCompare(b2));
  lines.push(`### Tenant x region (${troubled.length} tenants with a problem; the other ${ok} passed everywhere)`, '');
  lines.push(`| Tenant | Tier | ${regions.map(cell).join(' | ')} |`, `|---|---|${regions.map(() => '---').join('|')}|`);
  for (const [tenant, row] of troubled.slice(0, MAX_ROWS)) {
    const cols = regions.map((r) => {
      const s = row.at.get(r);
      if (!s) return '·';
      return s.status === 'passed' ? ICON.passed : `${ICON[s.status]} ${cell(s.problems.map((p) => p.probe).join(', '))} (${cell(s.cell)})`;
    });
    lines.push(`| \`${cell(tenant)}\` | ${cell(row.tier)} | ${cols.join(' | ')} |`);
  }
  if (troubled.length > MAX_ROWS) lines.push('', `… and ${troubled.length - MAX_ROWS} more tenants with a problem (verdict.json has every probe).`);
  lines.push('', '`·` = tenant not served in that region.', '');
  return lines;
}
