/**
 * The sandbox's Azure Container Apps control plane: one container app with revisions that are real
 * sandbox servers, behind
 *
 * - an emulated Azure Resource Manager (https, aca-arm.ts) that reads and changes the app's traffic;
 * - the app's ingress (https), which splits requests by the weights set through ARM;
 * - each revision's own FQDN (an https listener per revision, healthy or faulty);
 * - a managed identity endpoint (http, as Container Apps gives one: IDENTITY_ENDPOINT/IDENTITY_HEADER)
 *   that hands out the token ARM accepts, so the real @azure/identity credential gets it;
 * - a control API under /__sandbox/aca/ on the ARM listener: state, deploy a revision, change a
 *   revision's faults or ARM state, ARM faults.
 *
 * Every https listener uses one throw-away CA (`caPem`): clients trust it through their own options
 * (the SDK's pipeline tlsOptions, revgate's --ca-file), never by turning verification off.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import { ArmFaultState, parseArmFaults } from './aca-faults.js';
import { handleArm, type ArmRequestRecord } from './aca-arm.js';
import { appDoc, revisionDoc, type RevisionSpec } from './aca-docs.js';
import { ingressHandler } from './aca-ingress.js';
import { handleMetrics, RequestLedger } from './aca-metrics.js';
import { startUsers, type Users } from './aca-users.js';
import { AcaModel, type AcaRef, type Json } from './aca-model.js';
import { normalizeFaults, seededRandom } from './faults.js';
import { BodyTooLargeError, parseJson, readBody, sendJson, sendTooLarge } from './http-util.js';
import { handleIdentity, IDENTITY_PATH, type IdentityEndpoint } from './identity.js';
import { listen, type Listener } from './listener.js';
import { createRevisionApp, type RevisionApp, type SandboxState } from './revision-app.js';
import { createCertificates } from './tls.js';

export type { RevisionSpec } from './aca-docs.js';

export const ACA_CONTROL_PREFIX = '/__sandbox/aca/';

export interface AcaSandboxOptions {
  app?: string;
  resourceGroup?: string;
  subscription?: string;
  /** Revisions in creation order (the last is the latest); default v1 and v2. */
  revisions?: RevisionSpec[];
  /** The initial traffic table; default the first revision at 100% labelled stable, the latest at 0% labelled next. */
  traffic?: Array<{ revisionName?: string; latestRevision?: boolean; weight: number; label?: string }>;
  /** ARM faults in force at start (aca-faults.ts syntax). */
  armFaults?: string[];
  /** How long a traffic update's long-running operation takes; default 150 ms. */
  operationMs?: number;
  /** Bearer token the revisions' authenticated routes accept (a secret); random when absent. */
  token?: string;
  seed?: number;
  host?: string;
  /** Real users: requests per second to the ingress (default 0); change with PUT /__sandbox/aca/users. */
  users?: number;
  /** Azure Monitor's ingestion delay for the metrics endpoint; default 2,000 ms (Azure: typically 1-3 minutes). */
  metricsDelayMs?: number;
  /**
   * Serve these ARM documents instead of starting revisions (contract tests seed it from Microsoft's
   * examples): no revision servers, so the ingress has nothing to route to.
   */
  documents?: { ref: AcaRef; app: Json; revisions: Json[] };
}

export interface AcaRevisionHost {
  name: string;
  url: string;
  app: RevisionApp;
  listener: Listener;
}

export interface RunningAcaSandbox {
  ref: AcaRef;
  /** The ARM endpoint, e.g. https://127.0.0.1:40123 (pass as --arm-endpoint). */
  armUrl: string;
  /** The app's ingress (weighted by ARM's traffic table). */
  ingressUrl: string;
  /** PEM of the CA every https listener's certificate is signed by. */
  caPem: string;
  /** IDENTITY_ENDPOINT / IDENTITY_HEADER for DefaultAzureCredential; `header` is a secret. */
  identity: { endpoint: string; header: string };
  /** The revisions' bearer token (a secret). */
  token: string;
  model: AcaModel;
  revisions(): Array<{ name: string; url: string }>;
  /** Deploys a new revision (it becomes the latest); returns its name. */
  deployRevision(spec: RevisionSpec): Promise<string>;
  setRevisionFaults(name: string, faults: string[]): void;
  setArmFaults(faults: string[]): void;
  /** Per revision: its counters (requests by status), for the metrics endpoint and tests. */
  revisionStates(): Map<string, SandboxState>;
  /** Every ARM request served, in order. */
  armRequests: ArmRequestRecord[];
  /** The real users sending requests to the ingress. */
  users: Users;
  /** The metrics endpoint's ingestion delay. */
  metricsDelayMs: number;
  stop(): Promise<void>;
}

const DEFAULT_REVISIONS: RevisionSpec[] = [{ suffix: 'v1' }, { suffix: 'v2' }];

function usage(message: string): RevgateError {
  return new RevgateError(ErrorCodes.Usage, message);
}

