#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/ by `npm run build` (run by `npm ci` via prepare).
// Signals that arrive while the CLI is still loading are held here and handed to the run
// (src/run/signals.ts), so a SIGTERM during start-up still ends with a verdict instead of killing the process.
// The handler stays installed until the process exits (the run's own handlers sit beside it while a command runs).
const early = { signals: [], handler: (sig) => early.signals.push(sig) };
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, early.handler);
globalThis.__revgateEarlySignals = early;

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // The one answer that needs no parser: a pipeline's `revgate --version` costs a Node.js start and one small file.
  const { VERSION } = await import('../dist/core/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  await main(args);
  // The run is over: its verdict is published and main() has awaited everything it started. Exiting here,
  // rather than letting Node drain and tear down, leaves no moment in which a signal kills the process with
  // the signal's default action (Node restores it while closing its handles on a natural exit, ~10 ms here),
  // so a CI cancellation that lands at the very end still exits with the code the run decided.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
  process.exit();
}
