/**
 * Walking and decoding helpers shared by the scrubber and the scanner. Deliberately free of any masking logic,
 * so the scanner stays an independent check of what the scrubber did.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';

/** How deep zips-in-zips and data URIs are opened; deeper content is searched as raw bytes only. */
export const MAX_CONTAINER_DEPTH = 6;

export interface WalkEntry {
  /** Absolute path. */
  abs: string;
  /** Path relative to the walked directory, with `/` separators. */
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  /** For symlinks: the link text (never followed). */
  target?: string;
}

/**
 * Every file, directory and symlink under `dir`, parents before children. Symlinks are reported, not followed.
 * The file system calls are synchronous: one async lstat per entry cost ~0.2 ms of thread-pool round trip,
 * seconds for the thousands of files a tenant-probe run writes, while there is nothing else to do meanwhile.
 */
export async function* walk(dir: string): AsyncGenerator<WalkEntry> {
  const root = path.resolve(dir);
  const pending = [root];
  while (pending.length > 0) {
    const current = pending.shift()!;
    const names = readdirSync(current).sort();
    for (const name of names) {
      const abs = path.join(current, name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      const stat = lstatSync(abs);
      if (stat.isSymbolicLink()) {
        yield { abs, rel, type: 'symlink', target: readlinkSync(abs) };
      } else if (stat.isDirectory()) {
        yield { abs, rel, type: 'dir' };
        pending.push(abs);
      } else if (stat.isFile()) {
        yield { abs, rel, type: 'file' };
      }
      // Sockets, FIFOs and devices hold no report data; reading a FIFO would block.
    }
  }
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Text, for our purposes: no NUL byte in the first 8 KB (the heuristic git and grep use). */
export function looksText(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return false;
  return true;
}

/**
 * `data:<mime>;base64,<payload>` inside text. Playwright's HTML report embeds its whole data zip this way:
 * `<template id="playwrightReportBase64">data:application/zip;base64,UEsDB...</template>` (1.5x; older versions
 * used `window.playwrightReportBase64 = "data:application/zip;base64,...";`). Matching any data URI covers both
 * and any other tool that inlines files.
 */
const DATA_URI = /data:([A-Za-z0-9.+-]+\/[A-Za-z0-9.+-]+)?((?:;[A-Za-z0-9.+-]+=[^;,"'\s]*)*);base64,([A-Za-z0-9+/]+={0,2})/g;

/** Payloads shorter than this cannot hold a 4-byte secret plus a container around it. */
const MIN_DATA_URI_PAYLOAD = 8;

export interface DataUri {
  mime: string;
  /** Offsets of the base64 payload within the searched string. */
  start: number;
  end: number;
  bytes: Buffer;
}

/** Data URIs in `text` (a latin1 or UTF-8 decoded string: the payload is ASCII either way), decoded. */
export function findDataUris(text: string): DataUri[] {
  const out: DataUri[] = [];
  for (const match of text.matchAll(DATA_URI)) {
    const payload = match[3]!;
    if (payload.length < MIN_DATA_URI_PAYLOAD) continue;
    const start = match.index + match[0].length - payload.length;
    out.push({ mime: match[1] ?? '', start, end: start + payload.length, bytes: Buffer.from(payload, 'base64') });
  }
  return out;
}

export interface ZipEntry {
  name: string;
  object: JSZip.JSZipObject;
  bytes: Buffer;
}

/** Open a zip and read every file entry. Throws when the bytes are not a readable zip. */
export async function readZip(bytes: Uint8Array): Promise<{ zip: JSZip; entries: ZipEntry[] }> {
  const zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
  const entries: ZipEntry[] = [];
  for (const object of Object.values(zip.files)) {
    if (object.dir) continue;
    entries.push({ name: object.name, object, bytes: await object.async('nodebuffer') });
  }
  return { zip, entries };
}
