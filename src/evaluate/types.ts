/**
 * Measurements (what a provider observed) and expectations (what the config demands).
 * Evaluators are pure functions of the two; see src/evaluate/http.ts.
 */

/**
 * How a request failed before a usable response arrived. Each kind is a measurement, not an exception.
 * `redirect-offsite`: a redirect pointed to an origin other than the target's (and not an allowed one).
 */
export type NetErrorKind = 'dns' | 'connect' | 'timeout' | 'tls' | 'reset' | 'redirect-loop' | 'redirect-offsite' | 'body-too-large' | 'protocol' | 'other';

/** One redirect followed (or refused). URLs keep origin and path only: a query may carry a code or a signature. */
export interface RedirectHop {
  status: number;
  /** The URL that answered with the redirect. */
  from: string;
  /** Where its Location header pointed, resolved against `from`. */
  to: string;
}

export interface HttpMeasurement {
  kind: 'http';
  method: string;
  url: string;
  /** Wall time from sending the request to the end of the body (or to the failure), connection setup included. */
  durationMs: number;
  /**
   * Part of durationMs spent setting up connections (DNS, TCP, TLS), when this exchange opened any. Latency
   * budgets judge `durationMs - connectMs`, the request itself (k6's http_req_duration); setup is reported apart.
   */
  connectMs?: number;
  /** Present when a response arrived. */
  response?: {
    status: number;
    /** Header names lower-cased; repeated headers joined with ", ". */
    headers: Record<string, string>;
    /** The body decoded as UTF-8 text; binary bodies are kept but rarely asserted. */
    bodyText: string;
    bodyBytes: number;
  };
  /** Present when no usable response arrived. */
  error?: { kind: NetErrorKind; code?: string; message: string };
  /** Redirects in the order they were met; the last one is the refused hop when `error` is a redirect kind. */
  redirects?: RedirectHop[];
}

export interface TlsMeasurement {
  kind: 'tls';
  host: string;
  port: number;
  durationMs: number;
  certificate?: {
    subject: string;
    issuer: string;
    validFrom: string;
    validTo: string;
    /** Days from the measurement time to validTo (fractional; negative when expired). */
    daysRemaining: number;
  };
  error?: { kind: NetErrorKind; code?: string; message: string };
}

/**
 * The phase of one assertion or check after evaluation.
 * `error` means "could not evaluate" and is never treated as passed.
 */
export type Phase = 'passed' | 'degraded' | 'failed' | 'error';

export interface AssertionResult {
  /** Stable name of the rule, e.g. `status`, `latency`, `json:$.status`, `schema`. */
  name: string;
  phase: Phase;
  /** A sentence a person reads: what was expected, what was seen. Never contains secrets. */
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export interface LatencyBudget {
  /** Above this the check is degraded (reported, does not fail). */
  warnMs?: number;
  /** Above this the check fails. */
  maxMs: number;
}

/** A JSON value matcher: a literal means equality; an object of `$`-operators means a predicate. */
export type JsonMatcher = string | number | boolean | null | unknown[] | { [key: string]: unknown };

export interface HttpExpectations {
  /** One status, a list, or a class such as "2xx". Default: any 2xx. */
  status?: number | number[] | string;
  latency?: LatencyBudget;
  /** Field equality by path (`status`, `checks.database`, `items[0].id`, `$.page`). */
  json?: Record<string, JsonMatcher>;
  /** An inline JSON Schema the body must satisfy (file references are resolved by the config loader). */
  schema?: Record<string, unknown>;
  /** Media type the Content-Type header must start with, e.g. `application/json`. */
  contentType?: string;
  /** Header name -> true (must be present), false (must be absent), or a string it must equal. */
  headers?: Record<string, boolean | string>;
  bodyContains?: string[];
  bodyNotContains?: string[];
  /** The body must be valid Prometheus text exposition format; optionally with these metric families. */
  prometheus?: boolean | { requiredMetrics?: string[] };
}

export interface TlsExpectations {
  /** Fewer days than this left on the certificate: degraded. */
  warnDays?: number;
  /** Fewer days than this left: failed. */
  minDays: number;
}
