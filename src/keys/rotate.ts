/**
 * `assay keys rotate`: a new key per purpose becomes active and the old one retired, in one unit (the
 * unique "one active key per purpose" index means retire-then-insert, in that order). A retired link key
 * verifies the links it signed until their lifetime has passed; a retired receipt or audit key verifies
 * for ever (src/keys/keyring.ts), so receipts and checkpoints stay checkable.
 */
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { getActiveKey, insertSigningKey, type KeyPurpose, setKeyStatus } from '../db/repo/keys.js';
import type { Store } from '../db/store.js';
import type { MasterKey } from './master-key.js';
import { KEY_ALG, newKeyPair } from './signing-keys.js';

export interface Rotated {
  purpose: KeyPurpose;
  retired: string | null;
  activated: string;
}

export async function rotateKeys(
  store: Store,
  master: MasterKey,
  purposes: readonly KeyPurpose[],
  now = new Date(),
): Promise<Rotated[]> {
  const out: Rotated[] = [];
  for (const purpose of purposes) {
    const alg = KEY_ALG[purpose];
    // Generating and wrapping happen before the unit (no non-database work inside one).
    const { publicKey, privateKey } = await newKeyPair(alg);
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
    const privateKeyEnc = await master.wrap(pkcs8, `signing-key:${kid}`);
    const retired = await store.global.write(async (tx) => {
      const old = await getActiveKey(tx, purpose);
      if (old) setKeyStatus(tx, old.kid, 'retired', now);
      insertSigningKey(
        tx,
        {
          kid,
          purpose,
          alg,
          publicJwk: { ...jwk, kid, alg, use: 'sig' },
          privateKeyEnc,
          status: 'active',
          activatedAt: now,
          retiredAt: null,
        },
        now,
      );
      return old?.kid ?? null;
    });
    out.push({ purpose, retired, activated: kid });
  }
  return out;
}
