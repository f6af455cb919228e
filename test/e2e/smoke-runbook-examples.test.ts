/**
 * Issue 12: every example asserts what its runbook states, no more (the APEX one: smoke-apex-runbook.test.ts).
 * Each service below is written from its runbook alone: the endpoints its commands call and nothing else, with
 * bodies the runbook does not specify shaped differently from the sandbox's, so the example's non-blocking extras
 * may fail without holding the release. Each failure the runbook names fails the example, naming its check.
 */
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeRunbookExample, type RunbookService } from '../helpers/runbook.js';

/** Production Operations Guide (seed 004), Health Check Endpoints table. */
type OpsFault = 'db' | 'redis' | 'ready' | 'metrics' | 'slow';
const operationsGuide: RunbookService<OpsFault> =
  (f) =>
  async ({ url, json, text }) => {
    switch (url.pathname) {
      case '/health':
        if (f.has('slow')) await sleep(1_500); // "Issue: High Response Times": over 1 s
        return json(200, { status: 'healthy' });
      case '/health/db':
        return f.has('db') ? json(503, { database: 'disconnected' }) : json(200, { database: 'connected' });
      case '/health/redis':
        return json(200, { redis: f.has('redis') ? 'disconnected' : 'connected' });
      case '/health/ready':
        return f.has('ready') ? json(503, { ready: false }) : json(200, { ready: true });
      case '/metrics':
        return f.has('metrics') ? json(200, { requests: 1 }) : text(200, 'requests 1\n');
      default:
        return json(404, { detail: 'not found' });
    }
  };

/** Wine Quality Operations Runbook (seed 003), Health Check Procedures: backend health and the predict call. */
type WineFault = 'backend-down' | 'errors';
const wineQuality: RunbookService<WineFault> =
  (f) =>
  ({ req, url, json, text }) => {
    if (url.pathname === '/api/v1/prediction/health') return f.has('backend-down') ? text(503, 'Service Unavailable') : json(200, { status: 'ok' });
    if (url.pathname === '/api/v1/prediction/predict' && req.method === 'POST') {
      return f.has('errors') ? json(500, { detail: 'Internal Server Error' }) : json(200, { prediction: 5 });
    }
    return json(404, { detail: 'Not Found' });
  };

/** xshopai Operations Runbook (seed 001), Health Check Dashboard: curl -s /health | jq. */
type XshopFault = 'not-starting';
const xshopai: RunbookService<XshopFault> =
  (f) =>
  ({ url, json, text }) => {
    if (url.pathname === '/health')
      return f.has('not-starting')
        ? text(503, '<html><body>Service Unavailable</body></html>', 'text/html')
        : json(200, { service: 'user-service', status: 'ok' });
    return json(404, { error: 'not found' });
  };

/** Stamps AI-Driven Operations Guide (seed 000): tenant health through APIM, and the green revision's /health. */
type StampsFault = 'tenant-down' | 'green-down' | 'tenant-slow';
const KEY = 'runbook-subscription-key-0123456789';
const stamps: RunbookService<StampsFault> =
  (f) =>
  async ({ req, url, json }) => {
    if (url.pathname === '/health') return f.has('green-down') ? json(503, { status: 'unhealthy' }) : json(200, { status: 'ok' });
    if (url.pathname === '/tenant/health') {
      if (req.headers['ocp-apim-subscription-key'] !== KEY || !req.headers['x-tenant-id'])
        return json(401, { statusCode: 401, message: 'Access denied due to missing subscription key.' });
      if (f.has('tenant-slow')) await sleep(1_500); // CELL-Level KPIs: tenantLatency alert > 500 ms
      return f.has('tenant-down') ? json(503, { status: 'unhealthy' }) : json(200, { ok: true });
    }
    return json(404, { statusCode: 404, message: 'Resource not found' });
  };

describe('examples against services built from their runbooks alone', { concurrency: true }, () => {
  describeRunbookExample<OpsFault>({
    example: 'operations-guide',
    runbook: 'the Production Operations Guide (seed 004)',
    service: operationsGuide,
    blocking: ['health', 'health-db', 'health-redis', 'health-ready', 'metrics'],
    failures: [
      {
        // As shipped (its latency budgets judged): every row of the table broken at once, /health by being slow.
        faults: ['slow', 'db', 'redis', 'ready', 'metrics'],
        asShipped: true,
        fails: [
          ['health', /above the 1000 ms limit/],
          ['health-db', /got 503/],
          ['health-redis', /redis.*"disconnected"/],
          ['health-ready', /got 503/],
          ['metrics', /text\/plain/],
        ],
      },
    ],
  });

  describeRunbookExample<WineFault>({
    example: 'wine-quality',
    runbook: 'the Wine Quality Operations Runbook (seed 003)',
    service: wineQuality,
    blocking: ['prediction-health', 'predict'],
    failures: [
      {
        faults: ['backend-down', 'errors'],
        fails: [
          ['prediction-health', /got 503/],
          ['predict', /got 500/],
        ],
      },
    ],
  });

  describeRunbookExample<XshopFault>({
    example: 'xshopai-user-service',
    runbook: 'the xshopai Operations Runbook (seed 001)',
    service: xshopai,
    blocking: ['health'],
    failures: [{ faults: ['not-starting'], fails: [['health', /got 503/]] }],
  });

  describeRunbookExample<StampsFault>({
    example: 'stamps-tenant-api',
    runbook: 'the Stamps AI-Driven Operations Guide (seed 000)',
    service: stamps,
    env: { APIM_SUBSCRIPTION_KEY: KEY },
    blocking: ['tenant-health', 'green-health'],
    failures: [
      {
        faults: ['tenant-down', 'green-down'],
        fails: [
          ['tenant-health', /got 503/],
          ['green-health', /got 503/],
        ],
      },
      { faults: ['tenant-slow'], asShipped: true, fails: [['tenant-health', /above the 500 ms limit/]] },
    ],
  });
});
