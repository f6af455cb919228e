/**
 * Where bytes live while the scrubber and scanner work on them: in memory when small, in a temporary file
 * otherwise, so that memory stays bounded whatever the size of a file, a zip entry or a decoded payload.
 */
import { closeSync, createReadStream, fstatSync, openSync, read, readSync, statSync, type Stats } from 'node:fs';
import { mkdtemp, open, rm, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, pipeline, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import { ArtifactError, SNIFF_BYTES, describeError, type ProblemReason } from './files.js';

/** How the scrubber and the scanner read: the same options for both. */
export interface StreamOptions {
  /** Bytes searched per step (default 1 MiB). An occurrence spanning two steps is still found. */
  chunkBytes?: number;
  /** Files, zip entries and payloads up to this size are held in memory, larger ones in temporary files (default 8 MiB). */
  memoryBytes?: number;
  /** Parent of the private folder for temporary files (default: the OS temp folder, never the output folder). */
  tempDir?: string;
  /** Called with each file's absolute path before it is read (progress; tests use it to change the tree mid-run). */
  onFile?: (file: string) => void | Promise<void>;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const DEFAULT_MEMORY_BYTES = 8 << 20;

/** Bytes to read from: held in memory, or a file (with an open descriptor when it is a file being checked). */
export type Source = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string; size: number; fd?: number };

export const sizeOf = (source: Source): number => (source.kind === 'memory' ? source.bytes.length : source.size);

/** Write failures (disk full, read-only) are tagged with this origin: no container catches them as its own. */
export const WRITE_ORIGIN = Object.freeze({ origin: 'write' });
/** So are read failures of files and temporary files. */
export const READ_ORIGIN = Object.freeze({ origin: 'read' });

/**
 * `chunks` through `transform` (gunzip, gzip; none to only tag errors). Errors that are not already an
 * ArtifactError (a zlib data error, a yauzl CRC error) become one with `reason` and `origin`, so the container
 * that raised them, and only that one, can catch them as its own.
 */
export async function* transformed(
  chunks: AsyncIterable<Buffer>,
  transform: Transform | undefined,
  origin: object,
  reason: ProblemReason,
): AsyncGenerator<Buffer> {
  try {
    if (!transform) {
      yield* chunks;
      return;
    }
    // Errors on either side destroy both; iterating the output then throws the first error.
    yield* pipeline(Readable.from(chunks, { objectMode: false }), transform, () => undefined) as AsyncIterable<Buffer>;
  } catch (err) {
    throw err instanceof ArtifactError ? err : new ArtifactError(reason, describeError(err), origin);
  }
}

/** The source's bytes, `chunkBytes` at a time (the last chunk may be shorter). */
/** Reads a stream to its end, for what a tap along the way collects. */
export async function drain(chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of chunks) void chunk;
}

export async function* chunksOf(source: Source, chunkBytes: number): AsyncGenerator<Buffer> {
  if (source.kind === 'memory') {
    for (let i = 0; i < source.bytes.length; i += chunkBytes) yield source.bytes.subarray(i, i + chunkBytes);
    return;
  }
  // With a descriptor, every pass reads the inode that was opened, even if the path is replaced meanwhile.
  const bytes =
    source.fd === undefined ? (createReadStream(source.path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) : readRange(source.fd, chunkBytes);
  yield* transformed(bytes, undefined, READ_ORIGIN, 'unreadable');
}

const readAt = promisify(read);

/**
 * Bytes [start, end) of a descriptor the caller keeps: fs.ReadStream closes its descriptor when destroyed (as
 * when a reader stops early), whatever autoClose says, and a descriptor number closed twice may close a file
 * opened since.
 */
export async function* readRange(fd: number, chunkBytes: number, start = 0, end = Infinity): AsyncGenerator<Buffer> {
  for (let at = start; at < end;) {
    const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, end - at));
    const { bytesRead } = await readAt(fd, buffer, 0, buffer.length, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** Regroups a stream into chunks of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of chunks) {
    let rest = chunk;
    if (heldBytes + rest.length < size) {
      held.push(rest);
      heldBytes += rest.length;
      continue;
    }
    if (heldBytes > 0) {
      const take = size - heldBytes;
      yield Buffer.concat([...held, rest.subarray(0, take)]);
      rest = rest.subarray(take);
      held = [];
      heldBytes = 0;
    }
    while (rest.length >= size) {
      yield rest.subarray(0, size);
      rest = rest.subarray(size);
    }
    if (rest.length > 0) {
      held = [rest];
      heldBytes = rest.length;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}

/**
 * The first `bytes` bytes of a stream (fewer if it is shorter), and the whole stream again, those bytes
 * included. Call `close()` when `rest` is left unread, so the underlying stream is released.
 */
export async function peek(chunks: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer>; close: () => Promise<void> }> {
  const it = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(seen).subarray(0, bytes);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      seen.length = 0;
      while (!done) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, rest: replay(), close: async () => void (await it.return?.()) };
}

/**
 * The first SNIFF_BYTES of an input (to tell zip, gzip, text and binary apart) and all its bytes in pieces of
 * `chunkBytes`. Bytes already in memory are sliced directly: most report files are small, and for them the
 * generator layers of `peek` and `rechunk` cost as much as the search itself.
 */
export async function sniff(
  chunks: AsyncIterable<Buffer>,
  source: Source | undefined,
  chunkBytes: number,
): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer>; close: () => Promise<void> }> {
  if (source?.kind === 'memory') return { head: source.bytes.subarray(0, SNIFF_BYTES), chunks: chunksOf(source, chunkBytes), close: async () => undefined };
  const { head, rest, close } = await peek(chunks, SNIFF_BYTES);
  return { head, chunks: rechunk(rest, chunkBytes), close };
}

