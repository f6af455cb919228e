/**
 * A real-browser check (Chromium): the status page renders and reports the revision healthy.
 * Browser specs are named *.browser.spec.ts and run in the `browser` project.
 */
import { expect, test } from '../fixtures/test.js';

test('status page shows the revision as healthy', { tag: '@ui' }, async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle(/revgate sandbox/i);
  await expect(page.locator('#status')).toHaveText(/healthy/i, { timeout: 10_000 });
});
