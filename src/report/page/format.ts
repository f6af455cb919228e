/**
 * Numbers for people: units, thousands separators and a precision that says what matters
 * (6.7 ms, 2.58 s, 21,132, 0.048%, 99.95%). Pure; report pages, tables and chart labels share them
 * (the page's chart script has the same rules for axis ticks, see client.js).
 */

const EN = 'en-US';

/** 21132 -> "21,132". */
export function count(n: number): string {
  return Math.round(n).toLocaleString(EN);
}

/** A plain number with at most `digits` significant digits and separators: 1234.5 -> "1,235", 0.01234 -> "0.0123". */
export function num(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '-∞' : 'n/a';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 10 ** digits) return count(x);
  const decimals = Math.min(6, Math.max(0, digits - 1 - Math.floor(Math.log10(abs))));
  return x.toLocaleString(EN, { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** A latency: "0.42 ms", "6.7 ms", "253 ms", "2.58 s", "1 min 5 s". */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : 'n/a';
  const abs = Math.abs(x);
  if (abs < 1) return `${num(x, 2)} ms`;
  if (abs < 100) return `${num(x, 2 + (abs >= 10 ? 1 : 0))} ms`;
  if (abs < 1000) return `${Math.round(x)} ms`;
  if (abs < 60_000) return `${num(x / 1000, 3)} s`;
  return duration(x);
}

/** A run's length: "850 ms", "3.1 s", "70.8 s", "12 min 3 s", "1 h 5 min". */
export function duration(x: number): string {
  if (x < 1000) return `${Math.round(x)} ms`;
  if (x < 100_000) return `${(x / 1000).toFixed(1)} s`;
  const s = Math.round(x / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** A fraction as a percentage: 0 -> "0%", 0.00048 -> "0.048%", 0.05 -> "5.0%", 0.9995 -> "99.95%", 1 -> "100%". */
export function pct(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (p === 100) return '100%';
  const abs = Math.abs(p);
  if (abs < 0.001) return `${p < 0 ? '>-' : '<'}0.001%`;
  if (abs < 1) return `${num(p, 2)}%`;
  if (p > 99 && p < 100) {
    // Availability: enough decimals to tell it from 100%.
    const decimals = Math.min(4, Math.max(1, Math.ceil(-Math.log10(100 - p))));
    return `${p.toFixed(decimals)}%`;
  }
  return `${p.toFixed(1)}%`;
}

/** A difference of two rates in percentage points, signed: "+0.50 points", "-0.047 points". */
export function points(diff: number): string {
  if (!Number.isFinite(diff)) return diff > 0 ? '+∞ points' : '-∞ points';
  const p = diff * 100;
  return `${p < 0 ? '-' : '+'}${num(Math.abs(p), 2)} points`;
}

/** A ratio: "×1.05". */
export function ratio(x: number): string {
  return Number.isFinite(x) ? `×${num(x, 3)}` : '×∞';
}

/** A rate per second: "40/s", "2,000/s", "0.5/s". */
export function perSecond(x: number): string {
  return `${num(x, 3)}/s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${num(n / 1024, 3)} KB`;
  return `${num(n / 1024 / 1024, 3)} MB`;
}

export type Unit = 'ms' | 'count' | 'fraction' | 'ratio' | 'difference' | 'per-second' | 'percent-share';

/** A value in a unit: the one switch every table and label goes through. */
export function inUnit(x: number | null | undefined, unit: Unit): string {
  if (x === null || x === undefined) return '-';
  switch (unit) {
    case 'ms':
      return ms(x);
    case 'count':
      return count(x);
    case 'fraction':
      return pct(x);
    case 'ratio':
      return ratio(x);
    case 'difference':
      return points(x);
    case 'per-second':
      return perSecond(x);
    case 'percent-share':
      return `${num(x, 3)}%`;
  }
}

/** Seconds into a run as a clock: 5 -> "0:05", 754 -> "12:34", 3725 -> "1:02:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
