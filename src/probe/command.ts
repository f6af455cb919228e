/**
 * `revgate probe` as an adapter of the command skeleton (src/run/command.ts): catalog -> plan -> keys
 * -> engine (undici) -> evaluate -> decide with the blast radius. Everything the user gave is checked
 * before a request is sent.
 */
import { fetchVaultSecrets, type VaultSecret } from '../azure/keyvault.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Command, Resolved, RunContext, Secret } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { GatewayEstate } from '../run/targets.js';
import { decide } from '../verdict/decide.js';
import type { Verdict } from '../verdict/types.js';
import { loadCatalog, parseCatalog } from './catalog.js';
import { runProbes, type ProbeOutcome } from './engine.js';
import { evaluateAll } from './evaluate-probes.js';
import { resolveKeys, vaultRefsOf, type KeyResolution } from './keys.js';
import { budgetProblems, buildPlan, keyBudgets, type ProbePlan } from './plan.js';
import { probeSummarizer } from './summary.js';
import type { TenantCatalog } from './types.js';
import { readCaFile } from '../http/ca-file.js';

export interface ProbeOptions {
  tenants?: string;
  tenantsCmd?: string;
  tenantsCmdTimeoutMs?: number;
  /** The catalog comes from an injected estate (--sandbox). */
  sandbox?: boolean;
  regions?: string[];
  baseUrl?: string;
  regionUrls?: Record<string, string>;
  isolation?: boolean;
  concurrency?: number;
  timeoutMs?: number;
  maxRetryWaitMs?: number;
  caFile?: string;
  verbose?: boolean;
}

interface Prepared {
  ca?: string;
}

interface ProbeRun extends Resolved {
  catalog: TenantCatalog;
  plan: ProbePlan;
  keys: Map<string, KeyResolution>;
  ca?: string;
}

interface Measured {
  outcomes: ProbeOutcome[];
  startedAt: Date;
  finishedAt: Date;
}

export function probeAdapter(opts: ProbeOptions): Command<Prepared, GatewayEstate, ProbeRun, Measured> {
  return {
    interruptMessage: 'finishing the probes in flight and writing partial results',
    prepare: (problems: Problems) => {
      const sources = [opts.tenants !== undefined, opts.tenantsCmd !== undefined, opts.sandbox === true].filter(Boolean).length;
      if (sources !== 1) problems.add('--tenants', 'give exactly one of --tenants FILE, --tenants-cmd "<command>" or --sandbox');
      if (opts.sandbox && (opts.baseUrl !== undefined || opts.regionUrls))
        problems.add('--sandbox', 'use either --sandbox or --base-url/--region-url, not both');
      let ca: string | undefined;
      if (opts.caFile) {
        const read = readCaFile(opts.caFile);
        if ('pem' in read) ca = read.pem;
        else problems.add('--ca-file', read.problem);
      }
      return ca ? { ca } : {};
    },
    inputs: () => [opts.tenants, opts.caFile].filter((f): f is string => typeof f === 'string'),
    resolve: async (prepared, estate, io) => {
      const catalog = estate
        ? parseCatalog(estate.catalog, { source: 'sandbox', dir: estate.dir, env: io.env })
        : await loadCatalog(
            opts.tenants !== undefined
              ? { file: opts.tenants }
              : { command: opts.tenantsCmd as string, ...(opts.tenantsCmdTimeoutMs ? { timeoutMs: opts.tenantsCmdTimeoutMs } : {}) },
            io.env,
          );
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

      const vaultRefs = vaultRefsOf(catalog, new Set(plan.probes.map((p) => p.tenant)));
      let vault: Map<string, VaultSecret> | undefined;
      if (vaultRefs.length) {
        const vaults = new Set(vaultRefs.map((r) => new URL(r.vaultUrl).origin)).size;
        io.err(
          `revgate: reading ${vaultRefs.length} subscription key${vaultRefs.length === 1 ? '' : 's'} from Key Vault (${vaults} vault${vaults === 1 ? '' : 's'}) with DefaultAzureCredential\n`,
        );
        vault = await fetchVaultSecrets(vaultRefs);
      }
      // Every key read is a secret of the run: the skeleton's redactor masks them all.
      const secrets: Secret[] = [];
      const keys = resolveKeys(catalog, io.env, { add: (value: string, label?: string) => secrets.push({ value, label: label ?? 'subscription key' }) }, vault);
      return { catalog, plan, keys, secrets, ...(prepared.ca ? { ca: prepared.ca } : {}) };
    },
    measure: async (run, ctx: RunContext) => {
      const tenantsProbed = new Set(run.plan.probes.map((p) => p.tenant)).size;
      const concurrency = opts.concurrency ?? 64;
      ctx.io.err(
        `revgate: probing ${tenantsProbed} tenants in ${run.plan.regions.length} region(s): ${run.plan.probes.length} probes, concurrency ${concurrency}\n`,
      );
      const startedAt = new Date();
      const outcomes = await runProbes(run.plan.probes, {
        signal: ctx.signal,
        keys: run.keys,
        budgets: keyBudgets(run.catalog),
        concurrency,
        timeoutMs: opts.timeoutMs ?? run.catalog.timeoutMs,
        maxRetryWaitMs: opts.maxRetryWaitMs ?? 5000,
        ...(run.ca ? { ca: run.ca } : {}),
      });
      return { outcomes, startedAt, finishedAt: new Date() };
    },
    verdict: (run, m, { interrupted }): Verdict => {
      const envRefs = new Map<string, string>();
      for (const [tenant, k] of run.keys) if (k.ok && k.envRef) envRefs.set(tenant, k.envRef);
      const checks = evaluateAll(run.plan.probes, m.outcomes, { tenantIds: new Set(run.catalog.tenants.map((t) => t.id)), envRefs });
      const first = run.plan.regions[0] as string;
      const baseUrl = opts.regionUrls?.[first] ?? opts.baseUrl ?? run.catalog.regions[first]?.gatewayUrl ?? 'http://unknown.invalid';
      return decide({
        kind: 'probe',
        target: { baseUrl, service: run.catalog.service, ...(run.catalog.environment ? { environment: run.catalog.environment } : {}) },
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        checks,
        gates: [],
        ...(interrupted ? { partial: true } : {}),
        version: VERSION,
        summarize: probeSummarizer(run.catalog, run.plan.regions.length),
      });
    },
    publish: () => (opts.verbose ? { verbose: true } : {}),
  };
}
