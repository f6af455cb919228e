#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/ by `npm run build` (run by `npm ci` via prepare).
// Signals that arrive while the CLI is still loading are held here and handed to the run
// (src/run/signals.ts), so a SIGTERM during start-up still ends with a verdict instead of killing the process.
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
  // The run is over and its verdict published: a signal from here until Node exits (sockets closing, timers
  // draining) ends the process with the exit code already decided, not with the signal's default death.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit());
}
