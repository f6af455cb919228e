/**
 * `revgate discover` as an adapter of the command skeleton: read a container app and its revisions
 * from Azure Resource Manager, print them (a table, or JSON for pipelines), resolve `--canary latest` /
 * `--baseline current` / a revision or label name to the URL of the revision's own FQDN (what smoke
 * and gate take), and preflight what was resolved: provisioned, healthy, running, with replicas, else
 * fail (exit 1) with the ARM state named, as the runbook's "DO NOT proceed with traffic shifting".
 */
import { connectApp, prepareAzureApp, type ConnectedApp, type PreparedApp } from '../aca/app-options.js';
import { ArmError, type ContainerAppsArm } from '../aca/arm.js';
import { preflightCheck, type PreflightOptions } from '../aca/preflight.js';
import { discoverDocument, renderDiscover } from '../aca/render.js';
import { resolveRevision, type ResolvedRevision } from '../aca/resolve.js';
import type { AppSnapshot } from '../aca/types.js';
import { createContainerAppsArm } from '../azure/arm-client.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import type { Command, Resolved } from '../run/command.js';
import type { ContainerAppTarget } from '../run/targets.js';
import { decide } from '../verdict/decide.js';
import type { CheckResult, ContainerAppReport } from '../verdict/types.js';

export interface DiscoverOptions {
  app?: string;
  resourceGroup?: string;
  subscription?: string;
  armEndpoint?: string;
  caFile?: string;
  /** latest, a revision or label name. */
  canary?: string;
  /** current, a revision or label name. */
  baseline?: string;
  minReplicas?: number;
  json: boolean;
  sandbox: boolean;
  /** Where the table or the JSON document goes (stdout); the verdict lines go to io.out. */
  emit: (s: string) => void;
}

interface Prepared {
  app: PreparedApp;
  preflight: PreflightOptions;
}

interface DiscoverRun extends Resolved, ConnectedApp {
  arm: ContainerAppsArm;
  snapshot?: AppSnapshot;
  /** Reading ARM failed in a way that is not the user's input (auth, throttling, ARM down). */
  readError?: ArmError;
  canary?: ResolvedRevision;
  baseline?: ResolvedRevision;
  preflight: PreflightOptions;
  startedAt: Date;
}

export function discoverAdapter(o: DiscoverOptions): Command<Prepared, ContainerAppTarget, DiscoverRun, { finishedAt: Date }> {
  return {
    interruptMessage: 'stopping',
    prepare: (problems, io: Io) => {
      const app = prepareAzureApp(o, io.env, problems);
      if (o.minReplicas !== undefined && !(Number.isInteger(o.minReplicas) && o.minReplicas >= 0))
        problems.add('--min-replicas', `must be a whole number, 0 or more, got ${o.minReplicas}`);
      for (const [flag, v] of [
        ['--canary', o.canary],
        ['--baseline', o.baseline],
      ] as const)
        if (v !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(v)) problems.add(flag, `"${v}" is not a revision name, a label, latest or current`);
      return { app, preflight: o.minReplicas !== undefined ? { minReplicas: o.minReplicas } : {} };
    },
    inputs: () => (o.caFile ? [o.caFile] : []),
    resolve: async (prepared, target, io) => {
      const startedAt = new Date();
      const connected = connectApp(prepared.app, target, io.env);
      const arm = createContainerAppsArm({
        ...connected.connection,
        onRetry: (e) => io.err(`revgate: ${e.error.message}; retrying in ${e.delayMs} ms (try ${e.attempt + 1} of ${e.maxAttempts})\n`),
      });
      const base = { ...connected, arm, startedAt, preflight: prepared.preflight };
      const read = await readSnapshot(arm, connected);
      if ('error' in read) return { ...base, readError: read.error };
      const s = read.snapshot;
      // A selector that names nothing is the user's to fix (exit 3), found before anything is reported.
      const canary = o.canary !== undefined ? usageOr(resolveRevision(s, o.canary), '--canary') : undefined;
      const baseline =
        o.baseline !== undefined ? usageOr(resolveRevision(s, o.baseline, canary ? { exclude: canary.revision.name } : {}), '--baseline') : undefined;
      return { ...base, snapshot: s, ...(canary ? { canary } : {}), ...(baseline ? { baseline } : {}) };
    },
    measure: (run) => {
      if (run.snapshot) {
        const doc = discoverDocument(
          run.snapshot,
          { ...(run.canary ? { canary: run.canary } : {}), ...(run.baseline ? { baseline: run.baseline } : {}) },
          run.preflight,
        );
        o.emit(o.json ? `${JSON.stringify(doc, null, 2)}\n` : renderDiscover(doc));
      }
      return Promise.resolve({ finishedAt: new Date() });
    },
    verdict: (run, m) => {
      const checks: CheckResult[] = [armReadCheck(run)];
      if (run.canary) checks.push(preflightCheck(run.canary.revision, 'canary', run.preflight));
      if (run.baseline) checks.push(preflightCheck(run.baseline.revision, 'baseline', run.preflight));
      const containerApp = appReport(run);
      const url = run.canary?.url ?? (run.snapshot?.app.fqdn ? `https://${run.snapshot.app.fqdn}` : run.connection.endpoint);
      return decide({
        kind: 'discover',
        target: { baseUrl: url, service: run.ref.app, ...(run.canary ? { revision: run.canary.revision.name } : {}) },
        startedAt: run.startedAt,
        finishedAt: m.finishedAt,
        checks,
        gates: [],
        version: VERSION,
        summarize: () => ({ containerApp }),
      });
    },
  };
}

