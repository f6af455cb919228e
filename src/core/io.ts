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
}
