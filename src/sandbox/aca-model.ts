/**
 * The state behind the emulated Azure Resource Manager: one container app and its revisions, kept as
 * the ARM JSON documents the REST API returns (so a document copied from Microsoft's examples can seed
 * it), changed the way ARM changes them:
 *
 * - PATCH of the app is a JSON Merge Patch (RFC 7396: objects merge, arrays are replaced whole, so a
 *   traffic table sent without a labelled entry loses that label, as in microsoft/azure-container-apps#962),
 *   applied as a long-running operation: the app reads provisioningState InProgress until it is done, and
 *   any other write meanwhile gets 409 ContainerAppLockConflict;
 * - the traffic table is validated as ARM does before it is accepted (whole weights summing to 100,
 *   known revisions, unique labels, no weight on an inactive revision);
 * - a revision's trafficWeight is derived from the app's table, `latestRevision: true` entries
 *   included, so they move to a newly deployed revision (#177);
 * - deactivating a revision leaves its traffic entry in place (#410).
 */
import { randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;

export interface AcaRef {
  subscription: string;
  resourceGroup: string;
  app: string;
}

export interface ArmProblem {
  status: number;
  code: string;
  message: string;
}

export interface Operation {
  id: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

interface TrafficDoc {
  revisionName?: string;
  latestRevision?: boolean;
  weight?: number;
  label?: string;
}

const clone = <T>(v: T): T => structuredClone(v);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7396 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Json = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const props = (doc: Json): Json => (isObject(doc.properties) ? doc.properties : (doc.properties = {}));

export class AcaModel {
  readonly ref: AcaRef;
  #app: Json;
  readonly #revisions = new Map<string, Json>();
  readonly #operations = new Map<string, Operation>();
  #busy: string | undefined;
  readonly #now: () => Date;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(init: { ref: AcaRef; app: Json; revisions: readonly Json[]; now?: () => Date }) {
    this.ref = init.ref;
    this.#app = clone(init.app);
    for (const r of init.revisions) this.#revisions.set(String(r.name), clone(r));
    this.#now = init.now ?? (() => new Date());
  }

  /** The app document as GET returns it. */
  app(): Json {
    const doc = clone(this.#app);
    if (this.#busy) props(doc).provisioningState = 'InProgress';
    return doc;
  }

  location(): string {
    return String(this.#app.location ?? 'eastus')
      .replace(/\s+/g, '')
      .toLowerCase();
  }

  traffic(): TrafficDoc[] {
    const ingress = (props(this.#app).configuration as Json | undefined)?.ingress as Json | undefined;
    return Array.isArray(ingress?.traffic) ? (ingress.traffic as TrafficDoc[]) : [];
  }

  latestRevisionName(): string | undefined {
    return props(this.#app).latestRevisionName as string | undefined;
  }

  /** Each revision's share of traffic now, `latestRevision` entries counted for the latest revision. */
  weights(): Map<string, number> {
    const w = new Map<string, number>();
    const latest = this.latestRevisionName();
    for (const t of this.traffic()) {
      const name = t.revisionName ?? (t.latestRevision ? latest : undefined);
      if (name) w.set(name, (w.get(name) ?? 0) + (t.weight ?? 0));
    }
    return w;
  }

  revisionNames(): string[] {
    return [...this.#revisions.keys()];
  }

  revision(name: string): Json | undefined {
    const doc = this.#revisions.get(name);
    if (!doc) return undefined;
    const out = clone(doc);
    props(out).trafficWeight = this.weights().get(name) ?? 0;
    return out;
  }

  revisions(): Json[] {
    return this.revisionNames().map((n) => this.revision(n) as Json);
  }

  isActive(name: string): boolean {
    return props(this.#revisions.get(name) ?? {}).active === true;
  }

  busy(): boolean {
    return this.#busy !== undefined;
  }

  operation(id: string): Operation | undefined {
    const op = this.#operations.get(id);
    return op ? clone(op) : undefined;
  }

  /**
   * Starts a PATCH as a long-running operation. The merged document is validated now (a bad table is a
   * 400 at once, as ARM answers) and applied after `durationMs`, unless `fail` says the operation fails.
   */
  beginPatch(patch: unknown, options: { durationMs: number; fail: boolean }): { op: Operation } | { problem: ArmProblem } {
    if (this.#busy) return { problem: lockConflict(this.ref.app) };
    if (!isObject(patch))
      return { problem: { status: 400, code: 'InvalidRequestContent', message: 'The request content was invalid and could not be deserialized.' } };
    const merged = mergePatch(this.#app, patch) as Json;
    const problem = this.#trafficProblem(merged);
    if (problem) return { problem };
    const op: Operation = { id: randomUUID(), status: 'InProgress', startTime: this.#now().toISOString() };
    this.#operations.set(op.id, op);
    this.#busy = op.id;
    const finish = (): void => {
      this.#busy = undefined;
      op.endTime = this.#now().toISOString();
      if (options.fail) {
        op.status = 'Failed';
        op.error = {
          code: 'ContainerAppOperationError',
          message: `Failed to provision revision for container app '${this.ref.app}'. Error details: The sandbox was asked to fail this operation (operation-fail).`,
        };
        return;
      }
      // Keep what the server owns: ARM ignores read-only properties in a patch.
      const next = mergePatch(merged, {}) as Json;
      for (const k of ['provisioningState', 'latestRevisionName', 'latestReadyRevisionName', 'latestRevisionFqdn', 'runningStatus'])
        props(next)[k] = props(this.#app)[k];
      this.#app = next;
      op.status = 'Succeeded';
    };
    if (options.durationMs <= 0) finish();
    else {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        finish();
      }, options.durationMs);
      this.#timers.add(timer);
    }
    return { op: clone(op) };
  }

  /** POST .../revisions/{name}/activate|deactivate|restart. */
  revisionAction(name: string, action: 'activate' | 'deactivate' | 'restart'): ArmProblem | undefined {
    const doc = this.#revisions.get(name);
    if (!doc) return notFound(`Microsoft.App/containerApps/${this.ref.app}/revisions/${name}`, this.ref.resourceGroup);
    if (this.#busy) return lockConflict(this.ref.app);
    const p = props(doc);
    if (action === 'activate') {
      p.active = true;
      if (p.runningState === 'Stopped') p.runningState = 'Running';
      if (p.replicas === 0) p.replicas = 1;
    } else if (action === 'deactivate') {
      p.active = false;
      p.runningState = 'Stopped';
      p.replicas = 0;
      p.lastActiveTime = this.#now().toISOString();
    }
    return undefined;
  }

  /** A new revision (the sandbox's stand-in for a deployment): it becomes the latest revision. */
  addRevision(doc: Json): void {
    const name = String(doc.name);
    this.#revisions.set(name, clone(doc));
    const p = props(this.#app);
    p.latestRevisionName = name;
    p.latestRevisionFqdn = props(doc).fqdn;
    const rp = props(doc);
    if (rp.provisioningState === 'Provisioned' && rp.healthState === 'Healthy') p.latestReadyRevisionName = name;
  }

  /** Changes a revision's server-owned properties (health, provisioning, running state, replicas). */
  setRevisionProperties(name: string, changes: Json): boolean {
    const doc = this.#revisions.get(name);
    if (!doc) return false;
    Object.assign(props(doc), changes);
    return true;
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #trafficProblem(doc: Json): ArmProblem | undefined {
    const ingress = (props(doc).configuration as Json | undefined)?.ingress;
    if (ingress === undefined) return undefined;
    if (!isObject(ingress)) return invalid('ingress must be an object.');
    const traffic = ingress.traffic;
    if (traffic === undefined) return undefined;
    if (!Array.isArray(traffic)) return invalid('ingress.traffic must be an array.');
    let sum = 0;
    const labels = new Set<string>();
    for (const [i, t] of (traffic as unknown[]).entries()) {
      if (!isObject(t)) return invalid(`traffic[${i}] must be an object.`);
      const e = t as TrafficDoc;
      if (!Number.isInteger(e.weight) || (e.weight as number) < 0 || (e.weight as number) > 100)
        return invalid(`traffic[${i}].weight must be a whole number from 0 to 100.`);
      sum += e.weight as number;
      if (!e.revisionName && !e.latestRevision) return invalid(`traffic[${i}] must have a revisionName or latestRevision set to true.`);
      if (e.revisionName && e.latestRevision) return invalid(`traffic[${i}] cannot have both a revisionName and latestRevision set to true.`);
      if (e.revisionName && !this.#revisions.has(e.revisionName))
        return invalid(`Revision '${e.revisionName}' does not exist in container app '${this.ref.app}'.`, 'ContainerAppRevisionNotFound');
      if (e.revisionName && (e.weight as number) > 0 && !this.isActive(e.revisionName))
        return invalid(`Revision '${e.revisionName}' is not active and cannot receive traffic; activate it first.`, 'ContainerAppRevisionInactive');
      if (e.label !== undefined) {
        if (typeof e.label !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(e.label))
          return invalid(`traffic[${i}].label '${String(e.label)}' must be lowercase letters, digits and '-', starting with a letter.`);
        if (labels.has(e.label)) return invalid(`Label '${e.label}' is assigned more than once.`);
        labels.add(e.label);
      }
    }
    if (sum !== 100) return invalid(`The sum of traffic weights must be 100, got ${sum}.`, 'ContainerAppInvalidTrafficWeight');
    return undefined;
  }
}

function invalid(message: string, code = 'InvalidIngressTraffic'): ArmProblem {
  return { status: 400, code, message };
}

export function lockConflict(app: string): ArmProblem {
  return {
    status: 409,
    code: 'ContainerAppLockConflict',
    message: `Cannot modify container app '${app}' because another operation is in progress on it. Please retry after the current operation completes.`,
  };
}

export function notFound(resource: string, resourceGroup: string): ArmProblem {
  return {
    status: 404,
    code: 'ResourceNotFound',
    message: `The Resource '${resource}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  };
}
