/** The flags every Azure Container Apps command shares: which app, through which ARM endpoint, or the sandbox's. */
import type { Argv } from 'yargs';
import type { AzureAppOptions } from '../aca/app-options.js';
import type { AzureRefOptions } from './revision-refs.js';

export interface AzureAppArgs {
  app?: string;
  'resource-group'?: string;
  subscription?: string;
  'arm-endpoint'?: string;
  'ca-file'?: string;
  sandbox: boolean;
  fault?: string[];
  'arm-fault'?: string[];
}

export function azureAppFlags<T>(y: Argv<T>, sandboxDescription: string): Argv<T & AzureAppArgs> {
  return y
    .option('app', { type: 'string', describe: 'Container app name (az containerapp list -g RG -o table)' })
    .option('resource-group', { alias: 'g', type: 'string', describe: 'Resource group of the container app' })
    .option('subscription', { type: 'string', describe: 'Subscription id (default: AZURE_SUBSCRIPTION_ID)' })
    .option('arm-endpoint', {
      type: 'string',
      describe: 'Azure Resource Manager endpoint for another cloud or an emulator (default https://management.azure.com)',
    })
    .option('ca-file', { type: 'string', describe: 'Extra CA certificate (PEM) to trust for ARM and the revision FQDNs; TLS is never disabled' })
    .option('sandbox', { type: 'boolean', default: false, describe: sandboxDescription })
    .option('fault', {
      type: 'string',
      array: true,
      describe: 'With --sandbox: a fault for the newest revision (v2), e.g. errors=0.2 or latency=300 (see revgate sandbox --help)',
    })
    .option('arm-fault', {
      type: 'string',
      array: true,
      describe:
        'With --sandbox: an ARM fault, e.g. throttle=2,retry-after=1, lock-conflict=2, server-error=1,status=503, forbidden=write, unauthorized, operation-fail',
    }) as unknown as Argv<T & AzureAppArgs>;
}

export function azureAppOptions(a: AzureAppArgs): AzureAppOptions {
  return {
    ...(a.app !== undefined ? { app: a.app } : {}),
    ...(a['resource-group'] !== undefined ? { resourceGroup: a['resource-group'] } : {}),
    ...(a.subscription !== undefined ? { subscription: a.subscription } : {}),
    ...(a['arm-endpoint'] !== undefined ? { armEndpoint: a['arm-endpoint'] } : {}),
    ...(a['ca-file'] !== undefined ? { caFile: a['ca-file'] } : {}),
    sandbox: a.sandbox,
  };
}

/** What smoke, gate and load take to resolve a revision reference (latest, current, a name, a label) through ARM; --ca-file is the command's own. */
export interface AzureRefArgs {
  app?: string;
  'resource-group'?: string;
  subscription?: string;
  'arm-endpoint'?: string;
  'min-replicas'?: number;
  'ca-file'?: string;
}

export function azureRefFlags<T>(y: Argv<T>): Argv<T & AzureRefArgs> {
  return y
    .option('app', { type: 'string', describe: 'Container app whose revisions the references name (latest, current, a revision or label)' })
    .option('resource-group', { alias: 'g', type: 'string', describe: 'Resource group of the container app (with --app)' })
    .option('subscription', { type: 'string', describe: 'Subscription id (with --app; default: AZURE_SUBSCRIPTION_ID)' })
    .option('arm-endpoint', {
      type: 'string',
      describe: 'With --app: Azure Resource Manager endpoint for another cloud or an emulator (default https://management.azure.com)',
    })
    .option('min-replicas', {
      type: 'number',
      describe: 'With --app: fewest replicas a referenced revision needs to pass preflight (default 1; 0 accepts one scaled to zero)',
    }) as unknown as Argv<T & AzureRefArgs>;
}

export function azureRefOptions(a: AzureRefArgs): AzureRefOptions {
  return {
    ...(a.app !== undefined ? { app: a.app } : {}),
    ...(a['resource-group'] !== undefined ? { resourceGroup: a['resource-group'] } : {}),
    ...(a.subscription !== undefined ? { subscription: a.subscription } : {}),
    ...(a['arm-endpoint'] !== undefined ? { armEndpoint: a['arm-endpoint'] } : {}),
    ...(a['ca-file'] !== undefined ? { caFile: a['ca-file'] } : {}),
    ...(a['min-replicas'] !== undefined ? { minReplicas: a['min-replicas'] } : {}),
  };
}
