import type { Verdict } from '../verdict/types.js';
import type { ReportData } from './data.js';

/**
 * A reporter renders a verdict to text (pure) and names the file it belongs in. `data` is what the command
 * measured for the charts (report.html draws it); reporters that do not draw ignore it.
 */
export interface Reporter {
  name: string;
  /** File name relative to the output directory. */
  file: string;
  render(verdict: Verdict, data?: ReportData): string;
}
