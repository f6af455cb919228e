/**
 * The building blocks every report page is made of: escaping, status badges, headline tiles, tables,
 * sections. Pure string builders; no command knows about them except through the views.
 */
import { stripAnsi } from '../xml.js';

export const esc = (s: unknown): string =>
  stripAnsi(String(s ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Status colours, one palette for badges, grid cells, timeline bars and chart limit lines. */
export const STATUS_COLOR: Record<string, string> = {
  pass: '#1a7f37',
  passed: '#1a7f37',
  fail: '#cf222e',
  failed: '#cf222e',
  degraded: '#bf8700',
  inconclusive: '#9a6700',
  flaky: '#8250df',
  skipped: '#8c959f',
  error: '#57606a',
  none: '#eaeef2',
};

export const statusColor = (status: string): string => STATUS_COLOR[status] ?? '#57606a';

export function badge(status: string, text: string = status): string {
  return `<span class="badge s-${esc(status)}">${esc(text)}</span>`;
}

export interface Tile {
  label: string;
  /** The formatted value (text). */
  value: string;
  /** For tests and tools: which field of verdict.json or summary.json it shows, and its raw value. */
  key?: string;
  raw?: number | string;
  /** Colours the value: a failing figure in red. */
  tone?: 'good' | 'bad' | 'warn';
  note?: string;
}

/** A row of headline figures. */
export function tiles(list: readonly Tile[]): string {
  if (!list.length) return '';
  return `<div class="tiles">${list
    .map(
      (t) =>
        `<div class="tile"${t.key ? ` data-key="${esc(t.key)}"` : ''}${t.raw !== undefined ? ` data-raw="${esc(t.raw)}"` : ''}><div class="tv${t.tone ? ` ${t.tone}` : ''}">${esc(t.value)}</div><div class="tl">${esc(t.label)}</div>${t.note ? `<div class="tn">${esc(t.note)}</div>` : ''}</div>`,
    )
    .join('')}</div>`;
}

export interface TableInput {
  head: readonly string[];
  /** Cells as HTML (escape text with esc()). */
  rows: ReadonlyArray<readonly string[]>;
  caption?: string;
  /** Column indexes aligned right (numbers). */
  numeric?: readonly number[];
  className?: string;
  id?: string;
}

export function table(t: TableInput): string {
  const num = new Set(t.numeric ?? []);
  const td = (cell: string, i: number, tag: 'td' | 'th'): string => `<${tag}${num.has(i) ? ' class="n"' : ''}>${cell}</${tag}>`;
  return `<table${t.id ? ` id="${esc(t.id)}"` : ''}${t.className ? ` class="${esc(t.className)}"` : ''}>${t.caption ? `<caption>${esc(t.caption)}</caption>` : ''}<thead><tr>${t.head
    .map((h, i) => td(esc(h), i, 'th'))
    .join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c, i) => td(c, i, 'td')).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export function section(title: string, body: string, id?: string): string {
  if (!body) return '';
  return `<section${id ? ` id="${esc(id)}"` : ''}><h2>${esc(title)}</h2>${body}</section>`;
}

/** A note under a heading: what a chart or table shows and how to read it. */
export function note(text: string): string {
  return `<p class="muted">${esc(text)}</p>`;
}
