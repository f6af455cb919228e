/**
 * What an alert event looks like on each channel. Pure: `render(channel, event)` -> the request to send.
 * Secrets (routing keys, webhook URLs, header values) enter only here, at send time: the outbox stores the
 * event, never the rendered request.
 */
import type { Channel } from './settings.js';

export interface AlertEvent {
  /** One state change: the outbox's key. */
  id: string;
  kind: 'open' | 'remind' | 'resolve';
  /** `check:<id>`, `tenant:<id>/<region>`, `tenant:<id>` (N of M regions), each optionally `:degraded`. */
  subject: string;
  /** Names the incident across open, reminders and resolve; PagerDuty's dedup_key. */
  incident: string;
  severity: 'critical' | 'warning';
  service: string;
  title: string;
  /** One line: what is wrong (or that it recovered), with numbers. */
  summary: string;
  at: number;
  openedAt: number;
  labels: { check?: string; tenant?: string; region?: string };
  /** For N-of-M subjects: the regions down when the event was raised. */
  regions?: string[];
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const json = (url: string, body: unknown, headers: Record<string, string> = {}): OutgoingRequest => ({
  url,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function headline(e: AlertEvent): string {
  const what = e.kind === 'resolve' ? 'RESOLVED' : e.kind === 'remind' ? 'STILL FAILING' : e.severity === 'warning' ? 'DEGRADED' : 'FAILING';
  return `[${what}] ${e.service}: ${e.title}`;
}

export function render(channel: Channel, e: AlertEvent): OutgoingRequest {
  switch (channel.type) {
    case 'webhook':
      return json(
        channel.url,
        { version: 1, source: 'revgate-monitor', ...e, at: new Date(e.at).toISOString(), openedAt: new Date(e.openedAt).toISOString() },
        channel.headers,
      );
    case 'pagerduty':
      // Events API v2: the same dedup_key triggers (reminders re-trigger the same incident) and resolves.
      return json(channel.url, {
        routing_key: channel.routingKey,
        event_action: e.kind === 'resolve' ? 'resolve' : 'trigger',
        dedup_key: e.incident,
        ...(e.kind === 'resolve'
          ? {}
          : {
              payload: {
                summary: `${headline(e)}: ${e.summary}`.slice(0, 1024),
                source: `revgate-monitor/${e.service}`,
                severity: e.severity === 'warning' ? 'warning' : 'critical',
                timestamp: new Date(e.at).toISOString(),
                component: e.labels.check ?? e.labels.tenant ?? e.subject,
                group: e.labels.region ?? e.service,
                class: e.subject.split(':')[0],
                custom_details: {
                  subject: e.subject,
                  incident: e.incident,
                  opened_at: new Date(e.openedAt).toISOString(),
                  ...e.labels,
                  ...(e.regions ? { regions: e.regions } : {}),
                },
              },
            }),
      });
    case 'slack':
      return json(channel.url, {
        text: `${e.kind === 'resolve' ? ':white_check_mark:' : e.severity === 'warning' ? ':warning:' : ':rotating_light:'} *${headline(e)}*\n${e.summary}\n_incident ${e.incident}_`,
      });
    case 'teams':
      // Teams workflow webhooks (the successor of Office 365 connectors) take an Adaptive Card in a message.
      return json(channel.url, {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                {
                  type: 'TextBlock',
                  size: 'Medium',
                  weight: 'Bolder',
                  wrap: true,
                  text: headline(e),
                  color: e.kind === 'resolve' ? 'Good' : e.severity === 'warning' ? 'Warning' : 'Attention',
                },
                { type: 'TextBlock', wrap: true, text: e.summary },
                {
                  type: 'FactSet',
                  facts: [
                    { title: 'Incident', value: e.incident },
                    { title: 'Opened', value: new Date(e.openedAt).toISOString() },
                    ...Object.entries(e.labels).map(([title, value]) => ({ title, value: String(value) })),
                  ],
                },
              ],
            },
          },
        ],
      });
  }
}

/** A channel's name in the outbox and in messages: its position and type, never its URL (Slack and Teams URLs are secrets). */
export function channelName(channel: Channel, index: number): string {
  return `${index}:${channel.type}`;
}

/** The secrets each channel carries, for the run's redactor. */
export function channelSecrets(channels: readonly Channel[]): Array<{ value: string; label: string }> {
  const out: Array<{ value: string; label: string }> = [];
  channels.forEach((c, i) => {
    const label = `monitor.notify[${i}]`;
    if (c.type === 'pagerduty') out.push({ value: c.routingKey, label: `${label}.routingKey` });
    if (c.type === 'slack' || c.type === 'teams') out.push({ value: c.url, label: `${label}.url` });
    if (c.type === 'webhook') {
      const u = new URL(c.url);
      if (u.password) out.push({ value: u.password, label: `${label}.url password` });
      for (const [, v] of u.searchParams) if (v.length >= 8) out.push({ value: v, label: `${label}.url query` });
      for (const [k, v] of Object.entries(c.headers)) out.push({ value: v, label: `${label}.headers.${k}` });
    }
  });
  return out.filter((s) => s.value.length > 0);
}
