/**
 * Where load may go. Load is a weapon pointed at a host: it is only sent to loopback (the sandbox,
 * local runs) or to hosts the profile lists in `allowedHosts`, and never to a production
 * environment without --allow-production. Checked before anything is sent.
 */
import net from 'node:net';
import type { Diagnostic } from '../core/errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1';
}

/** `*.example.com` matches any subdomain (not example.com itself); anything else matches exactly. Case-insensitive. */
export function hostMatches(pattern: string, hostname: string): boolean {
  const p = pattern.toLowerCase().trim();
  const h = hostname.toLowerCase();
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : p === h;
}

export interface TargetCheck {
  baseUrl: string;
  allowedHosts: readonly string[];
  production: boolean;
  allowProduction: boolean;
}

/** Every reason the target may not receive load; empty when it may. */
export function checkTarget(t: TargetCheck): Diagnostic[] {
  let url: URL;
  try {
    url = new URL(t.baseUrl);
  } catch {
    return [{ path: '--base-url', message: `"${t.baseUrl}" is not a URL` }];
  }
  const problems: Diagnostic[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: '--base-url', message: `must be http(s), got ${url.protocol}` });
  const host = url.hostname;
  if (!isLoopbackHost(host) && !t.allowedHosts.some((p) => hostMatches(p, host))) {
    problems.push({
      path: '$.allowedHosts',
      message: `host "${host}" is not allowed: add it (or a *.domain pattern) to the profile's allowedHosts; loopback is always allowed${t.allowedHosts.length ? ` (allowed: ${t.allowedHosts.join(', ')})` : ''}`,
    });
  }
  if (t.production && !t.allowProduction)
    problems.push({ path: '--env', message: 'the target is a production environment: pass --allow-production to send load to it' });
  return problems;
}
