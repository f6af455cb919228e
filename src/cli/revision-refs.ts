/**
 * Revision references as targets: `smoke --base-url latest`, `gate --canary latest --baseline current`,
 * a revision name (or its suffix) or a traffic label, with `--app NAME -g RG [--subscription ID]`. One
 * launcher the skeleton starts after every input problem has been checked: it reads the app from ARM,
 * resolves each reference to the URL of the revision's own FQDN (src/aca/resolve.ts), preflights what
 * it resolved (src/aca/preflight.ts: unhealthy, failed or unprovisioned -> exit 1 with the ARM state,
 * before any traffic) and hands the command plain URLs, as a sandbox launcher does. A plain URL is
 * passed through untouched, and a command given only URLs gets no launcher at all (no ARM call).
 */
import { connectApp, prepareAzureApp, type AzureAppOptions } from '../aca/app-options.js';
import { ArmError } from '../aca/arm.js';
import { armState, preflightProblems, type PreflightOptions } from '../aca/preflight.js';
import { resolveRevision } from '../aca/resolve.js';
import { createContainerAppsArm } from '../azure/arm-client.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import type { Launcher } from '../run/command.js';
import { Problems } from '../run/problems.js';
import type { RevisionPair, RevisionTarget } from '../run/targets.js';

const REF = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** A revision reference (latest, current, v43, apex--v43, stable) is a name: letters, digits and '-'. Anything else is a URL, checked as one. */
export const isRevisionRef = (value: string | undefined): value is string => value !== undefined && REF.test(value);

export type AzureRefOptions = Omit<AzureAppOptions, 'sandbox'> & PreflightOptions;

/** One flag's value: `--base-url latest`. */
export interface RefFlag {
  flag: string;
  value: string;
}

/** Every problem with the references and the app flags: exit 3 before anything is sent. */
function checkRefs(problems: Problems, given: readonly RefFlag[], o: AzureRefOptions, env: Record<string, string | undefined>): void {
  const refs = given.filter((r) => r.value !== undefined);
  for (const r of refs)
    if (!isRevisionRef(r.value) && !URL.canParse(r.value)) problems.add(r.flag, `"${r.value}" is not a URL (nor a revision name, a label, latest or current)`);
  const named = refs.filter((r) => isRevisionRef(r.value));
  const refsSaid = named.map((r) => `${r.flag} ${r.value}`).join(' and ');
  const missing = [
    ...(o.app ? [] : ['--app NAME']),
    ...(o.resourceGroup ? [] : ['-g RESOURCE_GROUP']),
    ...(o.subscription || env.AZURE_SUBSCRIPTION_ID ? [] : ['--subscription ID (or AZURE_SUBSCRIPTION_ID)']),
  ];
  if (missing.length)
    problems.add(
      o.app ? (o.resourceGroup ? '--subscription' : '--resource-group') : '--app',
      `${refsSaid} names a revision, not a URL: give ${missing.join(', ')} so revgate can resolve it through Azure Resource Manager (or pass the revision's URL)`,
    );
  // The rest of the app flags' checks (names, subscription GUID, --arm-endpoint, --ca-file), without repeating "is required".
  const app = new Problems();
  prepareAzureApp({ ...o, sandbox: false }, env, app);
  for (const d of app.diagnostics) if (!d.message.startsWith('is required')) problems.add(d.path, d.message);
  if (o.minReplicas !== undefined && !(Number.isInteger(o.minReplicas) && o.minReplicas >= 0))
    problems.add('--min-replicas', `must be a whole number, 0 or more, got ${o.minReplicas}`);
}

