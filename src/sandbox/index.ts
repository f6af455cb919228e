/**
 * The local sandbox: one revision of the seed apps on one loopback listener, with injectable faults
 * and a control API. `npm start`, the e2e tests and users' local runs point at it.
 */
import { randomBytes } from 'node:crypto';
import { RevgateError, ErrorCodes } from '../core/errors.js';
import { handleControl, type ControlTarget } from './control.js';
import { CONTROL_PREFIX, normalizeFaults, seededRandom, type FaultSpec, type TlsExpiryFault } from './faults.js';
import { handleIdentity, IDENTITY_PATH, SANDBOX_AUDIENCE } from './identity.js';
import { assertLoopback, listen } from './listener.js';
import { createRevisionApp, type SandboxState } from './revision-app.js';
import { createCertificates } from './tls.js';

export type {
  FaultSpec,
  FaultKind,
  FaultScope,
  LatencyFault,
  ErrorsFault,
  DownFault,
  WrongBodyFault,
  LoginPageFault,
  ReadyFailFault,
  SlowStartFault,
  TlsExpiryFault,
  RedirectLoopFault,
  HugeBodyFault,
} from './faults.js';
export { parseFault, formatFault, normalizeFaults, seededRandom, FAULT_KINDS, CONTROL_PREFIX } from './faults.js';
export type { SandboxState } from './revision-app.js';
// Building blocks for hosts that compose several revisions (a weighted ingress) on one listener.
export { createRevisionApp, type RevisionApp, type RevisionAppOptions } from './revision-app.js';
export { handleControl, isControlPath, type ControlTarget } from './control.js';
export { listen, assertLoopback, type Listener, type ListenerOptions, type RequestHandler } from './listener.js';
export { createCertificates, type SandboxCertificates } from './tls.js';
export { IDENTITY_PATH, SANDBOX_AUDIENCE } from './identity.js';
// The APIM-like gateway in front of a generated stamps estate (tenant probes).
export { startGateway, DEFAULT_TIER_LIMITS, type GatewayOptions, type RunningGateway, type GatewayState, type TierLimit } from './gateway.js';
export { generateEstate, type StampsEstate, type GatewayTenant, type GatewayCell } from './gateway-catalog.js';
export { parseGatewayFault, parseGatewayFaults, type GatewayFault } from './gateway-faults.js';

export interface SandboxOptions {
  /** Default '127.0.0.1'. Only loopback (127.0.0.0/8, ::1, localhost) is accepted: the control API has no auth. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Serve https with a generated throw-away CA (see `caPem`); implied by a tls-expiry fault. */
  tls?: boolean;
  /** Fault strings (`kind[=value][,key=value...]`) or objects; all are validated before anything starts. */
  faults?: Array<string | FaultSpec>;
  /** Bearer token the authenticated routes accept; random (32 bytes, base64url) when absent. */
  token?: string;
  /** Default 'sandbox--rev1'; appears in /health, /tenant/health and metrics. */
  revision?: string;
  /** App version, default '1.0.0'. */
  version?: string;
  /** Request log sink, one line per request. Authorization and secret-looking query values are never logged. */
  log?: (line: string) => void;
  /** Seed for the fault PRNG, so `rate=` faults hit the same requests on every run. Default: random. */
  seed?: number;
  /** Random source in [0, 1) for faults; overrides `seed`. */
  random?: () => number;
}

export interface RunningSandbox {
  /** e.g. 'http://127.0.0.1:43121' (no trailing slash). */
  url: string;
  revision: string;
  /** The accepted bearer token: a secret, treat it like one. */
  token: string;
  /** PEM of the throw-away CA when serving https; pass it as `ca` to clients. */
  caPem?: string;
  /**
   * The emulated managed identity endpoint (Container Apps' IDENTITY_ENDPOINT protocol): with these as
   * IDENTITY_ENDPOINT and IDENTITY_HEADER, DefaultAzureCredential gets `token` for scope `${audience}/.default`.
   * `header` is a secret.
   */
  identity: { endpoint: string; header: string; audience: string };
  /**
   * Replaces the faults at run time; throws RevgateError(Usage) on a bad spec. A tls-expiry fault
   * belongs to the listener's certificate: it stays in effect and can only be repeated with the same value.
   */
  setFaults(faults: Array<string | FaultSpec>): void;
  /** Removes every fault except the listener's tls-expiry (the certificate cannot change). */
  clearFaults(): void;
  faults(): FaultSpec[];
  state(): SandboxState;
  /** Closes the listener and destroys every socket, keep-alive and mid-delay ones included. */
  stop(): Promise<void>;
}

