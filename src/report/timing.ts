/**
 * The names every report gives a check's two numbers, so the console, summary.md, JUnit and the HTML reports
 * agree: `latency` is the request latency latency budgets judge (connection setup left out, as k6's
 * http_req_duration), `wall` is the wall time of the check's test (fixtures, every step, cleanup, retries).
 */
const ms = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);

export function timingText(t: { latencyMs?: number | undefined; connectMs?: number | undefined; durationMs: number }): string {
  return t.latencyMs !== undefined ? `${latencyText({ ...t, latencyMs: t.latencyMs })}, wall ${ms(t.durationMs)}` : `wall ${ms(t.durationMs)}`;
}

export function latencyText(t: { latencyMs: number; connectMs?: number | undefined }): string {
  const setup = t.connectMs !== undefined && t.connectMs > 0 ? ` (+ ${ms(t.connectMs)} connection setup)` : '';
  return `latency ${ms(t.latencyMs)}${setup}`;
}

/** Every attempt of a retried check in one line: status, latency and the first line of what went wrong. */
export function triesText(tries: ReadonlyArray<{ attempt: number; status: string; latencyMs?: number; message?: string }>): string {
  return tries
    .map((t) => {
      const latency = t.latencyMs !== undefined ? ` (latency ${ms(t.latencyMs)})` : '';
      const why = t.message ? `: ${t.message.split('\n')[0]}` : '';
      return `attempt ${t.attempt} ${t.status}${latency}${why}`;
    })
    .join('; ');
}

export { ms as formatDuration };
