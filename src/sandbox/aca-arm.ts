/**
 * The emulated Azure Resource Manager endpoint for Microsoft.App (api-version 2025-07-01, the one
 * @azure/arm-appcontainers 3.0.0 sends): the operations revgate uses, with ARM's auth, error bodies and
 * long-running-operation protocol.
 *
 *   GET   /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.App/containerApps/{app}
 *   PATCH (same)                                   202 + Azure-AsyncOperation + Location; JSON Merge Patch
 *   GET   .../containerApps/{app}/revisions          {"value": [...], "nextLink": null}
 *   GET   .../containerApps/{app}/revisions/{rev}
 *   POST  .../revisions/{rev}/activate|deactivate|restart    200
 *   GET   /subscriptions/{s}/providers/Microsoft.App/locations/{loc}/containerappOperationStatuses/{id}
 *         {"status": "InProgress" | "Succeeded" | "Failed", "error": {...}}
 *   GET   .../containerappOperationResults/{id}     202 while running, then 200 with the app
 *
 * Every request needs `Authorization: Bearer <token>` where the token is the one the sandbox's managed
 * identity endpoint hands out for this endpoint's audience; ARM's 401/403/404/409/429/5xx answers come
 * from the model or from the faults (aca-faults.ts).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArmFault, ArmFaultState } from './aca-faults.js';
import { notFound, type AcaModel, type ArmProblem, type Json } from './aca-model.js';
import { BodyTooLargeError, parseJson, readBody, sendJson } from './http-util.js';

export const ARM_API_VERSION = '2025-07-01';
const TENANT = '00000000-0000-0000-0000-000000000000';

export interface ArmContext {
  model: AcaModel;
  faults: ArmFaultState;
  /** The bearer token ARM accepts (a secret). */
  token: string;
  /** This endpoint's origin, for operation URLs and the auth challenge. */
  base: string;
  /** How long a long-running update takes unless a slow-operation fault says otherwise. */
  operationMs: number;
  /** Every request, for tests (method, path, status) and the PATCH bodies as sent. */
  journal: ArmRequestRecord[];
  /** Optional extra routes (the metrics endpoint); return true when handled. */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export interface ArmRequestRecord {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const APP =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.app\/containerapps\/([^/]+)(?:\/revisions(?:\/([^/]+)(?:\/(activate|deactivate|restart))?)?)?\/?$/i;
const OPERATION =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.app\/locations\/([^/]+)\/(containerappoperationstatuses|containerappoperationresults)\/([^/]+)\/?$/i;

export function handleArm(req: IncomingMessage, res: ServerResponse, ctx: ArmContext): void {
  const url = new URL(`${ctx.base}${req.url ?? '/'}`);
  const method = req.method ?? 'GET';
  const record: ArmRequestRecord = { method, path: url.pathname, status: 0 };
  ctx.journal.push(record);
  const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    const ids = { 'x-ms-request-id': randomUUID(), 'x-ms-correlation-request-id': randomUUID() };
    if (body === undefined) {
      res.writeHead(status, { ...ids, 'content-length': 0, ...headers });
      res.end();
    } else sendJson(res, status, body, { ...ids, ...headers });
  };
  const fail = (p: ArmProblem, headers: Record<string, string> = {}): void => send(p.status, { error: { code: p.code, message: p.message } }, headers);

  const auth = req.headers.authorization;
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth ?? '')?.[1];
  if (!bearer || !sameSecret(bearer, ctx.token)) {
    return fail(
      {
        status: 401,
        code: bearer ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
        message: bearer ? 'The access token is invalid.' : "Authentication failed. The 'Authorization' header is missing.",
      },
      {
        'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${TENANT}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header or an invalid token."`,
      },
    );
  }
  if (ctx.extra?.(req, res, url)) return;
  const version = url.searchParams.get('api-version');
  if (version !== ARM_API_VERSION) {
    return fail({
      status: 400,
      code: version ? 'InvalidApiVersionParameter' : 'MissingApiVersionParameter',
      message: version
        ? `The api-version '${version}' is invalid. The supported versions are '${ARM_API_VERSION}' (the sandbox emulates the version @azure/arm-appcontainers 3.0.0 sends).`
        : 'The api-version query parameter (?api-version=) is required for all requests.',
    });
  }
  const write = method !== 'GET';
  const fault = ctx.faults.take(write);
  if (fault) return answerFault(fault, ctx, fail);

  const op = OPERATION.exec(url.pathname);
  if (op) return operationRoute(op, method, ctx, send, fail);
  const m = APP.exec(url.pathname);
  if (!m) return fail({ status: 404, code: 'InvalidResourceType', message: `The sandbox's ARM does not serve ${url.pathname}.` });
  const [, sub = '', rg = '', app = '', revision, action] = m.map((x) => (x === undefined ? undefined : decodeURIComponent(x)));
  const { ref } = ctx.model;
  if (sub.toLowerCase() !== ref.subscription.toLowerCase())
    return fail({ status: 404, code: 'SubscriptionNotFound', message: `The subscription '${sub}' could not be found.` });
  if (rg.toLowerCase() !== ref.resourceGroup.toLowerCase())
    return fail({ status: 404, code: 'ResourceGroupNotFound', message: `Resource group '${rg}' could not be found.` });
  if (app.toLowerCase() !== ref.app.toLowerCase()) return fail(notFound(`Microsoft.App/containerApps/${app}`, rg));

  if (revision === undefined && !url.pathname.toLowerCase().endsWith('/revisions') && !url.pathname.toLowerCase().endsWith('/revisions/')) {
    if (method === 'GET') return send(200, ctx.model.app());
    if (method === 'PATCH') {
      patchApp(req, ctx, record, send, fail).catch((err: unknown) =>
        res.headersSent ? res.destroy() : fail({ status: 500, code: 'InternalServerError', message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    return fail(methodNotAllowed(method));
  }
  if (revision === undefined) {
    if (method !== 'GET') return fail(methodNotAllowed(method));
    return send(200, { value: ctx.model.revisions(), nextLink: null });
  }
  const name = ctx.model.revisionNames().find((n) => n.toLowerCase() === revision.toLowerCase());
  if (action) {
    if (method !== 'POST') return fail(methodNotAllowed(method));
    const problem = ctx.model.revisionAction(name ?? revision, action as 'activate' | 'deactivate' | 'restart');
    return problem ? fail(problem) : send(200, undefined);
  }
  if (method !== 'GET') return fail(methodNotAllowed(method));
  const doc = name ? ctx.model.revision(name) : undefined;
  return doc ? send(200, doc) : fail(notFound(`Microsoft.App/containerApps/${app}/revisions/${revision}`, rg));
}

function methodNotAllowed(method: string): ArmProblem {
  return { status: 405, code: 'MethodNotAllowed', message: `The sandbox's ARM does not support ${method} here.` };
}

function answerFault(f: ArmFault, ctx: ArmContext, fail: (p: ArmProblem, h?: Record<string, string>) => void): void {
  switch (f.kind) {
    case 'unauthorized':
      return fail({ status: 401, code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' });
    case 'forbidden':
      return fail({
        status: 403,
        code: 'AuthorizationFailed',
        message: `The client '00000000-0000-0000-0000-00000000a11e' with object id '00000000-0000-0000-0000-00000000a11e' does not have authorization to perform action '${f.writesOnly ? 'Microsoft.App/containerApps/write' : 'Microsoft.App/containerApps/read'}' over scope '/subscriptions/${ctx.model.ref.subscription}/resourceGroups/${ctx.model.ref.resourceGroup}/providers/Microsoft.App/containerApps/${ctx.model.ref.app}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      });
    case 'throttle':
      return fail(
        {
          status: 429,
          code: 'TooManyRequests',
          message: `The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. Retry after ${f.retryAfter} seconds.`,
        },
        { 'retry-after': String(f.retryAfter) },
      );
    case 'lock-conflict':
      return fail({
        status: 409,
        code: 'ContainerAppLockConflict',
        message: `Cannot modify container app '${ctx.model.ref.app}' because another operation is in progress on it. Please retry after the current operation completes.`,
      });
    case 'server-error':
      return fail({
        status: f.status,
        code: 'InternalServerError',
        message: `Encountered internal server error (sandbox fault server-error, status ${f.status}).`,
      });
    case 'operation-fail':
    case 'slow-operation':
      return; // not request faults: `take` never returns them
  }
}

async function patchApp(
  req: IncomingMessage,
  ctx: ArmContext,
  record: ArmRequestRecord,
  send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  fail: (p: ArmProblem) => void,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, 1024 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return fail({ status: 413, code: 'RequestEntityTooLarge', message: 'The request body is too large.' });
    throw err;
  }
  const parsed = parseJson(body);
  if (!parsed.ok) return fail({ status: 400, code: 'InvalidRequestContent', message: 'The request content was invalid and could not be deserialized.' });
  record.body = parsed.value;
  const started = ctx.model.beginPatch(parsed.value, { durationMs: ctx.faults.operationMs(ctx.operationMs), fail: ctx.faults.takeOperationFailure() });
  if ('problem' in started) return fail(started.problem);
  const { ref } = ctx.model;
  const where = `${ctx.base}/subscriptions/${ref.subscription}/providers/Microsoft.App/locations/${ctx.model.location()}`;
  send(202, undefined, {
    'azure-asyncoperation': `${where}/containerappOperationStatuses/${started.op.id}?api-version=${ARM_API_VERSION}`,
    location: `${where}/containerappOperationResults/${started.op.id}?api-version=${ARM_API_VERSION}`,
  });
}

function operationRoute(
  m: RegExpExecArray,
  method: string,
  ctx: ArmContext,
  send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  fail: (p: ArmProblem) => void,
): void {
  if (method !== 'GET') return fail(methodNotAllowed(method));
  const [, sub = '', , kind = '', id = ''] = m;
  const op = sub.toLowerCase() === ctx.model.ref.subscription.toLowerCase() ? ctx.model.operation(decodeURIComponent(id)) : undefined;
  if (!op) return fail({ status: 404, code: 'OperationNotFound', message: `Operation '${id}' was not found.` });
  if (kind.toLowerCase() === 'containerappoperationstatuses') {
    const body: Json = {
      id: `/subscriptions/${sub}/providers/Microsoft.App/locations/${ctx.model.location()}/containerappOperationStatuses/${op.id}`,
      name: op.id,
      status: op.status,
      startTime: op.startTime,
    };
    if (op.endTime) body.endTime = op.endTime;
    if (op.error) body.error = op.error;
    return send(200, body);
  }
  // The Location result: 202 until done, then the app. A failed operation's result says nothing of why
  // (the reason is only in the Azure-AsyncOperation status), as ARM's does.
  if (op.status === 'InProgress') return send(202, undefined, { location: `${ctx.base}${m[0]}?api-version=${ARM_API_VERSION}` });
  return send(200, ctx.model.app());
}