/** A private temporary folder, created on first use and removed by `dispose()`. */
export class TempArea {
  readonly #parent: string;
  #dir: Promise<string> | undefined;
  #next = 0;

  constructor(parent: string) {
    this.#parent = parent;
  }

  async file(): Promise<string> {
    // mkdtemp makes the folder 0700: decoded content (not yet scrubbed) is readable by this user only.
    this.#dir ??= mkdtemp(path.join(this.#parent, 'revgate-secrets-'));
    return path.join(await this.#dir, String(++this.#next));
  }

  async dispose(): Promise<void> {
    if (this.#dir) await rm(await this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

const WRITE_BUFFER = 1 << 20;

/**
 * Collects bytes: in memory up to `memoryBytes`, then in a file (`spillTo`, or a new file in `area`).
 * Writes are copied, so a spool never keeps a caller's larger buffer alive through a small slice of it.
 */
export class Spool {
  readonly #area: TempArea;
  readonly #memoryBytes: number;
  readonly #spillTo: string | undefined;
  #memory: Buffer[] = [];
  #size = 0;
  #file: { handle: FileHandle; path: string } | undefined;
  #buffer: Buffer | undefined;
  #used = 0;

  constructor(area: TempArea, memoryBytes: number, spillTo?: string) {
    this.#area = area;
    this.#memoryBytes = memoryBytes;
    this.#spillTo = spillTo;
  }

  get size(): number {
    return this.#size;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.#file && this.#size + chunk.length <= this.#memoryBytes) {
      this.#memory.push(Buffer.from(chunk));
      this.#size += chunk.length;
      return;
    }
    if (!this.#file) await this.#spill();
    this.#size += chunk.length;
    if (this.#used + chunk.length > WRITE_BUFFER) await this.#flush();
    if (chunk.length >= WRITE_BUFFER) return this.#raw(chunk);
    this.#buffer ??= Buffer.allocUnsafe(WRITE_BUFFER);
    chunk.copy(this.#buffer, this.#used);
    this.#used += chunk.length;
  }

  async finish(): Promise<Source> {
    if (!this.#file) {
      const bytes = Buffer.concat(this.#memory);
      this.#memory = [];
      return { kind: 'memory', bytes };
    }
    await this.#flush();
    const { handle, path: file } = this.#file;
    await handle.close();
    return { kind: 'file', path: file, size: this.#size };
  }

  /** Drops what was written (deletes the file, if any). */
  async discard(): Promise<void> {
    this.#memory = [];
    if (!this.#file) return;
    const { handle, path: file } = this.#file;
    this.#file = undefined;
    await handle.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
  }

  async #spill(): Promise<void> {
    const file = this.#spillTo ?? (await this.#area.file());
    try {
      this.#file = { handle: await open(file, 'w', 0o600), path: file };
    } catch (err) {
      throw new ArtifactError('write-failed', describeError(err), WRITE_ORIGIN);
    }
    const held = this.#memory;
    this.#memory = [];
    for (const chunk of held) await this.#raw(chunk);
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    await this.#raw(this.#buffer!.subarray(0, used));
  }

  async #raw(bytes: Buffer): Promise<void> {
    try {
      await this.#file!.handle.write(bytes);
    } catch (err) {
      throw new ArtifactError('write-failed', describeError(err), WRITE_ORIGIN);
    }
  }
}

/** Copies a source into `spool` and finishes it (to move a result out of memory). */
export async function spoolCopy(source: Source, spool: Spool, chunkBytes: number): Promise<Source> {
  for await (const chunk of chunksOf(source, chunkBytes)) await spool.write(chunk);
  return spool.finish();
}

/** Deletes a file source the scrubber made (a temporary file, a scrubbed copy); memory and checked files are left alone. */
export async function dispose(source: Source | undefined): Promise<void> {
  if (source?.kind === 'file' && source.fd === undefined) await unlink(source.path).catch(() => undefined);
}

/** A file opened for checking: small ones are read at once (synchronously: see walk()), large ones stream. */
export interface OpenedFile {
  source: Source;
  /** Identity and size when opened, to notice a file that was written while it was being checked. */
  stat: Stats;
  close: () => void;
}

export function openChecked(file: string, memoryBytes: number): OpenedFile {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.size > memoryBytes) return { source: { kind: 'file', path: file, size: stat.size, fd }, stat, close: () => closeSync(fd) };
    const bytes = Buffer.allocUnsafe(stat.size);
    let read = 0;
    for (let n = 1; read < bytes.length && n > 0; read += n) n = readSync(fd, bytes, read, bytes.length - read, read);
    closeSync(fd);
    return { source: { kind: 'memory', bytes: bytes.subarray(0, read) }, stat, close: () => undefined };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Whether `file` is still what `before` described: same inode, size and modification time. A writer that kept
 * going while the file was checked (a Playwright worker after SIGTERM) changes one of them.
 * Throws ENOENT when it is gone.
 */
export function unchangedSince(file: string, before: Stats): boolean {
  const now = statSync(file);
  return now.ino === before.ino && now.dev === before.dev && now.size === before.size && now.mtimeMs === before.mtimeMs;
}
