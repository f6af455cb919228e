#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/ by `npm run build` (run by `npm ci` via prepare).
import { main } from '../dist/cli/main.js';

await main(process.argv.slice(2));
