/**
 * Hand-written specs get the declared checks' network-error sentences (issue 12): Playwright's real request
 * errors against real loopback sockets, through the `request` fixture's wrapper and through the result mapping;
 * and a table of navigation errors and non-network errors that must keep their own text.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request, type APIRequestContext } from '@playwright/test';
import { describeSpecNetError } from '../../src/smoke/spec-net-errors.js';
import { withFriendlyNetworkErrors } from '../../src/smoke/spec-request.js';
import { toCheckResults } from '../../src/smoke/results.js';
import { closedPort } from '../helpers/files.js';

describe('network errors in hand-written specs', () => {
  let raw: APIRequestContext;
  let server: http.Server;
  let base = '';
  let refused = '';
  before(async () => {
    // /reset drops the connection without an answer; /hang never answers.
    server = http.createServer((req) => {
      if (req.url === '/reset') req.socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    refused = `127.0.0.1:${await closedPort()}`;
    raw = await request.newContext({ baseURL: base }); // as the fixture's: relative paths go to the target
  });
  after(async () => {
    await raw.dispose();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const thrown = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the request to fail');
  };

  const cases: Array<{ name: string; send: (ctx: APIRequestContext) => Promise<unknown>; message: () => RegExp; kind: string }> = [
    {
      name: 'refused',
      send: (ctx) => ctx.post(`http://${refused}/api/v1/projects/`, { data: { a: 1 } }),
      message: () => new RegExp(`^connection refused by ${refused.replace(/\./g, '\\.')}: is the revision running\\?$`),
      kind: 'connect',
    },
    {
      name: 'DNS',
      send: (ctx) => ctx.get('http://revgate-no-such-host.invalid/health'),
      message: () => /^DNS lookup failed for revgate-no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\): check the revision FQDN$/,
      kind: 'dns',
    },
    {
      name: 'reset',
      send: (ctx) => ctx.get('/reset'),
      message: () => /^connection reset by 127\.0\.0\.1:\d+ before the response was complete \(ECONNRESET\): did the revision crash or restart\?$/,
      kind: 'reset',
    },
    {
      name: "Playwright's request timeout",
      send: (ctx) => ctx.get('/hang', { timeout: 200 }),
      message: () => /^no response within the timeout \(gave up after \d[\d.,]* m?s\)$/,
      kind: 'timeout',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the request fixture throws the declared checks' sentence, keeping the spec's frames`, async () => {
      const err = await thrown(c.send(withFriendlyNetworkErrors(raw, base)));
      assert.match(err.message, c.message());
      assert.ok(!/Call log|apiRequestContext/.test(String(err.stack)), String(err.stack));
      assert.match(String(err.stack), /smoke-spec-net-errors\.test\.ts/, 'the stack still points at the spec');
      assert.match(String((err.cause as Error)?.message), /^apiRequestContext\.\w+:/, "Playwright's error is the cause");
    });

    it(`${c.name}: a raw Playwright error in a spec's result is reported the same way`, async () => {
      // Outside the fixture (a context the spec made itself): the result mapping reads Playwright's text.
      const ctx = await request.newContext({ baseURL: base });
      try {
        const err = await thrown(c.send(ctx));
        assert.equal(describeSpecNetError(err)?.kind, c.kind);
        const [check] = toCheckResults([
          {
            title: 'projects',
            file: 'checks/projects.spec.ts',
            project: 'specs',
            outcome: 'unexpected',
            lastStatus: 'failed',
            attempts: 1,
            durationMs: 10,
            errors: [`Error: ${err.message}`],
            annotations: [],
            tags: [],
          },
        ]);
        assert.match(check?.error?.message ?? '', c.message());
        assert.equal(check?.error?.kind, c.kind);
      } finally {
        await ctx.dispose();
      }
    });
  }

  // Navigation errors (Chromium's wording) and errors that are not network failures.
  const rows: Array<[string, string, RegExp | undefined]> = [
    [
      'page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/status\nCall log:\n  - navigating to "http://127.0.0.1:9/status"',
      'connect',
      /^connection refused by 127\.0\.0\.1:9: is the revision running\?$/,
    ],
    ['page.goto: net::ERR_NAME_NOT_RESOLVED at https://api.example.invalid/', 'dns', /^DNS lookup failed for api\.example\.invalid \(ENOTFOUND\)/],
    ['page.goto: net::ERR_CONNECTION_RESET at https://api.example.io/', 'reset', /^connection reset by api\.example\.io:443 /],
    ['page.goto: net::ERR_CERT_DATE_INVALID at https://api.example.io/', 'tls', /^TLS handshake failed: net::ERR_CERT_DATE_INVALID/],
    ['Timed out 5000ms waiting for expect(locator).toBeVisible()', '', undefined],
    ['expect(received).toBe(expected) // Object.is equality\n\nExpected: 200\nReceived: 500', '', undefined],
    ['apiRequestContext.get: Request context disposed.', '', undefined],
  ];
  for (const [message, kind, want] of rows) {
    it(`${want ? kind : 'kept as is'}: ${message.split('\n')[0]}`, () => {
      const got = describeSpecNetError({ message });
      if (!want) return assert.equal(got, undefined);
      assert.equal(got?.kind, kind);
      assert.match(got?.message ?? '', want);
    });
  }
});
