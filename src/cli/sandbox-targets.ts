/**
 * The sandbox targets the CLI injects with --sandbox: launchers the skeleton starts after every input
 * problem (faults included) has been checked, and stops after the run. Commands never import sandbox/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RevgateError } from '../core/errors.js';
import type { Launcher } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { ContainerAppTarget, GatewayEstate, RevisionPair, RevisionTarget } from '../run/targets.js';
import { parseArmFaults } from '../sandbox/aca-faults.js';
import { startAcaSandbox } from '../sandbox/aca.js';
import { startSandboxEstate } from '../sandbox/estate.js';
import { normalizeFaults } from '../sandbox/faults.js';
import { parseGatewayFaults } from '../sandbox/gateway-faults.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';

/** Fault problems located at --fault (or another flag), collected rather than thrown. */
function checkFaults(problems: Problems, flag: string, parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof RevgateError)) throw err;
    if (err.diagnostics.length) problems.addAll(err.diagnostics.map((d) => ({ ...d, path: `${flag} ${d.path.replace(/^\$\.faults/, '')}`.trim() })));
    else problems.add(flag, err.message);
  }
}

const withFaults = (faults: readonly string[]): string => (faults.length ? ` with faults: ${faults.join(' ')}` : '');

function revisionOf(s: RunningSandbox): RevisionTarget {
  return { url: s.url, revision: s.revision, token: s.token, ...(s.caPem ? { caPem: s.caPem } : {}) };
}

/** One sandbox revision (smoke, load). */
export function sandboxRevision(options: { faults: readonly string[]; tls?: boolean }): Launcher<RevisionTarget> {
  return {
    check: (problems) => checkFaults(problems, '--fault', () => normalizeFaults([...options.faults])),
    start: async (io) => {
      const s = await startSandbox({ faults: [...options.faults], ...(options.tls ? { tls: true } : {}) });
      io.err(`revgate: sandbox ${s.revision} at ${s.url}${withFaults(options.faults)}\n`);
      return { target: revisionOf(s), stop: () => s.stop() };
    },
  };
}

/**
 * Both sandbox revisions get a service time, as a real API has: a loopback app answering in 1-3 ms
 * would make "p95 at most 20% above baseline" a question about event-loop jitter of a few hundred
 * microseconds. Faults given with --fault come on top (latency adds up).
 */
export const SANDBOX_SERVICE_TIME = 'latency=20-40';

/** A healthy baseline and a canary with the given faults (gate). Both accept `token`. */
export function sandboxPair(options: { faults: readonly string[]; token: string }): Launcher<RevisionPair> {
  return {
    check: (problems) => checkFaults(problems, '--fault', () => normalizeFaults([...options.faults])),
    start: async (io) => {
      const baseline = await startSandbox({ revision: 'sandbox--stable', token: options.token, faults: [SANDBOX_SERVICE_TIME] });
      let canary: RunningSandbox;
      try {
        canary = await startSandbox({ revision: 'sandbox--canary', token: options.token, faults: [SANDBOX_SERVICE_TIME, ...options.faults] });
      } catch (err) {
        await baseline.stop();
        throw err;
      }
      io.err(
        `revgate: sandbox baseline ${baseline.revision} at ${baseline.url}, canary ${canary.revision} at ${canary.url}${withFaults(options.faults)} ` +
          `(both answer in ${SANDBOX_SERVICE_TIME.slice('latency='.length)} ms)\n`,
      );
      return {
        target: { canary: revisionOf(canary), baseline: revisionOf(baseline) },
        stop: async () => {
          await Promise.all([canary.stop(), baseline.stop()]);
        },
      };
    },
  };
}

/**
 * A container app on the sandbox's emulated control plane (discover, rollout): revision v1 in service
 * (100%, label stable) and the newest revision v2 (0%, label next) with the given faults, both with a
 * service time; ARM faults from --arm-fault. The credential reaches the emulated managed identity
 * endpoint through IDENTITY_ENDPOINT/IDENTITY_HEADER, set for the run and restored afterwards (as
 * Container Apps sets them for an app: @azure/identity reads them from the process environment only).
 */
