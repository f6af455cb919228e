/**
 * `--engine k6`: run the same profile with a local k6 binary (load/k6/profile.ts) and turn k6's
 * end-of-test summary into the same gates. k6 exits 99 when thresholds failed; that is a verdict,
 * not an error. Without k6 the message says how to install it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import { evaluateThreshold, type MetricView } from '../thresholds/evaluate-thresholds.js';
import { formatAggregation, type Threshold } from '../thresholds/threshold.js';
import type { GateResult } from '../verdict/types.js';
import type { K6MetricSummary } from './summary.js';

export const K6_SCRIPT = fileURLToPath(new URL('../../load/k6/profile.ts', import.meta.url));
export const K6_THRESHOLDS_FAILED = 99;

const INSTALL_HINT =
  'k6 was not found: install it (https://grafana.com/docs/k6/latest/set-up/install-k6/ - e.g. `brew install k6`, `winget install k6`, ' +
  'Debian/Ubuntu: the dl.k6.io apt repository, or a release binary from https://github.com/grafana/k6/releases; k6 v1.0+ runs TypeScript directly), ' +
  'put it on PATH or set K6_PATH, or use the embedded engine (--engine embedded, the default)';

/** K6_PATH, else the first `k6` on PATH. */
export function findK6(env: Record<string, string | undefined>): string | undefined {
  const candidates = env.K6_PATH
    ? [env.K6_PATH]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, process.platform === 'win32' ? 'k6.exe' : 'k6'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireK6(env: Record<string, string | undefined>): string {
  const k6 = findK6(env);
  if (!k6) throw new RevgateError(ErrorCodes.K6Missing, env.K6_PATH ? `K6_PATH=${env.K6_PATH} is not an executable file; ${INSTALL_HINT}` : INSTALL_HINT);
  return k6;
}

export interface K6Run {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  summary?: { metrics: Record<string, K6MetricSummary>; state?: { testRunDurationMs?: number } };
}

export function runK6(
  k6: string,
  args: {
    profile: string;
    baseUrl: string;
    summaryFile: string;
    env: Record<string, string | undefined>;
    onLine: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<K6Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      k6,
      [
        'run',
        '--no-color',
        '-e',
        `REVGATE_PROFILE=${path.resolve(args.profile)}`,
        '-e',
        `REVGATE_BASE_URL=${args.baseUrl}`,
        '-e',
        `REVGATE_SUMMARY=${args.summaryFile}`,
        K6_SCRIPT,
      ],
      {
        env: args.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const forward = (d: Buffer): void => d.toString().split('\n').filter(Boolean).forEach(args.onLine);
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    // k6 handles SIGINT itself: it stops, still runs handleSummary, and exits.
    args.signal?.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      let summary: K6Run['summary'];
      if (existsSync(args.summaryFile)) {
        try {
          summary = JSON.parse(readFileSync(args.summaryFile, 'utf8')) as K6Run['summary'];
        } catch {
          summary = undefined;
        }
      }
      resolve({ exitCode, signal, ...(summary ? { summary } : {}) });
    });
  });
}

/** A metric view over k6's summary values (trend stats are whatever summaryTrendStats produced). */
export function k6View(m: K6MetricSummary | undefined, requests: number): MetricView | undefined {
  if (!m) return undefined;
  const v = m.values;
  const samples = m.type === 'rate' ? (v.passes ?? 0) + (v.fails ?? 0) : m.type === 'counter' ? (v.count ?? 0) : m.type === 'gauge' ? 1 : requests;
  return { type: m.type, samples, ...(m.contains === 'time' ? { unit: 'ms' } : {}), get: (a) => v[formatAggregation(a)] };
}

/** Gates from k6's summary: k6's own pass/fail per threshold wins; the observed value comes from its values. */
export function gatesFromK6Summary(summary: NonNullable<K6Run['summary']>, thresholds: readonly Threshold[]): GateResult[] {
  const requests = summary.metrics.http_reqs?.values.count ?? 0;
  return thresholds.map((t) => {
    const m = summary.metrics[t.metricKey];
    const gate = evaluateThreshold(t, k6View(m, requests));
    const ok = m?.thresholds?.[t.expression]?.ok;
    if (ok === undefined || gate.status === 'error') return gate;
    const status = ok ? 'passed' : 'failed';
    return status === gate.status ? gate : { ...gate, status, reason: `${gate.reason} (k6 reported ${ok ? 'ok' : 'breached'})` };
  });
}
