/**
 * `revgate smoke` as an adapter of the command skeleton (src/run/command.ts): config -> token -> checks ->
 * verdict. A suite with hand-written specs runs in Playwright (declared checks + specs; Playwright writes its
 * HTML report, traces and Allure results); a suite of declared checks only runs them in revgate's process
 * (in-process.ts: same check code, no browser runner to start) and revgate writes report.html and Allure itself.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireToken } from '../azure/token.js';
import { expandSpecGlob, loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import type { Command, Resolved, RunContext } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { RevisionTarget } from '../run/targets.js';
import { decide } from '../verdict/decide.js';
import type { CheckResult, Verdict } from '../verdict/types.js';
import type { NetErrorKind } from '../evaluate/types.js';
import { describeNetError, targetOf } from '../evaluate/net-errors.js';
import { DEFAULT_TIMEOUT_MS } from '../http/prepare.js';
import { findChromium } from './browser.js';
import type { RawResults } from './raw-results.js';
import { smokeTimeline, toCheckResults } from './results.js';
import { buildRunContext, planChecks, RunEnv, runSecrets } from './run-context.js';
import { runDeclaredInProcess } from './in-process.js';
import { unreachable } from './reachability.js';
import { runPlaywright, type PlaywrightRun } from './runner.js';
import { readCaFile } from '../http/ca-file.js';

export interface SmokeOptions {
  config?: string;
  env?: string;
  baseUrl?: string;
  grep?: string;
  retries: number;
  workers?: number;
  /** The target is injected (--sandbox). */
  sandbox?: boolean;
  /** Extra CA (PEM) to trust for the target. */
  caFile?: string;
  allowDestructive?: boolean;
  verbose?: boolean;
}

/** Checks at a time when --workers is not given (Playwright's workers for a suite with specs). */
const DEFAULT_WORKERS = 2;

interface SmokeRun extends Resolved {
  resolved: ResolvedConfig;
  specs: string[];
  token?: string;
  revision?: string;
  caPems: string[];
}

interface Measured {
  raw?: RawResults;
  run?: PlaywrightRun;
  /** Declared checks only: they ran in revgate's process, and Playwright wrote no report. */
  inProcess?: boolean;
  /** The target could not be connected to at all: no check ran. */
  unreachable?: { kind: NetErrorKind; code?: string; message: string };
  startedAt: Date;
  finishedAt: Date;
}

const loadFor = (o: SmokeOptions, io: Io, baseUrl?: string, file?: string, env?: string): ResolvedConfig =>
  loadConfig({
    ...((file ?? o.config) ? { configPath: (file ?? o.config) as string } : {}),
    ...((env ?? o.env) ? { env: (env ?? o.env) as string } : {}),
    ...((baseUrl ?? o.baseUrl) ? { baseUrl: (baseUrl ?? o.baseUrl) as string } : {}),
    processEnv: io.env,
  });

