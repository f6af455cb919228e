import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDb, transaction } from '../../src/monitor/db.js';
import { parseDuration } from '../../src/monitor/duration.js';
import { prune, recordResults } from '../../src/monitor/history.js';
import { channelSecrets, render, type AlertEvent } from '../../src/monitor/notify.js';
import { nextAfter } from '../../src/monitor/engine.js';
import { inMaintenance, PAGERDUTY_EVENTS_URL, readSettings } from '../../src/monitor/settings.js';

describe('monitor settings', () => {
  it('defaults: every 60 s, alert after 3 failures, resolve after 2 successes, SLO 99.9% over 30 days', () => {
    const { settings, problems } = readSettings({ monitor: undefined, checkIds: ['a'] });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.defaultSchedule, { everyMs: 60_000 });
    assert.deepEqual(settings.defaultCheck.rule, { failureThreshold: 3, successThreshold: 2 });
    assert.deepEqual(settings.slo, { objective: 0.999, windowMs: 30 * 86_400_000 });
  });
  it('--interval replaces monitor.interval; a check keeps its own schedule', () => {
    const { settings } = readSettings({ monitor: { interval: '5m', checks: { a: { cron: '*/5 * * * *' } } }, checkIds: ['a', 'b'], intervalMs: 200 });
    assert.deepEqual(settings.defaultSchedule, { everyMs: 200 });
    assert.deepEqual(settings.checks.a?.schedule, { cron: '*/5 * * * *' });
  });
  it('collects every problem, each located by its JSON path', () => {
    const { problems } = readSettings({
      monitor: {
        interval: 'soon',
        checks: { ghost: {}, a: { interval: '1s', cron: '* * * * *', failureThreshold: 0 } },
        alerts: { successThreshold: 1.5, extra: true },
        notify: [{ type: 'email' }, { type: 'webhook', url: 'ftp://x' }, { type: 'pagerduty' }],
        maintenance: [
          { cron: 'not a cron', duration: '1h' },
          { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        ],
        slo: { objective: 1.5 },
        retention: { minute: '1h' },
        probes: { regions: 'eastus' },
      },
      checkIds: ['a'],
    });
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, [
      '$.monitor.alerts.extra',
      '$.monitor.alerts.successThreshold',
      '$.monitor.checks.a',
      '$.monitor.checks.a.failureThreshold',
      '$.monitor.checks.ghost',
      '$.monitor.interval',
      '$.monitor.maintenance[0].cron',
      '$.monitor.maintenance[1]',
      '$.monitor.notify[0].type',
      '$.monitor.notify[1].url',
      '$.monitor.notify[2].routingKey',
      '$.monitor.probes.regions',
      '$.monitor.probes.tenants',
      '$.monitor.retention.minute',
      '$.monitor.slo.objective',
    ]);
  });
  it('durations', () => {
    assert.equal(parseDuration('200ms'), 200);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    for (const bad of ['', '5', '-1s', '0s', '1w', 's']) assert.equal(parseDuration(bad), undefined, bad);
  });
});

describe('maintenance windows', () => {
  const windows = [
    { cron: '0 2 * * 0', durationMs: 3_600_000 },
    { from: Date.UTC(2026, 11, 24), to: Date.UTC(2026, 11, 24, 6) },
  ];
  // 2026-11-29 is a Sunday; croner uses the host's time zone, so the expectations are built in local time.
  const sunday = (h: number, m = 0): number => new Date(2026, 10, 29, h, m).getTime();
  const rows: Array<[string, number, boolean]> = [
    ['just before the weekly window', sunday(1, 59), false],
    ['at its start', sunday(2, 0), true],
    ['inside it', sunday(2, 59), true],
    ['at its end', sunday(3, 0), false],
    ['inside the one-off window', Date.UTC(2026, 11, 24, 5, 59), true],
    ['after it', Date.UTC(2026, 11, 24, 6), false],
  ];
  for (const [name, at, want] of rows) it(name, () => assert.equal(inMaintenance(windows, at), want));
});

describe('monitor.timezone', () => {
  // 2026-11-29 is a Sunday: 02:00 in New York (EST, UTC-5) is 07:00 UTC; in Berlin (CET, UTC+1) 01:00 UTC.
  const read = (timezone: unknown) =>
    readSettings({
      monitor: { timezone, checks: { a: { cron: '0 2 * * SUN' } }, maintenance: [{ cron: '0 2 * * SUN', duration: '1h' }] },
      checkIds: ['a'],
    });
  it('cron maintenance windows are read in it, whatever the host', () => {
    for (const [tz, startUtcHour] of [
      ['America/New_York', 7],
      ['Europe/Berlin', 1],
      ['UTC', 2],
    ] as const) {
      const { settings, problems } = read(tz);
      assert.deepEqual(problems, []);
      const at = (h: number, m = 0): number => Date.UTC(2026, 10, 29, h, m);
      assert.equal(inMaintenance(settings.maintenance, at(startUtcHour) - 60_000), false, `${tz}: a minute before`);
      assert.equal(inMaintenance(settings.maintenance, at(startUtcHour)), true, `${tz}: at the start`);
      assert.equal(inMaintenance(settings.maintenance, at(startUtcHour, 59)), true, `${tz}: inside`);
      assert.equal(inMaintenance(settings.maintenance, at(startUtcHour + 1)), false, `${tz}: at the end`);
    }
  });
  it('cron schedules are read in it, across a change of daylight saving time', () => {
    const { settings } = read('America/New_York');
    const next = nextAfter(settings.checks.a?.schedule as never);
    // EDT (UTC-4) until 2026-11-01: the Sunday before is 06:00 UTC; after it, EST: 07:00 UTC.
    assert.equal(new Date(next(Date.UTC(2026, 9, 24))).toISOString(), '2026-10-25T06:00:00.000Z');
    assert.equal(new Date(next(Date.UTC(2026, 10, 2))).toISOString(), '2026-11-08T07:00:00.000Z');
  });
  it('an unknown zone is a problem at its path (exit 3), not the host zone in disguise', () => {
    for (const bad of ['Mars/Olympus_Mons', 42, ''])
      assert.deepEqual(
        read(bad).problems.map((p) => p.path),
        ['$.monitor.timezone'],
        String(bad),
      );
  });
});

