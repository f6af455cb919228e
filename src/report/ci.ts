import { appendFileSync } from 'node:fs';
import type { Verdict } from '../verdict/types.js';

export interface CiEnvironment {
  GITHUB_ACTIONS?: string;
  GITHUB_STEP_SUMMARY?: string;
  GITHUB_OUTPUT?: string;
  TF_BUILD?: string;
}

/** GitHub Actions step outputs (`key=value` lines). Pure. */
export function renderGithubOutput(v: Verdict): string {
  return `verdict=${v.verdict}\ndecision=${v.decision}\nexit-code=${v.exitCode}\n`;
}

/** Azure Pipelines logging commands: output variables, the summary tab, and one issue per blocking failure. Pure. */
export function renderAzureCommands(v: Verdict, summaryPath: string): string {
  const out = [
    `##vso[task.setvariable variable=revgateVerdict;isOutput=true]${v.verdict}`,
    `##vso[task.setvariable variable=revgateDecision;isOutput=true]${v.decision}`,
    `##vso[task.uploadsummary]${summaryPath}`,
  ];
  for (const c of v.checks) {
    if (c.blocking && (c.status === 'failed' || c.status === 'error')) {
      // Logging-command values must stay on one line.
      out.push(`##vso[task.logissue type=error]revgate ${c.id}: ${(c.error?.message ?? c.status).replace(/[\r\n]+/g, ' ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Writes CI integrations when running under GitHub Actions or Azure Pipelines; returns what it did. */
export function publishToCi(v: Verdict, markdown: string, summaryPath: string, env: CiEnvironment, print: (s: string) => void): string[] {
  const done: string[] = [];
  if (env.GITHUB_STEP_SUMMARY) {
    appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
    done.push('GITHUB_STEP_SUMMARY');
  }
  if (env.GITHUB_OUTPUT) {
    appendFileSync(env.GITHUB_OUTPUT, renderGithubOutput(v));
    done.push('GITHUB_OUTPUT');
  }
  if (env.TF_BUILD?.toLowerCase() === 'true') {
    print(renderAzureCommands(v, summaryPath));
    done.push('Azure Pipelines variables');
  }
  return done;
}
