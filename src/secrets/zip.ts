/**
 * Zips read and written entry by entry, each entry as a stream: yauzl reads the central directory and inflates
 * one entry at a time, yazl writes one entry at a time. Neither holds a whole zip or a whole entry in memory
 * (JSZip did both). Playwright itself records and reads its traces with these two libraries.
 */
import { read } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { readRange, type Source } from './spool.js';

export interface ZipEntryInfo {
  /** Decoded as the zip specification says (UTF-8 when flagged, else CP437), as Playwright's trace viewer does. */
  name: string;
  dir: boolean;
  /** 0 (stored) or 8 (deflated); others cannot be read. */
  method: number;
  size: number;
  mtime: Date;
  /** Unix mode when the entry was made on Unix. */
  mode: number | undefined;
  comment: Buffer;
  entry: yauzl.Entry;
}

const OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };

/**
 * Reads a zip through a descriptor the caller owns and closes: yauzl's fromFd closes the descriptor on close(),
 * and the caller would then close a number the process may already have handed to another file.
 */
class BorrowedFd extends yauzl.RandomAccessReader {
  readonly #fd: number;

  constructor(fd: number) {
    super();
    this.#fd = fd;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(readRange(this.#fd, 1 << 20, start, end), { objectMode: false });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    read(this.#fd, buffer, offset, length, position, (err, bytesRead) => callback(err, bytesRead));
  }
}

export class ZipReader {
  readonly entries: ZipEntryInfo[];
  readonly comment: Buffer;
  readonly #zip: yauzl.ZipFile;

  private constructor(zip: yauzl.ZipFile, entries: ZipEntryInfo[]) {
    this.#zip = zip;
    this.entries = entries;
    this.comment = zip.comment as unknown as Buffer; // a Buffer with decodeStrings: false
  }

  /** Reads the central directory. Throws when the source is not a readable zip. */
  static async open(source: Source): Promise<ZipReader> {
    const zip =
      source.kind === 'memory'
        ? await yauzl.fromBufferPromise(source.bytes, OPTIONS)
        : source.fd === undefined
          ? await yauzl.openPromise(source.path, OPTIONS)
          : await yauzl.fromRandomAccessReaderPromise(new BorrowedFd(source.fd), source.size, OPTIONS);
    const entries: ZipEntryInfo[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
        const unix = entry.versionMadeBy >> 8 === 3 && entry.externalFileAttributes >>> 16 !== 0;
        entries.push({
          name,
          // A name ending in '/' is a directory; one that still carries data is read as a file, so it is checked.
          dir: name.endsWith('/') && entry.uncompressedSize === 0,
          method: entry.compressionMethod,
          size: entry.uncompressedSize,
          mtime: entry.getLastModDate(),
          mode: unix ? entry.externalFileAttributes >>> 16 : undefined,
          comment: entry.fileCommentRaw,
          entry,
        });
      }
    } catch (err) {
      zip.close();
      throw err;
    }
    return new ZipReader(zip, entries);
  }

  /**
   * The entry's content, inflated `chunkBytes` at a time (yauzl's own inflate hands out 16 KB pieces, and the
   * per-piece overhead halved throughput), checked against its size and CRC-32 (as JSZip's checkCRC32 did).
   */
  async *read(info: ZipEntryInfo, chunkBytes: number): AsyncGenerator<Buffer> {
    const { entry } = info;
    if (entry.isEncrypted()) throw new Error('encrypted entry');
    if (info.method !== 0 && info.method !== 8) throw new Error(`unsupported compression method ${info.method}`);
    const raw = await this.#zip.openReadStreamPromise(entry, { decodeFileData: false });
    const data = info.method === 8 ? pipeline(raw, createInflateRaw({ chunkSize: Math.max(64, chunkBytes) }), () => undefined) : raw;
    let crc = 0;
    let size = 0;
    for await (const chunk of data as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > info.size) throw new Error('entry longer than its recorded size');
      crc = crc32(chunk, crc);
      yield chunk;
    }
    if (size !== info.size) throw new Error('entry shorter than its recorded size');
    if (crc >>> 0 !== entry.crc32 >>> 0) throw new Error('CRC-32 mismatch');
  }

  close(): void {
    if (this.#zip.isOpen) this.#zip.close();
  }
}

export interface WriteEntryOptions {
  mtime: Date;
  mode: number | undefined;
  comment: Buffer;
}

/**
 * A zip written entry by entry into `sink`. Entry contents are opened lazily, one at a time, when yazl reaches
 * them. Throws (from `finish`) if an entry's stream fails or yazl refuses a name.
 */
export class ZipWriter {
  readonly #zip = new yazl.ZipFile();
  readonly #output = this.#zip.outputStream as Readable;

  constructor() {
    this.#zip.on('error', (err: Error) => this.#output.destroy(err));
  }

  addDirectory(name: string, options: WriteEntryOptions): void {
    this.#zip.addEmptyDirectory(name, { mtime: options.mtime, ...(options.mode === undefined ? {} : { mode: options.mode }) });
  }

  /** `compress`: deflate (method 8) or store (method 0), as the original entry was. */
  addFile(name: string, options: WriteEntryOptions & { compress: boolean; size: number }, content: () => AsyncIterable<Buffer>): void {
    const { mtime, mode, comment, compress, size } = options;
    this.#zip.addReadStreamLazy(name, { mtime, compress, size, fileComment: comment as unknown as string, ...(mode === undefined ? {} : { mode }) }, (cb) => {
      const stream = Readable.from(content(), { objectMode: false });
      // yazl pipes the stream without an error handler: a failing entry must fail the whole zip, not hang it.
      stream.once('error', (err) => this.#output.destroy(err));
      cb(null, stream);
    });
  }

  /** Ends the zip (with `comment`) and hands every output chunk to `sink`, in order, with backpressure. */
  async finish(comment: Buffer, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
    this.#zip.end({ forceZip64Format: false, comment: comment as unknown as string });
    for await (const chunk of this.#output as AsyncIterable<Buffer>) await sink(chunk);
  }

  /** Abandons the zip (after a failure elsewhere), releasing any entry stream in progress. */
  abort(): void {
    this.#output.destroy();
  }
}
