import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import { childPath, substituteEnv } from './env.js';
import { compileDocumentSchema, toDiagnostics } from './schema-diagnostics.js';
import type { EnvironmentConfig, ResolvedConfig, RevgateConfig } from './types.js';
import { validateSemantics } from './validate.js';
import { checkJsonDepth } from '../core/input-json.js';

export const DEFAULT_CONFIG_FILE = 'revgate.config.json';
export const DEFAULT_TOKEN_ENV = 'REVGATE_TOKEN';
/** Credential material DefaultAzureCredential reads from the environment: masked in every output whenever set. */
export const AZURE_CREDENTIAL_ENV: readonly string[] = ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'IDENTITY_HEADER', 'MSI_SECRET'];

const SCHEMA_URL = new URL('../../schemas/config.schema.json', import.meta.url);
let validator: ReturnType<typeof compileDocumentSchema> | undefined;

export interface LoadOptions {
  /** Path to the config file; default ./revgate.config.json. */
  configPath?: string;
  /** Environment name; default the config's defaultEnvironment, else the first declared. */
  env?: string;
  /** Overrides the selected environment's baseUrl (a revision FQDN, a sandbox URL). */
  baseUrl?: string;
  processEnv?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Loads, validates and resolves a config. Synchronous on purpose: Playwright declares tests at
 * collection time, and the spec that expands checks into tests calls this.
 * Throws one RevgateError carrying every problem found (exit code 3); nothing runs on a bad config.
 */
export function loadConfig(options: LoadOptions = {}): ResolvedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(cwd, options.configPath ?? DEFAULT_CONFIG_FILE);
  const display = path.relative(cwd, file) || file;
  const processEnv = options.processEnv ?? process.env;

  const raw = readConfigText(file, display);
  const parsed = parseJson(raw, display);

  validator ??= compileDocumentSchema(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  if (!validator(parsed)) throw invalid(display, toDiagnostics(validator.errors));
  const config = parsed as RevgateConfig;

  const diagnostics: Diagnostic[] = validateSemantics(config);
  const envNames = Object.keys(config.environments);
  const environment = options.env ?? config.defaultEnvironment ?? (envNames[0] as string);
  if (!envNames.includes(environment)) {
    throw new RevgateError(ErrorCodes.Usage, `unknown environment "${environment}" in ${display} (declared: ${envNames.join(', ')})`);
  }

  // Substitute env vars everywhere except other environments (their variables need not be set
  // for this run) and auth.scope (only needed when no ready token is supplied; checked by auth).
  const { environments, auth, ...rest } = config;
  const selected = substituteEnv(environments[environment] as EnvironmentConfig, processEnv, childPath('$.environments', environment));
  const body = substituteEnv(rest, processEnv);
  const authResolved = auth ? substituteEnv({ ...auth, scope: undefined }, processEnv, '$.auth') : undefined;
  diagnostics.push(...selected.diagnostics, ...body.diagnostics, ...(authResolved?.diagnostics ?? []));

  const target: EnvironmentConfig = { ...selected.value };
  if (options.baseUrl !== undefined) target.baseUrl = options.baseUrl;
  // A URL with an unresolved variable is already reported; do not report it twice.
  const urlProblem = selected.diagnostics.length && options.baseUrl === undefined ? undefined : checkBaseUrl(target.baseUrl);
  if (urlProblem) {
    diagnostics.push({ path: options.baseUrl !== undefined ? '--base-url' : `${childPath('$.environments', environment)}.baseUrl`, message: urlProblem });
  } else {
    target.baseUrl = target.baseUrl.replace(/\/+$/, '');
  }

  const dir = path.dirname(file);
  const resolved: RevgateConfig = {
    ...body.value,
    environments,
    ...(auth ? { auth: { ...auth, ...(authResolved?.value ?? {}), scope: auth.scope } } : {}),
  };
  if (target.caFile) {
    target.caFile = path.resolve(dir, target.caFile);
    if (!existsSync(target.caFile))
      diagnostics.push({ path: `${childPath('$.environments', environment)}.caFile`, message: `file not found: ${target.caFile}` });
  }
  diagnostics.push(...resolveFileReferences(resolved, dir));

  if (diagnostics.length > 0) throw invalid(display, diagnostics);

  const tokenEnv = resolved.auth?.tokenEnv ?? DEFAULT_TOKEN_ENV;
  return {
    file,
    dir,
    config: resolved,
    environment,
    target,
    secretEnv: [
      ...new Set([
        ...(resolved.auth ? [tokenEnv] : []),
        ...(resolved.secrets?.env ?? []),
        ...AZURE_CREDENTIAL_ENV,
        ...sentFromEnv([...selected.fromEnv, ...body.fromEnv], resolved.secrets?.plain ?? {}),
      ]),
    ],
    secretHeaders: (resolved.secrets?.headers ?? []).map((h) => h.toLowerCase()),
  };
}

function readConfigText(file: string, display: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new RevgateError(
        ErrorCodes.ConfigNotFound,
        `config file not found: ${display} (pass --config FILE, or create ${DEFAULT_CONFIG_FILE}; see examples/)`,
      );
    }
    throw new RevgateError(ErrorCodes.ConfigInvalid, `cannot read config ${display}: ${(err as Error).message}`);
  }
}

