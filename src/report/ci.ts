/**
 * What revgate tells the CI system it runs in: GitHub Actions (step outputs, job summary, `::error`/`::warning`
 * annotations) and Azure Pipelines (output variables, summary upload, `##vso[task.logissue]`). Renderers are pure.
 *
 * Escaping follows each system's own writers, so a message stays one command and says what it said:
 * - GitHub (actions/toolkit `command.ts`): data `%` `\r` `\n` -> `%25` `%0D` `%0A`; property values also
 *   `:` `,` -> `%3A` `%2C`.
 * - Azure Pipelines (azure-pipelines-task-lib `taskcommand.ts`, the agent's `CommandStringConvertor`): data
 *   `%` `\r` `\n` -> `%AZP25` `%0D` `%0A`; property values also `;` `]` -> `%3B` `%5D`.
 * Text that is not revgate's own command (a target's error message, a spec's output) is neutralized: the runner
 * would otherwise obey a `::` line or a `##vso[` anywhere in a line, and the revision under test could set
 * revgate's verdict variable.
 */
import { appendFileSync } from 'node:fs';
import type { CheckResult, GateResult, Verdict } from '../verdict/types.js';

export interface CiEnvironment {
  GITHUB_ACTIONS?: string;
  GITHUB_STEP_SUMMARY?: string;
  GITHUB_OUTPUT?: string;
  TF_BUILD?: string;
}

