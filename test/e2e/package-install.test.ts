/**
 * Issue 14: revgate is a real package. `npm pack` of this project installs into an empty folder with no
 * network (the dependencies come from the local npm cache that `npm ci` filled) and runs from there:
 * `npx revgate --version`, `revgate smoke --sandbox` (the bundled example suite, Playwright running the
 * compiled config and declared-checks spec, since it compiles no TypeScript under node_modules) and
 * `revgate gate --sandbox` with a short budget. The schemas ship in the package.
 *
 * The tarball is packed with --ignore-scripts: `npm test` has just built dist/ (pretest), and the `prepack`
 * clean build would add a second full compile to the test's wall time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileDocumentSchema } from '../../src/config/schema-diagnostics.js';
import type { Verdict } from '../../src/verdict/types.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { junitSchemaErrors } from '../helpers/junit-xsd.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };

/** The environment a pipeline step would have: no CI variables, and none of the npm_* variables `npm test` sets for its scripts. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^npm_/i.test(k) || ['GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'TF_BUILD', 'REVGATE_TOKEN'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A hang guard, not a budget.
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A lockfile for the consumer folder: the tarball, plus this project's own locked production dependencies
 * (resolved URL and integrity, as `npm ci` cached them). With it `npm ci --offline` needs no registry
 * metadata, which `npm ci` never caches.
 */
function consumerLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const root = lock.packages[''] as Record<string, unknown>;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const spec = `file:${path.basename(tarball)}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where || entry.dev === true || entry.link === true) continue;
    const { devOptional: _devOptional, ...kept } = entry;
    packages[where] = kept;
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

const schemaCheck = (file: string) => compileDocumentSchema(JSON.parse(readFileSync(file, 'utf8')) as object);

describe(`the packed ${pkg.name} installed into an empty folder`, () => {
  const dir = tempDir({ after }, 'revgate-pack-');
  const app = path.join(dir, 'app');
  const installed = path.join(app, 'node_modules', ...pkg.name.split('/'));
  let packed: string[] = [];
  let tarball = '';
  let installNote = '';

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built by `npm test` (pretest) or `npm run build`');
    const p = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    assert.equal(p.code, 0, p.stderr);
    const info = (JSON.parse(p.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0] as {
      filename: string;
      files: Array<{ path: string }>;
    };
    packed = info.files.map((f) => f.path);
    mkdirSync(app);
    tarball = path.join(app, path.basename(info.filename));
    writeFileSync(tarball, readFileSync(path.join(dir, info.filename)));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ private: true, dependencies: { [pkg.name]: `file:${path.basename(tarball)}` } }));
    writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(consumerLock(tarball)));
    let i = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
    if (i.code !== 0) {
      // The cache lacks a tarball (a cache cleaned since `npm ci`): the registry is asked, for what is missing only.
      installNote = `npm ci --offline failed (${i.stderr.split('\n').find((l) => /ERR|error/.test(l)) ?? i.code}); fell back to --prefer-offline`;
      i = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
    }
    assert.equal(i.code, 0, `${installNote}\n${i.stdout}${i.stderr}`);
  });

  it('ships the build, the bin, the schemas and the examples; no sources, tests or source maps', (t) => {
    if (installNote) t.diagnostic(installNote);
    for (const f of [
      'bin/revgate.js',
      'assets/report/charts.js',
      'ci/revgate-step.sh',
      'dist/cli/main.js',
      'dist/smoke/playwright.config.js',
      'dist/smoke/declared.spec.js',
      'dist/smoke/pw-reporter.js',
      'schemas/config.schema.json',
      'schemas/verdict.schema.json',
      'schemas/canary-criteria.schema.json',
      'schemas/load-profile.schema.json',
      'schemas/tenants.schema.json',
      'examples/apex-backend.json',
      'load/criteria/apex-canary.json',
    ]) {
      assert.ok(packed.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(
      packed.filter((f) => /^(src|test|scripts|wip)\//.test(f) || f.endsWith('.map')),
      [],
    );
    // `$schema` can point into the install.
    assert.ok(existsSync(path.join(app, 'node_modules', '@revgate', 'cli', 'schemas', 'config.schema.json')));
  });

  it('npx revgate --version prints the packed version', async () => {
    const r = await run('npx', ['--no', '--', 'revgate', '--version'], app);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('resolves the fixtures hand-written specs import (@revgate/cli/fixtures) to the build', async () => {
    const r = await run(process.execPath, ['--input-type=module', '-e', `console.log(import.meta.resolve(${JSON.stringify(`${pkg.name}/fixtures`)}))`], app);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /node_modules\/@revgate\/cli\/dist\/smoke\/fixtures\.js/);
  });

  // Both runs at once: each is mostly waiting on its sandbox, and the file's wall time is what npm test pays.
  it('revgate smoke --sandbox and revgate gate --sandbox run from the install', async () => {
    const [smoke, gate] = await Promise.all([
      run('npx', ['--no', '--', 'revgate', 'smoke', '--sandbox', '--out', 'reports/smoke'], app),
      run('npx', ['--no', '--', 'revgate', 'gate', '--sandbox', '--max-duration', '3s', '--out', 'reports/gate'], app),
    ]);
    const verdictOk = schemaCheck(path.join(installed, 'schemas', 'verdict.schema.json'));
    const read = (out: string): Verdict => JSON.parse(readFileSync(path.join(app, out, 'verdict.json'), 'utf8')) as Verdict;

    // The bundled example suite: the APEX runbook's declared checks; its one latency budget (10 s) a busy machine does not reach.
    assert.equal(smoke.code, 0, smoke.stdout + smoke.stderr);
    assert.match(smoke.stderr, /running the bundled example suite .*examples\/apex-backend\.json/);
    const s = read('reports/smoke');
    assert.ok(verdictOk(s), JSON.stringify(verdictOk.errors));
    assert.equal(s.verdict, 'pass');
    assert.ok(s.checks.length >= 5 && s.checks.every((c) => c.status === 'passed' || c.status === 'skipped' || c.status === 'degraded'));
    for (const f of ['junit.xml', 'report.html', 'allure-results']) assert.ok(existsSync(path.join(app, 'reports/smoke', f)), f);
    // Declared checks only: they ran in revgate's process, and Playwright (whose report html/ is) never started.
    assert.equal(existsSync(path.join(app, 'reports/smoke', 'html')), false, 'no Playwright report for a suite without specs');
    assert.ok(existsSync(path.join(app, 'reports/gate/report.html')), 'the gate report (charts) builds from the installed package');

    // 3 s is far too little traffic for the runbook's criteria (~7,000 requests per revision): inconclusive, never pass.
    assert.equal(gate.code, 2, gate.stdout + gate.stderr);
    const g = read('reports/gate');
    assert.ok(verdictOk(g), JSON.stringify(verdictOk.errors));
    assert.equal(g.verdict, 'inconclusive');
    assert.ok((g.canary?.requests.canary ?? 0) > 0 && (g.canary?.requests.baseline ?? 0) > 0, 'traffic went to both revisions');
    const junit = (out: string): string => readFileSync(path.join(app, out, 'junit.xml'), 'utf8');
    assert.deepEqual(await junitSchemaErrors({ smoke: junit('reports/smoke'), gate: junit('reports/gate') }), []);
  });
});
