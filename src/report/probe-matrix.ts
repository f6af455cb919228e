/**
 * summary.md section for tenant probes: the blast radius, per-region and per-cell counts, and a tenant x
 * region matrix of the tenants with a problem. Readable at 1,000 tenants: passing tenants are counted,
 * not listed. Pure.
 */
import type { CheckResult, CheckStatus, Verdict } from '../verdict/types.js';

const ICON: Record<CheckStatus, string> = { passed: '✅', failed: '❌', degraded: '⚠️', flaky: '🔁', skipped: '⏭️', error: '⛔' };
const RANK: Record<CheckStatus, number> = { passed: 0, skipped: 0, degraded: 1, flaky: 2, error: 3, failed: 4 };
const MAX_ROWS = 200;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

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

  // tenant -> region -> worst status and the probes behind it
  const regions = b.byRegion.map((r) => r.region);
  const grid = new Map<string, { tier: string; at: Map<string, { status: CheckStatus; probes: string[]; cell: string }> }>();
  const add = (c: CheckResult): void => {
    const t = c.labels?.tenant;
    const r = c.labels?.region;
    if (!t || !r) return;
    let row = grid.get(t);
    if (!row) grid.set(t, (row = { tier: c.labels?.tier ?? '', at: new Map() }));
    let slot = row.at.get(r);
    if (!slot) row.at.set(r, (slot = { status: 'passed', probes: [], cell: c.labels?.cell ?? '' }));
    if (c.status !== 'passed') slot.probes.push(c.labels?.endpoint ?? c.labels?.probe ?? c.id);
    if (RANK[c.status] > RANK[slot.status]) slot.status = c.status;
  };
  for (const c of v.checks) add(c);
  const troubled = [...grid].filter(([, row]) => [...row.at.values()].some((s) => s.status !== 'passed'));
  const ok = grid.size - troubled.length;
  if (!troubled.length) {
    lines.push(`All ${grid.size} tenants passed in every region they are served in.`, '');
    return lines;
  }
  troubled.sort(([a, ra], [b2, rb]) => {
    const worst = (r: typeof ra) => Math.max(...[...r.at.values()].map((s) => RANK[s.status]));
    return worst(rb) - worst(ra) || a.localeCompare(b2);
  });
  lines.push(`### Tenant x region (${troubled.length} tenants with a problem; the other ${ok} passed everywhere)`, '');
  lines.push(`| Tenant | Tier | ${regions.map(cell).join(' | ')} |`, `|---|---|${regions.map(() => '---').join('|')}|`);
  for (const [tenant, row] of troubled.slice(0, MAX_ROWS)) {
    const cols = regions.map((r) => {
      const s = row.at.get(r);
      if (!s) return '·';
      return s.status === 'passed' ? ICON.passed : `${ICON[s.status]} ${cell(s.probes.join(', '))} (${cell(s.cell)})`;
    });
    lines.push(`| \`${cell(tenant)}\` | ${cell(row.tier)} | ${cols.join(' | ')} |`);
  }
  if (troubled.length > MAX_ROWS) lines.push('', `… and ${troubled.length - MAX_ROWS} more tenants with a problem (verdict.json has every probe).`);
  lines.push('', '`·` = tenant not served in that region.', '');
  return lines;
}
