#!/usr/bin/env node
// Makes sure a Chromium is available for browser checks (npm test runs one). Playwright cannot
// download its own browsers everywhere, so revgate drives a system Chromium: REVGATE_CHROMIUM, a
// system install, or (as root on Debian/Ubuntu) `apt-get install chromium`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from '../dist/smoke/browser.js';

const found = findChromium();
if (found && existsSync(found)) {
  console.log(`browser: ${found}`);
  process.exit(0);
}
const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  console.error('browser: no Chromium found. Install one (Debian/Ubuntu: sudo apt-get install -y chromium) or set REVGATE_CHROMIUM=/path/to/chromium.');
  process.exit(1);
}
console.log('browser: no Chromium found; installing Debian chromium (apt-get)...');
const run = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
run(['update', '-qq']);
run(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
const installed = findChromium();
if (!installed) {
  console.error('browser: apt-get finished but no chromium binary was found');
  process.exit(1);
}
console.log(`browser: ${installed}`);
