/**
 * The outbox: each alert state change is written with the state itself, one row per channel, in one
 * transaction; delivery happens afterwards and marks the row. So a change is notified at least once (a crash
 * between sending and marking re-sends it; PagerDuty's dedup_key absorbs that) and never twice because of a
 * restart (the state that caused it is already saved). A failed delivery is retried with exponential backoff;
 * rows of one channel go out in order, so a resolve never overtakes its alert.
 */
import { Agent, request } from 'undici';
import type { Db } from './db.js';
import { channelName, render, type AlertEvent } from './notify.js';
import type { Channel } from './settings.js';

export function enqueue(db: Db, channels: readonly Channel[], event: AlertEvent, now: number): void {
  const st = db.prepare('INSERT OR IGNORE INTO outbox (event_id, channel, event, created_at, next_at) VALUES (?, ?, ?, ?, ?)');
  try {
    channels.forEach((c, i) => st.run([event.id, channelName(c, i), JSON.stringify(event), now, now]));
  } finally {
    st.finalize();
  }
}

export interface DeliveryOptions {
  /** First retry after this, doubling up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  /** Masks error text before it is stored or printed. */
  mask: (s: string) => string;
  onDelivered?: (channel: string, event: AlertEvent) => void;
  onFailed?: (channel: string, event: AlertEvent, error: string, attempt: number) => void;
}

export interface DeliveryPass {
  delivered: number;
  failed: number;
  /** Rows still waiting (due later or failing). */
  pending: number;
}

export function pendingCount(db: Db): number {
  return Number(db.get('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL')?.n ?? 0);
}

export class Deliverer {
  readonly #agent = new Agent({ connect: { timeout: 10_000, rejectUnauthorized: true }, keepAliveTimeout: 4_000 });
  #busy: Promise<DeliveryPass> | undefined;

  constructor(
    private readonly db: Db,
    private readonly channels: readonly Channel[],
    private readonly options: DeliveryOptions,
  ) {}

  /** One pass over the rows that are due; concurrent callers share the pass in flight. */
  deliverDue(now: () => number = Date.now): Promise<DeliveryPass> {
    this.#busy ??= this.#pass(now).finally(() => (this.#busy = undefined));
    return this.#busy;
  }

  async #pass(now: () => number): Promise<DeliveryPass> {
    const rows = this.db.all('SELECT id, channel, event, attempts FROM outbox WHERE delivered_at IS NULL AND next_at <= ? ORDER BY id LIMIT 200', [now()]);
    const blocked = new Set<string>();
    // A channel with an older undelivered row that is not due yet is blocked too: order per channel.
    for (const r of this.db.all('SELECT channel, min(id) AS first FROM outbox WHERE delivered_at IS NULL GROUP BY channel'))
      if (!rows.some((x) => x.id === r.first)) blocked.add(String(r.channel));
    let delivered = 0;
    let failed = 0;
    for (const r of rows) {
      const channel = String(r.channel);
      if (blocked.has(channel)) continue;
      const index = Number(channel.split(':')[0]);
      const target = this.channels[index];
      const event = JSON.parse(String(r.event)) as AlertEvent;
      const attempt = Number(r.attempts) + 1;
      const error = target ? await this.#send(render(target, event)) : `channel ${channel} is no longer configured`;
      if (error === undefined) {
        this.db.run('UPDATE outbox SET delivered_at = ?, attempts = ?, last_error = NULL WHERE id = ?', [now(), attempt, Number(r.id)]);
        delivered++;
        this.options.onDelivered?.(channel, event);
      } else {
        const wait = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.min(20, attempt - 1));
        const masked = this.options.mask(error);
        this.db.run('UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?', [attempt, now() + wait, masked, Number(r.id)]);
        failed++;
        blocked.add(channel);
        this.options.onFailed?.(channel, event, masked, attempt);
      }
    }
    return { delivered, failed, pending: pendingCount(this.db) };
  }

  async #send(req: { url: string; headers: Record<string, string>; body: string }): Promise<string | undefined> {
    try {
      const res = await request(req.url, {
        dispatcher: this.#agent,
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.body.text().catch(() => '');
      if (res.statusCode >= 200 && res.statusCode < 300) return undefined;
      return `HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : `${(err as Error).message ?? String(err)}`;
    }
  }

  async close(): Promise<void> {
    await this.#busy?.catch(() => undefined);
    await this.#agent.close().catch(() => undefined);
  }
}
