/**
 * Signing keys live in our own key table (never fetched from anywhere else): RS256 keys for vendor
 * links and receipts (RSA-3072, ASVS 11.2.3), an Ed25519 key for audit checkpoints. One key per purpose
 * and per use (RFC 8725 §3.12); `kid` is the RFC 7638 JWK thumbprint. Private keys are stored wrapped
 * by the master key. Web Crypto throughout, so the same code runs on Node and Workers.
 *
 * Each purpose always has a `next` key besides its `active` one (security.md §2.4: publish the new key
 * before it signs): created with the first active key and by every rotation, published in the JWKS and
 * accepted by the key ring from the start, so relying parties that cache the JWKS already hold it when a
 * rotation promotes it.
 */
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import {
  getActiveKey,
  getNextKey,
  insertKeyRotation,
  insertSigningKey,
  type KeyPurpose,
  listPublishedKeys,
  promoteNextKey,
  retireActiveKey,
  type SigningKeyRow,
} from '../db/repo/keys.js';
import { GuardError, isUniqueViolation, type Store } from '../db/store.js';
import { type Clock, systemClock } from '../platform/ports.js';
import { RETIRED_VERIFIES_FOR_MS } from './keyring.js';
import type { MasterKey } from './master-key.js';

export const KEY_ALG: Record<KeyPurpose, 'RS256' | 'EdDSA'> = {
  link: 'RS256',
  receipt: 'RS256',
  audit: 'EdDSA',
};
const KID = /^[A-Za-z0-9_-]{1,64}$/;

const IMPORT: Record<'RS256' | 'EdDSA', RsaHashedImportParams | Algorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

export async function newKeyPair(alg: 'RS256' | 'EdDSA') {
  return alg === 'RS256'
    ? generateKeyPair('RS256', { modulusLength: 3072, extractable: true })
    : generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
}

/** A new key pair for a purpose, its private half wrapped by the master key (no database work). */
async function newSigningKey(
  master: MasterKey,
  purpose: KeyPurpose,
  now: Date,
  status: 'active' | 'next' = 'active',
) {
  const alg = KEY_ALG[purpose];
  const { publicKey, privateKey } = await newKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  const privateKeyEnc = await master.wrap(pkcs8, `signing-key:${kid}`);
  return {
    kid,
    purpose,
    alg,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    privateKeyEnc,
    status,
    activatedAt: status === 'active' ? now : null,
    retiredAt: null,
  };
}

/**
 * Creates what a purpose lacks (first start; an older database, which has no next key): an active key
 * and a next key. Returns the kids created.
 */
