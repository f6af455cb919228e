import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eventId,
  INITIAL_STATE,
  QUORUM_RULE,
  quorumObservation,
  step,
  type AlertRule,
  type AlertState,
  type Observation,
} from '../../src/monitor/alert-state.js';

type Obs = 'B' | 'G' | 'b' | 'g'; // upper case: outside maintenance; lower case: inside a maintenance window

function run(seq: readonly Obs[], rule: AlertRule, start: AlertState = INITIAL_STATE, every = 60_000): { events: string[]; states: AlertState[] } {
  let s = start;
  const events: string[] = [];
  const states: AlertState[] = [];
  seq.forEach((o, i) => {
    const obs: Observation = { at: i * every, bad: o === 'B' || o === 'b', maintenance: o === 'b' || o === 'g' };
    const r = step(s, obs, rule);
    s = r.state;
    states.push(s);
    events.push(r.event ?? '-');
  });
  return { events, states };
}

describe('alert state: named cases (failure threshold 3, success threshold 2)', () => {
  const rule: AlertRule = { failureThreshold: 3, successThreshold: 2 };
  const rows: Array<[string, string, string]> = [
    ['two failures do not alert', 'BBGG', '----'],
    ['the third consecutive failure alerts', 'BBBGG', '--o-r'],
    ['a success in between restarts the count', 'BBGBBB', '-----o'],
    ['one success does not resolve', 'BBBGBBG', '--o----'],
    ['a fault for 3 intervals: one alert, one resolve', 'GBBBGGGG', '---o-r--'],
    ['nothing opens during maintenance', 'bbbbGG', '------'],
    ['an outage outlasting the window opens right after it', 'bbbB', '---o'],
    ['a resolve is sent during maintenance', 'BBBgg', '--o-r'],
    ['flapping never alerts', 'BGBGBGBG', '--------'],
    ['a second outage is a second alert', 'BBBGGBBB', '--o-r--o'],
  ];
  const letter = { open: 'o', resolve: 'r', remind: 'm', '-': '-' } as Record<string, string>;
  for (const [name, seq, want] of rows) {
    it(name, () => {
      const { events } = run([...seq] as Obs[], rule);
      assert.equal(events.map((e) => letter[e]).join(''), want);
    });
  }
});

describe('alert state: reminders', () => {
  it('reminds every remindEveryMs while open, never in maintenance, and stops on resolve', () => {
    const rule: AlertRule = { failureThreshold: 1, successThreshold: 1, remindEveryMs: 120_000 };
    const { events } = run([...'BBBBBbbbBGBB'] as Obs[], rule);
    // open at 0; remind at 2, 4; maintenance 5-7 holds it; 8 is due; resolve at 9; a new alert at 10.
    assert.deepEqual(events, ['open', '-', 'remind', '-', 'remind', '-', '-', '-', 'remind', 'resolve', 'open', '-']);
  });
});

describe('alert state: every sequence of up to 6 observations (4 kinds each), thresholds 1-3', () => {
  const alphabet: Obs[] = ['B', 'G', 'b', 'g'];
  const sequences = function* (n: number): Generator<Obs[]> {
    if (n === 0) return yield [];
    for (const head of sequences(n - 1)) for (const o of alphabet) yield [...head, o];
  };
  it('opens exactly on the F-th consecutive failure outside maintenance, resolves exactly on the S-th success; events alternate; ids unique; a restart changes nothing', () => {
    let checked = 0;
    for (let F = 1; F <= 3; F++)
      for (let S = 1; S <= 3; S++) {
        const rule = { failureThreshold: F, successThreshold: S };
        for (let n = 1; n <= 6; n++)
          for (const seq of sequences(n)) {
            const { events, states } = run(seq, rule);
            // Independent model: walk the sequence with run lengths.
            let open = false;
            let badRun = 0;
            let goodRun = 0;
            const ids = new Set<string>();
            seq.forEach((o, i) => {
              const bad = o === 'B' || o === 'b';
              const maint = o === 'b' || o === 'g';
              badRun = bad ? badRun + 1 : 0;
              goodRun = bad ? 0 : goodRun + 1;
              let want = '-';
              if (!open && bad && badRun >= F && !maint) {
                open = true;
                want = 'open';
              } else if (open && !bad && goodRun >= S) {
                open = false;
                want = 'resolve';
              }
              assert.equal(events[i], want, `F=${F} S=${S} ${seq.join('')} at ${i}`);
              assert.equal(states[i]?.open, open);
              if (want !== '-') {
                const id = eventId('subject', states[i] as AlertState);
                assert.ok(!ids.has(id), 'one id per state change');
                ids.add(id);
              }
            });
            // Restart anywhere: the persisted (JSON) state continues exactly as the live one.
            const cut = Math.floor(seq.length / 2);
            if (cut > 0) {
              const resumed = run(seq.slice(cut), rule, JSON.parse(JSON.stringify(states[cut - 1])) as AlertState);
              const live = events.slice(cut);
              assert.deepEqual(resumed.events, live, `restart after ${cut} in ${seq.join('')}`);
            }
            checked++;
          }
      }
    assert.equal(checked, 9 * 5460, `checked ${checked} sequences`);
  });
});

describe('N of M regions', () => {
  it('2 of 3: one region failing is not enough, two are', () => {
    const rule = QUORUM_RULE();
    let s = INITIAL_STATE;
    const seen: string[] = [];
    for (const [i, openRegions] of [0, 1, 2, 3, 2, 1, 0].entries()) {
      const r = step(s, quorumObservation(openRegions, 2, i, false), rule);
      s = r.state;
      seen.push(r.event ?? '-');
    }
    assert.deepEqual(seen, ['-', '-', 'open', '-', '-', 'resolve', '-']);
  });
});
