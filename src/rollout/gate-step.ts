/**
 * The canary gate of one rollout step, run through the gate command's own adapter (src/gate/command.ts):
 * the same prepare, resolve, measure and verdict `revgate gate --canary URL --baseline URL` runs, inside
 * the rollout's run (its signal, redactor and output). Only the adapter's public shape is used, so the
 * gate's internals can change without touching the rollout.
 */
import type { Io } from '../core/io.js';
import { RevgateError, type Diagnostic } from '../core/errors.js';
import { gateAdapter, type GateOptions } from '../gate/command.js';
import type { RunContext } from '../run/command.js';
import { Problems } from '../run/problems.js';
import type { Verdict } from '../verdict/types.js';

/** What a rollout passes through to every step's gate. */
export interface GateSettings {
  criteria: string;
  profile?: string;
  config?: string;
  env?: string;
  /** Per step, e.g. 10m (default: the criteria's maxDuration, else 10m). */
  maxDuration?: string;
  maxRequests?: number;
  rate?: number;
  confidence?: number;
  allowHosts: string[];
  caFile?: string;
  maxInFlight?: number;
}

function gateOptions(s: GateSettings, canary: string, baseline: string): GateOptions {
  return {
    ...s,
    canary,
    baseline,
    sandbox: false,
    faults: [],
    allowHosts: [...s.allowHosts, ...[canary, baseline].map((u) => new URL(u).hostname)],
  };
}

/**
 * The gate's input problems (criteria, profile, config, flags) before anything starts, located by the
 * gate's flags; the revision URLs are not known yet, so two loopback placeholders stand in for them.
 */
export async function gateProblems(s: GateSettings, io: Io): Promise<Diagnostic[]> {
  const problems = new Problems();
  await gateAdapter(gateOptions(s, 'http://127.0.0.1:1', 'http://127.0.0.2:1')).prepare(problems, io);
  try {
    problems.throwIfAny();
    return [];
  } catch (err) {
    if (!(err instanceof RevgateError)) throw err;
    return err.diagnostics.length ? [...err.diagnostics] : [{ path: '--criteria', message: err.message }];
  }
}

/** Runs the gate for one step; its verdict as `revgate gate` would write it. */
export async function runGate(s: GateSettings, canary: string, baseline: string, ctx: RunContext): Promise<Verdict> {
  const command = gateAdapter(gateOptions(s, canary, baseline));
  const problems = new Problems();
  const prepared = await command.prepare(problems, ctx.io);
  problems.throwIfAny();
  const run = await command.resolve(prepared, undefined, ctx.io);
  for (const secret of run.secrets) ctx.redactor.add(secret.value, secret.label);
  const measured = await command.measure(run, ctx);
  return command.verdict(run, measured, { interrupted: ctx.signal.aborted });
}
