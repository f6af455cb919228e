/**
 * report.html: one self-contained page per run, what a person opens first. The same layout for every
 * command (header and verdict, headline figures, the grouped "why", the command's own charts and
 * tables, gates, checks); each command's view (views/) adds its part from the verdict and the data the
 * command measured for it (data.ts). Charts are drawn by uPlot, inlined. Pure.
 */
import type { Verdict } from '../verdict/types.js';
import type { ReportData } from './data.js';
import { tiles } from './page/components.js';
import { renderPage } from './page/layout.js';
import type { Reporter } from './types.js';
import { checksSection, footer, gatesSection, pageHeader, whySection, type View } from './views/common.js';
import { gateView } from './views/gate.js';
import { loadView } from './views/load.js';
import { probeView } from './views/probe.js';
import { smokeView } from './views/smoke.js';

function viewOf(v: Verdict, data: ReportData): View {
  switch (v.kind) {
    case 'load':
      return loadView(v, data.load);
    case 'gate':
      return gateView(v, data.gate);
    case 'probe':
      return probeView(v);
    case 'smoke':
      return smokeView(v, data.smoke);
    case 'monitor':
    case 'discover':
    case 'rollout':
      // Their page is the shared layout alone (verdict, why, gates, checks); the rollout's steps are its gates.
      return { tiles: [], sections: [], charts: [] };
  }
}

export function renderHtml(v: Verdict, data: ReportData = {}): string {
  const view = viewOf(v, data);
  const body = [
    tiles(view.tiles),
    whySection(v),
    ...view.sections,
    gatesSection(v, data.gate?.traces),
    v.kind === 'probe' ? checksSection(v, 'Probes that did not pass', 0) : checksSection(v),
  ].join('\n');
  return renderPage({
    title: `revgate ${v.kind}: ${v.verdict} - ${v.target.service ?? v.target.baseUrl}`,
    header: pageHeader(v),
    body,
    charts: view.charts,
    footer: footer(v, view.charts.length > 0),
  });
}

export const htmlReporter: Reporter = { name: 'html', file: 'report.html', render: renderHtml };
