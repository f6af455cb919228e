/**
 * The parts of every command's page: the header with the verdict, the grouped "why", the gates and
 * checks tables. Numbers go through page/format.ts. Pure.
 */
import type { CheckResult, CheckStatus, Verdict } from '../../verdict/types.js';
import type { GateTrace } from '../data.js';
import type { ChartSpec } from '../page/charts.js';
import { badge, esc, section, statusColor, table, type Tile } from '../page/components.js';
import { count, duration, inUnit, ms } from '../page/format.js';
import { formatInterval, gateUnits } from '../gate-units.js';
import { describeWhere, groupReasons } from '../reasons.js';
import { timingText } from '../timing.js';

/** What a command's view adds to the common page: headline tiles, its sections, the charts in them. */
export interface View {
  tiles: Tile[];
  sections: string[];
  charts: ChartSpec[];
}

export function pageHeader(v: Verdict): string {
  const t = v.target;
  const meta: Array<[string, string | undefined]> = [
    ['Target', t.baseUrl],
    ['Environment', t.environment],
    ['Service', t.service],
    ['Revision', t.revision],
    ['Started', v.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')],
    ['Duration', duration(v.durationMs)],
  ];
  return `<header><h1>revgate ${esc(v.kind)} <span class="verdict" style="background:${statusColor(v.verdict)}">${esc(v.verdict.toUpperCase())}</span> <span class="muted small">decision: ${esc(v.decision)}, exit ${v.exitCode}</span></h1>
<p class="summary">${esc(v.summary)}</p>
<dl class="meta">${meta
    .filter(([, value]) => value)
    .map(([k, value]) => `<div><dt>${esc(k)}</dt><dd>${esc(value)}</dd></div>`)
    .join('')}</dl>
${v.partial ? '<p class="notice"><strong>The run was interrupted: these results are partial.</strong></p>' : ''}</header>`;
}

const MAX_IDS = 50;

/** One line per distinct reason, with its count and where it happened; the checks behind it on demand. */
export function whySection(v: Verdict): string {
  const groups = groupReasons(v);
  if (!groups.length) return '';
  const items = groups.map((g) => {
    const where = describeWhere(g.where);
    const ids =
      g.ids.length > 1
        ? `<details><summary class="muted small">which ${g.ids.length}</summary><code>${g.ids.slice(0, MAX_IDS).map(esc).join(', ')}</code>${g.ids.length > MAX_IDS ? ` and ${count(g.ids.length - MAX_IDS)} more (verdict.json has every one)` : ''}</details>`
        : '';
    return `<li data-count="${g.count}">${g.status ? `${badge(g.status)} ` : ''}${esc(g.text)}${where ? ` <span class="muted">(${esc(where)})</span>` : ''}${ids}</li>`;
  });
  return section('Why', `<ul class="why">${items.join('\n')}</ul>`, 'why');
}

export function gatesSection(v: Verdict, traces: readonly GateTrace[] = []): string {
  if (!v.gates.length) return '';
  const rows = v.gates.map((g) => {
    const units = gateUnits(
      v.kind,
      g,
      traces.find((t) => t.gateId === g.id),
    );
    const interval = formatInterval(g, units.interval);
    return [
      badge(g.status),
      `<code>${esc(g.id)}</code>${g.blocking ? '' : ' <span class="muted">(advisory)</span>'}`,
      `<code>${esc(g.expression)}</code>`,
      `<span data-gate="${esc(g.id)}" data-observed="${g.observed ?? ''}">${g.observed !== undefined ? esc(inUnit(g.observed, units.observed)) : ''}</span>`,
      esc(interval),
      g.samples !== undefined ? count(g.samples) : '',
      esc(g.reason),
    ];
  });
  return section(
    'Gates',
    table({ head: ['', 'Gate', 'Expression', 'Observed', 'Interval', 'Samples', 'Reason'], rows, numeric: [3, 5], id: 'gates' }),
    'gates',
  );
}

const ORDER: CheckStatus[] = ['failed', 'error', 'flaky', 'degraded', 'skipped', 'passed'];
/** Passing checks listed at most (tenant probes number in the thousands); everything that did not pass is listed. */
const MAX_PASSED_ROWS = 300;

function checkRow(c: CheckResult): string {
  const labels = Object.entries(c.labels ?? {})
    .map(([k, v]) => `<span class="label">${esc(k)}: ${esc(v)}</span>`)
    .join(' ');
  const problems = (c.assertions ?? [])
    .filter((a) => a.phase !== 'passed')
    .map((a) => `<li><code>${esc(a.name)}</code> ${esc(a.message)}</li>`)
    .join('');
  const steps = (c.steps ?? [])
    .map(
      (s) =>
        `<li>${badge(s.status)} ${esc(s.name)} <span class="muted">${esc(timingText({ latencyMs: s.latencyMs, connectMs: s.connectMs, durationMs: s.durationMs }))}</span>${s.message ? ` - ${esc(s.message)}` : ''}</li>`,
    )
    .join('');
  const tries = (c.tries ?? [])
    .map(
      (t) =>
        `<li>attempt ${t.attempt}: ${badge(t.status)} ${esc(timingText({ latencyMs: t.latencyMs, durationMs: t.durationMs }))}${t.message ? ` - ${esc(t.message)}` : ''}</li>`,
    )
    .join('');
  const details = [
    c.error?.message ? `<p>${esc(c.error.message)}</p>` : '',
    problems ? `<ul>${problems}</ul>` : '',
    steps ? `<p>Steps:</p><ol>${steps}</ol>` : '',
    tries ? `<p>Attempts:</p><ul>${tries}</ul>` : '',
    c.cleanup ? `<p>Cleanup: ${badge(c.cleanup.status)} ${esc(c.cleanup.message ?? '')}</p>` : '',
    c.reproduce ? `<pre>${esc(c.reproduce)}</pre>` : '',
  ].join('');
  const text = `${c.id} ${c.title} ${c.status} ${Object.values(c.labels ?? {}).join(' ')}`.toLowerCase();
  return `<tr data-status="${esc(c.status)}" data-text="${esc(text)}"><td>${badge(c.status)}</td><td><code>${esc(c.id)}</code>${c.blocking ? '' : ' <span class="muted">(non-blocking)</span>'}<br>${esc(c.title)} ${labels}${details ? `<details><summary>details</summary>${details}</details>` : ''}</td><td class="n">${c.latencyMs !== undefined ? ms(c.latencyMs) : ''}</td><td class="n">${ms(c.durationMs)}</td><td class="n">${c.attempts}</td></tr>`;
}

/** Every check that did not pass, then passing ones up to `maxPassed` (tenant probes: none; the strip above shows them). */
export function checksSection(v: Verdict, title = 'Checks', maxPassed = MAX_PASSED_ROWS): string {
  if (!v.checks.length) return '';
  const sorted = [...v.checks].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  const notPassed = sorted.filter((c) => c.status !== 'passed');
  const passed = sorted.filter((c) => c.status === 'passed');
  const shown = [...notPassed, ...passed.slice(0, maxPassed)];
  const c = v.counts;
  const countsLine = (['passed', 'failed', 'degraded', 'flaky', 'skipped', 'error'] as const)
    .map((s) => `<span data-count-status="${s}">${count(c[s])} ${s}</span>`)
    .join(', ');
  const hidden = passed.length - Math.min(passed.length, maxPassed);
  return section(
    title,
    `<p class="counts">${countsLine}</p>
<p><input id="filter" placeholder="filter by id, status or label" aria-label="filter checks"></p>
<table id="checks"><thead><tr><th></th><th>Check</th><th class="n" title="request latency, what latency budgets judge">Latency</th><th class="n" title="wall time of the check's test">Wall</th><th class="n">Attempts</th></tr></thead><tbody>${shown.map(checkRow).join('\n')}</tbody></table>
${hidden ? `<p class="muted">${count(hidden)} more passed (not listed; verdict.json has every check).</p>` : ''}
<script>document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();document.querySelectorAll('#checks tr[data-text]').forEach(function(r){r.style.display=r.getAttribute('data-text').indexOf(q)>=0?'':'none'})})</script>`,
    'checks',
  );
}

export function footer(v: Verdict, charts: boolean): string {
  const files = Object.values(v.artifacts ?? {}).filter((f) => f !== 'report.html');
  return `revgate ${esc(v.tool.version)}. verdict.json is the machine-readable form of this page${files.length ? `; the other reports: ${files.map((f) => `<code>${esc(f)}</code>`).join(', ')}` : ''}.${charts ? ' Charts drawn with uPlot (MIT), inlined.' : ''}`;
}
