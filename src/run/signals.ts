/**
 * The one place a command run listens for signals. SIGINT, SIGTERM (CI cancellation, `timeout`) and
 * SIGHUP all mean "stop sending, finish what is in flight, write a partial verdict": the first one
 * aborts the run's AbortSignal; a second one calls `onForce` (which must leave nothing unscrubbed
 * behind) and exits at once with the conventional 128 + signal number.
 */
import os from 'node:os';
import type { Io } from '../core/io.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Handled = (typeof SIGNALS)[number];

export interface Interrupts {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): Handled | undefined;
  dispose(): void;
}

/** What bin/revgate.js installs before the CLI loads: the signals received so far, and its handler. */
interface EarlySignals {
  signals: string[];
  handler: (sig: string) => void;
  /** Set once a run has replayed the held signals (a later run in the same process must not replay them). */
  replayed?: boolean;
}

/**
 * Takes over from the launcher's early handler: the signals it held are replayed here. Its handler stays
 * installed (it only records), so a signal after `dispose()` and before the launcher's exit does not kill
 * the process with the signal's default action; the launcher exits with the decided code instead.
 */
function takeEarlySignals(): string[] {
  const holder = globalThis as { __revgateEarlySignals?: EarlySignals };
  const early = holder.__revgateEarlySignals;
  if (!early || early.replayed) return [];
  early.replayed = true;
  return [...early.signals];
}

export function listenForInterrupts(io: Io, message: string, onForce: () => void): Interrupts {
  const controller = new AbortController();
  let first: Handled | undefined;
  const handlers = SIGNALS.map((sig) => {
    const handler = (): void => {
      if (first === undefined) {
        first = sig;
        io.err(`revgate: ${sig === 'SIGINT' ? 'interrupted' : `received ${sig}`}: ${message} (send it again to quit now)\n`);
        controller.abort(new Error(`interrupted by ${sig}`));
        return;
      }
      io.err(`revgate: ${sig} again: quitting now\n`);
      try {
        onForce();
      } finally {
        process.exit(128 + (os.constants.signals[sig] ?? 2));
      }
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  for (const sig of takeEarlySignals()) handlers.find(([s]) => s === sig)?.[1]();
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      for (const [sig, handler] of handlers) process.removeListener(sig, handler);
    },
  };
}
