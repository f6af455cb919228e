/**
 * The page every report shares: document head, styles, the header a view gives it, its sections,
 * and (only when there are charts) the inlined chart scripts. Self-contained: no link, no fetch.
 */
import { esc } from './components.js';
import { chartScripts, type ChartSpec } from './charts.js';

export interface PageInput {
  title: string;
  header: string;
  body: string;
  charts: readonly ChartSpec[];
  footer: string;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:#fff}
main{max-width:1240px;margin:0 auto;padding:1.5rem 1.5rem 3rem}
h1{font-size:1.45rem;margin:0 0 .4rem;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
h2{font-size:1.15rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.verdict{color:#fff;padding:.1rem .6rem;border-radius:4px;font-size:1.1rem}
.summary{font-size:1.05rem;font-weight:600;margin:.4rem 0 .8rem}
.muted{color:var(--muted)} .small{font-size:12px}
.meta{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem;margin:0;color:var(--muted)} .meta dt{display:inline;font-weight:600} .meta dd{display:inline;margin:0 0 0 .3rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem;margin:1rem 0}
.tile{border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem;background:var(--bg2)}
.tv{font-size:1.35rem;font-weight:650;font-variant-numeric:tabular-nums} .tv.bad{color:#cf222e} .tv.warn{color:#9a6700} .tv.good{color:#1a7f37}
.tl{color:var(--muted);font-size:12px} .tn{color:var(--muted);font-size:11px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;color:var(--muted);font-size:12px;padding:.2rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--bg2);font-weight:600} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{color:#fff;border-radius:3px;padding:0 .4rem;font-size:12px;white-space:nowrap;display:inline-block}
.s-passed,.s-pass{background:#1a7f37} .s-failed,.s-fail{background:#cf222e} .s-degraded{background:#bf8700} .s-flaky{background:#8250df}
.s-skipped{background:#8c959f} .s-error{background:#57606a} .s-inconclusive{background:#9a6700}
.label{background:#ddf4ff;border-radius:3px;padding:0 .3rem;font-size:12px}
pre{background:var(--bg2);padding:.5rem;overflow:auto;white-space:pre-wrap;font-size:12px}
code{font-size:12.5px}
.why li{margin:.2rem 0} .why .count{font-weight:650;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:1rem 1.5rem}
.chart-fig{margin:0;min-width:0} .chart-fig figcaption{font-weight:600}
.chart{min-height:120px;width:100%}
details.alt summary{cursor:pointer;color:var(--muted);font-size:12px}
details.alt table{font-size:12px}
.grid-wrap{overflow-x:auto}
table.grid{width:auto;font-size:12px} table.grid th{white-space:nowrap} table.grid th,table.grid td{padding:.1rem .4rem}
.cell{color:#fff;text-align:center;min-width:5rem;white-space:nowrap;border:1px solid #fff}
.cell.empty{background:var(--bg2);color:var(--muted)} .cell.key{display:inline-block;min-width:1.4rem;padding:0 .2rem;border-radius:2px}
table.strips th{white-space:nowrap;width:1%} td.strip{line-height:0;padding:.35rem .5rem} td.strip+td{width:16rem}
.sq{display:inline-block;width:9px;height:9px;margin:0 1px 1px 0;border-radius:1px} .sq.none{background:var(--bg2)}
table.waterfall{font-size:12.5px} table.waterfall th[scope=row]{min-width:14rem} table.waterfall td.track,table.waterfall th.track{width:45%;min-width:260px}
.waterfall tr.child th{padding-left:1.6rem;font-weight:400}
.bars{position:relative;height:14px;background:var(--bg2);border-radius:2px}
.seg{position:absolute;top:1px;height:12px;border-radius:2px} .seg.faint{opacity:.45;background-image:repeating-linear-gradient(45deg,transparent 0 3px,rgba(255,255,255,.6) 3px 6px)}
.axis{position:relative;height:14px;font-weight:400;color:var(--muted);font-size:11px;margin-top:2px}
.axis span{position:absolute;transform:translateX(-50%);white-space:nowrap} .axis span:first-child{transform:none} .axis span:last-child{transform:translateX(-100%)}
.gauge{position:relative;display:inline-block;width:120px;height:10px;background:var(--bg2);border:1px solid var(--line);vertical-align:middle;margin-right:.4rem}
.gauge .fill{position:absolute;left:0;top:0;bottom:0} .gauge .tick{position:absolute;top:-3px;bottom:-3px;width:2px} .tick.warn{background:#bf8700} .tick.max{background:#cf222e}
#filter{padding:.3rem;width:20rem}
.notice{border-left:4px solid #9a6700;background:#fff8c5;padding:.4rem .8rem}
@media print{.chart-fig{break-inside:avoid} details.alt{display:none}}
`;

export function renderPage(p: PageInput): string {
  const scripts = chartScripts(p.charts);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>${CSS}</style>${scripts.head}
</head><body><main>
${p.header}
${p.body}
<footer class="muted small">${p.footer}</footer>
</main>
${scripts.body}
</body></html>
`;
}