export function smokeAdapter(o: SmokeOptions): Command<ResolvedConfig | undefined, RevisionTarget, SmokeRun, Measured> {
  return {
    interruptMessage: 'stopping the checks (cleanup still runs) and writing partial results',
    prepare: (problems: Problems, io: Io) => {
      if (o.sandbox && o.baseUrl !== undefined) problems.add('--base-url', 'use either --sandbox or --base-url, not both');
      const ca = o.caFile ? readCaFile(o.caFile) : undefined;
      if (ca && 'problem' in ca) problems.add('--ca-file', `--ca-file: ${ca.problem}`);
      const resolved = problems.capture(() => loadFor(o, io));
      if (!resolved) return undefined;
      const specs = (resolved.config.specs ?? []).flatMap((s) => expandSpecGlob(resolved.dir, s));
      if (specs.some((s) => /\.browser\.spec\./.test(s)) && !findChromium(io.env)) {
        throw new RevgateError(
          ErrorCodes.BrowserMissing,
          'this suite has browser specs but no Chromium was found: install it (Debian/Ubuntu: apt-get install -y chromium) or set REVGATE_CHROMIUM to its path',
        );
      }
      return resolved;
    },
    inputs: (prepared) => [prepared?.file ?? o.config, o.caFile, prepared?.target.caFile].filter((f): f is string => typeof f === 'string'),
    resolve: async (prepared, sandbox, io) => {
      let resolved = prepared as ResolvedConfig;
      // The sandbox's URL replaces the environment's, as --base-url would.
      if (sandbox) resolved = loadFor(o, io, sandbox.url, resolved.file, resolved.environment);
      // A sandbox brings its own token; a revision resolved through ARM takes the config's auth, as its URL would.
      const token = sandbox?.token ?? (await acquireToken(resolved.config.auth, { env: io.env }))?.token;
      const specs = (resolved.config.specs ?? []).flatMap((s) => expandSpecGlob(resolved.dir, s));
      const caPems = [
        sandbox?.caPem,
        o.caFile ? (readCaFile(o.caFile) as { pem: string }).pem : undefined,
        resolved.target.caFile ? readFileSync(resolved.target.caFile, 'utf8') : undefined,
      ].filter((p): p is string => Boolean(p));
      return {
        resolved,
        specs,
        ...(token ? { token } : {}),
        ...(sandbox ? { revision: sandbox.revision } : {}),
        caPems,
        secrets: runSecrets(resolved, token, io.env),
      };
    },
    measure: (run, ctx) => runSuite(o, run, ctx),
    verdict: (run, m, { interrupted }): Verdict => {
      if (m.unreachable) return unreachableVerdict(run, m, m.unreachable, o);
      const { raw } = m;
      // An interrupted run that had not collected its checks yet is an error (exit 4), not a usage problem.
      if (!interrupted && raw && raw.tests.length === 0 && raw.globalErrors.every((e) => /No tests found/i.test(e))) throw noChecks(o);
      let harnessError: string | undefined;
      if (!raw) harnessError = `the Playwright run ended (exit ${m.run?.exitCode ?? m.run?.signal}) without results`;
      else if (raw.globalErrors.length) harnessError = raw.globalErrors[0]?.split('\n')[0] ?? 'Playwright reported an error';
      if (!interrupted && raw && !harnessError && raw.tests.length === 0) throw noChecks(o);
      const { resolved } = run;
      return decide({
        kind: 'smoke',
        target: {
          baseUrl: resolved.target.baseUrl,
          environment: resolved.environment,
          service: resolved.config.service.name,
          ...(run.revision ? { revision: run.revision } : {}),
        },
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        checks: toCheckResults(raw?.tests ?? []),
        gates: [],
        ...(resolved.config.policy ? { policy: resolved.config.policy } : {}),
        partial: interrupted || raw?.status === 'interrupted' || (m.run?.signal ?? null) !== null,
        ...(harnessError ? { harnessError } : {}),
        version: VERSION,
      });
    },
    // Without a Playwright run (unreachable target, declared checks only) revgate writes its own Allure results; report.html is always revgate's.
    publish: (_run, m) =>
      m.unreachable || m.inProcess
        ? { verbose: o.verbose ?? false, ...(m.raw ? { report: { smoke: smokeTimeline(m.raw) } } : {}) }
        : {
            playwrightReports: true,
            artifacts: { playwright: 'html/index.html', allure: 'allure-results/' },
            verbose: o.verbose ?? false,
            ...(m.raw ? { report: { smoke: smokeTimeline(m.raw) } } : {}),
          },
  };
}

function noChecks(o: SmokeOptions): RevgateError {
  return new RevgateError(ErrorCodes.NoChecksSelected, o.grep ? `no check matches --grep ${JSON.stringify(o.grep)}` : 'no checks to run');
}

