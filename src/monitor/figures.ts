/**
 * Availability, error budget and burn rates per check, tenant, region and unit, read from the rollups in one
 * query per window (7 in all), then folded in memory.
 */
import type { Db } from './db.js';
import { listUnits, windowCountsMany, type Counts, type Unit } from './history.js';
import { add, availability, EMPTY, sloFigures, SLO_WINDOWS, type SloFigures } from './slo.js';

const HOUR = 3_600_000;
/** The availability columns every report shows. */
export const AVAILABILITY_WINDOWS = [HOUR, 24 * HOUR] as const;

export interface GroupFigures {
  /** `check:<id>`, `tenant:<id>`, `region:<name>` or `unit:<key>`. */
  group: string;
  kind: 'check' | 'tenant' | 'region' | 'unit';
  name: string;
  /** Availability over 1 h, 24 h and the SLO window (30 d by default); absent: no data. */
  availability: { h1?: number; h24?: number; slo?: number };
  slo: SloFigures;
}

export interface Figures {
  at: number;
  objective: number;
  sloWindowMs: number;
  groups: GroupFigures[];
}

function groupsOf(u: Unit): Array<[GroupFigures['kind'], string]> {
  const out: Array<[GroupFigures['kind'], string]> = [
    ['unit', u.key],
    ['check', u.checkId],
  ];
  if (u.tenant) out.push(['tenant', u.tenant]);
  if (u.region) out.push(['region', u.region]);
  return out;
}

export function computeFigures(db: Db, now: number, objective: number, sloWindowMs: number): Figures {
  const units = listUnits(db);
  const windows = [...new Set([...SLO_WINDOWS, sloWindowMs])];
  const perWindow = windowCountsMany(db, now, windows);
  // group -> window -> counts
  const acc = new Map<string, { kind: GroupFigures['kind']; name: string; counts: Map<number, Counts> }>();
  for (const u of units) {
    for (const [kind, name] of groupsOf(u)) {
      const key = `${kind}:${name}`;
      let g = acc.get(key);
      if (!g) acc.set(key, (g = { kind, name, counts: new Map() }));
      for (const w of windows) g.counts.set(w, add(g.counts.get(w) ?? EMPTY, perWindow.get(w)?.get(u.key) ?? EMPTY));
    }
  }
  const groups: GroupFigures[] = [...acc.entries()].map(([group, g]) => {
    const h1 = availability(g.counts.get(HOUR) ?? EMPTY);
    const h24 = availability(g.counts.get(24 * HOUR) ?? EMPTY);
    const slo = availability(g.counts.get(sloWindowMs) ?? EMPTY);
    return {
      group,
      kind: g.kind,
      name: g.name,
      availability: { ...(h1 !== undefined ? { h1 } : {}), ...(h24 !== undefined ? { h24 } : {}), ...(slo !== undefined ? { slo } : {}) },
      slo: sloFigures(g.counts, objective, sloWindowMs),
    };
  });
  groups.sort((a, b) => a.group.localeCompare(b.group));
  return { at: now, objective, sloWindowMs, groups };
}
