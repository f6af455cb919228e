/**
 * Validation of the Prometheus text exposition format 0.0.4 (classic metric and label names).
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 *
 * Where the written spec and the reference parser (prometheus/common expfmt) differ, this follows
 * the parser, because "Prometheus can scrape it" is what the check promises: e.g. hex floats and
 * `_` in numbers are rejected, `\"` is accepted in HELP text, and the last line must end in "\n".
 */

export interface PrometheusValidation {
  valid: boolean;
  /** The first 10 problems in line order, each `line N: ...`. */
  errors: string[];
  /** How many problems there are in total (`errors` holds at most 10). */
  errorCount: number;
  /** Metric family names in order of first appearance (declared by HELP/TYPE or seen in samples). */
  families: string[];
  /** Distinct sample names (`http_request_duration_seconds_bucket`, ...). */
  metrics: string[];
  sampleCount: number;
}

export const PROMETHEUS_TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
type MetricType = (typeof PROMETHEUS_TYPES)[number];

const MAX_REPORTED = 10;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
// Sticky: matched at an offset without slicing the line (bodies can be megabytes).
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const DECIMAL_FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?inf(inity)?$/i;
const INT64 = /^[+-]?\d+$/;
const INT64_MAX = 9223372036854775807n;

/** Go's strconv.ParseFloat as expfmt uses it; `undefined` when Prometheus would reject the token. */
export function parsePrometheusFloat(token: string): number | undefined {
  if (/^nan$/i.test(token)) return Number.NaN;
  if (INFINITY.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
  if (!DECIMAL_FLOAT.test(token)) return undefined;
  const value = Number(token);
  // Go reports overflow (1e400) as a range error, which expfmt treats as a parse error.
  return Number.isFinite(value) ? value : undefined;
}

interface Family {
  name: string;
  type?: MetricType;
  typeLine?: number;
  helpLine?: number;
  firstLine: number;
  /** Another family's lines came after this one's: any further line of it breaks the grouping rule. */
  closed: boolean;
  groupingReported: boolean;
}

interface Bucket {
  le: number;
  value: number;
  line: number;
}

/** One histogram or summary series: its samples that share all labels except `le`/`quantile`. */
interface Series {
  family: string;
  type: 'histogram' | 'summary';
  labels: string;
  line: number;
  buckets: Bucket[];
  sumLine?: number;
  count?: { value: number; line: number };
}

interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
}

class LineError extends Error {}

