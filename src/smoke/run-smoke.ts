import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireToken } from '../azure/token.js';
import { expandSpecGlob, loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import { prepareOutputDir } from '../report/output-dir.js';
import { publishVerdict } from '../report/publish.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { decide } from '../verdict/decide.js';
import { findChromium } from './browser.js';
import type { RawResults } from './raw-results.js';
import { toCheckResults } from './results.js';
import { buildRedactor, RunEnv } from './run-context.js';
import { runPlaywright } from './runner.js';

export interface SmokeOptions {
  config?: string;
  env?: string;
  baseUrl?: string;
  grep?: string;
  out: string;
  retries: number;
  workers?: number;
  /** Start a local sandbox and test it instead of --base-url. */
  sandbox?: boolean;
  faults?: string[];
  sandboxTls?: boolean;
  /** Extra CA (PEM) to trust for the target. */
  caFile?: string;
  allowDestructive?: boolean;
  verbose?: boolean;
}

export type { Io };

/** `revgate smoke`: config -> (sandbox) -> token -> Playwright -> verdict -> reports. Returns the exit code. */
export async function runSmoke(opts: SmokeOptions, io: Io): Promise<number> {
  if (opts.sandbox && opts.baseUrl) throw new RevgateError(ErrorCodes.Usage, 'use either --sandbox or --base-url, not both');
  if (!opts.sandbox && (opts.faults?.length || opts.sandboxTls))
    throw new RevgateError(ErrorCodes.Usage, '--fault and --sandbox-tls only apply with --sandbox');

  // Validate everything the user gave us before starting anything.
  let resolved = loadConfig({
    ...(opts.config ? { configPath: opts.config } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    processEnv: io.env,
  });
  const specs = (resolved.config.specs ?? []).flatMap((s) => expandSpecGlob(resolved.dir, s));
  if (specs.some((s) => /\.browser\.spec\./.test(s)) && !findChromium(io.env)) {
    throw new RevgateError(
      ErrorCodes.BrowserMissing,
      'this suite has browser specs but no Chromium was found: install it (Debian/Ubuntu: apt-get install -y chromium) or set REVGATE_CHROMIUM to its path',
    );
  }
  if (opts.caFile && !existsSync(opts.caFile)) throw new RevgateError(ErrorCodes.Usage, `--ca-file not found: ${opts.caFile}`);

  const startedAt = new Date();
  const runId = `${startedAt
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'revgate-'));
  let sandbox: RunningSandbox | undefined;
  try {
    if (opts.sandbox) {
      sandbox = await startSandbox({ faults: opts.faults ?? [], ...(opts.sandboxTls ? { tls: true } : {}) });
      resolved = loadConfig({ configPath: resolved.file, env: resolved.environment, baseUrl: sandbox.url, processEnv: io.env });
      io.err(`revgate: sandbox ${sandbox.revision} at ${sandbox.url}${opts.faults?.length ? ` with faults: ${opts.faults.join(' ')}` : ''}\n`);
    }
    const token = sandbox ? sandbox.token : (await acquireToken(resolved.config.auth, { env: io.env }))?.token;
    const redactor = buildRedactor(resolved, token, io.env);
    const mask = (s: string): string => redactor.mask(s);

    const out = path.resolve(opts.out);
    prepareOutputDir(out);
    const resultsFile = path.join(tmp, 'results.json');
    const childEnv: Record<string, string | undefined> = {
      ...io.env,
      [RunEnv.config]: resolved.file,
      [RunEnv.env]: resolved.environment,
      [RunEnv.baseUrl]: resolved.target.baseUrl,
      [RunEnv.runId]: runId,
      [RunEnv.out]: out,
      [RunEnv.results]: resultsFile,
      [RunEnv.token]: token,
      [RunEnv.retries]: String(opts.retries),
      [RunEnv.specs]: JSON.stringify(specs),
      REVGATE_SPECS_ROOT: commonDir(specs.length ? specs : [resolved.dir]),
      ...(opts.workers ? { [RunEnv.workers]: String(opts.workers) } : {}),
      ...(opts.allowDestructive ? { [RunEnv.allowDestructive]: '1' } : {}),
      FORCE_COLOR: '0',
    };
    const extraCa = [
      sandbox?.caPem,
      opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined,
      resolved.target.caFile ? readFileSync(resolved.target.caFile, 'utf8') : undefined,
    ];
    if (extraCa.some(Boolean))
      childEnv.NODE_EXTRA_CA_CERTS = writeCaBundle(tmp, [
        io.env.NODE_EXTRA_CA_CERTS ? readFileSync(io.env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined,
        ...extraCa,
      ]);

    io.err(`revgate: smoke ${resolved.config.service.name} [${resolved.environment}] -> ${resolved.target.baseUrl}\n`);
    const run = await runPlaywright({
      env: childEnv,
      ...(opts.grep ? { grep: opts.grep } : {}),
      mask,
      onLine: (line, stream) => (stream === 'stdout' ? io.out : io.err)(`${line}\n`),
    });

    const raw = readResults(resultsFile);
    if (raw && raw.tests.length === 0 && raw.globalErrors.every((e) => /No tests found/i.test(e))) {
      throw new RevgateError(ErrorCodes.NoChecksSelected, opts.grep ? `no check matches --grep ${JSON.stringify(opts.grep)}` : 'no checks to run');
    }
    let harnessError: string | undefined;
    if (!raw) harnessError = `the Playwright run ended (exit ${run.exitCode ?? run.signal}) without results`;
    else if (raw.globalErrors.length) harnessError = mask(raw.globalErrors[0]?.split('\n')[0] ?? 'Playwright reported an error');
    if (raw && !harnessError && raw.tests.length === 0) {
      throw new RevgateError(ErrorCodes.NoChecksSelected, opts.grep ? `no check matches --grep ${JSON.stringify(opts.grep)}` : 'no checks to run');
    }

    const verdict = decide({
      kind: 'smoke',
      target: {
        baseUrl: resolved.target.baseUrl,
        environment: resolved.environment,
        service: resolved.config.service.name,
        ...(sandbox ? { revision: sandbox.revision } : {}),
      },
      startedAt,
      finishedAt: new Date(),
      checks: redactor.maskDeep(toCheckResults(raw?.tests ?? [])),
      gates: [],
      ...(resolved.config.policy ? { policy: resolved.config.policy } : {}),
      partial: raw?.status === 'interrupted' || run.signal !== null,
      ...(harnessError ? { harnessError } : {}),
      version: VERSION,
    });
    const final = await publishVerdict(verdict, {
      out,
      redactor,
      io,
      ...(resolved.config.policy ? { policy: resolved.config.policy } : {}),
      playwrightReports: true,
      artifacts: { html: 'html/index.html', allure: 'allure-results/' },
      verbose: opts.verbose ?? false,
    });
    return final.exitCode;
  } finally {
    await sandbox?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readResults(file: string): RawResults | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RawResults;
  } catch {
    return undefined;
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

export type { ResolvedConfig };
