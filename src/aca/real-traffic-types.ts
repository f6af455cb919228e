/** One data point of Azure Monitor's `Requests` metric, split by revision and status code category. */
export interface RequestBucket {
  revision: string;
  /** 2xx, 3xx, 4xx, 5xx. */
  category: string;
  /** Start of the bucket (ISO 8601). */
  start: string;
  total: number;
}
