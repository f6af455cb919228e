#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/ by `npm run build` (run by `npm ci` via prepare).
// Signals that arrive while the CLI is still loading are held here and handed to the run
// (src/run/signals.ts), so a SIGTERM during start-up still ends with a verdict instead of killing the process.
const early = { signals: [], handler: (sig) => early.signals.push(sig) };
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, early.handler);
globalThis.__revgateEarlySignals = early;

const { main } = await import('../dist/cli/main.js');
await main(process.argv.slice(2));
