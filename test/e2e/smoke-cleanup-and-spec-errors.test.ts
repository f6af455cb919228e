/**
 * Issue 12: cleanup follows creation, not success. A creating step that answered 201 with an id but failed
 * another assertion still deletes what it created, and the check reports its cleanup (what was deleted, what
 * it answered); a record whose id never came back is reported as a cleanup that could not be built; a step that
 * created nothing (a 500) sends no DELETE. In the same run, a hand-written spec whose requests get no response
 * fails with the sentence a declared check gets for the same failure, not Playwright's raw text.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Verdict } from '../../src/verdict/types.js';
import { ROOT, readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';
import { closedPort } from '../helpers/files.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

/** A store of records: POST /records creates one (201), DELETE /records/:id removes it. */
function recordService() {
  const records = new Map<string, { name: string }>();
  const created: string[] = [];
  const deletes: string[] = [];
  let next = 1;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://records');
    const send = (status: number, body?: unknown): void => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (url.pathname === '/records/reset') return void req.socket.destroy();
      const one = /^\/records\/([^/]+)$/.exec(url.pathname);
      if (url.pathname === '/records' && req.method === 'POST') {
        if (url.searchParams.get('mode') === 'broken') return send(500, { detail: 'database error' });
        const id = `rec-${next++}`;
        records.set(id, { name: 'created by the revision' });
        created.push(id);
        // mode=no-id: the record is created, but the response does not say which one.
        return send(201, url.searchParams.get('mode') === 'no-id' ? { name: 'created by the revision' } : { id, name: 'created by the revision' });
      }
      if (one && req.method === 'DELETE') {
        deletes.push(one[1] as string);
        return send(records.delete(one[1] as string) ? 204 : 404);
      }
      return send(404, { detail: 'not found' });
    });
  });
  return { server, records, created, deletes };
}

const flow = (id: string, mode: string) => ({
  id,
  readOnly: false,
  steps: [
    {
      name: 'create record',
      request: { method: 'POST', path: `/records?mode=${mode}`, json: { name: 'smoke' } },
      // The revision answers 201 with an id, but not the name the check expects: the step fails.
      expect: { status: 201, json: { name: 'smoke' } },
      capture: { recordId: 'id' },
      cleanup: { method: 'DELETE', path: '/records/{{recordId}}' },
    },
    { name: 'read record', request: { path: '/records/{{recordId}}' }, expect: { status: 200 } },
  ],
});

describe('smoke against a record store', () => {
  const svc = recordService();
  let v: Verdict;
  let closed = '';
  before(async () => {
    await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}`;
    const dir = tempDir({ after });
    closed = `127.0.0.1:${await closedPort()}`;
    const config = writeJson(path.join(dir, 'revgate.config.json'), {
      service: { name: 'records' },
      environments: { local: { baseUrl: url } },
      specs: [path.relative(dir, path.join(ROOT, 'test', 'fixtures', 'network-errors.spec.ts'))],
      checks: [flow('created-then-failed', 'ok'), flow('created-without-id', 'no-id'), flow('nothing-created', 'broken')],
    });
    const out = path.join(dir, 'out');
    const r = await runCli(['smoke', '--config', config, '--out', out], { env: { REVGATE_TEST_CLOSED_URL: `http://${closed}` } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
  });
  after(() => new Promise<void>((r) => svc.server.close(() => r())));
  const byId = (id: string) => v.checks.find((c) => c.id === id);

  it('a creating step that fails an assertion still deletes what it created, and the check reports the cleanup', () => {
    // 201 with an id, an assertion failed: the record is gone from the service, and the check says what was deleted.
    const failed = byId('created-then-failed');
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error?.message ?? '', /step "create record"/);
    const withId = svc.created.filter((id) => svc.deletes.includes(id));
    assert.equal(withId.length, 1, `created ${svc.created.join(', ')}; deleted ${svc.deletes.join(', ')}`);
    const deletedId = withId[0] as string;
    assert.equal(svc.records.has(deletedId), false, 'the record created by the failing step was deleted');
    assert.equal(failed?.cleanup?.status, 'passed');
    assert.deepEqual(failed?.cleanup?.tasks, [
      { description: `DELETE /records/${deletedId} (cleanup of "create record")`, status: 'done', message: 'answered 204' },
    ]);

    // 201 without the id its cleanup needs: reported as a cleanup that could not be built (the record stays behind).
    const noId = byId('created-without-id');
    assert.equal(noId?.status, 'failed');
    assert.equal(noId?.cleanup?.status, 'failed');
    assert.equal(noId?.cleanup?.tasks?.[0]?.status, 'not-built');
    assert.match(
      noId?.cleanup?.message ?? '',
      /left behind: DELETE \/records\/\{\{recordId\}\} \(cleanup of "create record"\): cannot be built: recordId \(id\)/,
    );
    assert.equal(svc.records.size, 1, 'only the record whose id never came back is left');

    // A 500 created nothing: no DELETE was sent and no cleanup is reported.
    assert.equal(byId('nothing-created')?.status, 'failed');
    assert.equal(byId('nothing-created')?.cleanup, undefined);
    assert.equal(svc.deletes.length, 1, `DELETEs sent: ${svc.deletes.join(', ')}`);
  });

  it("a hand-written spec's network failures read as a declared check's", () => {
    const refused = byId('network-errors/a-request-to-a-closed-port');
    assert.equal(refused?.status, 'failed');
    assert.equal(refused?.error?.message, `connection refused by ${closed}: is the revision running?`);
    const reset = byId('network-errors/a-connection-the-revision-drops');
    assert.equal(reset?.status, 'failed');
    assert.match(
      reset?.error?.message ?? '',
      /^connection reset by 127\.0\.0\.1:\d+ before the response was complete \(ECONNRESET\): did the revision crash or restart\?$/,
    );
  });
});
