/**
 * Alert state, Gatus-style: a pure state machine per alert subject (a check, a tenant x region, or a tenant
 * across regions). No clock, no I/O: the caller passes each observation's time and persists the state.
 *
 * - `failureThreshold` consecutive bad observations open an alert (default 3: one blip never pages);
 * - `successThreshold` consecutive good ones resolve it (default 2: one lucky answer never resolves);
 * - while open, a reminder every `remindEveryMs` (default none);
 * - during a maintenance window nothing opens and no reminder is sent; counting goes on, so an outage that
 *   outlasts the window opens on the first bad observation after it. A resolve is still sent (good news).
 * - the state lives in the database, so a restart resumes the counters and an open alert stays open: no
 *   re-alert and no spurious resolve (gatus #1111).
 */

export interface AlertRule {
  failureThreshold: number;
  successThreshold: number;
  remindEveryMs?: number;
}

export const DEFAULT_RULE: AlertRule = { failureThreshold: 3, successThreshold: 2 };

export interface AlertState {
  open: boolean;
  /** Consecutive bad / good observations (one of them is always 0). */
  bad: number;
  good: number;
  /** When the open alert was opened; with the subject it names the incident. */
  openedAt?: number;
  /** When the last open or reminder was sent. */
  lastSentAt?: number;
  /** Reminders sent for the open alert. */
  reminders: number;
  /** Bumped on every notification: (subject, openedAt, seq) names one state change exactly once. */
  seq: number;
}

export const INITIAL_STATE: AlertState = { open: false, bad: 0, good: 0, reminders: 0, seq: 0 };

export type AlertEventKind = 'open' | 'remind' | 'resolve';

export interface Observation {
  at: number;
  bad: boolean;
  maintenance: boolean;
}

export interface Step {
  state: AlertState;
  event?: AlertEventKind;
}

export function step(s: AlertState, o: Observation, rule: AlertRule): Step {
  if (o.bad) {
    const bad = s.bad + 1;
    if (!s.open) {
      if (bad >= rule.failureThreshold && !o.maintenance) {
        return { state: { open: true, bad, good: 0, openedAt: o.at, lastSentAt: o.at, reminders: 0, seq: s.seq + 1 }, event: 'open' };
      }
      return { state: { ...s, bad, good: 0 } };
    }
    const due = rule.remindEveryMs !== undefined && s.lastSentAt !== undefined && o.at - s.lastSentAt >= rule.remindEveryMs;
    if (due && !o.maintenance) return { state: { ...s, bad, good: 0, lastSentAt: o.at, reminders: s.reminders + 1, seq: s.seq + 1 }, event: 'remind' };
    return { state: { ...s, bad, good: 0 } };
  }
  const good = s.good + 1;
  if (s.open && good >= rule.successThreshold) {
    return {
      state: { open: false, bad: 0, good, reminders: 0, seq: s.seq + 1, ...(s.openedAt !== undefined ? { openedAt: s.openedAt } : {}) },
      event: 'resolve',
    };
  }
  return { state: { ...s, bad: 0, good } };
}

/**
 * N of M: a subject made of several regions is bad when at least `quorum` of them are bad. The regions' own
 * thresholds already applied, so the aggregate opens and resolves at once (thresholds 1 and 1).
 */
export function quorumObservation(regionsOpen: number, quorum: number, at: number, maintenance: boolean): Observation {
  return { at, bad: regionsOpen >= quorum, maintenance };
}

export const QUORUM_RULE = (remindEveryMs?: number): AlertRule => ({
  failureThreshold: 1,
  successThreshold: 1,
  ...(remindEveryMs !== undefined ? { remindEveryMs } : {}),
});

/** The incident an event belongs to: the subject and when its alert opened. Stable across restarts. */
export function incidentId(subject: string, openedAt: number): string {
  return `${subject}@${new Date(openedAt).toISOString()}`;
}

/** One id per state change: the outbox refuses a second row with it, so a change is never notified twice. */
export function eventId(subject: string, state: AlertState): string {
  return `${incidentId(subject, state.openedAt ?? 0)}#${state.seq}`;
}
