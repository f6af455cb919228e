import type { Io } from '../core/io.js';

export interface ProgressPrinter {
  /** The current state, one line without a newline; counts in it should only grow. */
  update(line: string): void;
  /** Ends the live line (on a terminal) so what follows starts on its own line. */
  done(): void;
}

/**
 * Live progress for runs longer than a few seconds, as k6 and autocannon show it: on a terminal one line
 * rewritten in place; otherwise (a CI log) at most one line per `everyMs`, so a 30 s run logs about 30 lines.
 */
export function progressPrinter(io: Pick<Io, 'err' | 'tty'>, everyMs = 1000, now: () => number = () => performance.now()): ProgressPrinter {
  let last = -Infinity;
  let live = false;
  return {
    update(line) {
      if (io.tty) {
        io.err(`\r\u001b[K${line}`);
        live = true;
        return;
      }
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      io.err(`${line}\n`);
    },
    done() {
      if (live) io.err('\n');
      live = false;
    },
  };
}
