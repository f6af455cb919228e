import type { CheckResult, CheckStatus, GateResult, Verdict, VerdictValue } from '../verdict/types.js';
import type { Reporter } from './types.js';
import { stripAnsi } from './xml.js';

const esc = (s: unknown): string =>
  stripAnsi(String(s ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const COLOR: Record<VerdictValue, string> = { pass: '#1a7f37', fail: '#cf222e', inconclusive: '#9a6700', error: '#6e7781' };
const STATUS_COLOR: Record<CheckStatus | GateResult['status'], string> = {
  passed: '#1a7f37',
  failed: '#cf222e',
  degraded: '#9a6700',
  flaky: '#8250df',
  skipped: '#6e7781',
  error: '#6e7781',
  inconclusive: '#9a6700',
};
const ORDER: CheckStatus[] = ['failed', 'error', 'flaky', 'degraded', 'skipped', 'passed'];
const ms = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);
const badge = (status: string): string => `<span class="badge" style="background:${STATUS_COLOR[status as CheckStatus] ?? '#6e7781'}">${esc(status)}</span>`;

function checkRow(c: CheckResult): string {
  const labels = Object.entries(c.labels ?? {})
    .map(([k, v]) => `<span class="label">${esc(k)}: ${esc(v)}</span>`)
    .join(' ');
  const problems = (c.assertions ?? [])
    .filter((a) => a.phase !== 'passed')
    .map((a) => `<li><code>${esc(a.name)}</code> ${esc(a.message)}</li>`)
    .join('');
  const steps = (c.steps ?? [])
    .map((s) => `<li>${badge(s.status)} ${esc(s.name)} <span class="muted">${ms(s.durationMs)}</span>${s.message ? ` - ${esc(s.message)}` : ''}</li>`)
    .join('');
  const details = [
    c.error?.message ? `<p>${esc(c.error.message)}</p>` : '',
    problems ? `<ul>${problems}</ul>` : '',
    steps ? `<p>Steps:</p><ol>${steps}</ol>` : '',
    c.cleanup ? `<p>Cleanup: ${badge(c.cleanup.status)} ${esc(c.cleanup.message ?? '')}</p>` : '',
    c.reproduce ? `<pre>${esc(c.reproduce)}</pre>` : '',
  ].join('');
  const text = `${c.id} ${c.title} ${c.status} ${Object.values(c.labels ?? {}).join(' ')}`.toLowerCase();
  return `<tr data-status="${esc(c.status)}" data-text="${esc(text)}"><td>${badge(c.status)}</td><td><code>${esc(c.id)}</code>${c.blocking ? '' : ' <span class="muted">(non-blocking)</span>'}<br>${esc(c.title)} ${labels}${details ? `<details><summary>details</summary>${details}</details>` : ''}</td><td>${ms(c.durationMs)}</td><td>${c.attempts}</td></tr>`;
}

function gateRow(g: GateResult): string {
  const interval = g.interval ? `[${g.interval[0] ?? 'unbounded'}, ${g.interval[1] ?? 'unbounded'}]` : '';
  return `<tr><td>${badge(g.status)}</td><td><code>${esc(g.id)}</code>${g.blocking ? '' : ' <span class="muted">(advisory)</span>'}</td><td><code>${esc(g.expression)}</code></td><td>${esc(g.observed ?? '')}</td><td>${esc(interval)}</td><td>${esc(g.samples ?? '')}</td><td>${esc(g.reason)}</td></tr>`;
}

/** A self-contained HTML page (no external assets) for a verdict: what a person opens first. Pure. */
export function renderHtml(v: Verdict): string {
  const checks = [...v.checks].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  const c = v.counts;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>revgate ${esc(v.kind)}: ${esc(v.verdict)} - ${esc(v.target.service ?? v.target.baseUrl)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:1200px}
h1{font-size:1.5rem;margin:0 0 .5rem} .verdict{color:#fff;padding:.15rem .6rem;border-radius:4px;background:${COLOR[v.verdict]}}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} .badge{color:#fff;border-radius:3px;padding:0 .4rem;font-size:12px} .muted{color:#6e7781}
.label{background:#ddf4ff;border-radius:3px;padding:0 .3rem;font-size:12px} pre{background:#f6f8fa;padding:.5rem;overflow:auto;white-space:pre-wrap}
#filter{padding:.3rem;width:20rem} .counts span{margin-right:1rem}
</style></head><body>
<h1>revgate ${esc(v.kind)} <span class="verdict">${esc(v.verdict.toUpperCase())}</span> <span class="muted">decision: ${esc(v.decision)}, exit ${v.exitCode}</span></h1>
<p><strong>${esc(v.summary)}</strong></p>
<table><tr><th>Target</th><th>Environment</th><th>Service</th><th>Revision</th><th>Started</th><th>Duration</th></tr>
<tr><td>${esc(v.target.baseUrl)}</td><td>${esc(v.target.environment ?? '-')}</td><td>${esc(v.target.service ?? '-')}</td><td>${esc(v.target.revision ?? '-')}</td><td>${esc(v.startedAt)}</td><td>${ms(v.durationMs)}</td></tr></table>
${v.partial ? '<p><strong>The run was interrupted: these results are partial.</strong></p>' : ''}
${
  v.reasons.length
    ? `<h2>Why</h2><ul>${v.reasons
        .slice(0, 50)
        .map((r) => `<li>${esc(r)}</li>`)
        .join('')}</ul>`
    : ''
}
${v.gates.length ? `<h2>Gates</h2><table><tr><th></th><th>Gate</th><th>Expression</th><th>Observed</th><th>Interval</th><th>Samples</th><th>Reason</th></tr>${v.gates.map(gateRow).join('')}</table>` : ''}
${
  v.checks.length
    ? `<h2>Checks</h2><p class="counts"><span>${c.passed} passed</span><span>${c.failed} failed</span><span>${c.degraded} degraded</span><span>${c.flaky} flaky</span><span>${c.skipped} skipped</span><span>${c.error} error</span></p>
<p><input id="filter" placeholder="filter by id, status or label" aria-label="filter checks"></p>
<table id="checks"><tr><th></th><th>Check</th><th>Time</th><th>Attempts</th></tr>${checks.map(checkRow).join('\n')}</table>
<script>document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();document.querySelectorAll('#checks tr[data-text]').forEach(function(r){r.style.display=r.getAttribute('data-text').indexOf(q)>=0?'':'none'})})</script>`
    : ''
}
<p class="muted">revgate ${esc(v.tool.version)} - verdict.json is the machine-readable form of this page.</p>
</body></html>
`;
}

export const htmlReporter: Reporter = { name: 'html', file: 'report.html', render: renderHtml };
