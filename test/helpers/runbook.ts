/**
 * Issue 12's rule for examples/: each example asserts what its runbook (seed) states, no more. A test builds a
 * loopback service from the runbook alone (only what its commands show), and `describeRunbookExample` shows that
 * the example passes it and that each failure the runbook names fails the example, naming its check.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, calmConfig, readVerdict, runCli, tempDir } from './cli.js';
import { verdictSchemaErrors } from './verdicts.js';

export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: string;
  json: (status: number, value: unknown, headers?: http.OutgoingHttpHeaders) => void;
  text: (status: number, value: string, contentType?: string) => void;
}

/** A handler for one service; `faults` are the runbook-named failures it is asked to show. */
export type RunbookService<F extends string> = (faults: ReadonlySet<F>) => (x: Exchange) => void | Promise<void>;

export async function startService(handle: (x: Exchange) => void | Promise<void>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const x: Exchange = {
        req,
        res,
        url: new URL(req.url ?? '/', 'http://service'),
        body: Buffer.concat(chunks).toString(),
        json: (status, value, headers = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        },
        text: (status, value, contentType = 'text/plain; charset=utf-8') => {
          res.writeHead(status, { 'content-type': contentType });
          res.end(value);
        },
      };
      Promise.resolve(handle(x)).catch((err: unknown) => {
        if (!res.headersSent) x.json(500, { detail: String(err) });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface RunbookFailure<F extends string> {
  /** The runbook-named failures the service shows at once (each on its own endpoint). */
  faults: F[];
  /** The check each one fails, and what its message must say (the fault's own reason, not a neighbour's). */
  fails: Array<[id: string, message: RegExp]>;
  /**
   * Run the example exactly as shipped (latency budgets included): for an injected latency. Otherwise its latency
   * budgets are lifted (calmConfig), as in the passing run, so a busy machine cannot fail an unrelated check.
   */
  asShipped?: boolean;
}

/**
 * One describe per example, its runs in parallel: the conforming service passes with exactly `blocking` as the
 * blocking checks (in order; degraded counts as passed, it is the machine's latency), and each failure set fails
 * it (exit 1) with each named check failed for its own reason.
 */
export function describeRunbookExample<F extends string>(o: {
  example: string;
  runbook: string;
  service: RunbookService<F>;
  blocking: string[];
  failures: Array<RunbookFailure<F>>;
  env?: Record<string, string>;
}): void {
  describe(`examples/${o.example}.json against a service built from ${o.runbook} alone`, { concurrency: true }, () => {
    const stops: Array<() => Promise<void>> = [];
    const dir = tempDir({ after }, `revgate-${o.example}-`);
    after(async () => {
      await Promise.all(stops.map((s) => s()));
    });

    const run = async (name: string, faults: F[], asShipped: boolean) => {
      const svc = await startService(o.service(new Set(faults)));
      stops.push(svc.close);
      const shipped = path.join(ROOT, 'examples', `${o.example}.json`);
      const config = asShipped ? shipped : calmConfig({ after }, shipped);
      const out = path.join(dir, name);
      const r = await runCli(['smoke', '--config', config, '--base-url', svc.url, '--out', out], { env: o.env ?? {}, timeoutMs: 120_000 });
      return { r, v: readVerdict(out) };
    };

    it('a revision built to the runbook passes', async () => {
      const { r, v } = await run('conforming', [], false);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(verdictSchemaErrors(v), '');
      assert.deepEqual(
        v.checks.filter((c) => c.blocking && c.status !== 'skipped').map((c) => [c.id, c.status === 'degraded' ? 'passed' : c.status]),
        o.blocking.map((id) => [id, 'passed']),
      );
    });

    for (const f of o.failures) {
      it(`the runbook's ${f.faults.join(' + ')} failure${f.faults.length > 1 ? 's fail' : ' fails'} it, naming ${f.fails.map(([id]) => id).join(', ')}`, async () => {
        const { r, v } = await run(f.faults.join('+'), f.faults, f.asShipped === true);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        for (const [id, message] of f.fails) {
          const c = v.checks.find((x) => x.id === id);
          assert.equal(c?.status, 'failed', `${id}: ${JSON.stringify(v.checks.map((x) => [x.id, x.status]))}`);
          assert.match(c?.error?.message ?? '', message, id);
        }
        assert.match(v.summary, /^FAIL: /);
      });
    }
  });
}
