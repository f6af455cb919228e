/** Unauthenticated routes: health probes, metrics, the status page, the wine-quality model, the tenant probe. */
import type { Route } from './router.js';
import type { RevisionMetrics } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { statusPage } from './pages.js';
import { parseJson, readBody, sendJson, sendText } from './http-util.js';
import type { ValidationItem } from './store.js';
import { SAMPLE_WINE } from '../traffic/sample-wine.js';

export interface PublicDeps {
  revision: string;
  version: string;
  metrics: RevisionMetrics;
  now: () => Date;
}

/** The 11 physicochemical inputs of the wine-quality model (seed 003), in model order. */
export { SAMPLE_WINE };

export const WINE_FEATURES = [
  'fixed_acidity',
  'volatile_acidity',
  'citric_acid',
  'residual_sugar',
  'chlorides',
  'free_sulfur_dioxide',
  'total_sulfur_dioxide',
  'density',
  'ph',
  'sulphates',
  'alcohol',
] as const;

/** Least-squares coefficients for red wine (Cortez et al. 2009 data), so scores land where a real model's do. */
const INTERCEPT = 21.965;
const COEFFICIENTS = [0.02499, -1.0836, -0.1826, 0.01633, -1.874, 0.004361, -0.003265, -17.88, -0.4137, 0.9163, 0.2762];

/** Deterministic prediction: same inputs, same answer, on every revision with the same version. */
export function predictQuality(features: readonly number[]): { quality: number; confidence: number } {
  const raw = features.reduce((sum, x, i) => sum + x * (COEFFICIENTS[i] ?? 0), INTERCEPT);
  const quality = Math.round(Math.min(10, Math.max(0, raw)) * 100) / 100;
  // Most confident near a whole score, least half-way between two.
  const distance = Math.abs(quality - Math.round(quality));
  const confidence = Math.round((0.95 - distance * 0.8) * 1000) / 1000;
  return { quality, confidence };
}

export function validatePrediction(body: unknown): { features: number[] } | { errors: ValidationItem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: [{ loc: ['body'], msg: 'Input should be a valid dictionary or object', type: 'model_attributes_type' }] };
  }
  const record = body as Record<string, unknown>;
  const errors: ValidationItem[] = [];
  const features: number[] = [];
  for (const name of WINE_FEATURES) {
    const value = record[name];
    if (value === undefined || value === null) errors.push({ loc: ['body', name], msg: 'Field required', type: 'missing' });
    else if (typeof value !== 'number' || !Number.isFinite(value))
      errors.push({ loc: ['body', name], msg: 'Input should be a valid number', type: 'float_type' });
    else if (value < 0) errors.push({ loc: ['body', name], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' });
    else features.push(value);
  }
  return errors.length > 0 ? { errors } : { features };
}

export function publicRoutes(deps: PublicDeps): Route[] {
  const timestamp = (): string => deps.now().toISOString();
  const modelVersion = `wine-linear-${deps.version}`;
  return [
    {
      method: 'GET',
      paths: ['/'],
      body: 'html',
      handle: ({ res }) => sendText(res, 200, 'text/html; charset=utf-8', statusPage(deps.revision, deps.version)),
    },
    {
      method: 'GET',
      paths: ['/health'],
      handle: ({ res }) => sendJson(res, 200, { status: 'healthy', version: deps.version, revision: deps.revision, timestamp: timestamp() }),
    },
    { method: 'GET', paths: ['/health/live'], handle: ({ res }) => sendJson(res, 200, { status: 'alive', timestamp: timestamp() }) },
    {
      method: 'GET',
      paths: ['/health/ready'],
      handle: ({ res }) =>
        sendJson(res, 200, {
          status: 'ready',
          ready: true,
          checks: { database: 'healthy', blob_storage: 'healthy', redis: 'healthy' },
          timestamp: timestamp(),
        }),
    },
    {
      method: 'GET',
      paths: ['/health/db'],
      // A stable small latency keeps the value plausible without making responses random.
      handle: ({ res }) => sendJson(res, 200, { status: 'healthy', database: 'connected', latency_ms: 3 }),
    },
    { method: 'GET', paths: ['/health/redis'], handle: ({ res }) => sendJson(res, 200, { status: 'healthy', redis: 'connected' }) },
    {
      method: 'GET',
      paths: ['/metrics'],
      body: 'metrics',
      handle: ({ res }) => sendText(res, 200, PROMETHEUS_CONTENT_TYPE, deps.metrics.render()),
    },
    {
      method: 'GET',
      paths: ['/api/v1/prediction/health'],
      handle: ({ res }) => sendJson(res, 200, { status: 'healthy', model_loaded: true, model_version: modelVersion }),
    },
    {
      method: 'POST',
      paths: ['/api/v1/prediction/predict'],
      handle: async ({ req, res }) => {
        const parsed = parseJson(await readBody(req));
        if (!parsed.ok) {
          sendJson(res, 422, { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
          return;
        }
        const checked = validatePrediction(parsed.value);
        if ('errors' in checked) {
          sendJson(res, 422, { detail: checked.errors });
          return;
        }
        sendJson(res, 200, { ...predictQuality(checked.features), model_version: modelVersion });
      },
    },
    {
      method: 'GET',
      paths: ['/tenant/health'],
      handle: ({ req, res }) => {
        const header = req.headers['x-tenant-id'];
        const tenantId = (Array.isArray(header) ? header[0] : header)?.trim();
        if (!tenantId) {
          sendJson(res, 400, { detail: 'X-Tenant-ID header required' });
          return;
        }
        sendJson(res, 200, { status: 'healthy', tenantId, revision: deps.revision, timestamp: timestamp() });
      },
    },
  ];
}
