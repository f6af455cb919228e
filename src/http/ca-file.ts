import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

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

/** The CAs a check trusts: Node's store, NODE_EXTRA_CA_CERTS and the run's own (undefined: Node's default is enough). */
export function trustedCas(caPems: readonly string[], env: Record<string, string | undefined>): string[] | undefined {
  if (!caPems.length) return undefined;
  const extra = env.NODE_EXTRA_CA_CERTS ? readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined;
  return [...rootCertificates, ...(extra ? [extra] : []), ...caPems];
}
