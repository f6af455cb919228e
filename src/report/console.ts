import type { CheckStatus, Verdict } from '../verdict/types.js';
import { timingText, triesText } from './timing.js';
import { stripAnsi } from './xml.js';

const MARK: Record<CheckStatus, string> = { passed: 'ok  ', failed: 'FAIL', degraded: 'WARN', flaky: 'FLKY', skipped: 'skip', error: 'ERR ' };

/** The verdict as printed at the end of a run: what failed and why, then the one-line summary. Pure. */
export function renderConsole(v: Verdict, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [''];
  const shown = options.verbose ? v.checks : v.checks.filter((c) => c.status !== 'passed');
  for (const c of shown) {
    lines.push(`  ${MARK[c.status]} ${c.id}${c.blocking ? '' : ' (non-blocking)'}  ${timingText(c)}`);
    const notable = (c.assertions ?? []).filter((a) => a.phase !== 'passed');
    const retried = c.tries && c.tries.length > 1 ? c.tries : undefined;
    // A flaky check's attempts (next line) already carry the failure a retry hid.
    if (c.error?.message && !(retried && c.status === 'flaky') && !notable.some((a) => a.message === c.error?.message))
      lines.push(`       ${stripAnsi(c.error.message).split('\n')[0]}`);
    for (const a of notable.slice(0, 5)) lines.push(`       ${a.name}: ${stripAnsi(a.message).split('\n')[0]}`);
    if (retried) lines.push(`       ${stripAnsi(triesText(retried))}`);
    if (c.cleanup && c.cleanup.status !== 'passed') lines.push(`       cleanup ${c.cleanup.status}: ${stripAnsi(c.cleanup.message ?? '')}`);
    if (c.reproduce && c.status !== 'skipped') lines.push(`       reproduce: ${c.reproduce}`);
  }
  for (const g of v.gates) lines.push(`  gate ${g.status.padEnd(12)} ${g.id}  ${g.expression}  ${g.reason}`);
  if (v.canary?.assumption) lines.push(`  assumes: ${v.canary.assumption}`);
  if (v.reasons.length && v.verdict !== 'pass') {
    lines.push('', 'Why:');
    for (const r of v.reasons.slice(0, 10)) lines.push(`  - ${stripAnsi(r)}`);
  }
  lines.push('', `verdict: ${v.verdict} (decision: ${v.decision}, exit ${v.exitCode})`, v.summary);
  return `${lines.join('\n')}\n`;
}