export async function ensureSigningKeys(
  store: Store,
  master: MasterKey,
  now = new Date(),
): Promise<string[]> {
  const created: string[] = [];
  for (const purpose of Object.keys(KEY_ALG) as KeyPurpose[]) {
    const [active, next] = await store.global.read(async (g) => [
      await getActiveKey(g, purpose),
      await getNextKey(g, purpose),
    ]);
    // Generating and wrapping are not database work: they happen before the unit.
    const keys = [];
    if (!active) keys.push(await newSigningKey(master, purpose, now, 'active'));
    if (!next) keys.push(await newSigningKey(master, purpose, now, 'next'));
    // One unit per key: another instance may have created one of them meanwhile (one active and one
    // next key per purpose are unique indexes), and theirs is kept.
    for (const key of keys) {
      try {
        await store.global.write((tx) => insertSigningKey(tx, key, now));
        created.push(key.kid);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
  }
  return created;
}

export const KEY_PURPOSE_LIST = Object.keys(KEY_ALG) as KeyPurpose[];

export interface Rotated {
  purpose: KeyPurpose;
  /** The key that was active and now only verifies (null if the purpose had no key yet). */
  retired: string | null;
  activated: string;
  /** The new next key, published now, promoted by the following rotation. */
  next: string;
  /** How long the promoted key had been published (null: the purpose had no next key). */
  nextAgeMs: number | null;
  /** Whether `force` promoted a key younger than the minimum age (or a purpose without a next key). */
  forced: boolean;
}

/**
 * How long a next key must have been published before a rotation promotes it. Relying parties cache the
 * JWKS and the published PEM keys (a vendor's receipt checker, a mail client, a CDN in front of
 * `/.well-known/jwks.json`): a key that starts signing before their caches refresh makes what it signs
 * unverifiable to them until then. A day covers the usual `max-age` and daily refresh jobs.
 */
export const MIN_NEXT_KEY_AGE_MS = 24 * 60 * 60_000;

export class RotationConflictError extends Error {
  constructor() {
    super('another rotation changed the keys at the same time; nothing was changed, run it again');
    this.name = 'RotationConflictError';
  }
}

export class MasterKeyMismatchError extends Error {
  constructor() {
    super(
      'the master key (MASTER_KEY, or DATA_DIR/master.key) is not the one the current keys were wrapped with; nothing was changed',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/** Why a purpose may not be rotated yet, and from when it may (null: only once it has a next key). */
export interface NotReady {
  purpose: KeyPurpose;
  /** The next key (null: the purpose has an active key but no next key yet, an older database). */
  kid: string | null;
  publishedAt: Date | null;
  eligibleAt: Date | null;
}

const hours = (ms: number) => `${Number((ms / 3_600_000).toFixed(2))} hour${ms === 3_600_000 ? '' : 's'}`;

/** A rotation refused because a next key has not been published long enough: nothing was changed. */
export class NextKeyTooYoungError extends Error {
  /** When every refused purpose may be rotated (null: one has no next key to wait for). */
  readonly eligibleAt: Date | null;
  constructor(
    readonly notReady: readonly NotReady[],
    readonly minAgeMs: number,
  ) {
    super(
      notReady
        .map((n) =>
          n.kid && n.publishedAt && n.eligibleAt
            ? `the next ${n.purpose} key (${n.kid}) was published at ${n.publishedAt.toISOString()}, less than ${hours(minAgeMs)} ago: it can be promoted from ${n.eligibleAt.toISOString()}`
            : `the ${n.purpose} purpose has no published next key yet (start the server once: it publishes one), so none can be promoted until ${hours(minAgeMs)} after that`,
        )
        .join('; '),
    );
    this.name = 'NextKeyTooYoungError';
    this.eligibleAt = notReady.every((n) => n.eligibleAt)
      ? new Date(Math.max(...notReady.map((n) => n.eligibleAt!.getTime())))
      : null;
  }
}

export interface RotateOptions {
  /** The platform clock (tests move it). */
  clock?: Clock;
  /** The minimum age of a next key before promotion (default `MIN_NEXT_KEY_AGE_MS`). */
  minAgeMs?: number;
  /** Promote a next key younger than the minimum (recorded as forced). */
  force?: boolean;
  /** Who rotates, for the record (`system:cli`). */
  actor?: string;
}

/**
 * `assay keys rotate`: for each purpose, all in one unit, the next key becomes active (it was published
 * since the previous rotation, so caches of the JWKS already hold it), the active one is retired (it
 * keeps verifying what it signed for its overlap, `RETIRED_VERIFIES_FOR_MS`), a new next key is created,
 * and a `key_rotations` row records it. A next key younger than `minAgeMs` is not promoted: the whole
 * rotation is refused (`NextKeyTooYoungError`, nothing changed) unless `force`, which is recorded. A
 * purpose without a next key (a database from before next keys, not yet started) is refused likewise
 * (with `force` it gets a fresh active key, as before); a purpose with no key at all gets its first
 * ones. Running servers pick the new key up within the key ring's cache lifetime, at once on an unknown
 * `kid`. A concurrent rotation makes one of the two fail and change nothing.
 */
export async function rotateSigningKeys(
  store: Store,
  master: MasterKey,
  purposes: readonly KeyPurpose[],
  options: RotateOptions = {},
): Promise<Rotated[]> {
  const now = (options.clock ?? systemClock).now();
  const minAgeMs = options.minAgeMs ?? MIN_NEXT_KEY_AGE_MS;
  // At most a year (the CLI's --min-age-hours cap): far beyond it a date overflows and compares as NaN.
  if (!Number.isFinite(minAgeMs) || minAgeMs < 0 || minAgeMs > 366 * 24 * 60 * 60_000)
    throw new RangeError('minAgeMs must be between 0 and a year');
  const current = await store.global.read(async (g) => {
    const out = new Map<KeyPurpose, { active: SigningKeyRow | null; next: SigningKeyRow | null }>();
    for (const p of purposes) out.set(p, { active: await getActiveKey(g, p), next: await getNextKey(g, p) });
    return out;
  });
  // The age rule before anything else: a refusal generates no key and needs no master key.
  const notReady: NotReady[] = [];
  for (const p of purposes) {
    const { active, next } = current.get(p)!;
    if (next) {
      const eligibleAt = new Date(next.createdAt.getTime() + minAgeMs);
      if (now.getTime() < eligibleAt.getTime())
        notReady.push({ purpose: p, kid: next.kid, publishedAt: next.createdAt, eligibleAt });
    } else if (active) notReady.push({ purpose: p, kid: null, publishedAt: null, eligibleAt: null });
  }
  if (notReady.length && !options.force) throw new NextKeyTooYoungError(notReady, minAgeMs);
  // A different master key would wrap keys the server cannot unwrap: prove it is the same one first
  // (the next key too: it is about to sign).
  for (const { active, next } of current.values()) {
    for (const row of [active, next]) {
      if (!row) continue;
      try {
        await master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
      } catch {
        throw new MasterKeyMismatchError();
      }
    }
  }
  const plan: {
    purpose: KeyPurpose;
    retired: string | null;
    promoted: string | null;
    nextAgeMs: number | null;
    forced: boolean;
    fresh: Fresh[];
  }[] = [];
  for (const p of purposes) {
    const { active, next } = current.get(p)!;
    const fresh: Fresh[] = [];
    if (!next) fresh.push(await newSigningKey(master, p, now, 'active'));
    fresh.push(await newSigningKey(master, p, now, 'next'));
    plan.push({
      purpose: p,
      retired: active?.kid ?? null,
      promoted: next?.kid ?? null,
      nextAgeMs: next ? now.getTime() - next.createdAt.getTime() : null,
      // A lowered --min-age-hours is a policy, not a force: the record keeps the minimum in force
      // (min_age_seconds) and the key's age, so a review can find rotations under a short minimum.
      forced: notReady.some((n) => n.purpose === p),
      fresh,
    });
  }
  const actor = options.actor ?? 'system:cli';
  const rotated = plan.map((step) => ({
    purpose: step.purpose,
    retired: step.retired,
    activated: step.promoted ?? step.fresh.find((k) => k.status === 'active')!.kid,
    next: step.fresh.find((k) => k.status === 'next')!.kid,
    nextAgeMs: step.nextAgeMs,
    forced: step.forced,
  }));
  try {
    await store.global.write((tx) => {
      for (const step of plan) {
        // Retire first, then promote, then insert: one active and one next key per purpose are unique.
        if (step.retired) retireActiveKey(tx, step.retired, now);
        if (step.promoted) promoteNextKey(tx, step.promoted, now);
        for (const key of step.fresh) insertSigningKey(tx, key, now);
      }
      for (const r of rotated)
        insertKeyRotation(tx, {
          at: now,
          purpose: r.purpose,
          actor,
          retiredKid: r.retired,
          activatedKid: r.activated,
          nextKid: r.next,
          nextAgeSeconds: r.nextAgeMs === null ? null : Math.floor(r.nextAgeMs / 1000),
          minAgeSeconds: Math.floor(minAgeMs / 1000),
          forced: r.forced,
        });
    });
  } catch (err) {
    if (err instanceof GuardError || isUniqueViolation(err)) throw new RotationConflictError();
    throw err;
  }
  return rotated;
}

type Fresh = Awaited<ReturnType<typeof newSigningKey>>;

/** Whether a published key still verifies anything at `now` (a retired key only within its overlap). */
export function stillVerifies(row: SigningKeyRow, now: Date): boolean {
  if (row.status === 'active' || row.status === 'next') return true;
  if (row.status !== 'retired' || !row.retiredAt) return false;
  return now.getTime() <= row.retiredAt.getTime() + RETIRED_VERIFIES_FOR_MS[row.purpose];
}

/**
 * The public JSON Web Key Set: the RS256 keys that verify links and receipts (next, active, and retired
 * ones within their overlap: retired receipt keys for ever, retired link keys until their links died).
 */
export async function publicJwks(
  store: Store,
  opts: { now?: Date; purpose?: KeyPurpose } = {},
): Promise<{ keys: JWK[] }> {
  const now = opts.now ?? new Date();
  const rows = await store.global.read((g) => listPublishedKeys(g, opts.purpose));
  return {
    keys: rows
      .filter((r) => r.alg === 'RS256' && KID.test(r.kid) && stillVerifies(r, now))
      .map((r) => {
        const { kty, n, e } = r.publicJwk as { kty: string; n: string; e: string };
        return { kty, n, e, kid: r.kid, alg: r.alg, use: 'sig' };
      }),
  };
}

/**
 * The receipt public keys (active, next and retired: receipts verify for years) as PEM (SPKI), each
 * after a `# kid <kid>` comment line, for `openssl dgst -sha256 -verify` (README "Verifying a receipt").
 */
export async function receiptKeysPem(store: Store, now = new Date()): Promise<string> {
  const { keys } = await publicJwks(store, { now, purpose: 'receipt' });
  const blocks: string[] = [];
  for (const jwk of keys) {
    const key = await importJWK(jwk, 'RS256', { extractable: true });
    blocks.push(`# kid ${jwk.kid}\n${(await exportSPKI(key as CryptoKey)).trim()}\n`);
  }
  return blocks.join('\n');
}

/** The active private key for a purpose, ready for jose's sign APIs. */
export async function activeSigningKey(store: Store, master: MasterKey, purpose: KeyPurpose) {
  const row = await store.global.read((g) => getActiveKey(g, purpose));
  if (!row) throw new Error(`no active ${purpose} signing key: run the server once or \`assay keys rotate\``);
  const der = await master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
  const alg = row.alg as 'RS256' | 'EdDSA';
  const key = await crypto.subtle.importKey('pkcs8', der as BufferSource, IMPORT[alg], false, ['sign']);
  return { kid: row.kid, alg: row.alg, key };
}
