/**
 * A throw-away CA and a server certificate for localhost/127.0.0.1/::1 signed by it, so clients
 * verify the sandbox properly (pass `caPem` as `ca`) instead of turning verification off.
 */
import { generate } from 'selfsigned';

export interface SandboxCertificates {
  /** The CA to trust; never used to sign anything but this listener's certificate. */
  caPem: string;
  certPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateOptions {
  /** Server certificate lifetime from now, in days; negative gives an already-expired certificate. Default 90. */
  days?: number;
  now?: Date;
}

export const DEFAULT_CERT_DAYS = 90;
const DAY_MS = 86_400_000;

export async function createCertificates(options: CertificateOptions = {}): Promise<SandboxCertificates> {
  const now = options.now ?? new Date();
  const days = options.days ?? DEFAULT_CERT_DAYS;
  const notAfter = new Date(now.getTime() + days * DAY_MS);
  // Backdate an hour for clock skew; an expired certificate still needs notBefore < notAfter.
  const notBefore = new Date(Math.min(now.getTime() - 3_600_000, notAfter.getTime() - DAY_MS));

  // EC P-256 keys: generated in milliseconds, where RSA-2048 takes far longer per sandbox start.
  const ca = await generate([{ name: 'commonName', value: 'revgate sandbox throw-away CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Math.min(notBefore.getTime(), now.getTime() - DAY_MS)),
    notAfterDate: new Date(now.getTime() + 2 * 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private, notBefore, notAfter };
}
