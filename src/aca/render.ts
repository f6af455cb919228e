/**
 * What `revgate discover` prints: a table for people, a JSON document for pipelines. Pure.
 */
import { preflightProblems, type PreflightOptions } from './preflight.js';
import { labelFqdn, revisionUrl, type ResolvedRevision } from './resolve.js';
import { describeTraffic } from './traffic.js';
import type { AppSnapshot, RevisionInfo } from './types.js';

export interface DiscoverDocument {
  app: {
    subscription: string;
    resourceGroup: string;
    name: string;
    location: string;
    fqdn?: string;
    provisioningState?: string;
    activeRevisionsMode?: string;
    latestRevisionName?: string;
    latestReadyRevisionName?: string;
    traffic: AppSnapshot['app']['traffic'];
  };
  revisions: Array<RevisionInfo & { url?: string; labelFqdns?: string[] }>;
  canary?: ResolvedDocument;
  baseline?: ResolvedDocument;
}

export interface ResolvedDocument {
  selector: string;
  via: ResolvedRevision['via'];
  revision: string;
  url?: string;
  preflight: { passed: boolean; problems: string[] };
}

const byNewest = (a: RevisionInfo, b: RevisionInfo): number => (b.createdTime ?? '').localeCompare(a.createdTime ?? '') || a.name.localeCompare(b.name);

export function resolvedDocument(r: ResolvedRevision, options: PreflightOptions): ResolvedDocument {
  const problems = preflightProblems(r.revision, options);
  return { selector: r.selector, via: r.via, revision: r.revision.name, ...(r.url ? { url: r.url } : {}), preflight: { passed: !problems.length, problems } };
}

export function discoverDocument(
  s: AppSnapshot,
  resolved: { canary?: ResolvedRevision; baseline?: ResolvedRevision },
  options: PreflightOptions,
): DiscoverDocument {
  const a = s.app;
  return {
    app: {
      subscription: a.ref.subscription,
      resourceGroup: a.ref.resourceGroup,
      name: a.ref.app,
      location: a.location,
      ...(a.fqdn ? { fqdn: a.fqdn } : {}),
      ...(a.provisioningState ? { provisioningState: a.provisioningState } : {}),
      ...(a.activeRevisionsMode ? { activeRevisionsMode: a.activeRevisionsMode } : {}),
      ...(a.latestRevisionName ? { latestRevisionName: a.latestRevisionName } : {}),
      ...(a.latestReadyRevisionName ? { latestReadyRevisionName: a.latestReadyRevisionName } : {}),
      traffic: a.traffic,
    },
    revisions: [...s.revisions].sort(byNewest).map((r) => {
      const url = revisionUrl(r.fqdn);
      const labelFqdns = r.labels.map((l) => labelFqdn(a.fqdn, a.ref.app, l)).filter((f): f is string => !!f);
      return { ...r, ...(url ? { url } : {}), ...(labelFqdns.length ? { labelFqdns } : {}) };
    }),
    ...(resolved.canary ? { canary: resolvedDocument(resolved.canary, options) } : {}),
    ...(resolved.baseline ? { baseline: resolvedDocument(resolved.baseline, options) } : {}),
  };
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')).join('\n');
}

/** The table people read: newest revision first. */
export function renderDiscover(d: DiscoverDocument): string {
  const header = ['REVISION', 'ACTIVE', 'WEIGHT', 'LABELS', 'HEALTH', 'PROVISIONING', 'RUNNING', 'REPLICAS', 'CREATED', 'FQDN'];
  const rows = d.revisions.map((r) => [
    r.name,
    r.active ? 'yes' : 'no',
    `${r.trafficWeight}%`,
    r.labels.join(',') || '-',
    r.healthState ?? '-',
    r.provisioningState ?? '-',
    r.runningState ?? '-',
    String(r.replicas ?? '-'),
    r.createdTime ? r.createdTime.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '-',
    r.fqdn ?? '-',
  ]);
  const lines = [
    `${d.app.name} (resource group ${d.app.resourceGroup}, ${d.app.location}${d.app.activeRevisionsMode ? `, ${d.app.activeRevisionsMode} revision mode` : ''})`,
    `traffic: ${describeTraffic(d.app.traffic) || 'none'}`,
    '',
    table([header, ...rows]),
  ];
  for (const [role, r] of [
    ['canary', d.canary],
    ['baseline', d.baseline],
  ] as const) {
    if (!r) continue;
    lines.push(
      `${role}: ${r.selector}${r.selector !== r.revision ? ` -> ${r.revision}` : ''} ${r.url ?? '(no FQDN)'}  preflight ${r.preflight.passed ? 'passed' : `FAILED: ${r.preflight.problems.join('; ')}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
