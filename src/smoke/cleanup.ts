/**
 * Cleanup registry for one test: whatever a flow or spec creates is registered right after it is
 * created, and everything registered runs in reverse order at teardown, even when the test failed
 * or timed out (the Playwright fixture guarantees the teardown runs).
 */
export interface CleanupTask {
  description: string;
  /** Deletes what was created; may return a short note (e.g. the status the DELETE answered). */
  run: () => Promise<string | void>;
}

/** One cleanup and what became of it: `done` (ran and succeeded), `failed` (ran and failed), `not-built` (never ran). */
export interface CleanupTaskReport {
  description: string;
  status: 'done' | 'failed' | 'not-built';
  message?: string;
}

export interface CleanupReport {
  /** Cleanup requests that ran. */
  ran: number;
  /** Cleanups that failed or could not be built: what they created may be left behind. */
  failures: Array<{ description: string; message: string }>;
  /** Every cleanup in the order it ran (the unbuilt ones first, they never ran). */
  tasks: CleanupTaskReport[];
}

export class CleanupRegistry {
  private readonly tasks: CleanupTask[] = [];
  private readonly unbuilt: Array<{ description: string; message: string }> = [];

  register(description: string, run: CleanupTask['run']): void {
    this.tasks.push({ description, run });
  }

  /**
   * Something was created but its cleanup cannot be built (the id it needs never came back):
   * nothing to run, but the report says so, because the created data may be left behind.
   */
  cannotBuild(description: string, message: string): void {
    this.unbuilt.push({ description, message });
  }

  get size(): number {
    return this.tasks.length + this.unbuilt.length;
  }

  /** Runs every task (last registered first); one failure does not stop the others. */
  async runAll(): Promise<CleanupReport> {
    const report: CleanupReport = { ran: 0, failures: [...this.unbuilt], tasks: this.unbuilt.map((u) => ({ ...u, status: 'not-built' })) };
    this.unbuilt.length = 0;
    while (this.tasks.length) {
      const task = this.tasks.pop() as CleanupTask;
      report.ran++;
      try {
        const note = await task.run();
        report.tasks.push({ description: task.description, status: 'done', ...(note ? { message: note } : {}) });
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        report.failures.push({ description: task.description, message });
        report.tasks.push({ description: task.description, status: 'failed', message });
      }
    }
    return report;
  }
}

/** Every attempt's cleanup in one report: a retry that passed does not hide what an earlier attempt left behind. */
export function mergeCleanup(reports: Array<CleanupReport | undefined>): CleanupReport | undefined {
  const kept = reports.map((r, i) => ({ r, attempt: i + 1 })).filter((x): x is { r: CleanupReport; attempt: number } => x.r !== undefined);
  if (!kept.length) return undefined;
  const label = (attempt: number, d: string): string => (reports.length > 1 ? `attempt ${attempt}: ${d}` : d);
  return {
    ran: kept.reduce((sum, { r }) => sum + r.ran, 0),
    failures: kept.flatMap(({ r, attempt }) => r.failures.map((f) => ({ ...f, description: label(attempt, f.description) }))),
    tasks: kept.flatMap(({ r, attempt }) => (r.tasks ?? []).map((t) => ({ ...t, description: label(attempt, t.description) }))),
  };
}