/** Reads the app once, resolves every reference (a baseline's `current` never picks the canary), preflights each; URLs pass through. */
async function resolveRefs(refs: readonly RefFlag[], o: AzureRefOptions, io: Io): Promise<RevisionTarget[]> {
  const prepared = prepareAzureApp({ ...o, sandbox: false }, io.env, new Problems());
  const connected = connectApp(prepared, undefined, io.env);
  const arm = createContainerAppsArm({
    ...connected.connection,
    onRetry: (e) => io.err(`revgate: ${e.error.message}; retrying in ${e.delayMs} ms (try ${e.attempt + 1} of ${e.maxAttempts})\n`),
  });
  let snapshot;
  try {
    snapshot = await arm.snapshot(connected.ref.resourceGroup, connected.ref.app);
  } catch (err) {
    if (!(err instanceof ArmError)) throw err;
    // A wrong app, group or subscription is bad input (exit 3); anything else is ARM or the credential (exit 4). Nothing was sent either way.
    throw new RevgateError(err.kind === 'not-found' ? ErrorCodes.Usage : ErrorCodes.ArmFailed, `${err.message}; nothing was sent`);
  }
  const targets: RevisionTarget[] = [];
  const refused: string[] = [];
  let exclude: string | undefined;
  for (const r of refs) {
    if (!isRevisionRef(r.value)) {
      targets.push({ url: r.value, revision: new URL(r.value).host });
      continue;
    }
    const found = resolveRevision(snapshot, r.value, exclude ? { exclude } : {});
    if (!found.ok) throw new RevgateError(ErrorCodes.Usage, `${r.flag} ${r.value}: ${found.problem}; nothing was sent`);
    const rev = found.resolved.revision;
    exclude ??= rev.name;
    const problems = preflightProblems(rev, o.minReplicas !== undefined ? { minReplicas: o.minReplicas } : {});
    if (problems.length || !found.resolved.url) {
      refused.push(`${r.flag} ${r.value} is ${rev.name}, which is not ready: ${problems.join('; ')} (ARM: ${armState(rev)})`);
      continue;
    }
    io.err(`revgate: ${r.flag} ${r.value} -> ${rev.name} at ${found.resolved.url} (preflight passed: ${armState(rev)})\n`);
    targets.push({ url: found.resolved.url, revision: rev.name, ...(prepared.caPem ? { caPem: prepared.caPem } : {}) });
  }
  if (refused.length)
    throw new RevgateError(ErrorCodes.PreflightFailed, `preflight refused: ${refused.join('; ')}. Nothing was sent (do not shift traffic to it).`);
  return targets;
}

/** The references among `refs`, if any: the command needs a launcher only then. */
export const anyRef = (refs: readonly RefFlag[]): boolean => refs.some((r) => isRevisionRef(r.value));

/** One revision (smoke, load): `--base-url latest`. */
export function azureRevision(ref: RefFlag, o: AzureRefOptions): Launcher<RevisionTarget> {
  return {
    check: (problems) => checkRefs(problems, [ref], o, process.env),
    start: async (io) => {
      const [target] = await resolveRefs([ref], o, io);
      return { target: target as RevisionTarget, stop: () => Promise.resolve() };
    },
  };
}

/** A canary and a baseline (gate), either a reference or a URL; the baseline's `current` leaves the canary out. */
export function azurePair(canary: RefFlag, baseline: RefFlag, o: AzureRefOptions): Launcher<RevisionPair> {
  return {
    check: (problems) => checkRefs(problems, [canary, baseline], o, process.env),
    start: async (io) => {
      const [c, b] = await resolveRefs([canary, baseline], o, io);
      if (c?.url === b?.url)
        throw new RevgateError(
          ErrorCodes.Usage,
          `${canary.flag} and ${baseline.flag} are the same revision (${c?.revision}): a revision compared with itself proves nothing`,
        );
      return { target: { canary: c as RevisionTarget, baseline: b as RevisionTarget }, stop: () => Promise.resolve() };
    },
  };
}

/** --app and the other ARM flags mean something only with a reference: given with URLs alone (or --sandbox) they are a problem, not silently ignored. */
export function requireRefFor(problems: Problems, hasRef: boolean, o: AzureRefOptions, urlFlags: string): void {
  if (hasRef) return;
  const given = [
    ['--app', o.app],
    ['--resource-group', o.resourceGroup],
    ['--subscription', o.subscription],
    ['--arm-endpoint', o.armEndpoint],
    ['--min-replicas', o.minReplicas],
  ].filter(([, v]) => v !== undefined);
  if (given.length)
    problems.add(
      given[0]?.[0] as string,
      `${given.map(([f]) => f).join(', ')} only appl${given.length === 1 ? 'ies' : 'y'} when ${urlFlags} names a revision (latest, current, a revision name or a label) instead of a URL`,
    );
}
