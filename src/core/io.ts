/** Where a command writes, and the environment it reads: injected so commands are testable in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
}
