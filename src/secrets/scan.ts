/**
 * An independent check that no secret reached the outputs: searches raw bytes, zip entries (recursively),
 * gzip streams and base64 data URIs (Playwright's HTML report embeds its data zip as one) for every variant.
 * It shares only walking/decoding helpers with the scrubber, never its masking, so a scrubber bug shows up here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MIN_SECRET_LENGTH, byteVariantsOf, replaceSpans, stripAnsi, type VariantKind } from './encodings.js';
import { MAX_CONTAINER_DEPTH, findDataUris, isGzip, isZip, looksText, readZip, walk } from './files.js';
import { needleIndex } from './needle-index.js';

export interface LeakFinding {
  /**
   * `path.join(dir, relative path)`, as grep -r prints it (absolute when `dir` is), so callers can open or
   * delete it. A name that itself holds a secret is shown with `REDACTED` in its place.
   */
  file: string;
  /**
   * Where inside the file: `raw` for the file's own bytes; otherwise the chain of containers, e.g.
   * `zip:trace.trace`, `embedded-zip:report.json`, `zip:inner.zip > zip:trace.network`, `data-uri`, `gzip`,
   * with ` (ansi-stripped)` when the secret only appears once colour codes are removed; `path` when the
   * file's name holds it, `symlink-target` for a link's text.
   */
  where: string;
  /**
   * The encoding that matched (`raw`, `url`, `base64`, `base64-aligned`, `json`, ...) — never the secret or its
   * encoded text, so findings can be printed. `unreadable-zip`/`unreadable-gzip` when a container could not be
   * opened to be checked (fail closed: the scrubber deletes those).
   */
  variant: VariantKind | 'unreadable-zip' | 'unreadable-gzip';
  /** Index into the `secrets` argument; -1 for an unreadable container. */
  secretIndex: number;
}

interface Needle {
  kind: VariantKind;
  bytes: Buffer;
  /** The variant as it appears in JS strings (file names) ... */
  text: string;
  /** ... and as it appears in bytes decoded byte-for-byte. */
  latin1: string;
  secretIndex: number;
}

/**
 * Every place any of `secrets` (in any known encoding) appears under `dir`. Secrets shorter than 4 characters
 * are skipped, as the Redactor skips them (they would match ordinary text).
 */
export async function scanForLeaks(dir: string, secrets: string[]): Promise<LeakFinding[]> {
  const needles: Needle[] = [];
  secrets.forEach((secret, secretIndex) => {
    for (const value of new Set([secret, secret.trim()])) {
      if (value.trim().length < MIN_SECRET_LENGTH) continue;
      for (const v of byteVariantsOf(value)) {
        needles.push({ kind: v.kind, bytes: v.bytes, text: v.bytes.toString('utf8'), latin1: v.bytes.toString('latin1'), secretIndex });
      }
    }
  });
  if (needles.length === 0) return [];
  // A finding about a file or zip entry whose *name* holds the secret must not print that name.
  const texts = needles.map((n) => n.text).sort((a, b) => b.length - a.length);
  const printable = (s: string): string => replaceSpans(s, texts, 'REDACTED').text;
  const findings = new Map<string, LeakFinding>();
  const record = (f: LeakFinding): void => {
    const safe = { ...f, file: path.join(dir, printable(f.file)), where: printable(f.where) };
    findings.set(`${safe.file}\0${safe.where}\0${safe.variant}\0${safe.secretIndex}`, safe);
  };

  for await (const entry of walk(dir)) {
    for (const n of found(needles, Buffer.from(entry.rel, 'utf8'))) record({ file: entry.rel, where: 'path', variant: n.kind, secretIndex: n.secretIndex });
    if (entry.type === 'symlink') {
      const target = Buffer.from(entry.target ?? '', 'utf8');
      for (const n of found(needles, target)) record({ file: entry.rel, where: 'symlink-target', variant: n.kind, secretIndex: n.secretIndex });
    }
    if (entry.type !== 'file') continue;
    // Read synchronously: see walk() in files.ts.
    await scanBytes(readFileSync(entry.abs), [], 0, needles, (where, variant, secretIndex) => record({ file: entry.rel, where, variant, secretIndex }));
  }
  return [...findings.values()];
}

type Report = (where: string, variant: LeakFinding['variant'], secretIndex: number) => void;

async function scanBytes(bytes: Buffer, trail: string[], depth: number, needles: Needle[], report: Report): Promise<void> {
  const where = trail.length === 0 ? 'raw' : trail.join(' > ');
  for (const n of found(needles, bytes)) report(where, n.kind, n.secretIndex);
  if (bytes.length === 0 || depth >= MAX_CONTAINER_DEPTH) return;

  if (isZip(bytes)) {
    await scanZip(bytes, trail, 'zip', depth, needles, report);
    return;
  }
  if (isGzip(bytes)) {
    let inner: Buffer | undefined;
    try {
      inner = gunzipSync(bytes);
    } catch {
      report(trail.length === 0 ? 'gzip' : [...trail, 'gzip'].join(' > '), 'unreadable-gzip', -1);
    }
    if (inner) await scanBytes(inner, [...trail, 'gzip'], depth + 1, needles, report);
    return;
  }
  if (!looksText(bytes)) return;

  const text = bytes.toString('latin1');
  const stripped = stripAnsi(text);
  if (stripped !== text) {
    const inText = new Set(found(needles, bytes));
    for (const n of found(needles, Buffer.from(stripped, 'latin1'))) if (!inText.has(n)) report(`${where} (ansi-stripped)`, n.kind, n.secretIndex);
  }
  for (const uri of findDataUris(text)) {
    if (isZip(uri.bytes)) await scanZip(uri.bytes, trail, 'embedded-zip', depth + 1, needles, report);
    else await scanBytes(uri.bytes, [...trail, 'data-uri'], depth + 1, needles, report);
  }
}

async function scanZip(bytes: Buffer, trail: string[], label: string, depth: number, needles: Needle[], report: Report): Promise<void> {
  let entries: Awaited<ReturnType<typeof readZip>>['entries'];
  try {
    ({ entries } = await readZip(bytes));
  } catch {
    report(trail.length === 0 ? label : [...trail, label].join(' > '), 'unreadable-zip', -1);
    return;
  }
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const at = [...trail, `${label}:${entry.name}`];
    for (const n of found(needles, name)) report(`${at.join(' > ')} (name)`, n.kind, n.secretIndex);
    await scanBytes(entry.bytes, at, depth + 1, needles, report);
  }
}

const latin1Lists = new WeakMap<Needle[], string[]>();

/**
 * The needles whose bytes occur in `bytes`, in needle order: the same answer as `bytes.includes(n.bytes)` per
 * needle (latin1 maps each byte to one character), found in one indexed pass (see needle-index.ts).
 */
function found(needles: Needle[], bytes: Buffer): Needle[] {
  let texts = latin1Lists.get(needles);
  if (!texts) latin1Lists.set(needles, (texts = needles.map((n) => n.latin1)));
  return needleIndex(texts)
    .matches(bytes.toString('latin1'))
    .map((i) => needles[i] as Needle);
}
