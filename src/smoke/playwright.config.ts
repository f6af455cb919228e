/**
 * Playwright configuration used by `revgate smoke`. Everything run-specific arrives in REVGATE_* env
 * vars set by the CLI (see src/smoke/run-context.ts); running `playwright test` directly is not supported.
 *
 * It lives in src/ and is compiled with the rest: Playwright does not compile TypeScript under node_modules,
 * so an installed revgate runs this file, the declared-checks spec and the reporter as the JavaScript in dist/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './browser.js';
import { MIN_TEST_TIMEOUT_MS } from './budget.js';

const here = fileURLToPath(import.meta.url);
const dir = path.dirname(here);
// '.ts' when Playwright runs the sources (development), '.js' when it runs the build (an installed package).
const ext = path.extname(here);
const root = path.resolve(dir, '..', '..');
const out = path.resolve(process.env.REVGATE_OUT ?? path.join(root, 'reports', 'smoke'));
const specs: string[] = JSON.parse(process.env.REVGATE_SPECS ?? '[]');
// Hand-written specs live next to the user's config; discovery is bounded to their common folder.
const specsRoot = process.env.REVGATE_SPECS_ROOT ?? root;
const isBrowserSpec = (f: string): boolean => /\.browser\.spec\.[cm]?[jt]s$/.test(f);
const apiSpecs = specs.filter((f) => !isBrowserSpec(f));
const browserSpecs = specs.filter(isBrowserSpec);
const chromium = findChromium();

const projects: NonNullable<PlaywrightTestConfig['projects']> = [{ name: 'declared', testDir: dir, testMatch: /declared\.spec\.[jt]s$/ }];
if (apiSpecs.length) projects.push({ name: 'specs', testDir: specsRoot, testMatch: apiSpecs });
if (browserSpecs.length) {
  projects.push({
    name: 'browser',
    testDir: specsRoot,
    testMatch: browserSpecs,
    use: {
      browserName: 'chromium',
      headless: true,
      launchOptions: { ...(chromium ? { executablePath: chromium } : {}), args: chromiumArgs(process.getuid?.() === 0) },
    },
  });
}

export default defineConfig({
  projects,
  fullyParallel: true,
  forbidOnly: true,
  retries: Number(process.env.REVGATE_RETRIES ?? 0),
  workers: Number(process.env.REVGATE_WORKERS ?? 2),
  // Hand-written specs; each declared check raises its own test's timeout to its request budgets (declared.spec.ts).
  timeout: MIN_TEST_TIMEOUT_MS,
  outputDir: path.join(out, 'test-results'),
  reporter: [
    [path.join(dir, `pw-reporter${ext}`)],
    ['html', { outputFolder: path.join(out, 'html'), open: 'never' }],
    ['allure-playwright', { resultsDir: path.join(out, 'allure-results'), detail: true, suiteTitle: true }],
  ],
  use: {
    trace: 'retain-on-failure',
    ignoreHTTPSErrors: false,
  },
});
