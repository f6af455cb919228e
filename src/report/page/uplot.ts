/**
 * The scripts a page with charts inlines: uPlot (MIT, from the `uplot` package's dist folder, with its
 * licence) and revgate's chart script (assets/report/charts.js). Read from disk once per process, at
 * report time, so the report needs no network and no build step of its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// src/report/page/ and dist/report/page/ sit at the same depth, so this resolves to the repository's assets/ from both.
const CLIENT_URL = new URL('../../../assets/report/charts.js', import.meta.url);

let cached: { js: string; css: string; client: string } | undefined;

/** Inline script text can never end its own element. */
const inlineSafe = (s: string): string => s.replace(/<\/(script|style)/gi, '<\\/$1');

function load(): { js: string; css: string; client: string } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const js = require.resolve('uplot/dist/uPlot.iife.min.js');
  const dir = path.dirname(js);
  const licence = readFileSync(path.join(dir, '..', 'LICENSE'), 'utf8').trim();
  cached = {
    js: inlineSafe(`/* uPlot, inlined by revgate. ${licence.replace(/\*\//g, '* /')} */\n${readFileSync(js, 'utf8')}`),
    css: inlineSafe(readFileSync(path.join(dir, 'uPlot.min.css'), 'utf8')),
    client: inlineSafe(readFileSync(CLIENT_URL, 'utf8')),
  };
  return cached;
}

export function uplotAssets(): { js: string; css: string } {
  const { js, css } = load();
  return { js, css };
}

export function chartClientScript(): string {
  return load().client;
}
