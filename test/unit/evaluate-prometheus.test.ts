import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusFloat, validatePrometheusText } from '../../src/evaluate/prometheus.js';

// What client_golang serves on /metrics (trimmed), histograms and summaries included.
const GO_CLIENT = `# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.6e-05
go_gc_duration_seconds{quantile="0.25"} 4.1099e-05
go_gc_duration_seconds{quantile="0.5"} 5.2611e-05
go_gc_duration_seconds{quantile="0.75"} 7.7e-05
go_gc_duration_seconds{quantile="1"} 0.000380042
go_gc_duration_seconds_sum 0.013417839
go_gc_duration_seconds_count 193
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP http_request_duration_seconds Duration of HTTP requests.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/api/orders",method="GET",le="0.005"} 12
http_request_duration_seconds_bucket{handler="/api/orders",method="GET",le="0.01"} 30
http_request_duration_seconds_bucket{handler="/api/orders",method="GET",le="0.1"} 95
http_request_duration_seconds_bucket{handler="/api/orders",method="GET",le="1"} 100
http_request_duration_seconds_bucket{handler="/api/orders",method="GET",le="+Inf"} 101
http_request_duration_seconds_sum{handler="/api/orders",method="GET"} 4.2171
http_request_duration_seconds_count{handler="/api/orders",method="GET"} 101
http_request_duration_seconds_bucket{handler="/health",method="GET",le="0.005"} 500
http_request_duration_seconds_bucket{handler="/health",method="GET",le="0.01"} 500
http_request_duration_seconds_bucket{handler="/health",method="GET",le="0.1"} 500
http_request_duration_seconds_bucket{handler="/health",method="GET",le="1"} 500
http_request_duration_seconds_bucket{handler="/health",method="GET",le="+Inf"} 500
http_request_duration_seconds_sum{handler="/health",method="GET"} 0.91
http_request_duration_seconds_count{handler="/health",method="GET"} 500
# HELP http_requests_total Total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{code="200",handler="/api/orders"} 1027 1395066363000
http_requests_total{code="500",handler="/api/orders"} 3 1395066363000
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.71234567891e+09
`;

// prom-client (Node) style: histogram with a different label set, default metrics, no timestamps.
const NODE_CLIENT = `# HELP nodejs_eventloop_lag_seconds Lag of event loop in seconds.
# TYPE nodejs_eventloop_lag_seconds gauge
nodejs_eventloop_lag_seconds 0.004531

# HELP orders_processing_seconds Order processing time
# TYPE orders_processing_seconds histogram
orders_processing_seconds_bucket{le="0.1",tenant="contoso"} 0
orders_processing_seconds_bucket{le="0.5",tenant="contoso"} 3
orders_processing_seconds_bucket{le="+Inf",tenant="contoso"} 3
orders_processing_seconds_sum{tenant="contoso"} 0.93
orders_processing_seconds_count{tenant="contoso"} 3
`;

// Spec corner cases that are valid: escapes, special floats, blanks, trailing comma, untyped, comments.
const EDGE_CASES = `# A normal comment
#   another with spaces
   # indented comment

# HELP escaped_help A line with \\\\ backslash and \\n newline and \\" quote.
# TYPE escaped_help gauge
escaped_help{path="C:\\\\temp",msg="say \\"hi\\"\\nbye",empty=""} 1
# TYPE special_values untyped
special_values{v="nan"} NaN
special_values{v="pinf"} +Inf
special_values{v="ninf"} -Inf
special_values{v="exp"} -1.5E-3
special_values{v="dot"} .5
special_values{v="int"} 7
special_values{v="plus"} +3
special_values{v="ts"} 1 -1
spaced_labels { a = "1" , b="2", } 3
no_labels{} 4
metric_without_type 0
name:with:colons_total 1
	tabbed_metric	5	1700000000000
# TYPE empty_family counter
`;

