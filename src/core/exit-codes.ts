/**
 * The exit-code contract shared by every revgate command. Pipelines branch on these numbers,
 * so they never change meaning: 0 promote, 1 roll back, 2 hold, 3 fix your input, 4 revgate could not evaluate.
 */
export const ExitCode = {
  Pass: 0,
  Fail: 1,
  Inconclusive: 2,
  Usage: 3,
  Harness: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
