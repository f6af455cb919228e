import type { Verdict } from '../verdict/types.js';

/** A reporter renders a verdict to text (pure) and names the file it belongs in. */
export interface Reporter {
  name: string;
  /** File name relative to the output directory. */
  file: string;
  render(verdict: Verdict): string;
}
