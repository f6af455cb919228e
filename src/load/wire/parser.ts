/**
 * A streaming HTTP/1.1 response parser for the load engine's hot path. The engine needs only the
 * status, where the response ends and whether the connection can be reused, so this reads exactly
 * that: the status line, content-length, transfer-encoding, connection and keep-alive. Every other
 * header is skipped without being decoded; nothing is allocated unless a response head arrives split
 * across reads. Framing follows RFC 9112 section 6: HEAD/1xx/204/304 have no body; chunked wins over
 * content-length (and then the connection is not reused); with neither, the body runs to the close.
 */

export const NEED_MORE = -1;
export const FAILED = -2;

/** Largest response head (status line + headers) and trailer section accepted: Node's and undici's default. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_EXT_BYTES = 4 * 1024;
/** 12 hex digits = 256 TiB: enough for any chunk, small enough to stay an exact JS integer. */
const MAX_CHUNK_DIGITS = 12;

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_SIZE_LF = 3;
const S_CHUNK_EXT = 4;
const S_CHUNK_DATA = 5;
const S_CHUNK_DATA_CR = 6;
const S_CHUNK_DATA_LF = 7;
const S_TRAILER = 8;
const S_BODY_TO_EOF = 9;
const S_DONE = 10;

const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** Byte-wise ASCII case-insensitive compare of buf[at..at+lower.length) with an all-lowercase literal. */
function eqLower(buf: Buffer, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) if (((buf[at + k] as number) | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  const l = b | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

export class ResponseParser {
  status = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** The server's `keep-alive: timeout=N` hint in ms, 0 when it sent none. */
  keepAliveHintMs = 0;
  /** Why the response is malformed, after execute returned FAILED. */
  error = '';
  #state = S_HEAD;
  #remaining = 0;
  /** Bytes of a response head that arrived split across reads (rare: heads are small). */
  #partial: Buffer | null = null;
  #headRequest = false;
  #chunkDigits = 0;
  #lineBytes = 0;
  #sectionBytes = 0;

  /** Prepares for the response to a new request; a HEAD request's response has no body. */
  reset(headRequest: boolean): void {
    this.#state = S_HEAD;
    this.#partial = null;
    this.#headRequest = headRequest;
    this.status = 0;
    this.keepAlive = true;
    this.keepAliveHintMs = 0;
    this.error = '';
  }

  /** True while the body runs until the server closes the connection; the close then completes it. */
  get endsAtClose(): boolean {
    return this.#state === S_BODY_TO_EOF;
  }

  /** Whether any part of a response has been parsed (bytes arrived for it). */
  get started(): boolean {
    return this.#state !== S_HEAD || this.#partial !== null;
  }

  /** Consumes `data`; returns the offset just past the end of the response, NEED_MORE, or FAILED (see `error`). */
  execute(data: Buffer): number {
    let pos = 0;
    const len = data.length;
    while (pos < len || this.#state === S_DONE) {
      switch (this.#state) {
        case S_HEAD: {
          const next = this.#head(data, pos);
          if (next < 0) return next;
          pos = next;
          break;
        }
        case S_BODY:
        case S_CHUNK_DATA: {
          const take = Math.min(this.#remaining, len - pos);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining > 0) return NEED_MORE;
          this.#state = this.#state === S_BODY ? S_DONE : S_CHUNK_DATA_CR;
          break;
        }
        case S_CHUNK_SIZE: {
          const b = data[pos++] as number;
          const v = hexValue(b);
          if (v >= 0) {
            if (++this.#chunkDigits > MAX_CHUNK_DIGITS) return this.#fail('chunk size too large');
            this.#remaining = this.#remaining * 16 + v;
          } else if (b === CR) this.#state = S_CHUNK_SIZE_LF;
          else if (b === LF) {
            if (!this.#endSizeLine()) return FAILED;
          } else if (b === 0x3b || b === 0x20 || b === 0x09) {
            this.#lineBytes = 0;
            this.#state = S_CHUNK_EXT;
          } else return this.#fail('invalid chunk size');
          break;
        }
        case S_CHUNK_SIZE_LF:
          if (data[pos++] !== LF) return this.#fail('invalid chunk size line ending');
          if (!this.#endSizeLine()) return FAILED;
          break;
        case S_CHUNK_EXT: {
          const b = data[pos++] as number;
          if (b === LF) {
            if (!this.#endSizeLine()) return FAILED;
          } else if (++this.#lineBytes > MAX_CHUNK_EXT_BYTES) return this.#fail('chunk extension too long');
          break;
        }
        case S_CHUNK_DATA_CR: {
          const b = data[pos++] as number;
          if (b === CR) this.#state = S_CHUNK_DATA_LF;
          else if (b === LF) this.#startChunk();
          else return this.#fail('missing CRLF after chunk data');
          break;
        }
        case S_CHUNK_DATA_LF:
          if (data[pos++] !== LF) return this.#fail('missing CRLF after chunk data');
          this.#startChunk();
          break;
        case S_TRAILER: {
          const b = data[pos++] as number;
          if (b === LF) {
            if (this.#lineBytes === 0) this.#state = S_DONE;
            this.#lineBytes = 0;
          } else if (b !== CR) this.#lineBytes++;
          if (++this.#sectionBytes > MAX_HEAD_BYTES) return this.#fail(`trailer section larger than ${MAX_HEAD_BYTES} bytes`);
          break;
        }
        case S_BODY_TO_EOF:
          return NEED_MORE;
        case S_DONE:
          return pos;
      }
    }
    return NEED_MORE;
  }

  #fail(message: string): number {
    this.error = message;
    this.#state = S_DONE;
    return FAILED;
  }

  #startChunk(): void {
    this.#state = S_CHUNK_SIZE;
    this.#remaining = 0;
    this.#chunkDigits = 0;
  }

  /** The chunk-size line ended: the last chunk starts the trailers, any other its data. */
  #endSizeLine(): boolean {
    if (this.#chunkDigits === 0) return this.#bad('invalid chunk size');
    if (this.#remaining === 0) {
      this.#state = S_TRAILER;
      this.#lineBytes = 0;
      this.#sectionBytes = 0;
    } else this.#state = S_CHUNK_DATA;
    return true;
  }

  #bad(message: string): false {
    this.#fail(message);
    return false;
  }

  /** Finds and parses a complete head starting at `pos`; returns the offset after it, NEED_MORE or FAILED. */
  #head(data: Buffer, pos: number): number {
    if (this.#partial) {
      const prev = this.#partial;
      const joined = Buffer.concat([prev, data.subarray(pos)]);
      const end = joined.indexOf(CRLFCRLF, Math.max(0, prev.length - 3));
      if (end < 0) {
        if (joined.length > MAX_HEAD_BYTES) return this.#fail(`response head larger than ${MAX_HEAD_BYTES} bytes`);
        this.#partial = joined;
        return NEED_MORE;
      }
      this.#partial = null;
      if (!this.#parseHead(joined, 0, end)) return FAILED;
      return pos + (end + 4 - prev.length);
    }
    const end = data.indexOf(CRLFCRLF, pos);
    if (end < 0) {
      if (data.length - pos > MAX_HEAD_BYTES) return this.#fail(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      this.#partial = Buffer.from(data.subarray(pos));
      return NEED_MORE;
    }
    if (!this.#parseHead(data, pos, end)) return FAILED;
    return end + 4;
  }

  /** Parses buf[start..end) (end = the CRLFCRLF) and sets the body state. False (with `error`) if malformed. */
  #parseHead(buf: Buffer, start: number, end: number): boolean {
    if (end - start > MAX_HEAD_BYTES) return this.#bad(`response head larger than ${MAX_HEAD_BYTES} bytes`);
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    const d0 = (buf[start + 9] as number) - 48;
    const d1 = (buf[start + 10] as number) - 48;
    const d2 = (buf[start + 11] as number) - 48;
    const minor = (buf[start + 7] as number) - 48;
    const after = buf[start + 12] as number;
    if (
      end - start < 12 ||
      !eqLower(buf, start, 'http/1.') ||
      (minor !== 0 && minor !== 1) ||
      buf[start + 8] !== 0x20 ||
      d0 < 1 ||
      d0 > 5 ||
      d1 < 0 ||
      d1 > 9 ||
      d2 < 0 ||
      d2 > 9 ||
      (start + 12 < end && after !== 0x20 && after !== CR)
    ) {
      const cr = buf.indexOf(CR, start);
      return this.#bad(`malformed status line "${buf.toString('latin1', start, Math.min(end, start + 40, cr < 0 ? end : cr))}"`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let contentLength = -1;
    let chunked = false;
    let otherCoding = false;
    let close = false;
    let keepAlive = false;
    let i = buf.indexOf(LF, start) + 1;
    const stop = end + 2;
    while (i < stop && i > 0) {
      const nl = buf.indexOf(LF, i);
      const lineEnd = buf[nl - 1] === CR ? nl - 1 : nl;
      const first = buf[i] as number;
      if (first === 0x20 || first === 0x09) {
        i = nl + 1; // obsolete line folding: a continuation of a header this parser does not read
        continue;
      }
      const colon = buf.indexOf(0x3a, i);
      if (colon < 0 || colon >= lineEnd || colon === i) return this.#bad('malformed header line');
      let vs = colon + 1;
      while (vs < lineEnd && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
      let ve = lineEnd;
      while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
      const nameLen = colon - i;
      if (nameLen === 14 && eqLower(buf, i, 'content-length')) {
        let v = 0;
        if (ve === vs || ve - vs > 15) return this.#bad('invalid content-length');
        for (let k = vs; k < ve; k++) {
          const c = (buf[k] as number) - 48;
          if (c < 0 || c > 9) return this.#bad('invalid content-length');
          v = v * 10 + c;
        }
        if (contentLength >= 0 && v !== contentLength) return this.#bad('conflicting content-length headers');
        contentLength = v;
      } else if (nameLen === 17 && eqLower(buf, i, 'transfer-encoding')) {
        // The final coding decides: "gzip, chunked" is chunked, "gzip" alone runs to the close.
        let last = ve;
        while (last > vs && buf[last - 1] !== 0x2c) last--;
        while (last < ve && (buf[last] === 0x20 || buf[last] === 0x09)) last++;
        chunked = ve - last === 7 && eqLower(buf, last, 'chunked');
        otherCoding = !chunked;
      } else if (nameLen === 10 && eqLower(buf, i, 'connection')) {
        if (ve - vs === 10 && eqLower(buf, vs, 'keep-alive')) keepAlive = true;
        else if (ve - vs === 5 && eqLower(buf, vs, 'close')) close = true;
        else {
          for (const token of buf.toString('latin1', vs, ve).toLowerCase().split(',')) {
            const t = token.trim();
            if (t === 'close') close = true;
            else if (t === 'keep-alive') keepAlive = true;
          }
        }
      } else if (nameLen === 10 && eqLower(buf, i, 'keep-alive')) {
        this.keepAliveHintMs = keepAliveTimeoutMs(buf, vs, ve);
      }
      i = nl + 1;
    }
    if (status < 200) {
      // 101 would hand the connection to another protocol the engine does not speak; other 1xx are
      // interim responses, followed on the same connection by the final one.
      if (status === 101) return this.#bad('unexpected 101 Switching Protocols');
      this.keepAliveHintMs = 0;
      this.#state = S_HEAD;
      return true;
    }
    this.status = status;
    this.keepAlive = !close && (minor === 1 || keepAlive);
    if (this.#headRequest || status === 204 || status === 304) this.#state = S_DONE;
    else if (chunked) {
      if (contentLength >= 0) this.keepAlive = false; // both framings: a smuggling risk, never reuse
      this.#startChunk();
    } else if (otherCoding || contentLength < 0) {
      this.keepAlive = false;
      this.#state = S_BODY_TO_EOF;
    } else if (contentLength === 0) this.#state = S_DONE;
    else {
      this.#remaining = contentLength;
      this.#state = S_BODY;
    }
    return true;
  }
}

/** `timeout=N` (seconds) from a keep-alive header value, in ms; 0 if absent or malformed. */
function keepAliveTimeoutMs(buf: Buffer, vs: number, ve: number): number {
  // Fast path for what servers send (`timeout=5`), without decoding the value to a string.
  if (ve - vs > 8 && eqLower(buf, vs, 'timeout=')) {
    let v = 0;
    let k = vs + 8;
    for (; k < ve; k++) {
      const c = (buf[k] as number) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (k === ve || buf[k] === 0x2c || buf[k] === 0x20) return v * 1000;
  }
  const m = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(buf.toString('latin1', vs, ve));
  return m ? Number(m[1]) * 1000 : 0;
}