export const githubData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const githubProperty = (s: string): string => githubData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
export const azureData = (s: string): string => s.replace(/%/g, '%AZP25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const azureProperty = (s: string): string => azureData(s).replace(/;/g, '%3B').replace(/]/g, '%5D');

const ZWSP = '\u200B';
/**
 * Breaks workflow and logging commands in text revgate did not write as one: `::` opening a line (GitHub reads
 * commands after leading whitespace) and `##vso[` anywhere (the Azure agent finds it mid-line). A zero-width space
 * keeps the text readable.
 */
export function neutralizeCommands(s: string): string {
  return s.replace(/^([ \t]*):(?=:)/gm, `$1:${ZWSP}`).replace(/##vso\[/gi, (m) => `##${ZWSP}${m.slice(2)}`);
}

export const isGithub = (env: CiEnvironment): boolean => env.GITHUB_ACTIONS === 'true';
export const isAzure = (env: CiEnvironment): boolean => env.TF_BUILD?.toLowerCase() === 'true';

/** GitHub Actions step outputs (`key=value` lines). Pure. */
export function renderGithubOutput(v: Verdict): string {
  return `verdict=${v.verdict}\ndecision=${v.decision}\nexit-code=${v.exitCode}\n`;
}

export interface Annotation {
  level: 'error' | 'warning';
  title: string;
  message: string;
  /** A stable code (an error code, "gate"), where there is one. */
  code?: string;
}

/** More than this many per level is noise in a step's annotations: the rest are counted in one more. */
export const MAX_ANNOTATIONS_PER_LEVEL = 50;

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function checkAnnotation(v: Verdict, c: CheckResult): Annotation | undefined {
  const what = `${c.id}: ${c.title}`;
  const message = c.error?.message ?? c.status;
  const title = (state: string): string => `revgate ${v.kind}: ${c.id} ${state}`;
  switch (c.status) {
    case 'failed':
    case 'error':
      if (!c.blocking) return { level: 'warning', title: title(`${c.status} (non-blocking)`), message: `${what}: ${message}` };
      return {
        level: 'error',
        title: title(c.status),
        message: `${what}: ${message}${c.reproduce ? ` | reproduce: ${c.reproduce}` : ''}`,
        ...(c.error?.code ? { code: c.error.code } : {}),
      };
    case 'flaky':
      // Passed only on retry: the evidence is not conclusive (holds by default, policy.flaky).
      return { level: 'warning', title: title('flaky'), message: `${what}: ${message}` };
    case 'passed':
    case 'degraded':
    case 'skipped':
      return undefined;
  }
}

function gateAnnotation(v: Verdict, g: GateResult): Annotation | undefined {
  const title = (state: string): string => `revgate ${v.kind}: gate ${g.id} ${state}`;
  const message = `${g.expression}: ${g.reason}`;
  switch (g.status) {
    case 'failed':
    case 'error':
      return g.blocking
        ? { level: 'error', title: title(g.status), message, code: 'gate' }
        : { level: 'warning', title: title(`${g.status} (advisory)`), message };
    case 'inconclusive':
      return { level: 'warning', title: title('inconclusive'), message };
    case 'passed':
      return undefined;
  }
}

/**
 * One annotation per failing or inconclusive check and gate (non-blocking and advisory ones as warnings), then the
 * run's own when nothing else explains a verdict that is not a pass (an error before any check, an interrupted run).
 * Pure.
 */
export function annotationsFor(v: Verdict): Annotation[] {
  const all = [...v.checks.map((c) => checkAnnotation(v, c)), ...v.gates.map((g) => gateAnnotation(v, g))].filter((a): a is Annotation => a !== undefined);
  const explained = all.some((a) => a.level === (v.verdict === 'inconclusive' ? 'warning' : 'error'));
  if (v.verdict !== 'pass' && !explained)
    all.push({ level: v.verdict === 'inconclusive' ? 'warning' : 'error', title: `revgate ${v.kind}: ${v.verdict}`, message: v.summary });
  const kept: Annotation[] = [];
  for (const level of ['error', 'warning'] as const) {
    const of = all.filter((a) => a.level === level);
    kept.push(...of.slice(0, MAX_ANNOTATIONS_PER_LEVEL));
    if (of.length > MAX_ANNOTATIONS_PER_LEVEL)
      kept.push({
        level,
        title: `revgate ${v.kind}: ${of.length - MAX_ANNOTATIONS_PER_LEVEL} more`,
        message: `${of.length - MAX_ANNOTATIONS_PER_LEVEL} more ${level}s: see summary.md and junit.xml`,
      });
  }
  return kept.map((a) => ({ ...a, message: oneLine(a.message), title: oneLine(a.title) }));
}

/** GitHub workflow commands: `::error title=...::message`. Pure. */
export function renderGithubAnnotations(v: Verdict): string {
  return annotationsFor(v)
    .map((a) => `::${a.level} title=${githubProperty(a.title)}::${githubData(a.message)}\n`)
    .join('');
}

/** Azure Pipelines logging commands: output variables, the summary tab, and one issue per failing or inconclusive check and gate. Pure. */
export function renderAzureCommands(v: Verdict, summaryPath: string): string {
  const out = [
    `##vso[task.setvariable variable=revgateVerdict;isOutput=true]${v.verdict}`,
    `##vso[task.setvariable variable=revgateDecision;isOutput=true]${v.decision}`,
    `##vso[task.uploadsummary]${azureData(summaryPath)}`,
    ...annotationsFor(v).map(
      (a) => `##vso[task.logissue type=${a.level}${a.code ? `;code=${azureProperty(a.code)}` : ''}]${azureData(`${a.title}: ${a.message}`)}`,
    ),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * Writes CI integrations when running under GitHub Actions or Azure Pipelines; returns what it did. `command`
 * prints revgate's own commands as they are (everything else revgate prints goes through neutralizeCommands).
 */
export function publishToCi(v: Verdict, markdown: string, summaryPath: string, env: CiEnvironment, command: (s: string) => void): string[] {
  const done: string[] = [];
  if (env.GITHUB_STEP_SUMMARY) {
    appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
    done.push('GITHUB_STEP_SUMMARY');
  }
  if (env.GITHUB_OUTPUT) {
    appendFileSync(env.GITHUB_OUTPUT, renderGithubOutput(v));
    done.push('GITHUB_OUTPUT');
  }
  if (isGithub(env)) {
    const annotations = renderGithubAnnotations(v);
    if (annotations) {
      command(annotations);
      done.push('GitHub annotations');
    }
  }
  if (isAzure(env)) {
    command(renderAzureCommands(v, summaryPath));
    done.push('Azure Pipelines variables and issues');
  }
  return done;
}