/** Validate a scraped /metrics body. Pure; never throws. */
export function validatePrometheusText(text: string): PrometheusValidation {
  const problems: { line: number; message: string }[] = [];
  const report = (line: number, message: string): void => {
    problems.push({ line, message });
  };

  const families = new Map<string, Family>();
  const sampleFirstLine = new Map<string, number>();
  const seriesSeen = new Map<string, number>();
  const grouped = new Map<string, Series>();
  let sampleCount = 0;
  let lastFamily: Family | undefined;

  const familyFor = (name: string, line: number): Family => {
    let family = families.get(name);
    if (!family) {
      family = { name, firstLine: line, closed: false, groupingReported: false };
      families.set(name, family);
    }
    return family;
  };

  // All lines of one family must form one group (the spec's rule; client libraries always comply).
  const enterFamily = (family: Family, line: number): void => {
    if (family === lastFamily) return;
    if (family.closed && !family.groupingReported) {
      family.groupingReported = true;
      report(line, `lines of metric family "${family.name}" are not grouped together (it also appears from line ${family.firstLine})`);
    }
    if (lastFamily) lastFamily.closed = true;
    lastFamily = family;
  };

  if (text.trim() === '') {
    return { valid: false, errors: ['line 1: the body is empty: no metrics'], errorCount: 1, families: [], metrics: [], sampleCount: 0 };
  }

  const lines = text.split('\n');
  // split leaves one empty string after a final "\n"; anything else there is an unterminated last line.
  const unterminated = lines[lines.length - 1] !== '';
  if (!unterminated) lines.pop();
  if (unterminated) report(lines.length, 'the last line does not end with a newline ("\\n"), so Prometheus rejects the scrape');

  let crlfReported = false;
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    let line = raw;
    if (line.endsWith('\r')) {
      line = line.slice(0, -1);
      if (!crlfReported) {
        crlfReported = true;
        report(lineNo, 'line ends with "\\r": the text format uses "\\n" line endings, not CRLF');
      }
    }
    const body = line.replace(/^[ \t]+/, '');
    if (body === '') return;
    try {
      if (body.startsWith('#')) parseComment(body, lineNo);
      else parseSampleLine(body, lineNo);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      report(lineNo, err.message);
    }
  });

  function parseComment(body: string, lineNo: number): void {
    const match = /^#[ \t]*(HELP|TYPE)(?:[ \t]+|$)(.*)$/.exec(body);
    if (!match) return; // an ordinary comment
    const keyword = match[1] as 'HELP' | 'TYPE';
    const rest = match[2] ?? '';
    const name = /^[^ \t]*/.exec(rest)?.[0] ?? '';
    if (name === '') throw new LineError(`${keyword} line without a metric name`);
    if (METRIC_NAME.exec(name)?.[0] !== name) throw new LineError(`invalid metric name "${name}" in ${keyword} line`);
    const argument = rest.slice(name.length).replace(/^[ \t]+/, '');
    const family = familyFor(name, lineNo);
    enterFamily(family, lineNo);

    if (keyword === 'HELP') {
      if (family.helpLine !== undefined) throw new LineError(`second HELP line for "${name}" (first at line ${family.helpLine})`);
      family.helpLine = lineNo;
      const bad = badHelpEscape(argument);
      if (bad !== undefined) throw new LineError(`invalid escape sequence "\\${bad}" in HELP text for "${name}" (allowed: \\\\ and \\n)`);
      return;
    }

    const type = argument.trimEnd();
    if (family.typeLine !== undefined) throw new LineError(`second TYPE line for "${name}" (first at line ${family.typeLine})`);
    if (!(PROMETHEUS_TYPES as readonly string[]).includes(type)) {
      throw new LineError(`unknown metric type "${type}" for "${name}" (expected ${PROMETHEUS_TYPES.join(', ')})`);
    }
    const sampleNames =
      type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : type === 'summary' ? [name, `${name}_sum`, `${name}_count`] : [name];
    const earlier = sampleNames.map((n) => sampleFirstLine.get(n)).filter((l): l is number => l !== undefined);
    if (earlier.length > 0) {
      throw new LineError(`TYPE line for "${name}" comes after its samples (first sample at line ${Math.min(...earlier)}); TYPE must precede them`);
    }
    family.type = type as MetricType;
    family.typeLine = lineNo;
  }

  function parseSampleLine(body: string, lineNo: number): void {
    const sample = parseSample(body);
    sampleCount++;
    if (!sampleFirstLine.has(sample.name)) sampleFirstLine.set(sample.name, lineNo);

    // Which family a sample belongs to: `x_bucket`/`x_sum`/`x_count` belong to a declared histogram/summary `x`.
    let familyName = sample.name;
    let role: 'value' | 'bucket' | 'sum' | 'count' = 'value';
    const suffix = /_(bucket|sum|count)$/.exec(sample.name);
    if (suffix) {
      const base = sample.name.slice(0, -suffix[0].length);
      const baseType = families.get(base)?.type;
      if (baseType === 'histogram' || (baseType === 'summary' && suffix[1] !== 'bucket')) {
        familyName = base;
        role = suffix[1] as 'bucket' | 'sum' | 'count';
      }
    }
    const family = familyFor(familyName, lineNo);
    enterFamily(family, lineNo);

    const labelKey = [...sample.labels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const seriesKey = `${sample.name}{${labelKey.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    const firstSeen = seriesSeen.get(seriesKey);
    if (firstSeen !== undefined) throw new LineError(`duplicate sample ${seriesKey} (first at line ${firstSeen})`);
    seriesSeen.set(seriesKey, lineNo);

    if (family.type !== 'histogram' && family.type !== 'summary') return;
    const type = family.type;
    const special = type === 'histogram' ? 'le' : 'quantile';
    if (role === 'value') {
      if (type === 'histogram') {
        throw new LineError(`sample "${sample.name}" of histogram "${family.name}" must be named ${family.name}_bucket, _sum or _count`);
      }
      const quantile = sample.labels.get('quantile');
      if (quantile === undefined) throw new LineError(`summary sample "${sample.name}" has no "quantile" label`);
      if (parsePrometheusFloat(quantile) === undefined) throw new LineError(`"quantile" label value "${quantile}" is not a float`);
    }
    const groupLabels = labelKey
      .filter(([k]) => k !== special)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',');
    const groupKey = `${family.name}{${groupLabels}}`;
    let series = grouped.get(groupKey);
    if (!series) {
      series = { family: family.name, type, labels: groupLabels, line: lineNo, buckets: [] };
      grouped.set(groupKey, series);
    }
    if (role === 'bucket') {
      const le = sample.labels.get('le');
      if (le === undefined) throw new LineError(`histogram bucket "${sample.name}" has no "le" label`);
      const bound = parsePrometheusFloat(le);
      if (bound === undefined || Number.isNaN(bound)) throw new LineError(`"le" label value "${le}" is not a float`);
      series.buckets.push({ le: bound, value: sample.value, line: lineNo });
    } else if (role === 'sum') {
      series.sumLine = lineNo;
    } else if (role === 'count') {
      series.count = { value: sample.value, line: lineNo };
    }
  }

  for (const series of grouped.values()) checkSeries(series, report);

  problems.sort((a, b) => a.line - b.line);
  const familyNames = [...families.values()].sort((a, b) => a.firstLine - b.firstLine).map((f) => f.name);
  if (problems.length === 0 && familyNames.length === 0) report(1, 'no metrics found (only comments)');
  return {
    valid: problems.length === 0,
    errors: problems.slice(0, MAX_REPORTED).map((p) => `line ${p.line}: ${p.message}`),
    errorCount: problems.length,
    families: familyNames,
    metrics: [...sampleFirstLine.keys()],
    sampleCount,
  };
}

/** Rules that need all of a histogram's or summary's samples. */
function checkSeries(series: Series, report: (line: number, message: string) => void): void {
  const name = `${series.family}{${series.labels}}`;
  if (series.sumLine === undefined) report(series.line, `${series.type} ${name} has no ${series.family}_sum sample`);
  if (series.count === undefined) report(series.line, `${series.type} ${name} has no ${series.family}_count sample`);
  if (series.type !== 'histogram') return;

  const inf = series.buckets.find((b) => b.le === Infinity);
  if (!inf) {
    report(series.line, `histogram ${name} has no le="+Inf" bucket`);
  } else if (series.count && !Number.isNaN(series.count.value) && series.count.value !== inf.value) {
    report(series.count.line, `histogram ${name}: _count (${series.count.value}) differs from the le="+Inf" bucket (${inf.value})`);
  }
  for (let i = 1; i < series.buckets.length; i++) {
    const prev = series.buckets[i - 1] as Bucket;
    const cur = series.buckets[i] as Bucket;
    if (cur.le <= prev.le) {
      report(cur.line, `histogram ${name}: buckets are not in increasing "le" order (${cur.le} after ${prev.le})`);
      return;
    }
    if (cur.value < prev.value) {
      report(cur.line, `histogram ${name}: bucket counts must be cumulative, but le="${cur.le}" (${cur.value}) is below le="${prev.le}" (${prev.value})`);
      return;
    }
  }
}

/** The character after the first invalid backslash escape in HELP text ('' for a trailing backslash). */
function badHelpEscape(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    const e = text[i + 1];
    // expfmt also accepts \" in HELP, although the 0.0.4 spec lists only \\ and \n.
    if (e !== '\\' && e !== 'n' && e !== '"') return e ?? '';
    i++;
  }
  return undefined;
}

/** `name{label="value",...} value [timestamp]`, with the line's leading blanks already removed. */
function parseSample(line: string): Sample {
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) {
    const hint = line.startsWith('{') ? ' (the line starts with "{": the metric name is missing)' : '';
    throw new LineError(`invalid metric name at "${line.slice(0, 40)}"${hint}`);
  }
  const name = nameMatch[0];
  let i = name.length;
  const next = line[i];
  if (next !== undefined && next !== '{' && next !== ' ' && next !== '\t') {
    throw new LineError(`invalid character ${JSON.stringify(next)} in metric name "${name}${next}..."`);
  }
  const skipBlanks = (): void => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };

  const labels = new Map<string, string>();
  skipBlanks();
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipBlanks();
      if (line[i] === '}') break;
      LABEL_NAME.lastIndex = i;
      const labelMatch = LABEL_NAME.exec(line);
      if (!labelMatch) throw new LineError(`invalid label name at "${line.slice(i, i + 20)}" in "${name}"`);
      const label = labelMatch[0];
      i += label.length;
      if (label === '__name__') throw new LineError(`label name "__name__" is reserved`);
      if (labels.has(label)) throw new LineError(`duplicate label name "${label}" in "${name}"`);
      skipBlanks();
      if (line[i] !== '=') throw new LineError(`expected "=" after label name "${label}"`);
      i++;
      skipBlanks();
      if (line[i] !== '"') throw new LineError(`expected '"' at the start of the value of label "${label}"`);
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new LineError(`unterminated value of label "${label}" (missing closing '"')`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i + 1];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new LineError(`invalid escape sequence "\\${e ?? ''}" in the value of label "${label}" (allowed: \\\\, \\" and \\n)`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++; // closing quote
      labels.set(label, value);
      skipBlanks();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') break;
      throw new LineError(
        `expected "," or "}" after the value of label "${label}", found ${line[i] === undefined ? 'the end of the line' : JSON.stringify(line[i])}`,
      );
    }
    i++; // closing brace
    skipBlanks();
  }

  const tokens = line
    .slice(i)
    .split(/[ \t]+/)
    .filter((t) => t !== '');
  const [valueToken, timestamp, ...extra] = tokens;
  if (valueToken === undefined) throw new LineError(`sample "${name}" has no value`);
  const value = parsePrometheusFloat(valueToken);
  if (value === undefined) {
    throw new LineError(`invalid value "${valueToken.slice(0, 40)}" for "${name}" (expected a float such as 1, -2.5e3, NaN, +Inf)`);
  }
  if (timestamp !== undefined) {
    const ok = INT64.test(timestamp) && BigInt(timestamp) <= INT64_MAX && BigInt(timestamp) >= -INT64_MAX - 1n;
    if (!ok) throw new LineError(`invalid timestamp "${timestamp.slice(0, 40)}" for "${name}" (expected integer milliseconds)`);
  }
  if (extra.length > 0) throw new LineError(`unexpected text after the timestamp of "${name}": "${extra.join(' ').slice(0, 40)}"`);
  return { name, labels, value };
}
