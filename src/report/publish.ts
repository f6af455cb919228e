import { existsSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Io } from '../core/io.js';
import type { Redactor } from '../secrets/redactor.js';
import { scanForLeaks } from '../secrets/scan.js';
import { scrubDirectory } from '../secrets/scrub.js';
import { withHarnessError } from '../verdict/harness-error.js';
import type { Verdict } from '../verdict/types.js';
import { writeAllureResults } from './allure.js';
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
  const reporters = own ? ['json', 'junit', 'markdown', 'html'] : ['json', 'junit', 'markdown'];
  const artifacts: Record<string, string> = {
    json: 'verdict.json',
    junit: 'junit.xml',
    markdown: 'summary.md',
    ...(own ? { html: 'report.html', allure: 'allure-results/' } : {}),
    ...(options.artifacts ?? {}),
  };
  const mask = (s: string): string => redactor.mask(s);

  let v: Verdict = { ...verdict, artifacts };
  writeReports(v, out, reporters, mask);
  if (own) writeAllureResults(v, out, mask);
  await scrubDirectory(out, redactor);
  const leaks = await scanForLeaks(out, redactor.values());
  if (leaks.length) {
    const files = [...new Set(leaks.map((l) => l.file))];
    for (const f of files) if (existsSync(f)) unlinkSync(f);
    v = withHarnessError(v, `a secret was still present after scrubbing in ${files.length} report file(s), which were deleted`);
    writeReports(v, out, reporters, mask);
  }
  const done = publishToCi(v, mask(renderMarkdown(v)), path.join(out, 'summary.md'), io.env, (s) => io.out(mask(s)));
  if (done.length) io.err(`revgate: published to ${done.join(', ')}\n`);
  io.out(mask(renderConsole(v, { verbose: options.verbose ?? false })));
  io.out(`reports: ${path.relative(process.cwd(), out) || '.'}/ (${Object.values(artifacts).join(', ')})\n`);
  return v;
}
