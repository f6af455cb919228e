/**
 * `revgate probe`: catalog -> plan -> keys -> engine (undici) -> evaluate -> decide -> blast radius -> reports.
 * Everything the user gave is validated before a request is sent; returns the exit code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import { prepareOutputDir } from '../report/output-dir.js';
import { publishVerdict } from '../report/publish.js';
import { parseGatewayFaults } from '../sandbox/gateway-faults.js';
import { Redactor } from '../secrets/redactor.js';
import { decide } from '../verdict/decide.js';
import type { Verdict } from '../verdict/types.js';
import { computeBlastRadius } from './blast.js';
import { loadCatalog, parseCatalog } from './catalog.js';
import { runProbes } from './engine.js';
import { evaluateAll } from './evaluate-probes.js';
import { fetchVaultSecrets, type VaultSecret } from '../azure/keyvault.js';
import { resolveKeys, vaultRefsOf } from './keys.js';
import { budgetProblems, buildPlan, keyBudgets } from './plan.js';
import { startSandboxEstate, type SandboxEstate } from './sandbox.js';
import type { TenantCatalog } from './types.js';

export interface ProbeOptions {
  tenants?: string;
  tenantsCmd?: string;
  sandbox?: boolean;
  sandboxTenants?: number;
  sandboxRegions?: string[];
  gatewayFaults?: string[];
  regions?: string[];
  baseUrl?: string;
  regionUrls?: Record<string, string>;
  isolation?: boolean;
  out: string;
  concurrency?: number;
  timeoutMs?: number;
  maxRetryWaitMs?: number;
  caFile?: string;
  verbose?: boolean;
}

const MAX_REASONS = 100;

export async function runProbe(opts: ProbeOptions, io: Io): Promise<number> {
  const sources = [opts.tenants !== undefined, opts.tenantsCmd !== undefined, opts.sandbox === true].filter(Boolean).length;
  if (sources !== 1) throw new RevgateError(ErrorCodes.Usage, 'give exactly one of --tenants FILE, --tenants-cmd "<command>" or --sandbox');
  if (!opts.sandbox && (opts.gatewayFaults?.length || opts.sandboxTenants !== undefined || opts.sandboxRegions?.length)) {
    throw new RevgateError(ErrorCodes.Usage, '--gateway-fault, --sandbox-tenants and --sandbox-regions only apply with --sandbox');
  }
  if (opts.sandbox && (opts.baseUrl || opts.regionUrls)) throw new RevgateError(ErrorCodes.Usage, 'use either --sandbox or --base-url/--region-url, not both');
  if (opts.gatewayFaults?.length) parseGatewayFaults(opts.gatewayFaults); // exit 3 before anything starts
  let ca: string | undefined;
  if (opts.caFile) {
    try {
      ca = readFileSync(opts.caFile, 'utf8');
    } catch {
      throw new RevgateError(ErrorCodes.Usage, `--ca-file cannot be read: ${opts.caFile}`);
    }
  }

  let sandbox: SandboxEstate | undefined;
  try {
    let catalog: TenantCatalog;
    if (opts.sandbox) {
      sandbox = await startSandboxEstate({
        tenants: opts.sandboxTenants ?? 120,
        ...(opts.sandboxRegions?.length ? { regions: opts.sandboxRegions } : {}),
        faults: opts.gatewayFaults ?? [],
      });
      catalog = parseCatalog(sandbox.catalog, { source: 'sandbox', dir: sandbox.dir, env: io.env });
      const faults = opts.gatewayFaults?.length ? ` with faults: ${opts.gatewayFaults.join(' ')}` : '';
      io.err(
        `revgate: sandbox gateway, ${sandbox.estate.tenants.length} tenants on ${Object.keys(sandbox.estate.cells).length} cells in ${Object.entries(
          sandbox.gateway.urls,
        )
          .map(([r, u]) => `${r} ${u}`)
          .join(', ')}${faults}\n`,
      );
    } else {
      catalog = await loadCatalog(opts.tenants !== undefined ? { file: opts.tenants } : { command: opts.tenantsCmd }, io.env);
    }
    const plan = buildPlan(catalog, {
      ...(opts.regions?.length ? { regions: opts.regions } : {}),
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      ...(opts.regionUrls ? { regionUrls: opts.regionUrls } : {}),
      isolation: opts.isolation ?? true,
    });
    const budget = budgetProblems(catalog, plan);
    if (budget.length)
      throw new RevgateError(
        ErrorCodes.ConfigInvalid,
        "these probes would not stay under the tenants' rate limits",
        budget.map((d) => ({ ...d, file: catalog.source })),
      );
    if (plan.probes.length === 0)
      throw new RevgateError(ErrorCodes.NoChecksSelected, `no tenant is served in the selected region(s) ${plan.regions.join(', ')}`);

    const redactor = new Redactor();
    const vaultRefs = vaultRefsOf(catalog, new Set(plan.probes.map((p) => p.tenant)));
    let vault: Map<string, VaultSecret> | undefined;
    if (vaultRefs.length) {
      const vaults = new Set(vaultRefs.map((r) => new URL(r.vaultUrl).origin)).size;
      io.err(
        `revgate: reading ${vaultRefs.length} subscription key${vaultRefs.length === 1 ? '' : 's'} from Key Vault (${vaults} vault${vaults === 1 ? '' : 's'}) with DefaultAzureCredential\n`,
      );
      vault = await fetchVaultSecrets(vaultRefs);
    }
    const keys = resolveKeys(catalog, io.env, redactor, vault);
    const out = path.resolve(opts.out);
    prepareOutputDir(out);

    const tenantsProbed = new Set(plan.probes.map((p) => p.tenant)).size;
    const concurrency = opts.concurrency ?? 64;
    const controller = new AbortController();
    const onSigint = (): void => {
      process.removeListener('SIGINT', onSigint);
      io.err('revgate: interrupted: finishing the probes in flight and writing partial results (Ctrl-C again to quit now)\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    io.err(`revgate: probing ${tenantsProbed} tenants in ${plan.regions.length} region(s): ${plan.probes.length} probes, concurrency ${concurrency}\n`);
    const startedAt = new Date();
    const outcomes = await runProbes(plan.probes, {
      signal: controller.signal,
      keys,
      budgets: keyBudgets(catalog),
      concurrency,
      timeoutMs: opts.timeoutMs ?? catalog.timeoutMs,
      maxRetryWaitMs: opts.maxRetryWaitMs ?? 5000,
      ...(ca ? { ca } : {}),
    }).finally(() => process.removeListener('SIGINT', onSigint));
    const finishedAt = new Date();
    const envRefs = new Map<string, string>();
    for (const [tenant, k] of keys) if (k.ok && k.envRef) envRefs.set(tenant, k.envRef);
    const checks = evaluateAll(plan.probes, outcomes, { tenantIds: new Set(catalog.tenants.map((t) => t.id)), envRefs });

    const first = plan.regions[0] as string;
    const baseUrl = opts.regionUrls?.[first] ?? opts.baseUrl ?? catalog.regions[first]?.gatewayUrl ?? 'http://unknown.invalid';
    const decided = decide({
      kind: 'probe',
      target: { baseUrl, service: catalog.service, ...(catalog.environment ? { environment: catalog.environment } : {}) },
      startedAt,
      finishedAt,
      checks,
      gates: [],
      ...(controller.signal.aborted ? { partial: true } : {}),
      version: VERSION,
    });
    const verdict = withBlastRadius(decided, catalog, plan.regions.length);
    const published = await publishVerdict(verdict, { out, redactor, io, ...(opts.verbose ? { verbose: true } : {}) });
    return published.exitCode;
  } finally {
    await sandbox?.stop();
  }
}

/** The blast radius goes into the summary line (what a pipeline log shows first) and as a structured field. */
export function withBlastRadius(v: Verdict, catalog: Pick<TenantCatalog, 'cells'>, regions: number): Verdict {
  const blastRadius = computeBlastRadius(v.checks, catalog.cells);
  const head = v.summary.split(':')[0] ?? v.verdict.toUpperCase();
  const seconds = `${(v.durationMs / 1000).toFixed(1)} s`;
  const reasons =
    v.reasons.length > MAX_REASONS
      ? [...v.reasons.slice(0, MAX_REASONS), `… and ${v.reasons.length - MAX_REASONS} more (every probe is in verdict.json)`]
      : v.reasons;
  return {
    ...v,
    summary: `${head}: ${blastRadius.line} - probe of ${v.target.service ?? v.target.baseUrl}, ${v.checks.length} probes in ${regions} region${regions === 1 ? '' : 's'} in ${seconds}`,
    reasons: v.verdict === 'pass' ? reasons : [blastRadius.line, ...reasons],
    blastRadius,
  };
}
