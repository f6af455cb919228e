/**
 * Charts on a report page: a spec per chart (data and how to draw it), rendered as a figure with a
 * text alternative beneath, and drawn in the browser by uPlot (inlined, see uplot.ts) through the
 * page's small chart script (client.js). Nothing is fetched: the page works from file:// and as a CI
 * artifact. Pure, except that the inlined scripts are read once from disk.
 */
import { esc } from './components.js';
import type { Unit } from './format.js';
import { chartClientScript, uplotAssets } from './uplot.js';

export interface ChartSeries {
  label: string;
  values: ReadonlyArray<number | null>;
  color: string;
  width?: number;
  /** Canvas dash pattern, e.g. [6, 4] for a baseline. */
  dash?: number[];
  fill?: string;
  /** The second y axis (right), e.g. a rate beside counts. */
  axis?: 2;
  /** Drawn invisibly and left out of the legend: only shapes a band (an unbounded end drawn to the chart's edge). */
  hidden?: boolean;
}

/** A horizontal limit (a threshold, a gate's limit) drawn across the chart, labelled. */
export interface ChartLine {
  value: number;
  label: string;
  color: string;
  axis?: 2;
}

/** A vertical marker at an x value (the moment a gate was decided). */
export interface ChartMark {
  x: number;
  label: string;
  color: string;
}

export interface ChartAxis {
  label: string;
  unit: Unit;
  /** Fixed range; otherwise from the data (from 0 for counts and latencies), and limit lines near the data. */
  min?: number;
  max?: number;
}

export interface ChartSpec {
  id: string;
  /** time: x in seconds into the run; histogram: x is each bucket's upper edge in ms, on a log axis, drawn as steps. */
  kind: 'time' | 'histogram';
  x: readonly number[];
  series: ChartSeries[];
  y: ChartAxis;
  y2?: ChartAxis;
  lines?: ChartLine[];
  marks?: ChartMark[];
  /** Filled areas between two series (indexes into `series`): an interval. */
  bands?: Array<{ upper: number; lower: number; fill: string }>;
  height?: number;
}

export interface FigureInput {
  title: string;
  /** One or two sentences: what the chart shows; read by screen readers in place of the canvas. */
  description: string;
  /** The same numbers as a table (HTML), shown beneath the chart. */
  alt: string;
}

/** A chart's place on the page: title, the canvas container, and its numbers as a table. */
export function chartFigure(spec: ChartSpec, f: FigureInput): string {
  return `<figure class="chart-fig"><figcaption>${esc(f.title)}</figcaption><p class="muted small">${esc(f.description)}</p><div class="chart" id="${esc(spec.id)}" data-chart role="img" aria-label="${esc(`${f.title}: ${f.description} The table below has the numbers.`)}"></div><details class="alt"><summary>Numbers behind this chart</summary>${f.alt}</details></figure>`;
}

/** JSON that is safe inside a <script> element (no `</script>`, no line separators JavaScript rejects). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The chart data, uPlot and the drawing script; empty when the page has no chart. */
export function chartScripts(specs: readonly ChartSpec[]): { head: string; body: string } {
  if (!specs.length) return { head: '', body: '' };
  const assets = uplotAssets();
  return {
    head: `<style>${assets.css}</style>`,
    body: `<script type="application/json" id="revgate-charts">${scriptJson(specs)}</script>\n<script>${assets.js}</script>\n<script>${chartClientScript()}</script>`,
  };
}
