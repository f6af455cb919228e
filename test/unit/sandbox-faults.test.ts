import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, RevgateError } from '../../src/core/errors.js';
import {
  FAULT_KINDS,
  checkFaultObject,
  formatFault,
  normalizeFaults,
  parseFault,
  pathMatches,
  rollRate,
  seededRandom,
  type FaultSpec,
} from '../../src/sandbox/faults.js';

const valid: Array<[string, FaultSpec]> = [
  ['latency=200', { kind: 'latency', ms: 200 }],
  ['latency=100-300', { kind: 'latency', ms: 100, maxMs: 300 }],
  ['latency=200,rate=0.05', { kind: 'latency', ms: 200, rate: 0.05 }],
  ['latency=200,rate=5%', { kind: 'latency', ms: 200, rate: 0.05 }],
  ['latency=200,max=250', { kind: 'latency', ms: 200, maxMs: 250 }],
  ['latency=0', { kind: 'latency', ms: 0 }],
  ['latency=200,path=/api/*', { kind: 'latency', ms: 200, path: '/api/*' }],
  ['latency,ms=50', { kind: 'latency', ms: 50 }],
  [' latency = 200 , rate = 1 ', { kind: 'latency', ms: 200, rate: 1 }],
  ['errors=0.1', { kind: 'errors', rate: 0.1 }],
  ['errors', { kind: 'errors' }],
  ['errors,rate=0.2', { kind: 'errors', rate: 0.2 }],
  ['errors=1,status=503', { kind: 'errors', rate: 1, status: 503 }],
  ['errors=0.5,path=/health/*', { kind: 'errors', rate: 0.5, path: '/health/*' }],
  ['down', { kind: 'down' }],
  ['down,path=/health/db', { kind: 'down', path: '/health/db' }],
  ['down,path=/x,mode=reset', { kind: 'down', path: '/x', mode: 'reset' }],
  ['down,mode=status', { kind: 'down', mode: 'status' }],
  ['wrong-body', { kind: 'wrong-body' }],
  ['wrong-body,path=/metrics', { kind: 'wrong-body', path: '/metrics' }],
  ['login-page,path=/api/*', { kind: 'login-page', path: '/api/*' }],
  ['ready-fail', { kind: 'ready-fail' }],
  ['ready-fail,rate=0.5', { kind: 'ready-fail', rate: 0.5 }],
  ['slow-start=5000', { kind: 'slow-start', ms: 5000 }],
  ['tls-expiry=7', { kind: 'tls-expiry', days: 7 }],
  ['tls-expiry=-1', { kind: 'tls-expiry', days: -1 }],
  ['tls-expiry=0.5', { kind: 'tls-expiry', days: 0.5 }],
  ['redirect-loop', { kind: 'redirect-loop' }],
  ['redirect-loop,path=/', { kind: 'redirect-loop', path: '/' }],
  ['huge-body', { kind: 'huge-body' }],
  ['huge-body,mb=2', { kind: 'huge-body', mb: 2 }],
  ['huge-body,path=/api/v1/projects*,mb=0.5', { kind: 'huge-body', path: '/api/v1/projects*', mb: 0.5 }],
];

for (const [spec, expected] of valid) {
  test(`parseFault accepts ${JSON.stringify(spec)}`, () => {
    assert.deepEqual(parseFault(spec), expected);
  });
}

