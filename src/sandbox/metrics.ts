/**
 * The revision's own Prometheus metrics: real counters and a latency histogram kept per
 * (method, route template, status), rendered in text exposition format 0.0.4.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds; the prometheus client defaults, which cover a fast health route and a slow upload alike. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface HistogramSeries {
  method: string;
  route: string;
  buckets: number[];
  sum: number;
  count: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

export class RevisionMetrics {
  private readonly requests = new Map<string, { method: string; route: string; status: string; value: number }>();
  private readonly durations = new Map<string, HistogramSeries>();

  constructor(
    private readonly info: { revision: string; version: string },
    private readonly startTimeSeconds: number,
  ) {}

  /** Unknown methods collapse into OTHER so a scanner cannot blow up label cardinality. */
  record(method: string, route: string, status: string, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
    const key = `${m} ${route} ${status}`;
    const counter = this.requests.get(key);
    if (counter) counter.value += 1;
    else this.requests.set(key, { method: m, route, status, value: 1 });

    const hKey = `${m} ${route}`;
    let series = this.durations.get(hKey);
    if (!series) {
      series = { method: m, route, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(hKey, series);
    }
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) series.buckets[i]! += 1;
    });
    series.sum += seconds;
    series.count += 1;
  }

  reset(): void {
    this.requests.clear();
    this.durations.clear();
  }

  render(): string {
    const lines: string[] = [];
    lines.push('# HELP http_requests_total Total HTTP requests served by this revision.');
    lines.push('# TYPE http_requests_total counter');
    for (const c of this.requests.values()) {
      lines.push(`http_requests_total${labels({ method: c.method, route: c.route, status: c.status })} ${c.value}`);
    }
    lines.push('# HELP http_request_duration_seconds HTTP request duration in seconds, fault delays included.');
    lines.push('# TYPE http_request_duration_seconds histogram');
    for (const s of this.durations.values()) {
      DURATION_BUCKETS.forEach((le, i) => {
        lines.push(`http_request_duration_seconds_bucket${labels({ method: s.method, route: s.route, le: String(le) })} ${s.buckets[i]}`);
      });
      lines.push(`http_request_duration_seconds_bucket${labels({ method: s.method, route: s.route, le: '+Inf' })} ${s.count}`);
      lines.push(`http_request_duration_seconds_sum${labels({ method: s.method, route: s.route })} ${formatNumber(s.sum)}`);
      lines.push(`http_request_duration_seconds_count${labels({ method: s.method, route: s.route })} ${s.count}`);
    }
    lines.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.');
    lines.push('# TYPE process_start_time_seconds gauge');
    lines.push(`process_start_time_seconds ${formatNumber(this.startTimeSeconds)}`);
    lines.push('# HELP sandbox_up Whether the sandbox revision is serving (always 1 while it answers).');
    lines.push('# TYPE sandbox_up gauge');
    lines.push(`sandbox_up${labels({ revision: this.info.revision, version: this.info.version })} 1`);
    return `${lines.join('\n')}\n`;
  }
}
