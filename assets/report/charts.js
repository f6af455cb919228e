/*
 * revgate report charts: draws every chart spec of #revgate-charts with uPlot (inlined before this
 * script). Specs come from src/report/page/charts.ts; number formats follow src/report/page/format.ts.
 * Each chart container gets data-drawn="1" once drawn and data-points with the number of values
 * plotted; <html> gets data-charts-drawn with the count, so a test (or a person) can tell they drew.
 */
(function () {
  'use strict';
  const holder = document.getElementById('revgate-charts');
  if (!holder) return;
  const specs = JSON.parse(holder.textContent || '[]');
  const EN = 'en-US';
  const px = window.devicePixelRatio || 1;

  function num(x, digits) {
    if (x === 0) return '0';
    const abs = Math.abs(x);
    if (abs >= Math.pow(10, digits)) return Math.round(x).toLocaleString(EN);
    const decimals = Math.min(6, Math.max(0, digits - 1 - Math.floor(Math.log10(abs))));
    return x.toLocaleString(EN, { maximumFractionDigits: decimals });
  }
  function ms(x) {
    const abs = Math.abs(x);
    if (abs < 1) return num(x, 2) + ' ms';
    if (abs < 100) return num(x, abs >= 10 ? 3 : 2) + ' ms';
    if (abs < 1000) return Math.round(x) + ' ms';
    if (abs < 60000) return num(x / 1000, 3) + ' s';
    return num(x / 60000, 3) + ' min';
  }
  function pct(f) {
    const p = f * 100;
    if (p === 0) return '0%';
    if (Math.abs(p) < 1) return num(p, 2) + '%';
    if (p > 99 && p < 100) return p.toFixed(Math.min(4, Math.max(1, Math.ceil(-Math.log10(100 - p))))) + '%';
    return p.toFixed(1) + '%';
  }
  function fmt(unit, x) {
    if (x === null || x === undefined || Number.isNaN(x)) return '-';
    switch (unit) {
      case 'ms':
        return ms(x);
      case 'count':
        return Math.abs(x) < 10 && x % 1 !== 0 ? num(x, 2) : Math.round(x).toLocaleString(EN);
      case 'fraction':
        return pct(x);
      case 'ratio':
        return '×' + num(x, 3);
      case 'difference':
        return (x < 0 ? '-' : '+') + num(Math.abs(x * 100), 2) + ' pts';
      case 'per-second':
        return num(x, 3) + '/s';
      case 'percent-share':
        return num(x, 3) + '%';
      default:
        return num(x, 3);
    }
  }
  function clock(s) {
    const t = Math.max(0, Math.round(s));
    const two = (n) => String(n).padStart(2, '0');
    return t >= 3600 ? Math.floor(t / 3600) + ':' + two(Math.floor(t / 60) % 60) + ':' + two(t % 60) : Math.floor(t / 60) + ':' + two(t % 60);
  }
  function fmtX(spec, x, tick) {
    if (x === null || x === undefined) return tick ? '' : '-';
    if (spec.kind === 'histogram') return (tick ? '' : '≤ ') + ms(x);
    const last = spec.x[spec.x.length - 1] || 0;
    return last >= 120 ? clock(x) : num(x, 3) + ' s';
  }

  /** y range: from the data (0 at the bottom for non-negative data), stretched to take in limit lines near it. */
  function yRange(spec, axis, key) {
    return function (u, dataMin, dataMax) {
      if (axis.min !== undefined && axis.max !== undefined) return [axis.min, axis.max];
      let lo = dataMin === null || dataMin === undefined ? 0 : dataMin;
      let hi = dataMax === null || dataMax === undefined ? 1 : dataMax;
      if (lo > 0) lo = 0;
      for (const l of spec.lines || []) {
        if ((l.axis === 2 ? 'y2' : 'y') !== key) continue;
        // A limit far above the data would flatten it: such a line is labelled at the top edge instead.
        if (l.value <= Math.max(hi, 1e-9) * 3 && l.value >= lo) hi = Math.max(hi, l.value);
      }
      if (hi <= lo) hi = lo + (axis.unit === 'fraction' ? 0.01 : 1);
      hi = hi + (hi - lo) * 0.08;
      if (axis.min !== undefined) lo = axis.min;
      if (axis.max !== undefined) hi = axis.max;
      return [lo, hi];
    };
  }

  function drawOverlays(u, spec) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.font = Math.round(11 * px) + 'px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    // Labels of limits outside the chart stack at its top (or bottom) edge instead of overprinting.
    let stackedAbove = 0;
    let stackedBelow = 0;
    const lineHeight = 13 * px;
    for (const l of spec.lines || []) {
      const key = l.axis === 2 ? 'y2' : 'y';
      const y = Math.round(u.valToPos(l.value, key, true));
      ctx.strokeStyle = l.color;
      ctx.fillStyle = l.color;
      ctx.lineWidth = 1.5 * px;
      ctx.setLineDash([6 * px, 4 * px]);
      if (y >= top && y <= top + height) {
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
        ctx.textAlign = 'right';
        ctx.fillText(l.label, left + width - 4 * px, y - 2 * px);
      } else {
        ctx.textAlign = 'right';
        const above = y < top;
        ctx.textBaseline = above ? 'top' : 'bottom';
        const offset = (above ? stackedAbove++ : stackedBelow++) * lineHeight;
        ctx.fillText(
          (above ? '▲ ' : '▼ ') + l.label + (above ? ' (above the chart)' : ' (below the chart)'),
          left + width - 4 * px,
          above ? top + 2 * px + offset : top + height - 2 * px - offset,
        );
        ctx.textBaseline = 'bottom';
      }
    }
    ctx.setLineDash([]);
    let markRow = 0;
    for (const m of spec.marks || []) {
      const x = Math.round(u.valToPos(m.x, 'x', true));
      if (x < left || x > left + width) continue;
      const labelY = top + 2 * px + markRow++ * lineHeight;
      ctx.strokeStyle = m.color;
      ctx.fillStyle = m.color;
      ctx.lineWidth = 2 * px;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.textAlign = x > left + width * 0.6 ? 'right' : 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(m.label, x + (ctx.textAlign === 'left' ? 4 : -4) * px, labelY);
    }
    ctx.restore();
  }

  function options(spec, el) {
    const hist = spec.kind === 'histogram';
    const axis = (a, side) => ({
      scale: side === 1 ? 'y2' : 'y',
      side: side,
      label: a.label,
      size: 64,
      grid: { show: side !== 1 },
      values: (u, vals) => vals.map((v) => (v === null || v === undefined ? '' : fmt(a.unit, v))),
    });
    const series = [{ label: hist ? 'latency' : 'time', value: (u, v) => fmtX(spec, v) }];
    for (const s of spec.series) {
      const unit = s.axis === 2 && spec.y2 ? spec.y2.unit : spec.y.unit;
      series.push({
        label: s.label,
        stroke: s.hidden ? 'transparent' : s.color,
        width: s.hidden ? 0 : s.width || 1.5,
        dash: s.dash,
        fill: s.fill,
        scale: s.axis === 2 ? 'y2' : 'y',
        spanGaps: false,
        points: { show: !s.hidden && spec.x.length < 3 },
        paths: hist ? uPlot.paths.stepped({ align: 1 }) : undefined,
        value: (u, v) => fmt(unit, v),
      });
    }
    const scales = {
      // One second of data still gets a one-second-wide axis.
      x: hist ? { time: false, distr: 3, log: 10 } : { time: false, range: (u, min, max) => [min, Math.max(max, min + 1)] },
      y: { range: yRange(spec, spec.y, 'y') },
    };
    const axes = [
      { label: hist ? 'latency (log scale)' : 'time into the run', values: (u, vals) => vals.map((v) => fmtX(spec, v, true)), size: 40 },
      axis(spec.y, 3),
    ];
    if (spec.y2) {
      scales.y2 = { range: yRange(spec, spec.y2, 'y2') };
      axes.push(axis(spec.y2, 1));
    }
    return {
      width: Math.max(280, el.clientWidth),
      height: spec.height || 260,
      scales: scales,
      axes: axes,
      series: series,
      bands: (spec.bands || []).map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      hooks: {
        draw: [
          (u) => {
            drawOverlays(u, spec);
            el.setAttribute('data-drawn', '1');
          },
        ],
      },
    };
  }

  const charts = [];
  let drawn = 0;
  for (const spec of specs) {
    const el = document.getElementById(spec.id);
    if (!el) continue;
    try {
      const data = [spec.x.slice()].concat(spec.series.map((s) => s.values.slice()));
      const plotted = spec.series.reduce((n, s) => n + (s.hidden ? 0 : s.values.filter((v) => v !== null && v !== undefined).length), 0);
      el.setAttribute('data-points', String(plotted));
      const plot = new uPlot(options(spec, el), data, el);
      // Series that only shape a band (an unbounded interval end drawn to the chart's edge) stay out of the legend.
      const rows = plot.root.querySelectorAll('.u-legend .u-series');
      spec.series.forEach((s, i) => {
        if (s.hidden && rows[i + 1]) rows[i + 1].style.display = 'none';
      });
      charts.push({ el: el, spec: spec, plot: plot });
      drawn++;
    } catch (err) {
      el.textContent = 'This chart could not be drawn (' + err + '); the table below has its numbers.';
      console.error('revgate chart ' + spec.id + ':', err);
    }
  }
  document.documentElement.setAttribute('data-charts-drawn', String(drawn));
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const c of charts) c.plot.setSize({ width: Math.max(280, c.el.clientWidth), height: c.spec.height || 260 });
    });
  });
})();
