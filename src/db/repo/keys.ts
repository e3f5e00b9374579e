import { and, asc, eq, inArray } from 'drizzle-orm';
import { newId } from '../ids.js';
import type { ReadCtx, WriteCtx } from '../store.js';
import type { KEY_PURPOSES, KEY_STATUSES } from '../tables.js';

export type KeyPurpose = (typeof KEY_PURPOSES)[number];
export type KeyStatus = (typeof KEY_STATUSES)[number];
export type SigningKeyRow = {
  kid: string;
  purpose: KeyPurpose;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateKeyEnc: string;
  status: KeyStatus;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
};

export function insertSigningKey(tx: WriteCtx, k: Omit<SigningKeyRow, 'createdAt'>, now = new Date()): void {
  tx.write(tx.db.insert(tx.t.signingKeys).values({ ...k, createdAt: now }));
}

/** Keys that verify: active, next (published ahead of use) and retired (within their overlap). */
export async function listPublishedKeys({ db, t }: ReadCtx, purpose?: KeyPurpose): Promise<SigningKeyRow[]> {
  const published = inArray(t.signingKeys.status, ['next', 'active', 'retired']);
  return (await db
    .select()
    .from(t.signingKeys)
    .where(purpose ? and(published, eq(t.signingKeys.purpose, purpose)) : published)
    .orderBy(asc(t.signingKeys.createdAt), asc(t.signingKeys.kid))) as SigningKeyRow[];
}

export async function getActiveKey({ db, t }: ReadCtx, purpose: KeyPurpose): Promise<SigningKeyRow | null> {
  const [row] = await db
    .select()
    .from(t.signingKeys)
    .where(and(eq(t.signingKeys.purpose, purpose), eq(t.signingKeys.status, 'active')));
  return (row as SigningKeyRow | undefined) ?? null;
}

export function setKeyStatus(tx: WriteCtx, kid: string, status: KeyStatus, at: Date): void {
  const stamp = status === 'active' ? { activatedAt: at } : status === 'retired' ? { retiredAt: at } : {};
  tx.write(
    tx.db
      .update(tx.t.signingKeys)
      .set({ status, ...stamp })
      .where(eq(tx.t.signingKeys.kid, kid)),
    { guard: 'signing-key-exists' },
  );
}

export async function getNextKey({ db, t }: ReadCtx, purpose: KeyPurpose): Promise<SigningKeyRow | null> {
  const [row] = await db
    .select()
    .from(t.signingKeys)
    .where(and(eq(t.signingKeys.purpose, purpose), eq(t.signingKeys.status, 'next')));
  return (row as SigningKeyRow | undefined) ?? null;
}

/** Activates the key only if it is still the next one: a concurrent rotation makes the unit fail. */
export function promoteNextKey(tx: WriteCtx, kid: string, at: Date): void {
  tx.write(
    tx.db
      .update(tx.t.signingKeys)
      .set({ status: 'active', activatedAt: at })
      .where(and(eq(tx.t.signingKeys.kid, kid), eq(tx.t.signingKeys.status, 'next'))),
    { guard: 'signing-key-still-next' },
  );
}

/** Retires the key only if it is still the active one: a concurrent rotation makes the unit fail. */
export function retireActiveKey(tx: WriteCtx, kid: string, at: Date): void {
  tx.write(
    tx.db
      .update(tx.t.signingKeys)
      .set({ status: 'retired', retiredAt: at })
      .where(and(eq(tx.t.signingKeys.kid, kid), eq(tx.t.signingKeys.status, 'active'))),
    { guard: 'signing-key-still-active' },
  );
}

export type KeyRotationRow = {
  id: string;
  at: Date;
  purpose: KeyPurpose;
  actor: string;
  retiredKid: string | null;
  activatedKid: string;
  nextKid: string;
  nextAgeSeconds: number | null;
  minAgeSeconds: number;
  forced: boolean;
};

/** Records one purpose's rotation, in the rotation's own unit (the table is append-only). */
export function insertKeyRotation(tx: WriteCtx, row: Omit<KeyRotationRow, 'id'>): void {
  tx.write(tx.db.insert(tx.t.keyRotations).values({ id: newId(), ...row }));
}

/** Every recorded rotation, oldest first. */
export async function listKeyRotations({ db, t }: ReadCtx): Promise<KeyRotationRow[]> {
  return (await db
    .select()
    .from(t.keyRotations)
    .orderBy(asc(t.keyRotations.at), asc(t.keyRotations.id))) as KeyRotationRow[];
}
