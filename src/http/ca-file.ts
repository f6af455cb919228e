import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Reads a --ca-file: PEM with at least one certificate, each of which parses. A file without one is the
 * user's mistake, reported before anything is sent, not a TLS failure later blamed on the revision.
 */
export function readCaFile(file: string): { pem: string } | { problem: string } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? `${file} not found`
          : code === 'EISDIR'
            ? `${file} is a directory, not a PEM file`
            : `cannot read ${file}: ${(err as Error).message}`,
    };
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) return { problem: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return { problem: `certificate ${i + 1} in ${file} cannot be read: ${(err as Error).message}` };
    }
  }
  return { pem };
}
