/**
 * Real users for the sandbox container app: requests at a steady rate to the app's ingress, which
 * sends each to a revision by ARM's weights, so a canary at 10% serves a tenth of them, and its
 * counters (and the metrics endpoint) see real traffic beside the gate's synthetic requests.
 */
import { Agent, request } from 'undici';

/** What the users ask for: the seed app's public routes. */
const PATHS = ['/health', '/health/live', '/health/ready', '/api/v1/prediction/health', '/metrics', '/'];

export interface Users {
  setRate(perSecond: number): void;
  rate(): number;
  stop(): Promise<void>;
}

export function startUsers(options: { url: string; caPem: string; perSecond: number }): Users {
  const dispatcher = new Agent({ connect: { ca: options.caPem }, connections: 32 });
  let perSecond = 0;
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  let inFlight = 0;
  const tickMs = 50;
  let owed = 0;
  const tick = (): void => {
    owed += (perSecond * tickMs) / 1000;
    for (; owed >= 1; owed--) {
      // A user who would wait behind 200 others gives up: the sandbox must not pile up requests.
      if (inFlight >= 200) continue;
      const path = PATHS[sent++ % PATHS.length] as string;
      inFlight++;
      request(`${options.url}${path}`, { dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 })
        .then((r) => r.body.dump())
        .catch(() => undefined)
        .finally(() => inFlight--);
    }
  };
  const setRate = (n: number): void => {
    perSecond = Math.max(0, n);
    if (perSecond > 0 && !timer) {
      timer = setInterval(tick, tickMs);
      timer.unref();
    } else if (perSecond === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  setRate(options.perSecond);
  return {
    setRate,
    rate: () => perSecond,
    stop: async () => {
      setRate(0);
      await dispatcher.destroy();
    },
  };
}