async function readSnapshot(arm: ContainerAppsArm, c: ConnectedApp): Promise<{ snapshot: AppSnapshot } | { error: ArmError }> {
  try {
    return { snapshot: await arm.snapshot(c.ref.resourceGroup, c.ref.app) };
  } catch (err) {
    if (!(err instanceof ArmError)) throw err;
    // A wrong app, group or subscription is bad input: exit 3, nothing reported.
    if (err.kind === 'not-found') throw new RevgateError(ErrorCodes.Usage, err.message);
    return { error: err };
  }
}

function usageOr(r: ReturnType<typeof resolveRevision>, flag: string): ResolvedRevision {
  if (r.ok) return r.resolved;
  throw new RevgateError(ErrorCodes.Usage, `${flag}: ${r.problem}`);
}

function armReadCheck(run: DiscoverRun): CheckResult {
  const e = run.readError;
  return {
    id: 'arm-read',
    title: `Read container app ${run.ref.app} and its revisions from ARM`,
    status: e ? 'error' : 'passed',
    blocking: true,
    durationMs: 0,
    attempts: e?.details.attempts ?? 1,
    labels: { endpoint: run.connection.endpoint, resourceGroup: run.ref.resourceGroup },
    ...(e ? { error: { message: e.message, kind: e.kind, ...(e.details.armCode ? { code: e.details.armCode } : {}) } } : {}),
  };
}

export function appReport(run: {
  ref: ConnectedApp['ref'];
  connection: ConnectedApp['connection'];
  snapshot?: AppSnapshot;
  canary?: ResolvedRevision;
  baseline?: ResolvedRevision;
}): ContainerAppReport {
  const s = run.snapshot;
  const resolved = (r: ResolvedRevision | undefined) => (r ? { selector: r.selector, revision: r.revision.name, ...(r.url ? { url: r.url } : {}) } : undefined);
  const canary = resolved(run.canary);
  const baseline = resolved(run.baseline);
  return {
    subscription: run.ref.subscription,
    resourceGroup: run.ref.resourceGroup,
    app: run.ref.app,
    armEndpoint: run.connection.endpoint,
    ...(s
      ? {
          traffic: s.app.traffic,
          revisions: s.revisions.map((r) => ({
            name: r.name,
            active: r.active,
            trafficWeight: r.trafficWeight,
            labels: r.labels,
            ...(r.healthState ? { healthState: r.healthState } : {}),
            ...(r.provisioningState ? { provisioningState: r.provisioningState } : {}),
            ...(r.runningState ? { runningState: r.runningState } : {}),
            ...(r.replicas !== undefined ? { replicas: r.replicas } : {}),
            ...(r.createdTime ? { createdTime: r.createdTime } : {}),
            ...(r.fqdn ? { fqdn: r.fqdn } : {}),
          })),
        }
      : {}),
    ...(canary ? { canary } : {}),
    ...(baseline ? { baseline } : {}),
  };
}
