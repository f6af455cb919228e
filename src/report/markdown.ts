import type { CheckResult, CheckStatus, GateResult, Verdict, VerdictValue } from '../verdict/types.js';
import { renderProbeMatrix } from './probe-matrix.js';
import type { Reporter } from './types.js';
import { stripAnsi } from './xml.js';

const ICON: Record<CheckStatus, string> = { passed: '✅', failed: '❌', degraded: '⚠️', flaky: '🔁', skipped: '⏭️', error: '⛔' };
const GATE_ICON: Record<GateResult['status'], string> = { passed: '✅', failed: '❌', inconclusive: '❔', error: '⛔' };
const HEADLINE: Record<VerdictValue, string> = {
  pass: '✅ PASS: promote',
  fail: '❌ FAIL: roll back',
  inconclusive: '❔ INCONCLUSIVE: hold',
  error: '⛔ ERROR: could not evaluate (hold)',
};

/** Table cells: one line, pipes escaped, long text cut. */
function cell(s: string | undefined, max = 300): string {
  if (!s) return '';
  const one = stripAnsi(s).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const ms = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);

function detail(c: CheckResult): string {
  if (c.error?.message) return c.error.message;
  const notable = (c.assertions ?? []).filter((a) => a.phase !== 'passed');
  if (notable.length) return notable.map((a) => a.message).join('; ');
  if (c.cleanup?.status === 'failed') return `cleanup failed: ${c.cleanup.message ?? ''}`;
  return '';
}

const STATUS_ORDER: CheckStatus[] = ['failed', 'error', 'flaky', 'degraded', 'skipped', 'passed'];

export function renderMarkdown(v: Verdict): string {
  const lines: string[] = [];
  lines.push(`## revgate ${v.kind}: ${HEADLINE[v.verdict]}`, '');
  lines.push(`**${cell(v.summary, 1000)}**`, '');
  lines.push('| Target | Environment | Service | Verdict | Decision | Exit | Duration |', '|---|---|---|---|---|---|---|');
  lines.push(
    `| ${cell(v.target.baseUrl)} | ${cell(v.target.environment) || '-'} | ${cell(v.target.service) || '-'} | ${v.verdict} | ${v.decision} | ${v.exitCode} | ${ms(v.durationMs)} |`,
    '',
  );
  if (v.partial) lines.push('> ⚠️ The run was interrupted: these results are partial.', '');

  if (v.reasons.length) {
    lines.push('### Why', '');
    for (const r of v.reasons.slice(0, 20)) lines.push(`- ${cell(r, 500)}`);
    if (v.reasons.length > 20) lines.push(`- … and ${v.reasons.length - 20} more`);
    lines.push('');
  }

  if (v.gates.length) {
    lines.push('### Gates', '', '| | Gate | Expression | Observed | Interval | Samples | Status | Reason |', '|---|---|---|---|---|---|---|---|');
    for (const g of v.gates) {
      const interval = g.interval ? `[${g.interval[0] ?? 'unbounded'}, ${g.interval[1] ?? 'unbounded'}]` : '';
      lines.push(
        `| ${GATE_ICON[g.status]} | ${cell(g.id)}${g.blocking ? '' : ' (advisory)'} | \`${cell(g.expression)}\` | ${g.observed ?? ''} | ${interval} | ${g.samples ?? ''} | ${g.status} | ${cell(g.reason)} |`,
      );
    }
    lines.push('');
  }

  lines.push(...renderProbeMatrix(v));

  if (v.checks.length) {
    const c = v.counts;
    lines.push(`### Checks (${c.passed} passed, ${c.failed} failed, ${c.degraded} degraded, ${c.flaky} flaky, ${c.skipped} skipped, ${c.error} error)`, '');
    lines.push('| | Check | Status | Time | Details |', '|---|---|---|---|---|');
    let sorted = [...v.checks].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
    // Tenant probes number in the thousands: list what did not pass (capped); the matrix above has the rest.
    const hidden = v.blastRadius ? sorted.filter((x) => x.status === 'passed').length : 0;
    if (v.blastRadius) sorted = sorted.filter((x) => x.status !== 'passed');
    const capped = v.blastRadius ? Math.max(0, sorted.length - 200) : 0;
    if (capped) sorted = sorted.slice(0, 200);
    for (const check of sorted) {
      const blocking = check.blocking ? '' : ' _(non-blocking)_';
      lines.push(
        `| ${ICON[check.status]} | \`${cell(check.id)}\` ${cell(check.title)}${blocking} | ${check.status} | ${ms(check.durationMs)} | ${cell(detail(check))} |`,
      );
    }
    if (capped || hidden)
      lines.push('', `${capped ? `… ${capped} more that did not pass, and ` : ''}${hidden} passed (not listed; verdict.json has every check).`);
    lines.push('');
  }

  const repro = v.checks.filter((c) => c.reproduce && c.status !== 'passed' && c.status !== 'skipped').slice(0, v.blastRadius ? 50 : undefined);
  if (repro.length) {
    lines.push('<details><summary>Reproduce the checks that did not pass</summary>', '', '```bash');
    for (const c of repro) lines.push(`# ${c.id}`, stripAnsi(c.reproduce as string));
    lines.push('```', '', '</details>', '');
  }
  if (v.artifacts && Object.keys(v.artifacts).length) {
    lines.push(
      `Reports: ${Object.entries(v.artifacts)
        .map(([k, p]) => `${k} \`${p}\``)
        .join(', ')}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

export const markdownReporter: Reporter = { name: 'markdown', file: 'summary.md', render: renderMarkdown };
