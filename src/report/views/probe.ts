/**
 * The tenant probe's page: the blast radius (tenants, cells, regions affected), by region and by cell
 * with the failing share drawn, and the tenant x region heatmap with each cell's reason on hover. The
 * "why" above it is grouped by distinct reason (views/common.ts). Pure.
 */
import type { BlastRadius, Verdict } from '../../verdict/types.js';
import { esc, note, section, table, type Tile } from '../page/components.js';
import { count, pct } from '../page/format.js';
import { statusGrid, statusStrip, type GridCell, type GridRow } from '../page/status-grid.js';
import { tenantGrid, worstRank, type GridSlot } from '../probe-matrix.js';
import type { View } from './common.js';

/** Matrix rows at most (tenants with a problem); the strip above shows every tenant. */
const MAX_ROWS = 500;

export function probeTiles(b: BlastRadius): Tile[] {
  return [
    { label: 'tenants', value: count(b.tenants.total), key: 'blastRadius.tenants.total', raw: b.tenants.total },
    {
      label: 'tenants failing',
      value: count(b.tenants.failing),
      key: 'blastRadius.tenants.failing',
      raw: b.tenants.failing,
      tone: b.tenants.failing ? 'bad' : 'good',
    },
    {
      label: 'tenants degraded',
      value: count(b.tenants.degraded),
      key: 'blastRadius.tenants.degraded',
      raw: b.tenants.degraded,
      ...(b.tenants.degraded ? { tone: 'warn' as const } : {}),
    },
    {
      label: 'could not probe',
      value: count(b.tenants.error),
      key: 'blastRadius.tenants.error',
      raw: b.tenants.error,
      ...(b.tenants.error ? { tone: 'warn' as const } : {}),
    },
    { label: 'cells affected', value: `${count(b.cells.affected)} of ${count(b.cells.total)}`, key: 'blastRadius.cells.affected', raw: b.cells.affected },
    {
      label: 'regions affected',
      value: `${count(b.regions.affected)} of ${count(b.regions.total)}`,
      key: 'blastRadius.regions.affected',
      raw: b.regions.affected,
    },
    {
      label: 'isolation breaches',
      value: count(b.isolationBreaches),
      key: 'blastRadius.isolationBreaches',
      raw: b.isolationBreaches,
      tone: b.isolationBreaches ? 'bad' : 'good',
    },
    { label: 'rate-limited probes', value: count(b.rateLimited), key: 'blastRadius.rateLimited', raw: b.rateLimited },
  ];
}

/** A share drawn as a bar, with the numbers beside it. */
function shareBar(part: number, whole: number, error = 0): string {
  const w = whole ? (100 * part) / whole : 0;
  const e = whole ? (100 * error) / whole : 0;
  return `<span class="gauge" title="${esc(`${count(part)} of ${count(whole)} failing${error ? `, ${count(error)} could not be probed` : ''}`)}"><span class="fill" style="width:${w.toFixed(2)}%;background:#cf222e"></span><span class="fill" style="left:${w.toFixed(2)}%;width:${e.toFixed(2)}%;background:#57606a"></span></span>${esc(pct(whole ? part / whole : 0))}`;
}

function blastTables(b: BlastRadius): string {
  const regions = table({
    caption: 'By region',
    head: ['Region', 'Tenants', 'Failing', 'Could not probe', 'Share failing'],
    rows: b.byRegion.map((r) => [esc(r.region), count(r.tenants), count(r.failing), count(r.error), shareBar(r.failing, r.tenants, r.error)]),
    numeric: [1, 2, 3],
    id: 'by-region',
  });
  const cells = b.byCell.length
    ? table({
        caption: `Cells with a failing or unprobed tenant (${count(b.cells.affected)} of ${count(b.cells.total)}), worst first`,
        head: ['Cell', 'Type', 'Region', 'Tenants', 'Failing', 'Could not probe', 'Share failing'],
        rows: b.byCell
          .slice(0, 100)
          .map((c) => [
            esc(c.cell),
            esc(c.type ?? ''),
            esc(c.region ?? ''),
            count(c.tenants),
            count(c.failing),
            count(c.error),
            shareBar(c.failing, c.tenants, c.error),
          ]),
        numeric: [3, 4, 5],
        id: 'by-cell',
      })
    : note(`No cell has a failing or unprobed tenant (${count(b.cells.total)} cells).`);
  return `<p class="summary">${esc(b.line)}</p>${regions}${cells}${b.byCell.length > 100 ? note(`… and ${b.byCell.length - 100} more cells (verdict.json has them all).`) : ''}`;
}

function cellOf(tenant: string, region: string, s: GridSlot): GridCell {
  const problems = s.problems.filter((p) => p.status !== 'skipped');
  return {
    status: s.status,
    ...(problems.length ? { text: problems.map((p) => p.probe).join(', ') } : {}),
    title: problems.length
      ? `${tenant} in ${region} (cell ${s.cell}):\n${problems.map((p) => `${p.probe}: ${p.status}${p.message ? ` - ${p.message}` : ''}`).join('\n')}`
      : `${tenant} in ${region} (cell ${s.cell}): all ${s.probes} probes passed`,
  };
}

/**
 * The whole estate at a glance (one square per tenant in each region), then the tenant x region matrix of
 * the tenants with a problem (worst first); tenants that passed everywhere are counted, as in summary.md.
 */
function heatmap(v: Verdict, b: BlastRadius): string {
  const regions = b.byRegion.map((r) => r.region);
  const grid = [...tenantGrid(v)].sort(([a, ra], [c, rc]) => worstRank(rc) - worstRank(ra) || a.localeCompare(c));
  const strip = statusStrip(
    regions.map((r) => ({
      label: r,
      cells: grid.map(([tenant, row]) => {
        const s = row.at.get(r);
        return s ? cellOf(tenant, r, s) : undefined;
      }),
    })),
    `Every tenant in every region it is served in (${count(grid.length)} tenants), worst first; hover a square for the tenant and its reason (blank: not served there)`,
  );
  const troubled = grid.filter(([, row]) => [...row.at.values()].some((s) => s.status !== 'passed'));
  const ok = grid.length - troubled.length;
  if (!troubled.length) return `${strip}${note(`All ${count(grid.length)} tenants passed in every region they are served in.`)}`;
  const rows: GridRow[] = troubled.slice(0, MAX_ROWS).map(([tenant, row]) => ({
    label: tenant,
    sub: row.tier,
    cells: regions.map((r) => {
      const s = row.at.get(r);
      return s ? cellOf(tenant, r, s) : undefined;
    }),
  }));
  const left = troubled.length - rows.length;
  return (
    strip +
    statusGrid({
      rowHeader: 'Tenant',
      columns: regions,
      rows,
      caption: `Tenant x region: the ${count(troubled.length)} tenants with a problem, worst first; the other ${count(ok)} passed everywhere`,
      empty: 'not served in that region',
      ...(left ? { footnote: `… and ${count(left)} more tenants with a problem (verdict.json has every probe).` } : {}),
    })
  );
}

export function probeView(v: Verdict): View {
  const b = v.blastRadius;
  if (!b) return { tiles: [], sections: [], charts: [] };
  return {
    tiles: probeTiles(b),
    sections: [section('Blast radius', blastTables(b), 'blast-radius'), section('Tenant x region', heatmap(v, b), 'matrix')],
    charts: [],
  };
}
