import { Blob } from 'node:buffer';
import { FormData, Response } from 'undici';
import type { PreparedRequest } from './prepare.js';

export interface EncodedBody {
  body: Buffer;
  /** The Content-Type the body needs when the request did not set one. */
  contentType: string;
}

/**
 * The request body as bytes, encoded once (a 307/308 redirect sends it again). Content types follow what
 * Playwright's APIRequestContext sent, so targets see the same requests as before: JSON, a url-encoded form,
 * multipart/form-data (encoded by undici's spec-compliant FormData), or a raw body as application/octet-stream.
 */
export async function encodeBody(req: PreparedRequest): Promise<EncodedBody | undefined> {
  if (req.json !== undefined) return { body: Buffer.from(JSON.stringify(req.json), 'utf8'), contentType: 'application/json' };
  if (req.body !== undefined) return { body: Buffer.from(req.body, 'utf8'), contentType: 'application/octet-stream' };
  if (req.form) return { body: Buffer.from(new URLSearchParams(req.form).toString(), 'utf8'), contentType: 'application/x-www-form-urlencoded' };
  if (req.multipart) {
    const form = new FormData();
    for (const [field, part] of Object.entries(req.multipart)) {
      if (typeof part === 'string') form.append(field, part);
      else form.append(field, new Blob([part.buffer], { type: part.mimeType }), part.name);
    }
    const encoded = new Response(form);
    return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' };
  }
  return undefined;
}