async function runSuite(o: SmokeOptions, run: SmokeRun, ctx: RunContext): Promise<Measured> {
  const { io, redactor } = ctx;
  const { resolved, specs } = run;
  const startedAt = new Date();
  const runId = `${startedAt
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const down = await unreachable(resolved.target.baseUrl, resolved.config.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (down) {
    io.err(`revgate: ${resolved.target.baseUrl} cannot be reached (${down.code ?? down.kind}): every check fails without running\n`);
    return { unreachable: down, startedAt, finishedAt: new Date() };
  }
  if (!specs.length) {
    io.err(`revgate: smoke ${resolved.config.service.name} [${resolved.environment}] -> ${resolved.target.baseUrl}\n`);
    const raw = await runDeclaredInProcess({
      // The skeleton's redactor: the one that masks the console and scrubs OUT also masks every check's messages.
      ctx: {
        ...buildRunContext({ resolved, runId, ...(run.token ? { token: run.token } : {}), env: io.env, allowDestructive: o.allowDestructive ?? false }),
        redactor,
      },
      io,
      signal: ctx.signal,
      workers: o.workers ?? DEFAULT_WORKERS,
      retries: o.retries,
      ...(o.grep ? { grep: o.grep } : {}),
      caPems: run.caPems,
    });
    return { raw, inProcess: true, startedAt, finishedAt: new Date() };
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'revgate-'));
  try {
    const resultsFile = path.join(tmp, 'results.json');
    const childEnv: Record<string, string | undefined> = {
      ...io.env,
      [RunEnv.config]: resolved.file,
      [RunEnv.env]: resolved.environment,
      [RunEnv.baseUrl]: resolved.target.baseUrl,
      [RunEnv.runId]: runId,
      [RunEnv.out]: ctx.out,
      [RunEnv.results]: resultsFile,
      [RunEnv.token]: run.token,
      [RunEnv.retries]: String(o.retries),
      [RunEnv.specs]: JSON.stringify(specs),
      REVGATE_SPECS_ROOT: commonDir(specs.length ? specs : [resolved.dir]),
      ...(o.workers ? { [RunEnv.workers]: String(o.workers) } : {}),
      ...(o.allowDestructive ? { [RunEnv.allowDestructive]: '1' } : {}),
      FORCE_COLOR: '0',
    };
    if (run.caPems.length)
      childEnv.NODE_EXTRA_CA_CERTS = writeCaBundle(tmp, [
        io.env.NODE_EXTRA_CA_CERTS ? readFileSync(io.env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined,
        ...run.caPems,
      ]);

    io.err(`revgate: smoke ${resolved.config.service.name} [${resolved.environment}] -> ${resolved.target.baseUrl}\n`);
    const mask = (s: string): string => redactor.mask(s);
    const pw = await runPlaywright({
      env: childEnv,
      ...(o.grep ? { grep: o.grep } : {}),
      mask,
      signal: ctx.signal,
      onLine: (line, stream) => (stream === 'stdout' ? io.out : io.err)(`${line}\n`),
    });
    return { ...readResults(resultsFile), run: pw, startedAt, finishedAt: new Date() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readResults(file: string): { raw?: RawResults } {
  try {
    return { raw: JSON.parse(readFileSync(file, 'utf8')) as RawResults };
  } catch {
    return {};
  }
}

function writeCaBundle(dir: string, pems: Array<string | undefined>): string {
  const file = path.join(dir, 'ca-bundle.pem');
  writeFileSync(file, pems.filter(Boolean).join('\n'));
  return file;
}

function commonDir(files: string[]): string {
  const parts = files.map((f) => path.dirname(path.resolve(f)).split(path.sep));
  const first = parts[0] ?? [];
  let i = 0;
  while (i < first.length && parts.every((p) => p[i] === first[i])) i++;
  return first.slice(0, i).join(path.sep) || path.sep;
}

/** Every check that would have run fails with the one connect error; each spec file counts as one check. */
function unreachableVerdict(run: SmokeRun, m: Measured, down: NonNullable<Measured['unreachable']>, o: SmokeOptions): Verdict {
  const { resolved } = run;
  const reason = describeNetError(down, targetOf(resolved.target.baseUrl), 0);
  const grep = o.grep ? new RegExp(o.grep) : undefined;
  const checks: CheckResult[] = [
    ...planChecks(resolved, o.allowDestructive ?? false)
      .filter((p) => !grep || grep.test(`[${p.check.id}] ${p.check.title ?? ''}`))
      .map(({ check, skip }): CheckResult => ({
        id: check.id,
        title: check.title ?? check.id,
        status: skip ? 'skipped' : 'failed',
        blocking: check.blocking !== false,
        durationMs: 0,
        attempts: skip ? 0 : 1,
        error: { message: skip ?? reason, ...(skip ? {} : { kind: down.kind }) },
      })),
    ...(grep
      ? []
      : run.specs.map((file): CheckResult => ({
          id: `spec:${path.basename(file)}`,
          title: `hand-written spec ${path.relative(resolved.dir, file)} (not run)`,
          status: 'failed',
          blocking: true,
          durationMs: 0,
          attempts: 1,
          error: { message: reason, kind: down.kind },
        }))),
  ];
  if (!checks.length) throw noChecks(o);
  return decide({
    kind: 'smoke',
    target: { baseUrl: resolved.target.baseUrl, environment: resolved.environment, service: resolved.config.service.name },
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    checks,
    gates: [],
    version: VERSION,
  });
}
