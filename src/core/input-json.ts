import { ErrorCodes, RevgateError } from './errors.js';

/** Deeper than any real config, profile, criteria or catalog; validators and substitution recurse, so depth is bounded first. */
export const MAX_INPUT_DEPTH = 64;

/**
 * Refuses a parsed input nested deeper than MAX_INPUT_DEPTH, naming where, before anything recursive walks
 * it: a hostile or generated file gets exit 3 with a sentence, not a stack overflow. Iterative.
 */
export function checkJsonDepth(value: unknown, what: string): void {
  const stack: Array<[unknown, number, string]> = [[value, 0, '$']];
  while (stack.length) {
    const [v, depth, at] = stack.pop() as [unknown, number, string];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) {
      throw new RevgateError(
        ErrorCodes.ConfigInvalid,
        `${what} is nested more than ${MAX_INPUT_DEPTH} levels deep (at ${at.slice(0, 120)}…): revgate reads at most ${MAX_INPUT_DEPTH}`,
      );
    }
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${at}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, depth + 1, `${at}.${k}`]);
  }
}

/** "X is a directory" reads better than "not found" when a folder is given where a file is expected. */
export function isDirectoryError(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EISDIR';
}