function parseJson(text: string, display: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    throw invalid(display, [{ path: '$', message: `not valid JSON${where}: ${message}` }]);
  }
  checkJsonDepth(parsed, `config ${display}`);
  return parsed;
}

function checkBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a valid URL (expected e.g. https://my-app--rev2.example.azurecontainerapps.io)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported protocol "${url.protocol}" (use http or https)`;
  if (url.username || url.password) return 'credentials in the URL are not allowed (they would appear in reports); use auth or headers';
  return undefined;
}

/** `expect.schema` given as a path is read here; multipart files must exist; spec globs must match. */
function resolveFileReferences(config: RevgateConfig, dir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const resolveSchema = (holder: { schema?: unknown } | undefined, p: string): void => {
    if (!holder || typeof holder.schema !== 'string') return;
    const file = path.resolve(dir, holder.schema);
    try {
      holder.schema = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      out.push({ path: `${p}.schema`, message: `cannot load schema ${holder.schema}: ${(err as Error).message}` });
    }
  };
  const checkFiles = (multipart: Record<string, unknown> | undefined, p: string): void => {
    for (const [field, part] of Object.entries(multipart ?? {})) {
      if (part && typeof part === 'object' && 'file' in part) {
        const f = path.resolve(dir, String((part as { file: string }).file));
        if (!existsSync(f)) out.push({ path: `${p}.multipart.${field}.file`, message: `file not found: ${f}` });
      }
    }
  };
  config.checks.forEach((check, i) => {
    const p = `$.checks[${i}]`;
    resolveSchema(check.expect, `${p}.expect`);
    checkFiles(check.request?.multipart, `${p}.request`);
    check.steps?.forEach((step, j) => {
      resolveSchema(step.expect, `${p}.steps[${j}].expect`);
      checkFiles(step.request.multipart, `${p}.steps[${j}].request`);
    });
  });
  (config.specs ?? []).forEach((spec, i) => {
    if (expandSpecGlob(dir, spec).length === 0) out.push({ path: `$.specs[${i}]`, message: `no spec file matches "${spec}"` });
  });
  return out;
}

/** Minimal glob for spec lists: `*` and `**` in path segments, relative to the config directory. */
export function expandSpecGlob(dir: string, pattern: string): string[] {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const results: string[] = [];
  const walk = (base: string, i: number): void => {
    if (i === segments.length) {
      if (existsSync(base) && statSync(base).isFile()) results.push(base);
      return;
    }
    const seg = segments[i] as string;
    if (seg === '**') {
      walk(base, i + 1);
      for (const entry of safeReaddir(base)) {
        const full = path.join(base, entry);
        if (entry !== 'node_modules' && statSync(full).isDirectory()) walk(full, i);
      }
      return;
    }
    if (!seg.includes('*')) return walk(path.join(base, seg), i + 1);
    const re = new RegExp(
      `^${seg
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*')}$`,
    );
    for (const entry of safeReaddir(base)) if (re.test(entry)) walk(path.join(base, entry), i + 1);
  };
  walk(path.resolve(dir), 0);
  return [...new Set(results)].sort();
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function invalid(display: string, unsorted: Diagnostic[]): RevgateError {
  // Document order reads best: $.checks[2] before $.checks[10], and before $.specs.
  const diagnostics = [...unsorted].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  const n = diagnostics.length;
  return new RevgateError(
    ErrorCodes.ConfigInvalid,
    `${display} has ${n} problem${n === 1 ? '' : 's'}`,
    diagnostics.map((d) => ({ ...d, file: display })),
    { schema: 'schemas/config.schema.json' },
  );
}

/** JSON paths of what a request sends besides its URL path: header, query and body values. */
const REQUEST_CONTENT = /\.(?:headers|query|json|body|form|multipart)(?:[.[]|$)/;

/**
 * Every variable whose value is sent in a header, query or body (an `X-Functions-Key: ${FN_KEY}` or
 * `?code=${CODE}`) is a secret unless the config says otherwise (`secrets.plain`, with a reason): a key
 * that nobody listed under `secrets` must still never reach a report. URLs and paths stay readable.
 */
function sentFromEnv(refs: ReadonlyArray<{ name: string; path: string }>, plain: Readonly<Record<string, string>>): string[] {
  return refs.filter((r) => REQUEST_CONTENT.test(r.path) && plain[r.name] === undefined).map((r) => r.name);
}