const valid: { name: string; text: string; families: string[]; samples: number }[] = [
  {
    name: 'client_golang output with summary, histograms, counters and timestamps',
    text: GO_CLIENT,
    families: ['go_gc_duration_seconds', 'go_goroutines', 'http_request_duration_seconds', 'http_requests_total', 'process_start_time_seconds'],
    samples: 25,
  },
  {
    name: 'prom-client output with le before other labels',
    text: NODE_CLIENT,
    families: ['nodejs_eventloop_lag_seconds', 'orders_processing_seconds'],
    samples: 6,
  },
  {
    name: 'escapes, NaN/Inf, exponents, blanks, trailing comma, untyped, tabs',
    text: EDGE_CASES,
    families: [
      'escaped_help',
      'special_values',
      'spaced_labels',
      'no_labels',
      'metric_without_type',
      'name:with:colons_total',
      'tabbed_metric',
      'empty_family',
    ],
    samples: 14,
  },
  { name: 'a single untyped sample', text: 'up 1\n', families: ['up'], samples: 1 },
  { name: 'summary without quantiles (sum and count only)', text: '# TYPE rpc summary\nrpc_sum 1\nrpc_count 2\n', families: ['rpc'], samples: 2 },
  { name: 'histogram with only the +Inf bucket', text: '# TYPE h histogram\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n', families: ['h'], samples: 3 },
];

for (const row of valid) {
  test(`valid Prometheus text: ${row.name}`, () => {
    const result = validatePrometheusText(row.text);
    assert.deepEqual(result.errors, []);
    assert.equal(result.valid, true);
    assert.equal(result.errorCount, 0);
    assert.deepEqual(result.families, row.families);
    assert.equal(result.sampleCount, row.samples);
  });
}

test('metrics lists distinct sample names, including histogram suffixes', () => {
  const { metrics } = validatePrometheusText(NODE_CLIENT);
  assert.deepEqual(metrics, [
    'nodejs_eventloop_lag_seconds',
    'orders_processing_seconds_bucket',
    'orders_processing_seconds_sum',
    'orders_processing_seconds_count',
  ]);
});

const histogram = (lines: string): string => `# TYPE h histogram\n${lines}`;

