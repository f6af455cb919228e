/**
 * Azure Monitor's platform metric `Requests` of a container app, per revision and status code
 * category, through @azure/monitor-query-metrics 1.0.0 (the metrics batch API, api-version
 * 2024-02-01) and the same credential as ARM. Failures become ArmErrors with the same messages.
 */
import { rootCertificates } from 'node:tls';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { MetricsClient } from '@azure/monitor-query-metrics';
import type { ArmError } from '../aca/arm.js';
import type { AppRef } from '../aca/types.js';
import { classify } from './arm-client.js';

import type { RequestBucket } from '../aca/real-traffic-types.js';

export type { RequestBucket };

export interface MetricsConnection {
  /** The regional metrics endpoint, https://<region>.metrics.monitor.azure.com (or an emulator). */
  endpoint: string;
  /** Token audience; default https://management.azure.com (public cloud). */
  audience?: string;
  caPem?: string;
  credential?: TokenCredential;
}

export interface RequestsMetrics {
  /** Requests per revision and status code category in [from, to), in buckets of `interval` (ISO 8601, e.g. PT1M). */
  requests(ref: AppRef, from: Date, to: Date, interval: string): Promise<RequestBucket[]>;
}

export const appResourceId = (r: AppRef): string =>
  `/subscriptions/${r.subscription}/resourceGroups/${r.resourceGroup}/providers/Microsoft.App/containerApps/${r.app}`;

export function createRequestsMetrics(o: MetricsConnection): RequestsMetrics {
  const endpoint = o.endpoint.replace(/\/+$/, '');
  const client = new MetricsClient(endpoint, o.credential ?? new DefaultAzureCredential(), {
    audience: `${(o.audience ?? 'https://management.azure.com').replace(/\/+$/, '')}/.default`,
    ...(o.caPem ? { tlsOptions: { ca: [...rootCertificates, o.caPem] } } : {}),
    userAgentOptions: { userAgentPrefix: 'revgate' },
  });
  return {
    async requests(ref, from, to, interval) {
      let results;
      try {
        results = await client.queryResources([appResourceId(ref)], ['Requests'], 'Microsoft.App/containerApps', {
          startTime: from,
          endTime: to,
          interval,
          aggregation: 'Total',
          filter: "revisionName eq '*' and statusCodeCategory eq '*'",
        });
      } catch (err) {
        throw classify(err, {
          operation: `read the Requests metric of ${ref.app}`,
          subscription: ref.subscription,
          resourceGroup: ref.resourceGroup,
          app: ref.app,
          endpoint,
        }) as ArmError;
      }
      const out: RequestBucket[] = [];
      for (const r of results) {
        for (const metric of r.metrics) {
          for (const series of metric.timeseries ?? []) {
            const dim = (name: string): string =>
              String(series.metadatavalues?.find((m) => String(m.name ?? '').toLowerCase() === name.toLowerCase())?.value ?? '');
            for (const point of series.data ?? []) {
              if (typeof point.total !== 'number') continue; // not ingested yet
              out.push({ revision: dim('revisionName'), category: dim('statusCodeCategory'), start: point.timeStamp.toISOString(), total: point.total });
            }
          }
        }
      }
      return out;
    },
  };
}
