import { performance } from 'node:perf_hooks';
import type { APIRequestContext } from '@playwright/test';
import { describeSpecNetError } from './spec-net-errors.js';

const SENDING = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'fetch']);

/**
 * The `request` hand-written specs get: Playwright's own, except that a request that got no response (refused,
 * DNS, reset, TLS, timeout) throws the sentence a declared check reports for the same failure, with the
 * spec's own stack frames and Playwright's error as the cause, instead of the raw text and call log.
 */
export function withFriendlyNetworkErrors(context: APIRequestContext, baseUrl: string): APIRequestContext {
  return new Proxy(context, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !SENDING.has(prop) || typeof value !== 'function') return value;
      const send = value as (url: unknown, options?: unknown) => Promise<unknown>;
      return async (url: unknown, options?: unknown) => {
        const started = performance.now();
        try {
          return await send.call(target, url, options);
        } catch (err) {
          throw friendlier(err, requestUrl(url, baseUrl), performance.now() - started);
        }
      };
    },
  });
}

function requestUrl(url: unknown, baseUrl: string): string | undefined {
  try {
    if (typeof url === 'string') return new URL(url, baseUrl).href;
    const fromRequest = (url as { url?: () => string })?.url;
    return typeof fromRequest === 'function' ? fromRequest.call(url) : undefined;
  } catch {
    return undefined;
  }
}

function friendlier(err: unknown, url: string | undefined, durationMs: number): unknown {
  const net = describeSpecNetError(err as { message?: unknown; code?: unknown }, url, durationMs);
  if (!net) return err;
  const friendly = new Error(net.message, { cause: err });
  const frames = String((err as Error)?.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l));
  friendly.stack = [`Error: ${net.message}`, ...frames].join('\n');
  return friendly;
}