export async function startAcaSandbox(options: AcaSandboxOptions = {}): Promise<RunningAcaSandbox> {
  const host = options.host ?? '127.0.0.1';
  const ref: AcaRef = options.documents?.ref ?? {
    subscription: options.subscription ?? '00000000-0000-0000-0000-000000000000',
    resourceGroup: options.resourceGroup ?? 'revgate-sandbox',
    app: options.app ?? 'apex-backend',
  };
  if (!options.documents && !/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(ref.app))
    throw usage(`container app name must be lowercase letters, digits and '-', got ${JSON.stringify(ref.app)}`);
  const specs = options.documents ? [] : options.revisions?.length ? options.revisions : DEFAULT_REVISIONS;
  for (const s of specs) {
    if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(s.suffix)) throw usage(`revision suffix must be lowercase letters, digits and '-', got ${JSON.stringify(s.suffix)}`);
    normalizeFaults(s.faults ?? []);
  }
  const faults = new ArmFaultState();
  faults.set(parseArmFaults(options.armFaults ?? []));

  const certs = await createCertificates({});
  const tls = { certPem: certs.certPem, keyPem: certs.keyPem };
  const token = options.token ?? randomBytes(32).toString('base64url');
  const random = seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0));
  const listeners: Listener[] = [];
  const hosts = new Map<string, AcaRevisionHost>();
  const apps = new Map<string, RevisionApp>();
  const fqdnOf = (url: string): string => new URL(url).host;

  const startRevision = async (spec: RevisionSpec): Promise<AcaRevisionHost> => {
    const name = `${ref.app}--${spec.suffix}`;
    if (hosts.has(name)) throw usage(`revision ${name} exists already`);
    const app = createRevisionApp({ revision: name, version: spec.suffix, token, faults: normalizeFaults(spec.faults ?? []), random });
    const listener = await listen((req, res) => app.handle(req, res), { host, port: 0, tls });
    const h = { name, url: listener.url, app, listener };
    hosts.set(name, h);
    apps.set(name, app);
    return h;
  };

  try {
    const started: Array<{ spec: RevisionSpec; host: AcaRevisionHost; created: Date }> = [];
    const t0 = Date.now() - specs.length * 60_000;
    for (const [i, spec] of specs.entries()) started.push({ spec, host: await startRevision(spec), created: new Date(t0 + i * 60_000) });

    let model: AcaModel | undefined;
    const ingress = await listen((req, res) => ingressHandler(model as AcaModel, apps, random)(req, res), { host, port: 0, tls });
    listeners.push(ingress);
    if (options.documents) model = new AcaModel({ ref, app: options.documents.app, revisions: options.documents.revisions });
    else {
      const first = started[0] as (typeof started)[number];
      const last = started[started.length - 1] as (typeof started)[number];
      const traffic = options.traffic ?? [
        { revisionName: first.host.name, weight: 100, label: 'stable' },
        ...(last !== first ? [{ revisionName: last.host.name, weight: 0, label: 'next' }] : []),
      ];
      model = new AcaModel({
        ref,
        app: appDoc(ref, fqdnOf(ingress.url), traffic, { name: last.host.name, fqdn: fqdnOf(last.host.url) }),
        revisions: started.map((s) => revisionDoc(ref, s.spec, fqdnOf(s.host.url), s.created)),
      });
    }
    const m = model;

    const armToken = randomBytes(32).toString('base64url');
    const journal: ArmRequestRecord[] = [];
    let identity: IdentityEndpoint | undefined;
    const identityListener = await listen(
      (req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === IDENTITY_PATH) handleIdentity(req, res, identity as IdentityEndpoint);
        else sendJson(res, 404, { error: 'not_found', error_description: `the managed identity endpoint is ${IDENTITY_PATH}` });
      },
      { host, port: 0 },
    );
    listeners.push(identityListener);

    const ledger = new RequestLedger();
    const sampleNow = (): void => ledger.sample(new Map([...hosts].map(([n, h]) => [n, h.app.state()])), Date.now());
    const sampler = setInterval(sampleNow, 250);
    sampler.unref();
    const metricsDelayMs = options.metricsDelayMs ?? 2000;
    let armBase = '';
    const control = (req: IncomingMessage, res: ServerResponse): void => {
      handleAcaControl(req, res, sandbox).catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else if (err instanceof BodyTooLargeError) sendTooLarge(req, res, err.limit);
        else if (err instanceof RevgateError) sendJson(res, 400, { detail: err.message, diagnostics: err.diagnostics });
        else sendJson(res, 500, { detail: err instanceof Error ? err.message : String(err) });
      });
    };
    const arm = await listen(
      (req, res) => {
        if ((req.url ?? '').startsWith(ACA_CONTROL_PREFIX)) return control(req, res);
        handleArm(req, res, {
          model: m,
          faults,
          token: armToken,
          base: armBase,
          operationMs: options.operationMs ?? 150,
          journal,
          extra: (rq, rs, url) => handleMetrics(rq, rs, url, { model: m, ledger, sampleNow, delayMs: metricsDelayMs }),
        });
      },
      { host, port: 0, tls },
    );
    listeners.push(arm);
    armBase = arm.url;
    // ARM clients ask for a token for `${endpoint}/.default`: the audience is this endpoint's origin.
    identity = { header: randomBytes(24).toString('base64url'), token: armToken, audience: arm.url };
    const users = startUsers({ url: ingress.url, caPem: certs.caPem, perSecond: options.users ?? 0 });

    const sandbox: RunningAcaSandbox = {
      ref,
      armUrl: arm.url,
      ingressUrl: ingress.url,
      caPem: certs.caPem,
      identity: { endpoint: `${identityListener.url}${IDENTITY_PATH}`, header: identity.header },
      token,
      model: m,
      revisions: () => [...hosts.values()].map((h) => ({ name: h.name, url: h.url })),
      deployRevision: async (spec) => {
        normalizeFaults(spec.faults ?? []);
        if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(spec.suffix))
          throw usage(`revision suffix must be lowercase letters, digits and '-', got ${JSON.stringify(spec.suffix)}`);
        const h = await startRevision(spec);
        m.addRevision(revisionDoc(ref, spec, fqdnOf(h.url), new Date()));
        return h.name;
      },
      setRevisionFaults: (name, list) => {
        const h = hosts.get(name);
        if (!h) throw usage(`no revision ${name}`);
        h.app.setFaults(normalizeFaults(list));
      },
      setArmFaults: (list) => faults.set(parseArmFaults(list)),
      revisionStates: () => new Map([...hosts].map(([n, h]) => [n, h.app.state()])),
      armRequests: journal,
      users,
      metricsDelayMs,
      stop: async () => {
        clearInterval(sampler);
        await users.stop();
        m.close();
        for (const h of hosts.values()) h.app.close();
        await Promise.all([...listeners, ...[...hosts.values()].map((h) => h.listener)].map((l) => l.close()));
      },
    };
    return sandbox;
  } catch (err) {
    for (const h of hosts.values()) h.app.close();
    await Promise.all([...listeners, ...[...hosts.values()].map((h) => h.listener)].map((l) => l.close()));
    throw err;
  }
}