describe('notification payloads', () => {
  const event: AlertEvent = {
    id: 'check:health@2026-11-30T12:00:00.000Z#1',
    kind: 'open',
    subject: 'check:health',
    incident: 'check:health@2026-11-30T12:00:00.000Z',
    severity: 'critical',
    service: 'apex',
    title: 'Health',
    summary: '3 consecutive failed results: HTTP 503',
    at: Date.UTC(2026, 10, 30, 12),
    openedAt: Date.UTC(2026, 10, 30, 12),
    labels: { check: 'health' },
  };
  it('PagerDuty Events v2: trigger with a payload, resolve under the same dedup_key', () => {
    const ch = { type: 'pagerduty' as const, routingKey: 'rk-1234567890', url: PAGERDUTY_EVENTS_URL };
    const open = JSON.parse(render(ch, event).body) as Record<string, unknown>;
    assert.equal(open.event_action, 'trigger');
    assert.equal(open.dedup_key, event.incident);
    assert.equal((open.payload as Record<string, unknown>).severity, 'critical');
    assert.equal((open.payload as Record<string, unknown>).source, 'revgate-monitor/apex');
    const resolve = JSON.parse(render(ch, { ...event, kind: 'resolve', id: `${event.incident}#2` }).body) as Record<string, unknown>;
    assert.deepEqual(resolve, { routing_key: 'rk-1234567890', event_action: 'resolve', dedup_key: event.incident });
    assert.equal(render(ch, event).url, 'https://events.pagerduty.com/v2/enqueue');
  });
  it('Slack text, Teams Adaptive Card, generic webhook JSON with headers', () => {
    const slack = JSON.parse(render({ type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }, event).body) as { text: string };
    assert.match(slack.text, /\[FAILING\] apex: Health/);
    const teams = JSON.parse(render({ type: 'teams', url: 'https://prod.logic.azure.com/x' }, { ...event, kind: 'resolve' }).body) as {
      attachments: Array<{ contentType: string; content: { type: string; body: Array<{ text?: string }> } }>;
    };
    assert.equal(teams.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.match(teams.attachments[0]?.content.body[0]?.text ?? '', /\[RESOLVED\]/);
    const hook = render({ type: 'webhook', url: 'https://h.example/x', headers: { authorization: 'Bearer s3cr3t-value' } }, event);
    assert.equal(hook.headers.authorization, 'Bearer s3cr3t-value');
    assert.equal((JSON.parse(hook.body) as { incident: string }).incident, event.incident);
  });
  it('names every channel secret for the redactor', () => {
    const secrets = channelSecrets([
      { type: 'pagerduty', routingKey: 'rk-1234567890', url: PAGERDUTY_EVENTS_URL },
      { type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
      { type: 'webhook', url: 'https://u:pw-123456@h.example/x?sig=abcdef123456', headers: { 'x-key': 'k-123' } },
    ]).map((s) => s.value);
    assert.deepEqual(secrets, ['rk-1234567890', 'https://hooks.slack.com/services/T/B/X', 'pw-123456', 'abcdef123456', 'k-123']);
  });
});

describe('retention', () => {
  it('drops raw results, minute, hour and day rollups past their retention, and delivered notifications', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-prune-'));
    const { db, close } = openDb(path.join(dir, 'p.sqlite'));
    try {
      const DAY = 86_400_000;
      const now = Date.UTC(2026, 10, 30);
      transaction(db, () =>
        recordResults(
          db,
          [10, 3, 1].map((d) => ({ unit: 'u', at: now - d * DAY, status: 'passed' as const, durationMs: 1, maintenance: false })),
        ),
      );
      transaction(db, () => prune(db, now, { rawMs: 2 * DAY, minuteMs: 5 * DAY, hourMs: 9 * DAY, dayMs: 400 * DAY }));
      assert.equal(Number(db.get('SELECT count(*) AS n FROM results')?.n), 1);
      const count = (res: string): number => Number(db.get('SELECT count(*) AS n FROM rollups WHERE res = ?', [res])?.n);
      assert.deepEqual([count('m'), count('h'), count('d')], [2, 2, 3]);
    } finally {
      close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
