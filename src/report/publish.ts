import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Io } from '../core/io.js';
import type { Redactor } from '../secrets/redactor.js';
import { scanForLeaks } from '../secrets/scan.js';
import { scrubDirectory } from '../secrets/scrub.js';
import { withHarnessError } from '../verdict/harness-error.js';
import type { Verdict } from '../verdict/types.js';
import type { ReportData } from './data.js';
import { markPlaywrightAllureResults, writeAllureResults } from './allure.js';
import { publishToCi } from './ci.js';
import { renderConsole } from './console.js';
import { writeReports } from './index.js';
import { renderMarkdown } from './markdown.js';

export interface PublishOptions {
  out: string;
  redactor: Redactor;
  io: Io;
  /**
   * Commands that run Playwright get its HTML report and Allure results from Playwright's reporters;
   * every other command gets revgate's own (report.html and allure-results/ from the verdict).
   */
  playwrightReports?: boolean;
  /** Extra artifacts (name -> path relative to OUT) already written by the command. */
  artifacts?: Record<string, string>;
  /** What the command measured for report.html's charts (series, distributions, gate traces, start times). */
  report?: ReportData;
  verbose?: boolean;
}

/**
 * The end of every command: write the reports, scrub every file under OUT, verify with an
 * independent scan (a surviving secret deletes the file and turns the verdict into an error: fail
 * closed), publish to CI, print the verdict. Returns the verdict as finally written.
 */
export async function publishVerdict(verdict: Verdict, options: PublishOptions): Promise<Verdict> {
  const { out, redactor, io } = options;
  const own = !options.playwrightReports;
  // report.html is revgate's own page for every command; a Playwright run adds Playwright's HTML report beside it.
  const reporters = ['json', 'junit', 'markdown', 'html'];
  const artifacts: Record<string, string> = {
    json: 'verdict.json',
    junit: 'junit.xml',
    markdown: 'summary.md',
    html: 'report.html',
    ...(own ? { allure: 'allure-results/' } : {}),
    ...(options.artifacts ?? {}),
  };
  const mask = (s: string): string => redactor.mask(s);

  let v: Verdict = { ...verdict, artifacts };
  writeReports(v, out, reporters, mask, options.report);
  if (own) writeAllureResults(v, out, mask);
  else markPlaywrightAllureResults(v, out, mask);
  const unsafe = await makeSafe(out, redactor);
  if (unsafe.length) {
    const shown = unsafe.slice(0, 5).join('; ');
    v = withHarnessError(
      v,
      `${unsafe.length} report file(s) could not be made safe and were deleted (${shown}${unsafe.length > 5 ? `; and ${unsafe.length - 5} more` : ''})`,
    );
    writeReports(v, out, reporters, mask, options.report);
  }
  const done = publishToCi(v, mask(renderMarkdown(v)), path.join(out, 'summary.md'), io.env, (s) => (io.command ?? io.out)(mask(s)));
  if (done.length) io.err(`revgate: published to ${done.join(', ')}\n`);
  io.out(mask(renderConsole(v, { verbose: options.verbose ?? false })));
  io.out(`reports: ${path.relative(process.cwd(), out) || '.'}/ (${Object.values(artifacts).join(', ')})\n`);
  // --json: the verdict as verdict.json holds it; --quiet: its one summary line.
  if (io.result && io.resultFormat) io.result(mask(io.resultFormat === 'json' ? `${JSON.stringify(v, null, 2)}\n` : `${v.summary}\n`));
  return v;
}

/**
 * Scrubs OUT, then verifies it with an independent scan. Every artifact that could not be scrubbed or checked,
 * or still holds a secret, is deleted (fail closed); returns one line per such file for the verdict. A file
 * that vanished meanwhile (a worker cleaning up) is not a problem.
 */
async function makeSafe(out: string, redactor: Redactor): Promise<string[]> {
  const rel = (f: string): string => path.relative(out, f.split('!')[0] as string) || f;
  const problems = new Map<string, string>();
  const remove = (file: string): string => {
    try {
      if (existsSync(file)) rmSync(file, { recursive: true, force: true });
      return 'deleted';
    } catch (err) {
      return `could NOT be deleted (${(err as NodeJS.ErrnoException).code ?? 'error'}): do not upload this folder`;
    }
  };
  const scrub = await scrubDirectory(out, redactor);
  for (const f of scrub.failures ?? []) {
    if (f.reason === 'vanished') continue;
    const onDisk = f.file.split('!')[0] as string;
    const outcome = f.deleted ? 'deleted' : remove(onDisk);
    problems.set(rel(onDisk), `${rel(onDisk)}: could not be scrubbed (${f.reason}${f.detail ? `: ${f.detail}` : ''}), ${outcome}`);
  }
  for (const l of await scanForLeaks(out, redactor.values())) {
    if (l.variant === 'vanished' || problems.has(rel(l.file))) continue;
    const why = l.secretIndex >= 0 ? 'a secret survived scrubbing' : `could not be checked (${l.variant})`;
    problems.set(rel(l.file), `${rel(l.file)}: ${why}, ${remove(l.file)}`);
  }
  return [...problems.values()];
}
