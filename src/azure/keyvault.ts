/**
 * Reads secrets (tenants' subscription keys) from Azure Key Vault with `@azure/keyvault-secrets` and
 * DefaultAzureCredential. A provider: every reference gets a value or a reason, never a throw, so one
 * missing secret only affects the tenant that needs it. Reasons never contain a secret value.
 *
 * Key Vault clients refuse a bearer challenge whose resource is not the vault's parent domain; a vault
 * on loopback (an emulator, the sandbox's) cannot satisfy that, so the check is relaxed for loopback
 * vault URLs only.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

export interface VaultRef {
  vaultUrl: string;
  secret: string;
}

export type VaultSecret = { ok: true; value: string } | { ok: false; reason: string };

export interface FetchOptions {
  credential?: TokenCredential;
  /** Requests at a time across all vaults. Default 8. */
  concurrency?: number;
  timeoutMs?: number;
}

/** The map key of a reference: the vault's origin and the secret name. */
export function vaultRefKey(ref: VaultRef): string {
  return `${new URL(ref.vaultUrl).origin}/secrets/${ref.secret}`;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

const CREDENTIAL_ERRORS = new Set(['AggregateAuthenticationError', 'CredentialUnavailableError', 'AuthenticationError']);

function reasonOf(err: unknown, ref: VaultRef): string {
  const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
  const where = `Key Vault secret ${ref.secret} in ${new URL(ref.vaultUrl).origin}`;
  if (e.statusCode === 404) return `${where} does not exist (404 ${e.code ?? 'SecretNotFound'})`;
  if (e.statusCode === 401 || e.statusCode === 403)
    return `${where} is not readable with this identity (${e.statusCode} ${e.code ?? ''}): grant it "get" on secrets (Key Vault Secrets User)`.replace(
      ' )',
      ')',
    );
  const first = String(e.message ?? err)
    .split('\n')[0]
    ?.slice(0, 300);
  if (CREDENTIAL_ERRORS.has(e.name ?? '')) return `${where} could not be read: no Azure credential could get a Key Vault token (${first})`;
  return `${where} could not be read: ${e.statusCode ? `${e.statusCode} ${e.code ?? ''} ` : ''}${first}`;
}

/** Fetches every distinct reference once. Resolves, never rejects. */
export async function fetchVaultSecrets(refs: readonly VaultRef[], options: FetchOptions = {}): Promise<Map<string, VaultSecret>> {
  const unique = new Map<string, VaultRef>();
  for (const r of refs) unique.set(vaultRefKey(r), r);
  const out = new Map<string, VaultSecret>();
  if (unique.size === 0) return out;
  const credential = options.credential ?? new DefaultAzureCredential();
  const clients = new Map<string, SecretClient>();
  const clientFor = (vaultUrl: string): SecretClient => {
    const origin = new URL(vaultUrl).origin;
    let c = clients.get(origin);
    if (!c) clients.set(origin, (c = new SecretClient(origin, credential, isLoopback(origin) ? { disableChallengeResourceVerification: true } : {})));
    return c;
  };
  const queue = [...unique.entries()];
  // Once no credential could get a token, every other reference would fail the same way, slowly (the
  // chain tries the Azure CLI, PowerShell... each time): they get that reason at once.
  let noCredential: string | undefined;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, ref] = next;
      if (noCredential) {
        out.set(key, { ok: false, reason: `Key Vault secret ${ref.secret} in ${new URL(ref.vaultUrl).origin} could not be read: ${noCredential}` });
        continue;
      }
      try {
        const s = await clientFor(ref.vaultUrl).getSecret(ref.secret, { abortSignal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
        out.set(
          key,
          s.value !== undefined && s.value.trim() !== ''
            ? { ok: true, value: s.value }
            : { ok: false, reason: `Key Vault secret ${ref.secret} in ${new URL(ref.vaultUrl).origin} is empty` },
        );
      } catch (err) {
        const reason = reasonOf(err, ref);
        if (CREDENTIAL_ERRORS.has((err as Error).name)) noCredential ??= reason.slice(reason.indexOf('could not be read: ') + 'could not be read: '.length);
        out.set(key, { ok: false, reason });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, unique.size) }, worker));
  return out;
}
