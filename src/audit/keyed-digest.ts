/**
 * Keyed digests for audit entries that would otherwise carry a plain SHA-256 of guessable content (an
 * answer "yes", a number, an email): HMAC-SHA-256 under the tenant's digest secret, which is derived from
 * its data key (src/evidence/data-keys.ts) — not in any export, and destroyed with the data key when the
 * tenant is purged (crypto-shredding), so the chain's digests stop being checkable against candidates
 * once the tenant is gone. docs/audit.md "Keyed digests".
 *
 * The secret is fetched before a unit of work (asynchronous); the HMAC itself is synchronous and cheap.
 */
import canonicalize from 'canonicalize';
import { bytesToHex } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import * as repo from '../db/repo/index.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import { type DigestSecret, dataKeysFor } from '../evidence/data-keys.js';
import type { MasterKey } from '../keys/master-key.js';

export type { DigestSecret };

/**
 * Where a keyed value sits: the entry's action and target and the field (a question id and revision, a
 * note id). It is hashed with the value, so equal values in different places give unrelated digests:
 * without it every "yes" of a tenant had one digest, and knowing one answer (or counting) read them all.
 */
export type DigestPlace = readonly [action: string, target: string, ...field: (string | number)[]];

/** The keyed digest of a JSON value at its place, canonicalised (RFC 8785). */
export function valueHmac(secret: DigestSecret, place: DigestPlace, value: unknown): string {
  return bytesToHex(hmacSha256(secret.secret, canonicalize({ at: place, v: value ?? null }) ?? 'null'));
}

/** The fields an entry carries for a keyed value: the digest and the data key it was made under. */
export function keyedValue(
  secret: DigestSecret,
  place: DigestPlace,
  value: unknown,
): { value_hmac: string; hmac_key: string } {
  return { value_hmac: valueHmac(secret, place, value), hmac_key: secret.keyId };
}

/**
 * Refused: a keyed entry for a tenant that is gone (410) or pending deletion (409, and after the purge's
 * shred its data key is destroyed). Written before any write of the unit, so nothing is half-saved.
 */
export class TenantClosedError extends HttpError {}

/**
 * The tenant's digest secret (cached per process; creates the tenant's data key if it has none), for a
 * write that appends a keyed entry. Never for a tenant that is closed: without a live data key, a tenant
 * pending deletion (whose key the purge may have shredded already) or one that is gone gets a clear 4xx,
 * not a new key (the purge would not know of it) nor an unexplained failure (issue: "the tenant data key
 * was not stored", a 500). With a live key this costs nothing more: one cached lookup.
 */
export async function digestSecretOf(
  ports: { store: Store; master: MasterKey },
  tenantId: string,
): Promise<DigestSecret> {
  const keys = dataKeysFor(ports);
  const live = await keys.existingDigestSecret(tenantId);
  if (live) return live;
  const state = await ports.store.tenant(tenantId).read(async (ctx) => {
    if (!(await repo.currentTenant(ctx))) return 'gone' as const;
    return (await repo.getTenantDeletion(ctx)) ? ('closing' as const) : ('open' as const);
  });
  if (state === 'gone')
    throw new TenantClosedError(410, 'This workspace has been deleted: nothing can be saved in it any more.');
  if (state === 'closing')
    throw new TenantClosedError(
      409,
      'This workspace is scheduled for deletion: nothing more can be saved in it. An admin can cancel the deletion under Settings, Export or delete.',
    );
  return keys.digestSecret(tenantId);
}

/**
 * Whether `entryData` (an `answer.saved` entry's data, or any entry with `value_hmac`) is the digest of
 * `claimed` at `place`: how a tenant proves what an answer was, from its own workspace, against an
 * exported trail (an answer's place: `['answer.saved', entry.target, data.question, data.revision]`).
 * False for every entry once the tenant's data key was destroyed (tenant purge): crypto-shredding.
 */
export async function matchesKeyedValue(
  ports: { store: Store; master: MasterKey },
  tenantId: string,
  place: DigestPlace,
  entryData: { value_hmac?: unknown; hmac_key?: unknown },
  claimed: unknown,
): Promise<boolean> {
  // Never a new key: once the purge destroyed the tenant's data key (or the tenant is gone) nothing matches.
  const secret = await dataKeysFor(ports).existingDigestSecret(tenantId);
  if (!secret || entryData.hmac_key !== secret.keyId || typeof entryData.value_hmac !== 'string')
    return false;
  return valueHmac(secret, place, claimed) === entryData.value_hmac;
}
