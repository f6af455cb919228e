import type { HttpExpectations, LatencyBudget, TlsExpectations } from '../evaluate/types.js';
import type { Severity } from '../verdict/types.js';

/**
 * revgate.config.json, as validated by schemas/config.schema.json.
 * Strings may contain `${ENV_VAR}` or `${ENV_VAR:-default}` (resolved at load time) and,
 * inside checks, `{{name}}` (values captured from earlier flow steps, or built-ins such as `{{$runId}}`).
 */
export interface RevgateConfig {
  $schema?: string;
  schemaVersion?: 1;
  service: ServiceConfig;
  /** Named targets (the seed profiles smoke/dev/prod). `--base-url` overrides the chosen one's baseUrl. */
  environments: Record<string, EnvironmentConfig>;
  /** Environment used when `--env` is not given. Default: the first one declared. */
  defaultEnvironment?: string;
  auth?: AuthConfig;
  secrets?: SecretsConfig;
  defaults?: CheckDefaults;
  policy?: PolicyConfig;
  /** Hand-written Playwright specs (globs relative to the config file) run alongside the declared checks. */
  specs?: string[];
  checks: CheckConfig[];
  /** Settings of `revgate monitor` (validated in full by src/monitor/settings.ts; see docs/monitor.md). */
  monitor?: Record<string, unknown>;
}

export interface ServiceConfig {
  name: string;
  description?: string;
  owner?: string;
}

export interface EnvironmentConfig {
  baseUrl: string;
  /** Marks production: destructive checks (`readOnly: false`) are skipped unless explicitly allowed. */
  production?: boolean;
  /** Headers sent with every request to this environment. */
  headers?: Record<string, string>;
  /** PEM file of an extra CA to trust (e.g. a private CA); TLS verification is never turned off. */
  caFile?: string;
}

export interface AuthConfig {
  type: 'bearer';
  /** Token scope for DefaultAzureCredential, e.g. `api://<client-id>/.default`. */
  scope?: string;
  /** Env var holding a ready token for local runs. Default REVGATE_TOKEN. Wins over `scope`. */
  tokenEnv?: string;
}

export interface SecretsConfig {
  /** Extra header names whose values are secrets (Authorization and subscription keys always are). */
  headers?: string[];
  /**
   * Env vars sent in a header, query or body that are not secrets, each with the reason (e.g. a region
   * name): every other such variable is masked by default.
   */
  plain?: Record<string, string>;
  /** Env vars whose values are secrets wherever they appear. */
  env?: string[];
}

export interface CheckDefaults {
  timeoutMs?: number;
  maxRedirects?: number;
  /**
   * Larger bodies fail the check instead of being buffered without limit. Counted on the decoded body while it
   * streams, so a compressed body that expands past it stops there. Default 10 MiB.
   */
  maxBodyBytes?: number;
  /**
   * Origins (`https://login.example.com`) a redirect may lead to besides the target's own. A redirect to any
   * other origin fails the check (`redirect-offsite`): the answer would not come from the revision under test.
   * Headers from the config (Authorization, keys, tenant headers) are never sent to another origin. Default none.
   */
  allowRedirectOrigins?: string[];
  latency?: LatencyBudget;
  /** Send the bearer token unless a request says `auth: false`. Default true when `auth` is configured. */
  auth?: boolean;
}

export interface PolicyConfig {
  /** What a blocking check that passed only on retry does to the verdict. Default `inconclusive` (hold). */
  flaky?: 'fail' | 'inconclusive';
  /** What a blocking check above its warn budget does to the verdict. Default `pass` (reported as a warning). */
  degraded?: 'pass' | 'inconclusive' | 'fail';
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface FilePart {
  /** Path relative to the config file. */
  file: string;
  contentType?: string;
  /** File name sent in the part; default the file's base name. */
  filename?: string;
}

export interface RequestSpec {
  method?: HttpMethod;
  /** Path relative to the base URL (`/health`), or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  json?: unknown;
  multipart?: Record<string, string | FilePart>;
  form?: Record<string, string>;
  body?: string;
  /** Send the bearer token. */
  auth?: boolean;
  /** Budget for the whole exchange: connect, redirects, headers and the complete body. */
  timeoutMs?: number;
  /** Redirects followed at most; 0 returns the redirect itself (to assert on it). */
  maxRedirects?: number;
  /** Replaces `defaults.allowRedirectOrigins` for this request. */
  allowRedirectOrigins?: string[];
}

export interface StepConfig {
  name: string;
  request: RequestSpec;
  expect?: HttpExpectations;
  /** name -> JSON path in the response body, available as `{{name}}` in later steps. */
  capture?: Record<string, string>;
  /** Registered as soon as this step succeeds; runs in reverse order even when a later step fails. */
  cleanup?: RequestSpec & { expect?: HttpExpectations };
}

export interface CheckConfig {
  /** Stable id (lower-case slug): used in reports, --grep and history. */
  id: string;
  title?: string;
  description?: string;
  tags?: string[];
  /** Non-blocking checks are reported but never fail the verdict. Default true. */
  blocking?: boolean;
  severity?: Severity;
  /** Only run in these environments. */
  environments?: string[];
  /** Checks that change data declare `readOnly: false`; they are skipped on production environments. */
  readOnly?: boolean;
  /** A single request check. */
  request?: RequestSpec;
  expect?: HttpExpectations;
  /** A multi-step flow. */
  steps?: StepConfig[];
  /** A TLS certificate check against the base URL's host. */
  tls?: TlsExpectations;
}

/** The config after env substitution, environment selection and file references resolved. */
export interface ResolvedConfig {
  /** Absolute path of the config file (directory used to resolve relative paths). */
  file: string;
  dir: string;
  config: RevgateConfig;
  environment: string;
  target: EnvironmentConfig;
  /** Env var names that hold secrets (token env, secrets.env). */
  secretEnv: string[];
  secretHeaders: string[];
}