/** [spec, fragments the message must contain] */
const invalid: Array<[string, string[]]> = [
  ['', ['empty fault spec']],
  ['   ', ['empty fault spec']],
  ['lag=200', ['unknown fault kind "lag"']],
  ['Latency=200', ['unknown fault kind "Latency"']],
  ['latency', ['"latency" requires ms']],
  ['latency=abc', ['latency value must be MS or MIN-MAX', '"abc"']],
  ['latency=200ms', ['"200ms"', 'latency=100-300']],
  ['latency=-5', ['latency ms must be milliseconds between 0 and 600000', '-5']],
  ['latency=300-100', ['maxMs (100) must be >= ms (300)']],
  ['latency=9999999', ['between 0 and 600000']],
  ['latency=200,rate=1.5', ['latency rate must be a fraction between 0 and 1', '1.5']],
  ['latency=200,rate=abc', ['latency rate must be a plain number', '"abc"']],
  ['latency=200,rate=150%', ['fraction between 0 and 1']],
  ['latency=200,path=api/*', ['must be a path glob starting with "/"']],
  ['latency=200,path=/__sandbox/*', ['must not target the control API']],
  ['latency=200,status=500', ['"latency" does not take "status"', 'it takes: ms, maxMs, rate, path']],
  ['latency=200,rate=0.1,rate=0.2', ['latency rate is given twice']],
  ['latency=200,', ['empty option (stray comma)']],
  ['latency=200,rate', ['option "rate" must be key=value']],
  ['latency=200,rate=', ['latency rate has an empty value']],
  ['errors=2', ['errors rate must be a fraction between 0 and 1']],
  ['errors=0.1,rate=0.2', ['errors rate is given twice']],
  ['errors=1,status=200', ['errors status must be an HTTP status 400-599']],
  ['errors=1,status=5xx', ['errors status must be a plain number']],
  ['down=1', ['"down" takes no value after "="']],
  ['down,mode=drop', ['down mode must be "status" or "reset"', '"drop"']],
  ['ready-fail,path=/health', ['"ready-fail" does not take "path"', 'it takes: rate']],
  ['slow-start', ['"slow-start" requires ms']],
  ['slow-start=soon', ['slow-start ms must be a plain number']],
  ['slow-start=100,rate=0.5', ['"slow-start" does not take "rate"']],
  ['tls-expiry', ['"tls-expiry" requires days']],
  ['tls-expiry=5000', ['days between -3650 and 3650']],
  ['tls-expiry=7,path=/', ['"tls-expiry" does not take "path"']],
  ['huge-body,mb=0', ['huge-body mb must be MiB greater than 0']],
  ['huge-body,mb=4096', ['at most 1024']],
  ['wrong-body,status=500', ['"wrong-body" does not take "status"']],
  ['errors,constructor=1', ['"errors" does not take "constructor"']],
];

for (const [spec, fragments] of invalid) {
  test(`parseFault rejects ${JSON.stringify(spec)}`, () => {
    assert.throws(
      () => parseFault(spec),
      (err: unknown) => {
        assert.ok(err instanceof RevgateError, 'a RevgateError');
        assert.equal(err.code, ErrorCodes.Usage);
        for (const fragment of fragments)
          assert.ok(err.message.includes(fragment), `message ${JSON.stringify(err.message)} should include ${JSON.stringify(fragment)}`);
        // Every message names the spec and lists the valid kinds.
        assert.ok(err.message.includes(`invalid fault "${spec}"`), err.message);
        assert.ok(err.message.includes(`valid fault kinds: ${FAULT_KINDS.join(', ')}`), err.message);
        return true;
      },
    );
  });
}

test('parseFault reports every problem in one spec, not just the first', () => {
  assert.throws(
    () => parseFault('latency=200,rate=2,status=500,path=x'),
    (err: unknown) =>
      err instanceof RevgateError && /does not take "status"/.test(err.message) && /rate must be a fraction/.test(err.message) && /path glob/.test(err.message),
  );
});

test('formatFault round-trips through parseFault', () => {
  for (const [, fault] of valid) {
    assert.deepEqual(parseFault(formatFault(fault)), fault, formatFault(fault));
  }
  assert.equal(formatFault({ kind: 'latency', ms: 200, rate: 0.05, path: '/api/*' }), 'latency=200,rate=0.05,path=/api/*');
  assert.equal(formatFault({ kind: 'latency', ms: 100, maxMs: 300 }), 'latency=100-300');
});

/** JSON form: [input, expected spec | message fragments]. */
const objects: Array<[unknown, FaultSpec | string[]]> = [
  [
    { kind: 'latency', ms: 200, rate: 0.05, path: '/api/*' },
    { kind: 'latency', ms: 200, rate: 0.05, path: '/api/*' },
  ],
  [
    { kind: 'errors', rate: 0.1, status: 503 },
    { kind: 'errors', rate: 0.1, status: 503 },
  ],
  [
    { kind: 'down', path: '/x', mode: 'reset', rate: undefined },
    { kind: 'down', path: '/x', mode: 'reset' },
  ],
  [
    { kind: 'tls-expiry', days: 3 },
    { kind: 'tls-expiry', days: 3 },
  ],
  [{ kind: 'latency', ms: '200' }, ['$.ms: latency ms must be milliseconds', '"200"']],
  [{ kind: 'latency' }, ['"latency" requires ms']],
  [{ kind: 'nope' }, ['unknown fault kind ("nope")', 'valid fault kinds: latency']],
  [{ ms: 5 }, ['unknown fault kind (missing)']],
  [{ kind: 'errors', rate: 0.1, colour: 'red' }, ['"errors" does not take "colour"']],
  [JSON.parse('{"kind":"errors","constructor":1,"__proto__":{"x":1}}'), ['"errors" does not take "constructor"', '"errors" does not take "__proto__"']],
  [42, ['must be a fault string or an object with "kind"']],
  [['latency=5'], ['must be a fault string or an object']],
];