const invalid: { name: string; text: string; error: RegExp }[] = [
  { name: 'empty body', text: '', error: /^line 1: the body is empty/ },
  { name: 'whitespace only', text: ' \n\n', error: /^line 1: the body is empty/ },
  { name: 'only comments', text: '# just a comment\n', error: /^line 1: no metrics found/ },
  { name: 'bad metric name (starts with a digit)', text: 'ok 1\n9lives 1\n', error: /^line 2: invalid metric name at "9lives 1"/ },
  { name: 'bad metric name (dash)', text: 'http-requests 1\n', error: /^line 1: invalid character "-" in metric name "http-/ },
  { name: 'missing metric name', text: '{a="b"} 1\n', error: /^line 1: invalid metric name .*metric name is missing/ },
  { name: 'bad label name', text: 'm{1a="x"} 1\n', error: /^line 1: invalid label name at "1a=/ },
  { name: 'reserved __name__ label', text: 'm{__name__="x"} 1\n', error: /^line 1: label name "__name__" is reserved/ },
  { name: 'duplicate label names', text: 'm{a="1",a="2"} 1\n', error: /^line 1: duplicate label name "a"/ },
  { name: 'unquoted label value', text: 'm{a=b} 1\n', error: /^line 1: expected '"' at the start of the value of label "a"/ },
  { name: 'missing = after label name', text: 'm{a:"b"} 1\n', error: /^line 1: expected "=" after label name "a"/ },
  { name: 'bad escape \\t in a label value', text: 'm{a="x\\ty"} 1\n', error: /^line 1: invalid escape sequence "\\t" in the value of label "a"/ },
  { name: 'unterminated label value', text: 'm{a="x} 1\n', error: /^line 1: unterminated value of label "a"/ },
  { name: 'junk after a label value', text: 'm{a="x"+} 1\n', error: /^line 1: expected "," or "}" after the value of label "a", found "\+"/ },
  { name: 'unclosed label set', text: 'm{a="x"\n', error: /^line 1: expected "," or "}" .* found the end of the line/ },
  { name: 'bad value', text: 'm 12abc\n', error: /^line 1: invalid value "12abc" for "m"/ },
  { name: 'missing value', text: 'm{a="b"}\n', error: /^line 1: sample "m" has no value/ },
  { name: 'hex float is not accepted by Prometheus', text: 'm 0x1p-3\n', error: /invalid value "0x1p-3"/ },
  { name: 'underscores in numbers', text: 'm 1_000\n', error: /invalid value "1_000"/ },
  { name: 'value out of float64 range', text: 'm 1e400\n', error: /invalid value "1e400"/ },
  { name: 'signed NaN', text: 'm -NaN\n', error: /invalid value "-NaN"/ },
  { name: 'float timestamp', text: 'm 1 2.5\n', error: /^line 1: invalid timestamp "2.5" for "m"/ },
  { name: 'timestamp beyond int64', text: 'm 1 99999999999999999999\n', error: /invalid timestamp/ },
  { name: 'text after the timestamp', text: 'm 1 2 3\n', error: /^line 1: unexpected text after the timestamp of "m": "3"/ },
  { name: 'TYPE after its sample', text: 'm 1\n# TYPE m counter\n', error: /^line 2: TYPE line for "m" comes after its samples \(first sample at line 1\)/ },
  {
    name: 'TYPE histogram after its _bucket samples',
    text: 'h_bucket{le="+Inf"} 1\n# TYPE h histogram\n',
    error: /^line 2: TYPE line for "h" comes after its samples/,
  },
  { name: 'second TYPE line', text: '# TYPE m counter\n# TYPE m gauge\nm 1\n', error: /^line 2: second TYPE line for "m" \(first at line 1\)/ },
  {
    name: 'unknown type',
    text: '# TYPE m timer\nm 1\n',
    error: /^line 1: unknown metric type "timer" for "m" \(expected counter, gauge, histogram, summary, untyped\)/,
  },
  { name: 'upper-case type', text: '# TYPE m COUNTER\nm 1\n', error: /unknown metric type "COUNTER"/ },
  { name: 'TYPE without a type', text: '# TYPE m\nm 1\n', error: /unknown metric type ""/ },
  { name: 'TYPE with a bad name', text: '# TYPE met-ric counter\n', error: /^line 1: invalid metric name "met-ric" in TYPE line/ },
  { name: 'HELP without a name', text: '# HELP\nm 1\n', error: /^line 1: HELP line without a metric name/ },
  { name: 'second HELP line', text: '# HELP m one\n# HELP m two\nm 1\n', error: /^line 2: second HELP line for "m"/ },
  { name: 'bad escape in HELP', text: '# HELP m path C:\\temp\nm 1\n', error: /^line 1: invalid escape sequence "\\t" in HELP text for "m"/ },
  {
    name: 'histogram without the +Inf bucket',
    text: histogram('h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'),
    error: /^line 2: histogram h\{\} has no le="\+Inf" bucket/,
  },
  { name: 'histogram without _sum', text: histogram('h_bucket{le="+Inf"} 1\nh_count 1\n'), error: /^line 2: histogram h\{\} has no h_sum sample/ },
  { name: 'histogram without _count', text: histogram('h_bucket{le="+Inf"} 1\nh_sum 1\n'), error: /^line 2: histogram h\{\} has no h_count sample/ },
  { name: 'histogram bucket without le', text: histogram('h_bucket{x="1"} 1\n'), error: /^line 2: histogram bucket "h_bucket" has no "le" label/ },
  { name: 'histogram le that is not a float', text: histogram('h_bucket{le="big"} 1\n'), error: /^line 2: "le" label value "big" is not a float/ },
  { name: 'histogram sample without a suffix', text: histogram('h 1\n'), error: /^line 2: sample "h" of histogram "h" must be named h_bucket, _sum or _count/ },
  {
    name: 'histogram buckets out of order',
    text: histogram('h_bucket{le="1"} 1\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
    error: /^line 3: histogram h\{\}: buckets are not in increasing "le" order/,
  },
  {
    name: 'histogram buckets not cumulative',
    text: histogram('h_bucket{le="1"} 5\nh_bucket{le="2"} 4\nh_bucket{le="+Inf"} 5\nh_sum 1\nh_count 5\n'),
    error: /^line 3: histogram h\{\}: bucket counts must be cumulative/,
  },
  {
    name: 'histogram _count differs from the +Inf bucket',
    text: histogram('h_bucket{le="+Inf"} 5\nh_sum 1\nh_count 6\n'),
    error: /^line 4: histogram h\{\}: _count \(6\) differs from the le="\+Inf" bucket \(5\)/,
  },
  {
    name: 'histogram missing +Inf in one of two label sets',
    text: histogram('h_bucket{a="x",le="+Inf"} 1\nh_sum{a="x"} 1\nh_count{a="x"} 1\nh_bucket{a="y",le="1"} 1\nh_sum{a="y"} 1\nh_count{a="y"} 1\n'),
    error: /^line 5: histogram h\{a="y"\} has no le="\+Inf" bucket/,
  },
  {
    name: 'summary sample without quantile',
    text: '# TYPE s summary\ns 1\ns_sum 1\ns_count 1\n',
    error: /^line 2: summary sample "s" has no "quantile" label/,
  },
  {
    name: 'summary quantile that is not a float',
    text: '# TYPE s summary\ns{quantile="p99"} 1\ns_sum 1\ns_count 1\n',
    error: /"quantile" label value "p99" is not a float/,
  },
  { name: 'summary without _count', text: '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\n', error: /^line 2: summary s\{\} has no s_count sample/ },
  { name: 'duplicate sample', text: 'm{a="1",b="2"} 1\nm{b="2",a="1"} 2\n', error: /^line 2: duplicate sample m\{a="1",b="2"\} \(first at line 1\)/ },
  { name: 'family lines not grouped', text: 'a 1\nb 1\na{x="1"} 2\n', error: /^line 3: lines of metric family "a" are not grouped together/ },
  { name: 'no newline after the last line', text: '# TYPE m gauge\nm 1', error: /^line 2: the last line does not end with a newline/ },
  { name: 'CRLF line endings', text: '# TYPE m gauge\r\nm 1\r\n', error: /^line 1: line ends with "\\r"/ },
  { name: 'an HTML page', text: '<!DOCTYPE html>\n<html><body>Sign in</body></html>\n', error: /^line 1: invalid metric name at "<!DOCTYPE html>"/ },
];

for (const row of invalid) {
  test(`invalid Prometheus text: ${row.name}`, () => {
    const result = validatePrometheusText(row.text);
    assert.equal(result.valid, false);
    assert.ok(result.errors.length > 0);
    assert.equal(result.errorCount >= result.errors.length, true);
    assert.ok(
      result.errors.some((e) => row.error.test(e)),
      `no error matches ${row.error}: ${JSON.stringify(result.errors)}`,
    );
  });
}

test('reports the first 10 errors in line order and counts all of them', () => {
  const text = Array.from({ length: 25 }, (_, i) => `bad-${i} 1`).join('\n') + '\n';
  const result = validatePrometheusText(text);
  assert.equal(result.valid, false);
  assert.equal(result.errorCount, 25);
  assert.equal(result.errors.length, 10);
  assert.deepEqual(
    result.errors.map((e) => Number(/^line (\d+):/.exec(e)?.[1])),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
});

test('errors found after parsing (missing +Inf) are merged in line order', () => {
  const result = validatePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\nx{ 1\n');
  assert.deepEqual(
    result.errors.map((e) => e.split(':')[0]),
    ['line 2', 'line 5'],
  );
});

test('a valid document stays valid when one line breaks, and only that line is blamed', () => {
  const broken = GO_CLIENT.replace('go_goroutines 42', 'go_goroutines forty-two');
  const result = validatePrometheusText(broken);
  assert.equal(result.valid, false);
  assert.equal(result.errorCount, 1);
  assert.match(result.errors[0] ?? '', /^line 12: invalid value "forty-two"/);
});

const floats: { token: string; value: number | undefined }[] = [
  { token: '1', value: 1 },
  { token: '-2.5e3', value: -2500 },
  { token: '1.', value: 1 },
  { token: '.5', value: 0.5 },
  { token: '+Inf', value: Infinity },
  { token: '-Inf', value: -Infinity },
  { token: 'inf', value: Infinity },
  { token: 'Infinity', value: Infinity },
  { token: 'NaN', value: Number.NaN },
  { token: 'nan', value: Number.NaN },
  { token: '+NaN', value: undefined },
  { token: '', value: undefined },
  { token: '.', value: undefined },
  { token: '1e', value: undefined },
  { token: '0x10', value: undefined },
  { token: '1_0', value: undefined },
  { token: '1e309', value: undefined },
  { token: ' 1', value: undefined },
];

for (const row of floats) {
  test(`parsePrometheusFloat(${JSON.stringify(row.token)})`, () => {
    const value = parsePrometheusFloat(row.token);
    if (row.value === undefined) assert.equal(value, undefined);
    else assert.ok(Object.is(value, row.value), `got ${value}`);
  });
}
