/**
 * `--canary latest`, `--baseline current`, a revision name (or its suffix) or a traffic label, resolved
 * against what ARM reported, to a revision and the URL of its own FQDN. Pure.
 */
import { pinTraffic } from './traffic.js';
import type { AppSnapshot, RevisionInfo } from './types.js';

export type Selector = 'latest' | 'current' | string;

export interface ResolvedRevision {
  /** As given: latest, current, a name or a label. */
  selector: string;
  via: 'latest' | 'current' | 'name' | 'label';
  revision: RevisionInfo;
  /** https://<fqdn>; absent when the revision has no FQDN (no ingress). */
  url?: string;
}

export type Resolution = { ok: true; resolved: ResolvedRevision } | { ok: false; problem: string };

export function revisionUrl(fqdn: string | undefined): string | undefined {
  return fqdn ? `https://${fqdn}` : undefined;
}

/** The newest revision: ARM's latestRevisionName, else the one created last. */
export function latestRevision(s: AppSnapshot): RevisionInfo | undefined {
  const named = s.app.latestRevisionName ? s.revisions.find((r) => r.name === s.app.latestRevisionName) : undefined;
  if (named) return named;
  return [...s.revisions].sort((a, b) => (b.createdTime ?? '').localeCompare(a.createdTime ?? ''))[0];
}

/** Traffic per revision name, `latestRevision` entries counted for the revision they point at now. */
export function weightsByRevision(s: AppSnapshot): Map<string, number> {
  const pinned = pinTraffic(s.app.traffic, latestRevision(s)?.name) ?? [];
  const weights = new Map<string, number>();
  for (const t of pinned) weights.set(t.revisionName as string, (weights.get(t.revisionName as string) ?? 0) + t.weight);
  return weights;
}

/**
 * Resolves one selector. `current` is the revision with the most traffic, leaving out `exclude` (the
 * canary), so "the revision in service" is never the one under test.
 */
export function resolveRevision(s: AppSnapshot, selector: Selector, options: { exclude?: string } = {}): Resolution {
  const found = (revision: RevisionInfo, via: ResolvedRevision['via']): Resolution => {
    const url = revisionUrl(revision.fqdn);
    return { ok: true, resolved: { selector, via, revision, ...(url ? { url } : {}) } };
  };
  const names = s.revisions.map((r) => r.name);
  if (selector === 'latest') {
    const r = latestRevision(s);
    return r ? found(r, 'latest') : { ok: false, problem: `${s.app.ref.app} has no revisions` };
  }
  if (selector === 'current') {
    const ranked = [...weightsByRevision(s)].filter(([name, w]) => w > 0 && name !== options.exclude).sort((a, b) => b[1] - a[1]);
    const top = ranked[0];
    const r = top ? s.revisions.find((x) => x.name === top[0]) : undefined;
    if (r) return found(r, 'current');
    return {
      ok: false,
      problem: `no revision${options.exclude ? ` other than ${options.exclude}` : ''} takes traffic in ${s.app.ref.app}: name the baseline revision instead of "current"`,
    };
  }
  const exact = s.revisions.find((r) => r.name === selector) ?? s.revisions.find((r) => r.name === `${s.app.ref.app}--${selector}`);
  if (exact) return found(exact, 'name');
  const labelled = s.app.traffic.find((t) => t.label === selector);
  if (labelled) {
    const name = labelled.revisionName ?? (labelled.latestRevision ? latestRevision(s)?.name : undefined);
    const r = s.revisions.find((x) => x.name === name);
    if (r) return found(r, 'label');
    return { ok: false, problem: `label ${selector} points at revision ${name ?? '(none)'}, which ARM does not list` };
  }
  const labels = s.app.traffic.filter((t) => t.label).map((t) => t.label as string);
  return {
    ok: false,
    problem: `no revision or label "${selector}" in ${s.app.ref.app} (revisions: ${names.join(', ') || 'none'}${labels.length ? `; labels: ${labels.join(', ')}` : ''}); or use latest / current`,
  };
}

/** The FQDN a label gets (`<app>---<label>.<env domain>`), from the app's ingress FQDN `<app>.<env domain>`. */
export function labelFqdn(appFqdn: string | undefined, app: string, label: string): string | undefined {
  if (!appFqdn || !appFqdn.startsWith(`${app}.`)) return undefined;
  return `${app}---${label}${appFqdn.slice(app.length)}`;
}