for (const [input, expected] of objects) {
  test(`checkFaultObject ${JSON.stringify(input)}`, () => {
    const result = checkFaultObject(input);
    if (Array.isArray(expected)) {
      assert.equal(result.fault, undefined);
      const text = result.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
      for (const fragment of expected) assert.ok(text.includes(fragment), `${text} should include ${fragment}`);
      assert.ok(result.problems.every((p) => p.path.startsWith('$')));
    } else {
      assert.deepEqual(result.fault, expected);
      assert.deepEqual(result.problems, []);
    }
  });
}

test('normalizeFaults mixes strings and objects and collects every problem with its location', () => {
  assert.deepEqual(normalizeFaults(['latency=5', { kind: 'ready-fail' }]), [{ kind: 'latency', ms: 5 }, { kind: 'ready-fail' }]);
  assert.throws(
    () => normalizeFaults(['latency=5', 'bogus', { kind: 'errors', rate: 3 }]),
    (err: unknown) => {
      assert.ok(err instanceof RevgateError);
      assert.equal(err.code, ErrorCodes.Usage);
      assert.deepEqual(
        err.diagnostics.map((d) => d.path),
        ['$.faults[1]', '$.faults[2].rate'],
      );
      assert.match(err.message, /2 invalid faults/);
      return true;
    },
  );
  assert.throws(() => normalizeFaults(['tls-expiry=1', 'tls-expiry=2']), /at most one tls-expiry/);
  assert.throws(() => normalizeFaults(['slow-start=1', 'slow-start=2']), /at most one slow-start/);
});

const globs: Array<[string | undefined, string, boolean]> = [
  [undefined, '/health', true],
  [undefined, '/__sandbox/faults', false],
  ['/health', '/health', true],
  ['/health', '/health/live', false],
  ['/health/*', '/health/live', true],
  ['/health/*', '/health', false],
  ['/health*', '/health', true],
  ['/api/*', '/api/v1/projects/abc', true],
  ['/api/*/projects/*', '/api/v1/projects/abc', true],
  ['/api/v1.0/*', '/api/v1x0/x', false],
  ['/*', '/__sandbox/state', false],
];

for (const [glob, pathname, expected] of globs) {
  test(`path ${String(glob)} ${expected ? 'matches' : 'does not match'} ${pathname}`, () => {
    const fault: FaultSpec = glob === undefined ? { kind: 'errors' } : { kind: 'errors', path: glob };
    assert.equal(pathMatches(fault, pathname), expected);
  });
}

test('rollRate uses no randomness at rate 1 or 0, and the seeded source is reproducible', () => {
  let calls = 0;
  const counting = (): number => {
    calls += 1;
    return 0.5;
  };
  assert.equal(rollRate({ kind: 'errors' }, counting), true);
  assert.equal(rollRate({ kind: 'errors', rate: 1 }, counting), true);
  assert.equal(rollRate({ kind: 'errors', rate: 0 }, counting), false);
  assert.equal(calls, 0);
  assert.equal(rollRate({ kind: 'errors', rate: 0.6 }, counting), true);
  assert.equal(rollRate({ kind: 'errors', rate: 0.4 }, counting), false);

  const a = seededRandom(42);
  const b = seededRandom(42);
  const seqA = Array.from({ length: 5 }, a);
  assert.deepEqual(seqA, Array.from({ length: 5 }, b));
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
  const r = seededRandom(7);
  const hits = Array.from({ length: 10_000 }, () => rollRate({ kind: 'latency', ms: 1, rate: 0.05 }, r)).filter(Boolean).length;
  assert.ok(hits > 400 && hits < 600, `about 5% of 10000, got ${hits}`);
});
