/**
 * Faults for the sandbox gateway: any revision fault (latency, errors, down, ...) or a gateway fault
 * (isolation-leak, rate-limited), scoped to one tenant, cell or region, or to everything.
 *
 * String grammar: `[tenant|cell|region=NAME:]FAULT`, e.g. `cell=shared-smb-eastus-01:errors,status=503`,
 * `tenant=t0042-basic:latency=800`, `region=westeurope:down`, `cell=shared-smb-eastus-01:isolation-leak,mode=body`,
 * `tenant=t0007-premium:rate-limited,first=1,retry-after=1`.
 */
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import { parseFault, type FaultSpec } from './faults.js';

export type GatewayScope = { tenant: string } | { cell: string } | { region: string } | Record<string, never>;

/**
 * isolation-leak modes: `cross` accepts a key for another tenant's id, `anonymous` accepts requests without a
 * key, `body` adds a neighbour tenant's id to responses (a cache shared across tenants).
 */
export interface IsolationLeakFault {
  kind: 'isolation-leak';
  mode: 'cross' | 'anonymous' | 'body';
}
/** 429 with Retry-After for matching requests (the first N only, when `first` is set). */
export interface RateLimitedFault {
  kind: 'rate-limited';
  retryAfter: number;
  first?: number;
}

export type GatewayFaultKind = IsolationLeakFault | RateLimitedFault;

export interface GatewayFault {
  scope: GatewayScope;
  fault: FaultSpec | GatewayFaultKind;
  /** The string it was given as, for state and messages. */
  text: string;
}

const SCOPE = /^(tenant|cell|region)=([A-Za-z0-9][A-Za-z0-9._-]*):(.+)$/;

function parseGatewayKind(spec: string): GatewayFaultKind | undefined {
  const [head = '', ...opts] = spec.split(',').map((s) => s.trim());
  if (head !== 'isolation-leak' && head !== 'rate-limited') return undefined;
  const options = new Map<string, string>();
  for (const o of opts) {
    const at = o.indexOf('=');
    if (at <= 0) throw new Error(`option "${o}" must be key=value`);
    options.set(o.slice(0, at), o.slice(at + 1));
  }
  if (head === 'isolation-leak') {
    const mode = options.get('mode') ?? 'cross';
    for (const k of options.keys()) if (k !== 'mode') throw new Error(`isolation-leak takes only mode=cross|anonymous|body, not "${k}"`);
    if (mode !== 'cross' && mode !== 'anonymous' && mode !== 'body') throw new Error(`isolation-leak mode must be cross, anonymous or body, got "${mode}"`);
    return { kind: 'isolation-leak', mode };
  }
  for (const k of options.keys()) if (k !== 'first' && k !== 'retry-after') throw new Error(`rate-limited takes first=N and retry-after=SECONDS, not "${k}"`);
  const retryAfter = Number(options.get('retry-after') ?? '1');
  const first = options.has('first') ? Number(options.get('first')) : undefined;
  if (!Number.isInteger(retryAfter) || retryAfter < 0 || retryAfter > 86_400) throw new Error('rate-limited retry-after must be whole seconds 0-86400');
  if (first !== undefined && (!Number.isInteger(first) || first < 1)) throw new Error('rate-limited first must be a whole number from 1');
  return { kind: 'rate-limited', retryAfter, ...(first !== undefined ? { first } : {}) };
}

export function parseGatewayFault(text: string): GatewayFault {
  const trimmed = text.trim();
  const m = SCOPE.exec(trimmed);
  const scope: GatewayScope = m ? ({ [m[1] as string]: m[2] as string } as GatewayScope) : {};
  const body = m ? (m[3] as string) : trimmed;
  const gateway = parseGatewayKind(body);
  return { scope, fault: gateway ?? parseFault(body), text: trimmed };
}

/** Parses every fault, collecting all problems (exit 3 from the CLI, 400 from the control API). */
export function parseGatewayFaults(input: readonly unknown[]): GatewayFault[] {
  const out: GatewayFault[] = [];
  const problems: Diagnostic[] = [];
  input.forEach((item, i) => {
    if (typeof item !== 'string') {
      problems.push({ path: `$.faults[${i}]`, message: 'gateway faults are strings: [tenant|cell|region=NAME:]FAULT' });
      return;
    }
    try {
      out.push(parseGatewayFault(item));
    } catch (err) {
      problems.push({ path: `$.faults[${i}]`, message: `invalid gateway fault "${item}": ${(err as Error).message}` });
    }
  });
  if (problems.length) throw new RevgateError(ErrorCodes.Usage, problems.map((p) => p.message).join('; '), problems);
  return out;
}

export interface RequestScope {
  region: string;
  tenant?: string;
  cell?: string;
}

export function scopeMatches(scope: GatewayScope, at: RequestScope): boolean {
  if ('tenant' in scope) return scope.tenant === at.tenant;
  if ('cell' in scope) return scope.cell === at.cell;
  if ('region' in scope) return scope.region === at.region;
  return true;
}

export const isGatewayKind = (f: GatewayFault['fault']): f is GatewayFaultKind => f.kind === 'isolation-leak' || f.kind === 'rate-limited';
