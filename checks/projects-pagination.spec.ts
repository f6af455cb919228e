/**
 * A hand-written spec next to the declared checks: pagination needs several projects, assertions
 * across pages, and cleanup of everything it created (the `cleanup` fixture runs even on failure).
 */
import { expect, test } from '../fixtures/test.js';

test('projects API paginates with page and page_size', { tag: '@api' }, async ({ request, authHeaders, cleanup, target }) => {
  test.skip(target.production, 'creates projects; not run against production');

  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  for (let i = 0; i < 3; i++) {
    const res = await request.post('/api/v1/projects/', {
      headers: authHeaders,
      data: { project_number: `SMOKE-PAGE-${stamp}-${i}`, project_name: `Pagination ${i}`, voltage_level: 69, line_miles: 1 + i, terrain_type: 'flat' },
    });
    expect(res.status(), await res.text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    cleanup.register(`delete project ${id}`, async () => {
      const del = await request.delete(`/api/v1/projects/${id}`, { headers: authHeaders });
      if (![200, 204, 404].includes(del.status())) throw new Error(`DELETE /api/v1/projects/${id} answered ${del.status()}`);
    });
  }

  const first = await request.get('/api/v1/projects/', { headers: authHeaders, params: { page: 1, page_size: 2 } });
  expect(first.status()).toBe(200);
  const page1 = (await first.json()) as { items: unknown[]; total: number; has_next: boolean; has_prev: boolean };
  expect(page1.items).toHaveLength(2);
  expect(page1.total).toBeGreaterThanOrEqual(3);
  expect(page1.has_next).toBe(true);
  expect(page1.has_prev).toBe(false);

  const second = await request.get('/api/v1/projects/', { headers: authHeaders, params: { page: 2, page_size: 2 } });
  const page2 = (await second.json()) as { items: unknown[]; has_prev: boolean };
  expect(page2.items.length).toBeGreaterThanOrEqual(1);
  expect(page2.has_prev).toBe(true);
});
