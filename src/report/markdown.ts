import type { CheckResult, CheckStatus, GateResult, Verdict, VerdictValue } from '../verdict/types.js';
import { formatInterval, gateUnits } from './gate-units.js';
import { count, inUnit } from './page/format.js';
import { renderProbeMatrix } from './probe-matrix.js';
import { describeWhere, groupReasons } from './reasons.js';
import { triesText } from './timing.js';
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
  const parts: string[] = [];
  const notable = (c.assertions ?? []).filter((a) => a.phase !== 'passed');
  const retried = c.tries && c.tries.length > 1 ? c.tries : undefined;
  // A flaky check's attempts say it all (the failure a retry hid, each with its latency); anything else leads with its error.
  if (c.error?.message && !(retried && c.status === 'flaky')) parts.push(c.error.message);
  else if (!c.error?.message && notable.length) parts.push(notable.map((a) => a.message).join('; '));
  if (retried) parts.push(triesText(retried));
  if (c.cleanup?.status === 'failed') parts.push(`cleanup failed: ${c.cleanup.message ?? ''}`);
  return parts.join('; ');
}

const MAX_WHY = 20;

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

  // One line per distinct reason with its count (84 probes failing with the same 503 are one line), as report.html has it.
  const groups = groupReasons(v);
  if (groups.length) {
    lines.push('### Why', '');
    for (const g of groups.slice(0, MAX_WHY)) {
      const where = describeWhere(g.where);
      const ids =
        g.count > 1
          ? `: ${g.ids
              .slice(0, 5)
              .map((id) => `\`${cell(id, 100)}\``)
              .join(', ')}${g.count > 5 ? ', …' : ''}`
          : '';
      lines.push(`- ${cell(g.text, 500)}${where ? ` (${cell(where, 200)})` : ''}${ids}`);
    }
    if (groups.length > MAX_WHY) lines.push(`- … and ${groups.length - MAX_WHY} more distinct reasons (report.html and verdict.json have them all)`);
    lines.push('');
  }

  if (v.gates.length) {
    lines.push('### Gates', '', '| | Gate | Expression | Observed | Interval | Samples | Status | Reason |', '|---|---|---|---|---|---|---|---|');
    for (const g of v.gates) {
      const units = gateUnits(v.kind, g);
      const observed = g.observed !== undefined ? inUnit(g.observed, units.observed) : '';
      lines.push(
        `| ${GATE_ICON[g.status]} | ${cell(g.id)}${g.blocking ? '' : ' (advisory)'} | \`${cell(g.expression)}\` | ${observed} | ${formatInterval(g, units.interval)} | ${g.samples !== undefined ? count(g.samples) : ''} | ${g.status} | ${cell(g.reason)} |`,
      );
    }
    lines.push('');
    if (v.canary?.assumption) lines.push(`Assumes: ${cell(v.canary.assumption, 500)}.`, '');
  }

  lines.push(...renderProbeMatrix(v));

  if (v.checks.length) {
    const c = v.counts;
    lines.push(`### Checks (${c.passed} passed, ${c.failed} failed, ${c.degraded} degraded, ${c.flaky} flaky, ${c.skipped} skipped, ${c.error} error)`, '');
    // Latency: the request, what budgets judge. Wall: the check's test (fixtures, steps, cleanup, retries).
    lines.push('| | Check | Status | Latency | Wall | Details |', '|---|---|---|---|---|---|');
    let sorted = [...v.checks].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
    // Tenant probes number in the thousands: list what did not pass (capped); the matrix above has the rest.
    const hidden = v.blastRadius ? sorted.filter((x) => x.status === 'passed').length : 0;
    if (v.blastRadius) sorted = sorted.filter((x) => x.status !== 'passed');
    const capped = v.blastRadius ? Math.max(0, sorted.length - 200) : 0;
    if (capped) sorted = sorted.slice(0, 200);
    for (const check of sorted) {
      const blocking = check.blocking ? '' : ' _(non-blocking)_';
      lines.push(
        `| ${ICON[check.status]} | \`${cell(check.id)}\` ${cell(check.title)}${blocking} | ${check.status} | ${check.latencyMs !== undefined ? ms(check.latencyMs) : ''} | ${ms(check.durationMs)} | ${cell(detail(check))} |`,
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
