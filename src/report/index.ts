import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Verdict } from '../verdict/types.js';
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import type { ReportData } from './data.js';
import type { Reporter } from './types.js';

const REPORTERS: Record<string, Reporter> = {
  json: jsonReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  html: htmlReporter,
};

export const REPORTER_NAMES = Object.keys(REPORTERS);

/** Unknown names are an error, never a silent fallback. */
export function getReporter(name: string): Reporter {
  const r = REPORTERS[name];
  if (!r) throw new RevgateError(ErrorCodes.Usage, `unknown reporter "${name}" (available: ${REPORTER_NAMES.join(', ')})`);
  return r;
}

/** Renders each reporter through `mask` and writes it under outDir; returns name -> relative path. */
export function writeReports(
  verdict: Verdict,
  outDir: string,
  names: readonly string[],
  mask: (s: string) => string,
  data?: ReportData,
): Record<string, string> {
  mkdirSync(outDir, { recursive: true });
  const written: Record<string, string> = {};
  for (const name of names) {
    const reporter = getReporter(name);
    writeFileSync(path.join(outDir, reporter.file), mask(reporter.render(verdict, data)));
    written[name] = reporter.file;
  }
  return written;
}

export { renderConsole } from './console.js';
export { annotationsFor, publishToCi, renderAzureCommands, renderGithubAnnotations, renderGithubOutput } from './ci.js';
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { renderMarkdown } from './markdown.js';