function usage(message: string): RevgateError {
  return new RevgateError(ErrorCodes.Usage, message);
}

function checkOptions(options: SandboxOptions): void {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`sandbox port must be an integer 0-65535, got ${String(options.port)}`);
  if (options.token !== undefined && !/^\S+$/.test(options.token)) throw usage('sandbox token must be a non-empty string without whitespace');
  if (options.revision !== undefined && !/^[\w.-]+$/.test(options.revision)) {
    throw usage(`sandbox revision must be letters, digits, ".", "_" or "-", got ${JSON.stringify(options.revision)}`);
  }
  if (options.version !== undefined && options.version.trim() === '') throw usage('sandbox version must not be empty');
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  checkOptions(options);
  const initial = normalizeFaults(options.faults ?? []);
  const tlsFault = initial.find((f): f is TlsExpiryFault => f.kind === 'tls-expiry');
  // tls: false reads as "not asked for" (CLIs pass their default), so a tls-expiry fault still turns https on.
  const certs = options.tls || tlsFault ? await createCertificates(tlsFault ? { days: tlsFault.days } : {}) : undefined;

  const revision = options.revision ?? 'sandbox--rev1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const identity = { header: randomBytes(24).toString('base64url'), token, audience: SANDBOX_AUDIENCE };
  const app = createRevisionApp({
    revision,
    version: options.version ?? '1.0.0',
    token,
    faults: initial,
    random: options.random ?? seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0)),
    ...(options.log ? { log: options.log } : {}),
  });

  const setFaults = (input: Array<string | FaultSpec>): void => {
    const next = normalizeFaults(input);
    const asked = next.find((f): f is TlsExpiryFault => f.kind === 'tls-expiry');
    if (asked && asked.days !== tlsFault?.days) {
      throw usage(
        tlsFault
          ? `tls-expiry is fixed when the sandbox starts (running with tls-expiry=${tlsFault.days}); restart it to change the certificate`
          : 'tls-expiry is fixed when the sandbox starts; pass it to startSandbox (or --fault) instead of setting it at run time',
      );
    }
    app.setFaults([...next.filter((f) => f.kind !== 'tls-expiry'), ...(tlsFault ? [tlsFault] : [])]);
  };
  const clearFaults = (): void => app.setFaults(tlsFault ? [tlsFault] : []);
  const control: ControlTarget = { setFaults, clearFaults, faults: () => app.faults(), state: () => app.state(), reset: () => app.reset() };

  const listener = await listen(
    (req, res) => {
      const url = req.url ?? '/';
      if (url === IDENTITY_PATH || url.startsWith(`${IDENTITY_PATH}?`)) handleIdentity(req, res, identity);
      else if (url.startsWith(CONTROL_PREFIX)) handleControl(req, res, control);
      else app.handle(req, res);
    },
    { host, port: options.port ?? 0, ...(certs ? { tls: { certPem: certs.certPem, keyPem: certs.keyPem } } : {}) },
  );
  options.log?.(`sandbox ${revision} listening on ${listener.url}`);

  return {
    url: listener.url,
    revision,
    token,
    ...(certs ? { caPem: certs.caPem } : {}),
    identity: { endpoint: `${listener.url}${IDENTITY_PATH}`, header: identity.header, audience: SANDBOX_AUDIENCE },
    setFaults,
    clearFaults,
    faults: () => app.faults(),
    state: () => app.state(),
    stop: async () => {
      app.close();
      await listener.close();
    },
  };
}
