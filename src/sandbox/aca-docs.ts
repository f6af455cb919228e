/**
 * The ARM documents of the sandbox's container app and revisions, shaped like Microsoft's examples
 * (ContainerApps_Get.json, Revisions_Get.json for api-version 2025-07-01; test/fixtures/aca-rest-examples).
 * The sandbox has no DNS, so an FQDN is `127.0.0.1:<port>` of the listener that serves it.
 */
import type { AcaRef, Json } from './aca-model.js';

export interface RevisionSpec {
  /** The part after `<app>--`, e.g. v2. */
  suffix: string;
  /** Revision faults (`revgate sandbox --fault` syntax), e.g. errors=0.2. */
  faults?: string[];
  healthState?: string;
  provisioningState?: string;
  runningState?: string;
  replicas?: number;
  active?: boolean;
  provisioningError?: string;
}

export const appId = (r: AcaRef): string => `/subscriptions/${r.subscription}/resourceGroups/${r.resourceGroup}/providers/Microsoft.App/containerApps/${r.app}`;

export function revisionDoc(ref: AcaRef, spec: RevisionSpec, fqdn: string, created: Date): Json {
  const name = `${ref.app}--${spec.suffix}`;
  const active = spec.active ?? true;
  return {
    id: `${appId(ref)}/revisions/${name}`,
    name,
    type: 'Microsoft.App/containerApps/revisions',
    properties: {
      createdTime: created.toISOString(),
      lastActiveTime: created.toISOString(),
      fqdn,
      template: {
        containers: [{ image: `revgate/sandbox:${spec.suffix}`, name: ref.app, resources: { cpu: 0.5, memory: '1Gi' } }],
        scale: { minReplicas: 1, maxReplicas: 5 },
      },
      active,
      replicas: spec.replicas ?? (active ? 1 : 0),
      trafficWeight: 0,
      healthState: spec.healthState ?? 'Healthy',
      provisioningState: spec.provisioningState ?? 'Provisioned',
      runningState: spec.runningState ?? (active ? 'Running' : 'Stopped'),
      ...(spec.provisioningError ? { provisioningError: spec.provisioningError } : {}),
    },
  };
}

export function appDoc(ref: AcaRef, ingressFqdn: string, traffic: unknown[], latest: { name: string; fqdn: string }): Json {
  return {
    id: appId(ref),
    name: ref.app,
    type: 'Microsoft.App/containerApps',
    location: 'East US',
    properties: {
      provisioningState: 'Succeeded',
      runningStatus: 'Running',
      managedEnvironmentId: `/subscriptions/${ref.subscription}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.App/managedEnvironments/revgate-sandbox-env`,
      latestRevisionFqdn: latest.fqdn,
      latestRevisionName: latest.name,
      latestReadyRevisionName: latest.name,
      configuration: {
        activeRevisionsMode: 'Multiple',
        ingress: { fqdn: ingressFqdn, external: true, targetPort: 8000, transport: 'auto', traffic },
        maxInactiveRevisions: 100,
      },
      template: {
        containers: [{ image: `revgate/sandbox:${latest.name.split('--').pop() ?? 'latest'}`, name: ref.app, resources: { cpu: 0.5, memory: '1Gi' } }],
        scale: { minReplicas: 1, maxReplicas: 5 },
      },
    },
  };
}
