/**
 * Resolves each tenant's subscription key at run time. A key that cannot be had (env var not set, field
 * missing from the keys file, a Key Vault reference) is recorded per tenant, so only that tenant's probes
 * report it; the rest of the run goes on. Every key found is registered with the run's Redactor at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { vaultRefKey, type VaultSecret } from '../azure/keyvault.js';
import type { KeyRef, TenantCatalog } from './types.js';

export type KeyResolution = { ok: true; key: string; envRef?: string } | { ok: false; reason: string };

type FileMap = { ok: true; map: Record<string, unknown> } | { ok: false; reason: string };

export function describeKeyRef(ref: KeyRef): string {
  if ('env' in ref) return `env var ${ref.env}`;
  if ('file' in ref) return `keys file ${ref.file}${ref.field ? ` field "${ref.field}"` : ''}`;
  return `Key Vault secret ${ref.keyVault.secret} in ${ref.keyVault.vaultUrl}`;
}

/** Key Vault references of these tenants (fetched before resolveKeys, which stays synchronous). */
export function vaultRefsOf(catalog: TenantCatalog, tenants: ReadonlySet<string>): Array<{ vaultUrl: string; secret: string }> {
  return catalog.tenants.flatMap((t) => (tenants.has(t.id) && 'keyVault' in t.key ? [t.key.keyVault] : []));
}

/** `vault`: what fetchVaultSecrets got for the catalog's Key Vault references. */
export function resolveKeys(
  catalog: TenantCatalog,
  env: Record<string, string | undefined>,
  redactor: { add(value: string, label?: string): unknown },
  vault: ReadonlyMap<string, VaultSecret> = new Map(),
): Map<string, KeyResolution> {
  const files = new Map<string, FileMap>();
  const readMap = (file: string): FileMap => {
    const abs = path.resolve(catalog.dir, file);
    let entry = files.get(abs);
    if (!entry) {
      try {
        const value = JSON.parse(readFileSync(abs, 'utf8')) as unknown;
        entry =
          typeof value === 'object' && value !== null && !Array.isArray(value)
            ? { ok: true, map: value as Record<string, unknown> }
            : { ok: false, reason: `keys file ${file} is not a JSON object of name -> key` };
      } catch (err) {
        // The parse error message may quote file content (a key): only the kind of failure is kept.
        const code = (err as NodeJS.ErrnoException).code;
        entry = { ok: false, reason: `keys file ${file} cannot be read (${code ?? 'not valid JSON'})` };
      }
      files.set(abs, entry);
    }
    return entry;
  };

  const out = new Map<string, KeyResolution>();
  for (const t of catalog.tenants) {
    const ref = t.key;
    let r: KeyResolution;
    if ('env' in ref) {
      const value = env[ref.env];
      r =
        value !== undefined && value.trim() !== ''
          ? { ok: true, key: value.trim(), envRef: ref.env }
          : { ok: false, reason: `subscription key env var ${ref.env} is not set, so no probe of tenant ${t.id} was sent` };
    } else if ('file' in ref) {
      const map = readMap(ref.file);
      const field = ref.field ?? t.id;
      const value = map.ok ? map.map[field] : undefined;
      r = !map.ok
        ? { ok: false, reason: `${map.reason}, so no probe of tenant ${t.id} was sent` }
        : typeof value === 'string' && value.trim() !== ''
          ? { ok: true, key: value.trim() }
          : { ok: false, reason: `keys file ${ref.file} has no key "${field}", so no probe of tenant ${t.id} was sent` };
    } else {
      const got = vault.get(vaultRefKey(ref.keyVault));
      r = !got
        ? { ok: false, reason: `${describeKeyRef(ref)} was not fetched, so no probe of tenant ${t.id} was sent` }
        : got.ok
          ? { ok: true, key: got.value.trim() }
          : { ok: false, reason: `${got.reason}, so no probe of tenant ${t.id} was sent` };
    }
    if (r.ok) redactor.add(r.key, `subscription key of ${t.id}`);
    out.set(t.id, r);
  }
  // Everything in a keys file is a secret, including entries of tenants not probed in this run.
  for (const f of files.values())
    if (f.ok) for (const v of Object.values(f.map)) if (typeof v === 'string' && v.trim()) redactor.add(v.trim(), 'keys file entry');
  return out;
}
