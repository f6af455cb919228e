/**
 * The monitor's HTML page: plain tables over the report model, self-contained (no external assets). Pure.
 *
 * Charts: the shared report components (src/report/, uPlot, the charts issue) plug in where the
 * `data-chart` placeholders are; the series they need are embedded as JSON in <script id="monitor-data">
 * (the whole MonitorReport), so a chart component only has to read it. Until then the tables carry the figures.
 */
import { formatDuration } from './duration.js';
import type { GridCell, MonitorReport, StatusGrid } from './report-model.js';

const esc = (s: unknown): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const COLOR: Record<GridCell['status'], string> = { passed: '#1a7f37', degraded: '#9a6700', failed: '#cf222e', error: '#6e7781', 'no data': '#d0d7de' };
const pct = (v: number | undefined, digits = 3): string => (v === undefined ? 'no data' : `${(v * 100).toFixed(digits)}%`);
const iso = (t: number | undefined): string => (t === undefined ? '' : new Date(t).toISOString().replace('.000Z', 'Z'));
const num = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(2));

function grid(title: string, g: StatusGrid, rowLabel: string): string {
  if (!g.rows.length) return '';
  const cell = (c: GridCell | undefined): string => {
    if (!c) return '<td></td>';
    const tip = [c.message, c.at ? `at ${iso(c.at)}` : '', c.durationMs !== undefined ? `${Math.round(c.durationMs)} ms` : ''].filter(Boolean).join(' - ');
    return `<td title="${esc(tip)}"><span class="badge" style="background:${COLOR[c.status]}">${esc(c.status)}</span>${c.alertOpen ? ' <strong>ALERT</strong>' : ''}${c.units > 1 ? ` <span class="muted">${c.units - c.failing}/${c.units}</span>` : ''}</td>`;
  };
  return `<h2>${esc(title)}</h2><table class="grid"><tr><th>${esc(rowLabel)}</th>${g.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>
${g.rows.map((r) => `<tr><td><code>${esc(r)}</code></td>${g.columns.map((c) => cell(g.cells[r]?.[c])).join('')}</tr>`).join('\n')}</table>`;
}

export function renderMonitorPage(m: MonitorReport): string {
  const burnWindows = [5 * 60_000, 3_600_000, 6 * 3_600_000, 72 * 3_600_000];
  const availability = m.availability
    .map((g) => {
      const firing = g.slo.alerts.filter((a) => a.firing).map((a) => `${a.rule} (${a.severity})`);
      return `<tr><td>${esc(g.kind)}</td><td><code>${esc(g.name)}</code></td><td>${pct(g.availability.h1)}</td><td>${pct(g.availability.h24)}</td><td>${pct(g.availability.slo)}</td>
<td>${g.slo.budget.remaining === undefined ? 'no data' : pct(g.slo.budget.remaining, 1)}</td>${burnWindows.map((w) => `<td>${num(g.slo.burn[w])}</td>`).join('')}<td>${firing.length ? `<strong>${esc(firing.join(', '))}</strong>` : ''}</td></tr>`;
    })
    .join('\n');
  const latency = m.latency
    .map((s) => {
      const n = s.t.length;
      const avg = n ? s.avgMs.reduce((a, b) => a + b, 0) / n : undefined;
      const max = n ? Math.max(...s.maxMs) : undefined;
      const counted = s.availability.filter((a): a is number => a !== null);
      const lastBad = s.t.filter((_, i) => (s.availability[i] ?? 1) < 1).pop();
      return `<tr><td><code>${esc(s.unit)}</code></td><td>${n}</td><td>${avg === undefined ? '-' : Math.round(avg)}</td><td>${max === undefined ? '-' : Math.round(max)}</td><td>${counted.length ? pct(counted.reduce((a, b) => a + b, 0) / counted.length, 2) : 'no data'}</td><td>${esc(iso(lastBad))}</td></tr>`;
    })
    .join('\n');
  const incidents = m.incidents
    .map(
      (
        i,
      ) => `<tr><td>${i.resolvedAt ? 'resolved' : '<strong>open</strong>'}</td><td><code>${esc(i.subject)}</code><br><span class="muted">${esc(i.id)}</span></td><td>${esc(i.severity)}</td><td>${esc(iso(i.openedAt))}</td><td>${esc(iso(i.resolvedAt))}</td><td>${esc(i.summary)}</td>
<td>${i.notifications.map((n) => `${esc(n.kind)} -> ${esc(n.channel)}: ${n.deliveredAt ? `delivered ${esc(iso(n.deliveredAt))}` : `<strong>pending</strong>${n.lastError ? ` (${esc(n.lastError)})` : ''}`}${n.attempts > 1 ? ` after ${n.attempts} attempts` : ''}`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  // Embedded for the chart components; `<` escaped so no value can end the script element.
  const data = JSON.stringify(m).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>revgate monitor - ${esc(m.service)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:1400px}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} .badge{color:#fff;border-radius:3px;padding:0 .4rem;font-size:12px} .muted{color:#6e7781}
</style></head><body>
<h1>revgate monitor: ${esc(m.service)}</h1>
<p class="muted">Generated ${esc(iso(m.generatedAt))}. SLO ${pct(m.objective)} over ${esc(formatDuration(m.sloWindowMs))}. Hover a cell for its latest result.</p>
${grid('Status: checks x region', m.checks, 'check')}
${grid('Status: tenants x region', m.tenants, 'tenant')}
<h2>Availability and error budget</h2>
<div data-chart="availability"></div>
<table><tr><th>by</th><th>name</th><th>1h</th><th>24h</th><th>${esc(formatDuration(m.sloWindowMs))}</th><th>budget left</th><th>burn 5m</th><th>burn 1h</th><th>burn 6h</th><th>burn 3d</th><th>burn alerts</th></tr>
${availability}</table>
<h2>Latency, last ${esc(formatDuration(m.seriesWindowMs))} (minute buckets)</h2>
<div data-chart="latency"></div>
<table><tr><th>unit</th><th>minutes</th><th>avg ms</th><th>max ms</th><th>availability</th><th>last bad minute</th></tr>
${latency}</table>
<h2>Recent incidents</h2>
${m.incidents.length ? `<table><tr><th></th><th>subject</th><th>severity</th><th>opened</th><th>resolved</th><th>summary</th><th>notifications</th></tr>${incidents}</table>` : '<p>None recorded.</p>'}
<script type="application/json" id="monitor-data">${data}</script>
</body></html>
`;
}
