/**
 * Faults of the emulated Azure Resource Manager (the sandbox control plane), the answers a client of
 * ARM must cope with:
 *
 *   throttle[=N][,retry-after=S]     the next N requests (default 1) answer 429 with Retry-After: S (default 1)
 *   lock-conflict[=N]                the next N writes answer 409 ContainerAppLockConflict
 *   server-error[=N][,status=503]    the next N requests answer 500/502/503/504
 *   operation-fail[=N]               the next N long-running updates end Failed (the error is in the Azure-AsyncOperation status)
 *   slow-operation=MS                long-running updates take MS milliseconds (default 150)
 *   unauthorized                     every request answers 401 InvalidAuthenticationToken
 *   forbidden[=write]                every request (or every write) answers 403 AuthorizationFailed
 *
 * Count faults are used up as they fire; `unauthorized`, `forbidden` and `slow-operation` stay until cleared.
 */
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';

export type ArmFault =
  | { kind: 'throttle'; count: number; retryAfter: number }
  | { kind: 'lock-conflict'; count: number }
  | { kind: 'server-error'; count: number; status: number }
  | { kind: 'operation-fail'; count: number }
  | { kind: 'slow-operation'; ms: number }
  | { kind: 'unauthorized' }
  | { kind: 'forbidden'; writesOnly: boolean };

export const ARM_FAULT_KINDS = ['throttle', 'lock-conflict', 'server-error', 'operation-fail', 'slow-operation', 'unauthorized', 'forbidden'] as const;

function wholeNumber(value: string | undefined, what: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function parseArmFault(text: string): ArmFault {
  const [head = '', ...opts] = text
    .trim()
    .split(',')
    .map((s) => s.trim());
  const [kind = '', value] = head.split('=', 2) as [string, string | undefined];
  const options = new Map<string, string>();
  for (const o of opts) {
    const at = o.indexOf('=');
    if (at <= 0) throw new Error(`option "${o}" must be key=value`);
    options.set(o.slice(0, at), o.slice(at + 1));
  }
  const only = (...allowed: string[]): void => {
    for (const k of options.keys())
      if (!allowed.includes(k)) throw new Error(`${kind} does not take "${k}"${allowed.length ? ` (only ${allowed.join(', ')})` : ''}`);
  };
  switch (kind) {
    case 'throttle':
      only('retry-after');
      return {
        kind,
        count: wholeNumber(value, 'throttle count', 1, 1000, 1),
        retryAfter: wholeNumber(options.get('retry-after'), 'throttle retry-after', 0, 3600, 1),
      };
    case 'lock-conflict':
      only();
      return { kind, count: wholeNumber(value, 'lock-conflict count', 1, 1000, 1) };
    case 'server-error': {
      only('status');
      const status = wholeNumber(options.get('status'), 'server-error status', 500, 599, 500);
      return { kind, count: wholeNumber(value, 'server-error count', 1, 1000, 1), status };
    }
    case 'operation-fail':
      only();
      return { kind, count: wholeNumber(value, 'operation-fail count', 1, 1000, 1) };
    case 'slow-operation':
      only();
      if (value === undefined) throw new Error('slow-operation needs a duration in ms: slow-operation=2000');
      return { kind, ms: wholeNumber(value, 'slow-operation', 0, 600_000, 0) };
    case 'unauthorized':
      only();
      if (value !== undefined) throw new Error('unauthorized takes no value');
      return { kind };
    case 'forbidden':
      only();
      if (value !== undefined && value !== 'write') throw new Error('forbidden takes no value, or "write" for writes only');
      return { kind, writesOnly: value === 'write' };
    default:
      throw new Error(`unknown ARM fault "${kind}"; known: ${ARM_FAULT_KINDS.join(', ')}`);
  }
}

/** Parses every fault, collecting all problems (exit 3 from the CLI, 400 from the control API). */
export function parseArmFaults(input: readonly unknown[]): ArmFault[] {
  const out: ArmFault[] = [];
  const problems: Diagnostic[] = [];
  input.forEach((item, i) => {
    if (typeof item !== 'string') {
      problems.push({ path: `$.faults[${i}]`, message: 'ARM faults are strings, e.g. "throttle=2,retry-after=1"' });
      return;
    }
    try {
      out.push(parseArmFault(item));
    } catch (err) {
      problems.push({ path: `$.faults[${i}]`, message: `"${item}": ${(err as Error).message}` });
    }
  });
  if (problems.length) throw new RevgateError(ErrorCodes.Usage, `${problems.length} invalid ARM fault${problems.length === 1 ? '' : 's'}`, problems);
  return out;
}

/** The faults in force, used up as they fire. */
export class ArmFaultState {
  #faults: ArmFault[] = [];

  set(faults: readonly ArmFault[]): void {
    this.#faults = faults.map((f) => ({ ...f }));
  }

  list(): ArmFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** A fault that answers this request instead of the emulator, used up if it counts. */
  take(write: boolean): ArmFault | undefined {
    const f = this.#faults.find(
      (x) =>
        x.kind === 'unauthorized' ||
        (x.kind === 'forbidden' && (!x.writesOnly || write)) ||
        x.kind === 'throttle' ||
        x.kind === 'server-error' ||
        (x.kind === 'lock-conflict' && write),
    );
    if (f && 'count' in f) this.#useOne(f);
    return f;
  }

  /** Whether the next long-running update fails (used up if so). */
  takeOperationFailure(): boolean {
    const f = this.#faults.find((x) => x.kind === 'operation-fail');
    if (!f) return false;
    this.#useOne(f);
    return true;
  }

  operationMs(fallback: number): number {
    const f = this.#faults.find((x): x is Extract<ArmFault, { kind: 'slow-operation' }> => x.kind === 'slow-operation');
    return f ? f.ms : fallback;
  }

  #useOne(f: ArmFault & { count: number }): void {
    f.count -= 1;
    if (f.count <= 0) this.#faults = this.#faults.filter((x) => x !== f);
  }
}
