/**
 * Which container app, through which ARM endpoint: the flags every Azure command shares (--app, -g,
 * --subscription, --arm-endpoint, --ca-file), checked before anything is sent, or the sandbox's app
 * when the CLI injected one.
 */
import { AZURE_CREDENTIAL_ENV } from '../config/load.js';
import { readCaFile } from '../http/ca-file.js';
import { isLoopbackHost } from '../traffic/safety.js';
import type { Secret } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { ContainerAppTarget } from '../run/targets.js';
import type { ArmConnection } from './arm.js';
import type { AppRef } from './types.js';

export const PUBLIC_ARM = 'https://management.azure.com';

export interface AzureAppOptions {
  app?: string;
  resourceGroup?: string;
  /** Default: AZURE_SUBSCRIPTION_ID. */
  subscription?: string;
  armEndpoint?: string;
  caFile?: string;
  /** The CLI injects the sandbox's app and endpoint. */
  sandbox: boolean;
}

export interface PreparedApp {
  app?: string;
  resourceGroup?: string;
  subscription?: string;
  endpoint: string;
  caPem?: string;
  caFile?: string;
}

export interface ConnectedApp {
  ref: AppRef;
  connection: ArmConnection;
  /** A CA file for revision FQDNs (the gate's --ca-file), when there is one. */
  caFile?: string;
  secrets: readonly Secret[];
}

const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$/;
const SUBSCRIPTION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function prepareAzureApp(o: AzureAppOptions, env: Record<string, string | undefined>, problems: Problems): PreparedApp {
  const subscription = o.subscription ?? (env.AZURE_SUBSCRIPTION_ID || undefined);
  if (o.sandbox) {
    if (o.armEndpoint) problems.add('--arm-endpoint', 'does not apply with --sandbox (the sandbox is its own ARM endpoint)');
    if (o.caFile) problems.add('--ca-file', 'does not apply with --sandbox (revgate trusts the sandbox CA itself)');
  } else {
    if (!o.app) problems.add('--app', 'is required: the container app name (or --sandbox)');
    if (!o.resourceGroup) problems.add('--resource-group', 'is required (-g): the resource group of the container app');
    if (!subscription) problems.add('--subscription', 'is required: give --subscription ID or set AZURE_SUBSCRIPTION_ID (az account show --query id -o tsv)');
  }
  if (o.app !== undefined && !APP_NAME.test(o.app))
    problems.add('--app', `"${o.app}" is not a container app name (2-32 lowercase letters, digits and '-', starting with a letter)`);
  if (o.resourceGroup !== undefined && !RESOURCE_GROUP.test(o.resourceGroup))
    problems.add('--resource-group', `"${o.resourceGroup}" is not a resource group name`);
  if (subscription !== undefined && !SUBSCRIPTION.test(subscription))
    problems.add(o.subscription ? '--subscription' : 'AZURE_SUBSCRIPTION_ID', `"${subscription}" is not a subscription id (a GUID)`);
  let endpoint = PUBLIC_ARM;
  if (o.armEndpoint !== undefined) {
    try {
      const u = new URL(o.armEndpoint);
      if (u.protocol !== 'https:') problems.add('--arm-endpoint', `must be https (tokens are never sent in clear), got ${u.protocol}`);
      else endpoint = u.origin;
    } catch {
      problems.add('--arm-endpoint', `"${o.armEndpoint}" is not a URL`);
    }
  }
  let caPem: string | undefined;
  if (o.caFile) {
    const read = readCaFile(o.caFile);
    if ('pem' in read) caPem = read.pem;
    else problems.add('--ca-file', read.problem);
  }
  return {
    ...(o.app ? { app: o.app } : {}),
    ...(o.resourceGroup ? { resourceGroup: o.resourceGroup } : {}),
    ...(subscription ? { subscription } : {}),
    endpoint,
    ...(caPem ? { caPem } : {}),
    ...(o.caFile ? { caFile: o.caFile } : {}),
  };
}

/** The app and the ARM connection, from the flags or the injected sandbox (whose names the flags may still override). */
export function connectApp(p: PreparedApp, target: ContainerAppTarget | undefined, env: Record<string, string | undefined>): ConnectedApp {
  const credentialSecrets: Secret[] = AZURE_CREDENTIAL_ENV.filter((n) => env[n]).map((n) => ({ value: env[n] as string, label: `env ${n}` }));
  if (target) {
    return {
      ref: { subscription: p.subscription ?? target.subscription, resourceGroup: p.resourceGroup ?? target.resourceGroup, app: p.app ?? target.app },
      connection: {
        subscription: p.subscription ?? target.subscription,
        endpoint: target.armEndpoint,
        caPem: target.caPem,
        pollIntervalMs: target.pollIntervalMs,
        retry: { baseDelayMs: target.retryBaseMs },
      },
      caFile: target.caFile,
      secrets: [...credentialSecrets, { value: target.token, label: 'sandbox token' }, { value: target.identityHeader, label: 'sandbox identity header' }],
    };
  }
  const ref = { subscription: p.subscription as string, resourceGroup: p.resourceGroup as string, app: p.app as string };
  // An ARM endpoint on loopback is an emulator (revgate sandbox --aca): its operations take milliseconds and it
  // sends no Retry-After, so it is polled every 100 ms and retries back off from 200 ms (Azure's Retry-After rules otherwise).
  const emulator = isLoopbackHost(new URL(p.endpoint).hostname);
  return {
    ref,
    connection: {
      subscription: ref.subscription,
      endpoint: p.endpoint,
      ...(p.caPem ? { caPem: p.caPem } : {}),
      ...(emulator ? { pollIntervalMs: 100, retry: { baseDelayMs: 200 } } : {}),
    },
    ...(p.caFile ? { caFile: p.caFile } : {}),
    secrets: credentialSecrets,
  };
}