export function sandboxContainerApp(options: { faults: readonly string[]; armFaults: readonly string[]; users?: number }): Launcher<ContainerAppTarget> {
  return {
    check: (problems) => {
      checkFaults(problems, '--fault', () => normalizeFaults([...options.faults]));
      checkFaults(problems, '--arm-fault', () => parseArmFaults([...options.armFaults]));
      if (options.users !== undefined && !(Number.isFinite(options.users) && options.users >= 0 && options.users <= 1000))
        problems.add('--users', `must be requests per second from 0 to 1000, got ${options.users}`);
    },
    start: async (io) => {
      const s = await startAcaSandbox({
        revisions: [
          { suffix: 'v1', faults: [SANDBOX_SERVICE_TIME] },
          { suffix: 'v2', faults: [SANDBOX_SERVICE_TIME, ...options.faults] },
        ],
        armFaults: [...options.armFaults],
        ...(options.users ? { users: options.users } : {}),
      });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-aca-'));
      const caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, s.caPem);
      const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
      process.env.IDENTITY_ENDPOINT = s.identity.endpoint;
      process.env.IDENTITY_HEADER = s.identity.header;
      const [v1, v2] = s.revisions();
      io.err(
        `revgate: sandbox container app ${s.ref.app} (resource group ${s.ref.resourceGroup}) behind an emulated ARM at ${s.armUrl}: ` +
          `${v1?.name} 100% (stable), ${v2?.name} 0% (next)${withFaults(options.faults)}${options.armFaults.length ? `; ARM faults: ${options.armFaults.join(' ')}` : ''}` +
          `${options.users ? `; ${options.users} real users' requests per second to the ingress` : ''}\n`,
      );
      return {
        target: {
          subscription: s.ref.subscription,
          resourceGroup: s.ref.resourceGroup,
          app: s.ref.app,
          armEndpoint: s.armUrl,
          caPem: s.caPem,
          caFile,
          token: s.token,
          identityHeader: s.identity.header,
          pollIntervalMs: 50,
          retryBaseMs: 100,
          stateDir: dir,
          metricsDelayMs: s.metricsDelayMs,
        },
        stop: async () => {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
          await s.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** A generated tenant estate behind the sandbox gateway (probe). */
export function sandboxEstate(options: { tenants: number; regions?: readonly string[]; faults: readonly string[] }): Launcher<GatewayEstate> {
  return {
    check: (problems) => checkFaults(problems, '--gateway-fault', () => parseGatewayFaults([...options.faults])),
    start: async (io) => {
      const s = await startSandboxEstate({
        tenants: options.tenants,
        ...(options.regions?.length ? { regions: [...options.regions] } : {}),
        faults: [...options.faults],
      });
      const where = Object.entries(s.gateway.urls)
        .map(([r, u]) => `${r} ${u}`)
        .join(', ');
      io.err(
        `revgate: sandbox gateway, ${s.estate.tenants.length} tenants on ${Object.keys(s.estate.cells).length} cells in ${where}${withFaults(options.faults)}\n`,
      );
      return { target: { catalog: s.catalog, dir: s.dir }, stop: () => s.stop() };
    },
  };
}

/** Flags that only mean something with --sandbox are a problem without it; the message names every such flag of the command. */
export function requireSandboxFor(problems: Problems, sandbox: boolean, flags: ReadonlyArray<readonly [string, boolean]>): void {
  if (sandbox) return;
  const given = flags.filter(([, set]) => set).map(([flag]) => flag);
  if (!given.length) return;
  const names = flags.map(([flag]) => flag);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  problems.add(names[0] as string, `${list} only appl${names.length === 1 ? 'ies' : 'y'} with --sandbox`);
}
