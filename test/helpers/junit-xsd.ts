/**
 * Validates revgate's junit.xml against the two schemas CI tools hold JUnit XML to (test/fixtures/junit-xsd/,
 * sources in SOURCES.md), with xmllint-wasm (libxml2's xmllint compiled to WebAssembly: no system package).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { ROOT } from './cli.js';

const XSD_DIR = path.join(ROOT, 'test', 'fixtures', 'junit-xsd');
const SUREFIRE = { fileName: 'surefire-test-report-3.0.xsd', contents: readFileSync(path.join(XSD_DIR, 'surefire-test-report-3.0.xsd'), 'utf8') };
const JENKINS = { fileName: 'junit-10.xsd', contents: readFileSync(path.join(XSD_DIR, 'junit-10.xsd'), 'utf8') };

type Doc = { fileName: string; contents: string };

/** One xmllint run per schema for any number of documents: each run starts a WebAssembly instance (~0.5 s on a busy machine). */
async function errors(docs: readonly Doc[], schema: Doc, label: string): Promise<string[]> {
  if (!docs.length) return [];
  const r = await validateXML({ xml: docs, schema: [schema] });
  return r.valid ? [] : r.errors.map((e) => `${label}: ${e.rawMessage}`);
}

/** The documents Surefire 3.0 is held to: the file itself (a `<testsuite>` root), or each suite of a `<testsuites>` aggregate. */
function surefireDocs(name: string, xml: string): Doc[] | string {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  if (body.startsWith('<testsuite ')) return [{ fileName: name, contents: xml }];
  if (!body.startsWith('<testsuites')) return `${name}: root element is neither <testsuite> nor <testsuites>`;
  const suites = body.match(/<testsuite [\s\S]*?<\/testsuite>/g) ?? [];
  if (!suites.length) return `${name}: a <testsuites> document without any <testsuite>`;
  return suites.map((s, i) => ({ fileName: `${name}#suite${i + 1}`, contents: `<?xml version="1.0" encoding="UTF-8"?>\n${s}\n` }));
}

/**
 * Every schema problem of one or more junit.xml documents ([] when all are valid): each document as a whole
 * against junit-10.xsd, and against surefire-test-report-3.0.xsd either as a whole (a `<testsuite>` root) or,
 * for a `<testsuites>` aggregate (Surefire 3.0 has no such root), each of its suites as the document Surefire
 * would write for it. Messages start with the document's name (`junit.xml` for a single string).
 */
export async function junitSchemaErrors(input: string | Record<string, string>): Promise<string[]> {
  const named = typeof input === 'string' ? { 'junit.xml': input } : input;
  const docs = Object.entries(named).map(([fileName, contents]) => ({ fileName, contents }));
  const surefire = docs.map((d) => surefireDocs(d.fileName, d.contents));
  return [
    ...(await errors(docs, JENKINS, 'junit-10')),
    ...surefire.filter((d): d is string => typeof d === 'string'),
    ...(await errors(surefire.filter((d): d is Doc[] => typeof d !== 'string').flat(), SUREFIRE, 'surefire-3.0')),
  ];
}

/** The junit.xml a run wrote to OUT, checked against both schemas; returns the problems ([] when valid). */
export function junitFileErrors(out: string): Promise<string[]> {
  return junitSchemaErrors(readFileSync(path.join(out, 'junit.xml'), 'utf8'));
}
