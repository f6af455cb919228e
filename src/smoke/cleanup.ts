/**
 * Cleanup registry for one test: whatever a flow or spec creates is registered right after it is
 * created, and everything registered runs in reverse order at teardown, even when the test failed
 * or timed out (the Playwright fixture guarantees the teardown runs).
 */
export interface CleanupTask {
  description: string;
  run: () => Promise<void>;
}

export interface CleanupReport {
  ran: number;
  failures: Array<{ description: string; message: string }>;
}

export class CleanupRegistry {
  private readonly tasks: CleanupTask[] = [];

  register(description: string, run: () => Promise<void>): void {
    this.tasks.push({ description, run });
  }

  get size(): number {
    return this.tasks.length;
  }

  /** Runs every task (last registered first); one failure does not stop the others. */
  async runAll(): Promise<CleanupReport> {
    const report: CleanupReport = { ran: 0, failures: [] };
    while (this.tasks.length) {
      const task = this.tasks.pop() as CleanupTask;
      report.ran++;
      try {
        await task.run();
      } catch (err) {
        report.failures.push({ description: task.description, message: (err as Error).message ?? String(err) });
      }
    }
    return report;
  }
}