/** The control API: GET state, POST revisions (deploy), PATCH revisions/{name}, PUT/DELETE arm-faults. */
async function handleAcaControl(req: IncomingMessage, res: ServerResponse, s: RunningAcaSandbox): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]?.slice(ACA_CONTROL_PREFIX.length) ?? '';
  const method = req.method ?? 'GET';
  const body = async (): Promise<Json> => {
    const parsed = parseJson(await readBody(req, 64 * 1024));
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) throw usage('body must be a JSON object');
    return parsed.value as Json;
  };
  const state = (): Json => ({
    ref: s.ref,
    armUrl: s.armUrl,
    ingressUrl: s.ingressUrl,
    traffic: s.model.traffic(),
    revisions: s.model.revisions(),
    requests: Object.fromEntries([...s.revisionStates()].map(([n, st]) => [n, st.requests])),
  });
  if (path === 'state' && method === 'GET') return sendJson(res, 200, state());
  if (path === 'revisions' && method === 'POST') {
    const b = await body();
    const name = await s.deployRevision(b as unknown as RevisionSpec);
    return sendJson(res, 201, { name, revision: s.model.revision(name) });
  }
  const rev = /^revisions\/([^/]+)$/.exec(path);
  if (rev && method === 'PATCH') {
    const name = decodeURIComponent(rev[1] as string);
    const b = await body();
    const { faults: list, ...armProps } = b;
    if (!s.model.revision(name)) return sendJson(res, 404, { detail: `no revision ${name}` });
    if (list !== undefined) s.setRevisionFaults(name, list as string[]);
    const allowed = ['healthState', 'provisioningState', 'runningState', 'replicas', 'active', 'provisioningError'];
    const unknown = Object.keys(armProps).filter((k) => !allowed.includes(k));
    if (unknown.length) return sendJson(res, 400, { detail: `unknown properties ${unknown.join(', ')}; allowed: faults, ${allowed.join(', ')}` });
    s.model.setRevisionProperties(name, armProps);
    return sendJson(res, 200, { revision: s.model.revision(name) });
  }
  if (path === 'arm-faults' && method === 'PUT') {
    const b = await body();
    if (!Array.isArray(b.faults)) throw usage('body must be {"faults": ["throttle=2,retry-after=1", ...]}');
    s.setArmFaults(b.faults as string[]);
    return sendJson(res, 200, { faults: b.faults });
  }
  if (path === 'users' && method === 'PUT') {
    const b = await body();
    if (typeof b.perSecond !== 'number' || !(b.perSecond >= 0 && b.perSecond <= 1000)) throw usage('body must be {"perSecond": N} with N from 0 to 1000');
    s.users.setRate(b.perSecond);
    return sendJson(res, 200, { perSecond: s.users.rate() });
  }
  if (path === 'arm-faults' && method === 'DELETE') {
    s.setArmFaults([]);
    return sendJson(res, 200, { faults: [] });
  }
  return sendJson(res, 404, { detail: `unknown control route; try GET ${ACA_CONTROL_PREFIX}state` });
}
