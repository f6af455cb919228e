import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevisionMetrics, DURATION_BUCKETS } from '../../src/sandbox/metrics.js';
import { Router, type Route } from '../../src/sandbox/router.js';
import { predictQuality, SAMPLE_WINE, validatePrediction, WINE_FEATURES } from '../../src/sandbox/routes-public.js';
import { RevisionStore, validateNewProject } from '../../src/sandbox/store.js';

test('metrics keep a counter per (method, route, status) and a histogram per (method, route)', () => {
  const m = new RevisionMetrics({ revision: 'r"1', version: '1.0.0' }, 1_700_000_000.5);
  m.record('GET', '/health', '200', 0.003);
  m.record('GET', '/health', '200', 0.2);
  m.record('GET', '/health', '503', 0.001);
  m.record('BREW', '/health', '404', 0.001);
  const text = m.render();
  assert.ok(text.endsWith('\n'));
  assert.match(text, /^http_requests_total\{method="GET",route="\/health",status="200"\} 2$/m);
  assert.match(text, /^http_requests_total\{method="GET",route="\/health",status="503"\} 1$/m);
  assert.match(text, /^http_requests_total\{method="OTHER",route="\/health",status="404"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{method="GET",route="\/health",le="0.005"\} 2$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{method="GET",route="\/health",le="0.25"\} 3$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{method="GET",route="\/health",le="\+Inf"\} 3$/m);
  assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/health"\} 3$/m);
  assert.match(text, /^http_request_duration_seconds_sum\{method="GET",route="\/health"\} 0.204$/m);
  assert.match(text, /^process_start_time_seconds 1700000000.5$/m);
  // Label values are escaped.
  assert.match(text, /^sandbox_up\{revision="r\\"1",version="1.0.0"\} 1$/m);
  assert.equal(text.match(/le="/g)?.length, (DURATION_BUCKETS.length + 1) * 2);
});

test('router matches templates, aliases, params, HEAD, and tells 404 from 405', () => {
  const noop = (): void => undefined;
  const routes: Route[] = [
    { method: 'GET', paths: ['/api/items/', '/api/items'], handle: noop },
    { method: 'GET', paths: ['/api/items/:id'], handle: noop },
    { method: 'DELETE', paths: ['/api/items/:id'], handle: noop },
  ];
  const router = new Router(routes);
  const list = router.match('GET', '/api/items');
  assert.equal(list.kind, 'found');
  assert.equal(list.kind === 'found' && list.template, '/api/items/');
  const one = router.match('HEAD', '/api/items/a%20b');
  assert.ok(one.kind === 'found');
  assert.equal(one.template, '/api/items/:id');
  assert.deepEqual(one.params, { id: 'a b' });
  const wrong = router.match('POST', '/api/items/x');
  assert.deepEqual(wrong, { kind: 'method-not-allowed', template: '/api/items/:id', allow: ['GET', 'HEAD', 'DELETE'] });
  assert.deepEqual(router.match('GET', '/api/items/x/y'), { kind: 'not-found' });
  assert.deepEqual(router.match('GET', '/api/itemsX'), { kind: 'not-found' });
});

test('wine model is deterministic, bounded, and validates every feature', () => {
  const checked = validatePrediction(SAMPLE_WINE);
  assert.ok('features' in checked);
  const a = predictQuality(checked.features);
  assert.deepEqual(a, predictQuality(checked.features));
  assert.ok(a.quality > 4.5 && a.quality < 5.5, `seed wine scores about 5, got ${a.quality}`);
  assert.ok(a.confidence > 0 && a.confidence <= 1);
  const better = predictQuality(WINE_FEATURES.map((f) => (f === 'alcohol' ? 14 : SAMPLE_WINE[f])));
  assert.ok(better.quality > a.quality, 'more alcohol scores higher, as in the data');
  // Inputs far outside the data push the linear model past the 0-10 scale: clamped to its ends, never beyond.
  assert.equal(predictQuality(WINE_FEATURES.map(() => 1000)).quality, 0);
  assert.equal(predictQuality(WINE_FEATURES.map((f) => (f === 'alcohol' ? 1000 : SAMPLE_WINE[f]))).quality, 10);

  const bad = validatePrediction({ ...SAMPLE_WINE, ph: '3.5', alcohol: undefined, density: -1 });
  assert.ok('errors' in bad);
  assert.deepEqual(
    bad.errors.map((e) => [e.loc.join('.'), e.type]),
    [
      ['body.density', 'greater_than_equal'],
      ['body.ph', 'float_type'],
      ['body.alcohol', 'missing'],
    ],
  );
  assert.ok('errors' in validatePrediction([1, 2]));
});

test('project validation lists every problem; the store soft-deletes and enforces unique active numbers', () => {
  const bad = validateNewProject({ project_number: '', voltage_level: '345', line_miles: -1 });
  assert.ok('errors' in bad);
  assert.deepEqual(
    bad.errors.map((e) => e.loc[1]),
    ['project_number', 'project_name', 'voltage_level', 'line_miles', 'terrain_type'],
  );
  const good = validateNewProject({ project_number: 'P-1', project_name: 'Line', voltage_level: 345, line_miles: 25.5, terrain_type: 'flat' });
  assert.ok('project' in good);

  let t = Date.parse('2025-01-01T00:00:00Z');
  const store = new RevisionStore(() => new Date((t += 1000)));
  const p = store.createProject(good.project);
  assert.ok(p);
  assert.equal(store.createProject(good.project), undefined, 'duplicate active number');
  assert.equal(store.archiveProject(p.id), true);
  assert.equal(store.getProject(p.id)?.status, 'ARCHIVED');
  assert.notEqual(store.getProject(p.id)?.updated_at, p.created_at);
  assert.deepEqual(store.counts(), { projects: { active: 0, archived: 1 }, documents: 0 });
  assert.ok(store.createProject(good.project), 'number is free again once archived');
  const doc = store.addDocument({
    project_id: p.id,
    document_type: 'scope',
    filename: '../../etc/passwd x.pdf',
    content_type: 'application/pdf',
    size: 3,
    sha256: 'x',
  });
  assert.equal(doc.blob_path, `projects/${p.id}/${doc.id}/.._.._etc_passwd_x.pdf`);
  store.clear();
  assert.deepEqual(store.counts(), { projects: { active: 0, archived: 0 }, documents: 0 });
});
