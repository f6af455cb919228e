/**
 * A status grid (heatmap): rows x columns of cells coloured by status, each with its reason on hover
 * and as text. The probe's tenant x region matrix uses it; so can a monitor's endpoint x time grid.
 * A plain table: it is its own text alternative.
 */
import { esc } from './components.js';

export interface GridCell {
  status: string;
  /** Shown in the cell (short): probe names, a count. */
  text?: string;
  /** The reason, on hover. */
  title: string;
}

export interface GridRow {
  label: string;
  sub?: string;
  cells: Array<GridCell | undefined>;
}

export interface StatusGridInput {
  /** Heading of the row labels' column ("Tenant"). */
  rowHeader: string;
  columns: readonly string[];
  rows: readonly GridRow[];
  caption: string;
  /** Said under the grid, e.g. how many rows were left out. */
  footnote?: string;
  /** Text of a cell with no value (a tenant not served in that region). */
  empty?: string;
}

const MARK: Record<string, string> = { passed: '✓', failed: '✗', error: '⛔', degraded: '!', flaky: '↻', skipped: '–', inconclusive: '?' };

export function statusGrid(g: StatusGridInput): string {
  const head = `<tr><th scope="col">${esc(g.rowHeader)}</th>${g.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr>`;
  const rows = g.rows.map((r) => {
    const cells = r.cells.map((c) =>
      c
        ? `<td class="cell s-${esc(c.status)}" title="${esc(c.title)}"><span class="mk">${MARK[c.status] ?? '•'}</span>${c.text ? ` ${esc(c.text)}` : ''}</td>`
        : `<td class="cell empty" title="${esc(g.empty ?? 'no value')}">·</td>`,
    );
    return `<tr><th scope="row">${esc(r.label)}${r.sub ? ` <span class="muted">${esc(r.sub)}</span>` : ''}</th>${cells.join('')}</tr>`;
  });
  const legend = Object.entries(MARK)
    .filter(([s]) => s !== 'inconclusive')
    .map(([s, m]) => `<span class="cell s-${s} key">${m}</span> ${s}`)
    .join(' ');
  return `<div class="grid-wrap"><table class="grid"><caption>${esc(g.caption)}</caption><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table></div><p class="muted small">${legend}${g.empty ? ` <span class="cell empty key">·</span> ${esc(g.empty)}` : ''}. Hover a cell for its reason.</p>${g.footnote ? `<p class="muted">${esc(g.footnote)}</p>` : ''}`;
}

export interface StripRow {
  label: string;
  /** One per item, in the same order in every row; undefined where the item does not apply (drawn empty, so columns line up). */
  cells: ReadonlyArray<{ status: string; title: string } | undefined>;
}

/**
 * A status strip: one row per label (a region, an endpoint), one small square per item (a tenant, a time
 * slot), coloured by status, with the reason on hover. Shows thousands of items at a glance; the counts
 * beside each row are its text.
 */
export function statusStrip(rows: readonly StripRow[], caption: string): string {
  const body = rows.map((r) => {
    const counts = new Map<string, number>();
    for (const c of r.cells) if (c) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    const text = [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`)
      .join(', ');
    return `<tr><th scope="row">${esc(r.label)}</th><td class="strip">${r.cells.map((c) => (c ? `<i class="sq s-${esc(c.status)}" title="${esc(c.title)}"></i>` : '<i class="sq none"></i>')).join('')}</td><td class="small">${esc(text)}</td></tr>`;
  });
  return `<table class="strips"><caption>${esc(caption)}</caption><tbody>${body.join('\n')}</tbody></table>`;
}
