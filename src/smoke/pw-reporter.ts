import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import { mergeCleanup, type CleanupReport } from './cleanup.js';
import { Attachment, progressMark } from './conventions.js';
import type { CheckOutcome } from './run-check.js';
import { timingText } from '../report/timing.js';
import type { RawResults, RawTest } from './raw-results.js';

/**
 * Playwright reporter used by `revgate smoke`: prints one progress line per finished check and writes
 * every test's final outcome (with revgate's attachments) to REVGATE_RESULTS_FILE for the verdict.
 */
export default class RevgateReporter implements Reporter {
  private suite: Suite | undefined;
  private rootDir = process.cwd();
  private readonly started = new Date();
  private readonly globalErrors: string[] = [];
  private done = 0;
  private total = 0;

  onBegin(config: FullConfig, suite: Suite): void {
    this.suite = suite;
    this.rootDir = config.rootDir;
    this.total = suite.allTests().length;
    process.stdout.write(
      `revgate: running ${this.total} check${this.total === 1 ? '' : 's'} with ${config.workers} worker${config.workers === 1 ? '' : 's'}\n`,
    );
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const willRetry = (result.status === 'failed' || result.status === 'timedOut') && result.retry < test.retries;
    if (willRetry) {
      process.stdout.write(`  retry ${test.title} (attempt ${result.retry + 1} ${result.status})\n`);
      return;
    }
    this.done++;
    const outcome = test.outcome();
    const degraded = test.annotations.some((a) => a.type === 'revgate:degraded') || result.annotations.some((a) => a.type === 'revgate:degraded');
    const mark = progressMark(outcome, degraded);
    const declared = readJsonAttachment(result, Attachment.outcome) as CheckOutcome | undefined;
    // The same numbers as the final report: the last attempt's latency, the wall time of every attempt together.
    const wall = test.results.reduce((sum, r) => sum + r.duration, 0);
    process.stdout.write(
      `  ${mark} ${test.title}  ${timingText({ latencyMs: declared?.latencyMs, connectMs: declared?.connectMs, durationMs: wall })}  [${this.done}/${this.total}]\n`,
    );
  }

  onError(error: TestError): void {
    this.globalErrors.push(errorText(error));
  }

  async onEnd(result: FullResult): Promise<void> {
    const file = process.env.REVGATE_RESULTS_FILE;
    if (!file) return;
    const tests = (this.suite?.allTests() ?? []).map((t) => this.toRaw(t));
    const raw: RawResults = {
      status: result.status,
      startedAt: this.started.toISOString(),
      durationMs: result.duration,
      globalErrors: this.globalErrors,
      tests,
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(raw));
  }

  printsToStdio(): boolean {
    return true;
  }

  private toRaw(test: TestCase): RawTest {
    const last = test.results[test.results.length - 1];
    const annotations = [...test.annotations, ...(last?.annotations ?? [])].map((a) => ({
      type: a.type,
      ...(a.description !== undefined ? { description: a.description } : {}),
    }));
    const outcomeAttachment = last ? readJsonAttachment(last, Attachment.outcome) : undefined;
    const cleanup = mergeCleanup(test.results.map((r) => readJsonAttachment(r, Attachment.cleanup) as CleanupReport | undefined));
    return {
      title: test.title,
      file: path.relative(this.rootDir, test.location.file),
      project: test.parent.project()?.name ?? '',
      outcome: test.outcome(),
      lastStatus: last?.status ?? 'skipped',
      attempts: test.results.length,
      durationMs: test.results.reduce((sum, r) => sum + r.duration, 0),
      errors: (last?.errors ?? []).map(errorText),
      annotations: dedupe(annotations),
      tags: test.tags,
      ...(outcomeAttachment ? { declared: outcomeAttachment as RawTest['declared'] } : {}),
      ...(cleanup ? { cleanup } : {}),
      ...(test.results[0] ? { startedAt: test.results[0].startTime.toISOString() } : {}),
      tries: test.results.map((r) => {
        const failed = r.status !== 'passed' && r.status !== 'skipped';
        const declared = readJsonAttachment(r, Attachment.outcome) as CheckOutcome | undefined;
        const message = (failed ? declared?.message : undefined) ?? (failed && r.errors[0] ? errorText(r.errors[0]) : undefined);
        return {
          status: r.status,
          durationMs: r.duration,
          startedAt: r.startTime.toISOString(),
          ...(declared?.latencyMs !== undefined ? { latencyMs: declared.latencyMs } : {}),
          ...(message ? { message } : {}),
        };
      }),
    };
  }
}

function readJsonAttachment(result: TestResult, name: string): unknown {
  const a = result.attachments.find((x) => x.name === name && x.body);
  if (!a?.body) return undefined;
  try {
    return JSON.parse(a.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function errorText(e: TestError): string {
  return (e.message ?? e.value ?? 'unknown error').replace(/\u001b\[[0-9;]*m/g, '');
}

function dedupe<T extends { type: string; description?: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const k = `${a.type}\u0000${a.description ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
