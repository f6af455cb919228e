import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ErrorCodes, RevgateError } from '../../core/errors.js';
import { outputMode, stderr, stdout } from '../io.js';

interface SandboxArgs {
  port: number;
  host: string;
  fault?: string[];
  tls: boolean;
  revision?: string;
  'state-dir': string;
  gateway: boolean;
  tenants: number;
  regions?: string[];
  'gateway-fault'?: string[];
  aca: boolean;
  'arm-fault'?: string[];
  users?: number;
}

export const sandboxCommand: CommandModule<object, SandboxArgs> = {
  command: 'sandbox',
  describe: 'Start a local service that behaves like one revision of the seed apps, with injectable faults',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'number', default: 0, describe: 'Port to listen on (0 picks a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Loopback address to bind (only loopback is allowed)' })
      .option('fault', { type: 'string', array: true, describe: 'Fault to inject at start (repeatable); change at run time with PUT /__sandbox/faults' })
      .option('tls', { type: 'boolean', default: false, describe: 'Serve https with a throw-away CA (written to --state-dir/ca.pem)' })
      .option('revision', { type: 'string', describe: 'Revision name reported by /health' })
      .option('state-dir', { type: 'string', default: 'reports/sandbox', describe: 'Where the bearer token (and CA) are written for clients' })
      .option('gateway', {
        type: 'boolean',
        default: false,
        describe: 'Serve an APIM-like gateway for a generated stamps estate instead: one port per region (from --port), per-tenant keys, cells, rate limits',
      })
      .option('tenants', { type: 'number', default: 120, describe: 'With --gateway: number of tenants' })
      .option('regions', { type: 'string', array: true, describe: 'With --gateway: regions (default eastus,westeurope,southeastasia)' })
      .option('gateway-fault', { type: 'string', array: true, describe: 'With --gateway: [tenant|cell|region=NAME:]FAULT (see revgate probe --help)' })
      .option('aca', {
        type: 'boolean',
        default: false,
        describe:
          'Serve an Azure Container Apps control plane instead: an emulated ARM, a managed identity endpoint, an ingress weighted by ARM, revisions v1 (100%) and v2 (0%, with --fault)',
      })
      .option('users', { type: 'number', describe: "With --aca: real users' requests per second to the app's ingress (change: PUT /__sandbox/aca/users)" })
      .option('arm-fault', {
        type: 'string',
        array: true,
        describe: 'With --aca: an ARM fault, e.g. throttle=2,retry-after=1, lock-conflict=2, forbidden=write (see revgate discover --help)',
      })
      .check((a) => {
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535)
          throw new RevgateError(ErrorCodes.Usage, '--port must be a whole number from 0 to 65535');
        return true;
      })
      .example('$0 sandbox --port 8080', 'Serve a healthy revision on http://127.0.0.1:8080')
      .example('$0 sandbox --fault latency=300 --fault errors=0.05', 'Every request 300 ms slower, 5% answer 500')
      .example(
        '$0 sandbox --gateway --tenants 1000',
        'An APIM-like gateway for 1,000 tenants in 3 regions; then: revgate probe --tenants reports/sandbox/tenants.json',
      )
      .example('$0 sandbox --tls --fault tls-expiry=5', 'https with a certificate that expires in 5 days')
      .example(
        '$0 sandbox --aca --fault errors=0.2',
        'A container app behind an emulated ARM whose newest revision fails 20% of requests; then revgate discover / rollout with the printed --arm-endpoint',
      )
      .example(`curl -X PUT http://127.0.0.1:8080/__sandbox/faults -d '{"faults":["ready-fail"]}'`, 'Inject a fault into a running sandbox')
      .epilogue(
        'Faults: latency=MS|MIN-MAX[,rate=P], errors=P[,status=N], down[,mode=reset], wrong-body, login-page, ready-fail, slow-start=MS, tls-expiry=DAYS, redirect-loop, huge-body[,mb=N]; any of them scoped with ,path=/glob* (and latency, errors, down, ... with ,tenant=ID for requests with that X-Tenant-ID)',
      ),
  handler: async (a) => {
    if (a.aca && a.gateway) throw new RevgateError(ErrorCodes.Usage, '--aca and --gateway are different sandboxes: pick one');
    if (!a.aca && (a['arm-fault'] ?? []).length) throw new RevgateError(ErrorCodes.Usage, '--arm-fault only applies with --aca');
    if (!a.aca && a.users !== undefined) throw new RevgateError(ErrorCodes.Usage, '--users only applies with --aca');
    if (a.users !== undefined && !(a.users >= 0 && a.users <= 1000))
      throw new RevgateError(ErrorCodes.Usage, '--users must be requests per second from 0 to 1000');
    if (a.aca) {
      const { runAcaSandbox } = await import('./sandbox-aca.js');
      return runAcaSandbox({
        faults: a.fault ?? [],
        armFaults: a['arm-fault'] ?? [],
        host: a.host,
        stateDir: a['state-dir'],
        ...(a.users !== undefined ? { users: a.users } : {}),
      });
    }
    if (a.gateway) {
      const regions = a.regions
        ?.flatMap((r) => r.split(','))
        .map((r) => r.trim())
        .filter(Boolean);
      const { runGatewaySandbox } = await import('./sandbox-gateway.js');
      return runGatewaySandbox({
        tenants: a.tenants,
        ...(regions?.length ? { regions } : {}),
        faults: a['gateway-fault'] ?? [],
        port: a.port,
        host: a.host,
        stateDir: a['state-dir'],
      });
    }
    // Loaded on use, so `revgate --help`, `--version` and the other commands start without the sandbox.
    const { startSandbox } = await import('../../sandbox/index.js');
    const sandbox = await startSandbox({ host: a.host, port: a.port, faults: a.fault ?? [], tls: a.tls, ...(a.revision ? { revision: a.revision } : {}) });
    const dir = path.resolve(a['state-dir']);
    mkdirSync(dir, { recursive: true });
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, sandbox.token, { mode: 0o600 });
    const identityFile = path.join(dir, 'identity-header');
    writeFileSync(identityFile, sandbox.identity.header, { mode: 0o600 });
    const caFile = path.join(dir, 'ca.pem');
    if (sandbox.caPem) writeFileSync(caFile, sandbox.caPem);
    const rel = (f: string): string => path.relative(process.cwd(), f) || f;
    const faults = sandbox.faults();
    const { json, quiet } = outputMode();
    if (json) {
      // One line a script can read before it starts using the sandbox; the token stays in its file.
      stdout(
        `${JSON.stringify({
          url: sandbox.url,
          revision: sandbox.revision,
          tokenFile: tokenFile,
          identityEndpoint: sandbox.identity.endpoint,
          identityHeaderFile: identityFile,
          ...(sandbox.caPem ? { caFile } : {}),
          faults,
        })}\n`,
      );
    } else if (quiet) stdout(`${sandbox.url}\n`);
    else {
      stdout(`revgate sandbox: revision ${sandbox.revision} listening on ${sandbox.url}\n`);
      stdout(`  token:  ${rel(tokenFile)}  (export REVGATE_TOKEN="$(cat ${rel(tokenFile)})")\n`);
      stdout(
        `  managed identity: export IDENTITY_ENDPOINT=${sandbox.identity.endpoint} IDENTITY_HEADER="$(cat ${rel(identityFile)})"  ` +
          `(DefaultAzureCredential then gets the token for auth.scope ${sandbox.identity.audience}/.default, as inside a Container App)\n`,
      );
      if (sandbox.caPem) stdout(`  CA:     ${rel(caFile)}  (revgate smoke --ca-file ${rel(caFile)} ...)\n`);
      stdout(
        `  faults: ${faults.length ? faults.map((f) => JSON.stringify(f)).join(' ') : 'none'}  (change: curl -X PUT ${sandbox.url}/__sandbox/faults -d '{"faults":["ready-fail"]}')\n`,
      );
      stdout(`  try:    REVGATE_TOKEN="$(cat ${rel(tokenFile)})" revgate smoke --base-url ${sandbox.url}${sandbox.caPem ? ` --ca-file ${rel(caFile)}` : ''}\n`);
      stdout('Press Ctrl+C to stop.\n');
    }
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => async () => {
        stderr(`revgate sandbox: ${sig}, stopping\n`);
        await sandbox.stop();
        rmSync(tokenFile, { force: true });
        rmSync(identityFile, { force: true });
        resolve();
      };
      process.once('SIGINT', () => void stop('SIGINT')());
      process.once('SIGTERM', () => void stop('SIGTERM')());
    });
  },
};
