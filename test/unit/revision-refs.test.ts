/** Which --base-url/--canary/--baseline values are revision references (resolved through ARM) and which stay URLs (no ARM call). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { azureRevision, isRevisionRef, requireRefFor } from '../../src/cli/revision-refs.js';
import { Problems } from '../../src/run/problems.js';

it('a name is a reference; a URL, or anything that is not a name, is not', () => {
  for (const ref of ['latest', 'current', 'v43', 'apex-backend--v43', 'stable', 'next']) assert.equal(isRevisionRef(ref), true, ref);
  for (const url of ['https://apex--v43.example.azurecontainerapps.io', 'http://127.0.0.1:8080', 'not a url', 'example.com', '-x', '', undefined])
    assert.equal(isRevisionRef(url), false, String(url));
});

it('a reference without --app/-g/a subscription names every missing flag; the app flags without a reference are a problem', () => {
  const problems = new Problems();
  azureRevision({ flag: '--base-url', value: 'latest' }, {}).check?.(problems);
  const hasSubscription = Boolean(process.env.AZURE_SUBSCRIPTION_ID);
  assert.match(
    problems.diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'),
    hasSubscription
      ? /--app: --base-url latest names a revision, not a URL: give --app NAME, -g RESOURCE_GROUP so revgate/
      : /--app: --base-url latest names a revision, not a URL: give --app NAME, -g RESOURCE_GROUP, --subscription ID \(or AZURE_SUBSCRIPTION_ID\)/,
  );
  const bad = new Problems();
  azureRevision({ flag: '--base-url', value: 'v2' }, { app: 'Apex_Backend', resourceGroup: 'rg', subscription: 'nope' }).check?.(bad);
  assert.deepEqual(
    bad.diagnostics.map((d) => d.path),
    ['--app', '--subscription'],
  );
  const unused = new Problems();
  requireRefFor(unused, false, { app: 'apex', resourceGroup: 'rg' }, '--base-url');
  assert.match(unused.diagnostics[0]?.message ?? '', /--app, --resource-group only apply when --base-url names a revision/);
  const fine = new Problems();
  requireRefFor(fine, true, { app: 'apex', resourceGroup: 'rg' }, '--base-url');
  assert.equal(fine.count, 0);
});
