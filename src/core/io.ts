/** Where a command writes, and the environment it reads: injected so commands are testable in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  /**
   * revgate's own CI workflow/logging commands (annotations, output variables), written as they are. Under a CI
   * system `out` and `err` neutralize such commands in any other text (src/report/ci.ts); without this, commands go to `out`.
   */
  command?: (s: string) => void;
  /**
   * The run's result, written even with --quiet: the verdict as JSON (`resultFormat: 'json'`, --json: the only thing
   * on stdout, everything else goes to stderr) or its one summary line (`'line'`, --quiet).
   */
  result?: (s: string) => void;
  resultFormat?: 'json' | 'line';
  /** `err` is a terminal: progress may rewrite one line in place instead of printing a line a second. */
  tty?: boolean;
}
