/**
 * Vendor link tokens against the attacks of security.md §2 and §7 (ML-04 … ML-15): only RS256 from our
 * own key table, typ/iss/aud/age pinned, tampering and confusion refused, retired keys within their
 * overlap only.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { insertSigningKey, setKeyStatus } from '../../src/db/repo/keys.js';
import type { Store } from '../../src/db/store.js';
import { createKeyRing, type KeyRing, RETIRED_SIGNING_GRACE_MS } from '../../src/keys/keyring.js';
import { MasterKey } from '../../src/keys/master-key.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { issueLink, LINK_AUDIENCE, LINK_TYP, newLinkId, verifyLink } from '../../src/vendor/links.js';

const ISSUER = 'https://assay.test';
const claims = () => ({ tid: newId(), aid: newId(), sub: newId(), jti: newLinkId() });
const tamper = (token: string, part: 0 | 1, edit: (json: Record<string, unknown>) => void) => {
  const parts = token.split('.');
  const json = JSON.parse(Buffer.from(parts[part]!, 'base64url').toString());
  edit(json);
  parts[part] = Buffer.from(JSON.stringify(json)).toString('base64url');
  return parts.join('.');
};

describe('vendor links', () => {
  let store: Store;
  let master: MasterKey;
  let keys: KeyRing;
  let now = new Date('2030-03-01T10:00:00Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    store = openSqliteStore({ file: ':memory:' });
    master = new MasterKey(new Uint8Array(32).fill(7));
    await ensureSigningKeys(store, master, now);
    keys = createKeyRing(store, master, { clock, ttlMs: 0, refreshFloorMs: 0 });
  }, 60_000);
  afterAll(() => store.close());

  it('issues a link that verifies, with the claims it was given', async () => {
    const c = claims();
    const { token, expiresAt } = await issueLink(keys, c, { issuer: ISSUER, now, hours: 72 });
    expect(expiresAt.getTime()).toBe(now.getTime() + 72 * 3_600_000);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'RS256', typ: LINK_TYP });
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const check = await verifyLink(keys, token, { issuer: ISSUER, now });
    expect(check).toMatchObject({ ok: true, link: c });
  });

  it('caps the lifetime at 14 days whatever is asked', async () => {
    const { expiresAt } = await issueLink(keys, claims(), { issuer: ISSUER, now, hours: 10_000 });
    expect(expiresAt.getTime()).toBe(now.getTime() + 14 * 24 * 3_600_000);
  });

  it('refuses an expired link, but says whose it was (fresh access for that assessment) — ML-09', async () => {
    const c = claims();
    const { token } = await issueLink(keys, c, { issuer: ISSUER, now, hours: 1 });
    const later = new Date(now.getTime() + 3_600_000 + 31_000);
    expect(await verifyLink(keys, token, { issuer: ISSUER, now: later })).toMatchObject({
      ok: false,
      reason: 'expired',
      link: c,
    });
    // Within the clock tolerance it still verifies.
    const edge = new Date(now.getTime() + 3_600_000 + 10_000);
    expect((await verifyLink(keys, token, { issuer: ISSUER, now: edge })).ok).toBe(true);
  });

  it('refuses a link whose nbf is in the future — ML-10', async () => {
    const { token } = await issueLink(keys, claims(), {
      issuer: ISSUER,
      now: new Date(now.getTime() + 3_600_000),
      hours: 2,
    });
    expect(await verifyLink(keys, token, { issuer: ISSUER, now })).toMatchObject({ ok: false });
  });

  it('refuses alg none, HS256 signed with the public key, and a foreign RSA key — ML-04, ML-05, ML-06', async () => {
    const c = claims();
    const payload = { tid: c.tid, aid: c.aid, sub: c.sub, jti: c.jti };
    const base = () =>
      new SignJWT(payload)
        .setIssuer(ISSUER)
        .setAudience(LINK_AUDIENCE)
        .setSubject(c.sub)
        .setJti(c.jti)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setNotBefore(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600);
    const { token: real } = await issueLink(keys, c, { issuer: ISSUER, now, hours: 1 });
    const kid = JSON.parse(Buffer.from(real.split('.')[0]!, 'base64url').toString()).kid as string;

    const none = new UnsecuredJWT(payload).setIssuer(ISSUER).setAudience(LINK_AUDIENCE).encode();
    expect((await verifyLink(keys, none, { issuer: ISSUER, now })).ok).toBe(false);

    // HS256 with the RSA public key (as the attacker can fetch it from the JWKS) as the HMAC secret.
    const jwks = await (await import('../../src/keys/signing-keys.js')).publicJwks(store);
    const pub = Buffer.from(JSON.stringify(jwks.keys[0]));
    const hs = await base().setProtectedHeader({ alg: 'HS256', kid, typ: LINK_TYP }).sign(pub);
    expect(await verifyLink(keys, hs, { issuer: ISSUER, now })).toMatchObject({ ok: false });

    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const unknownKid = await base()
      .setProtectedHeader({ alg: 'RS256', kid: 'not-one-of-ours', typ: LINK_TYP })
      .sign(foreign);
    expect(await verifyLink(keys, unknownKid, { issuer: ISSUER, now })).toMatchObject({
      ok: false,
      reason: 'signature',
    });
    const stolenKid = await base().setProtectedHeader({ alg: 'RS256', kid, typ: LINK_TYP }).sign(foreign);
    expect(await verifyLink(keys, stolenKid, { issuer: ISSUER, now })).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('ignores jku, x5u and an embedded jwk: the key comes only from our table — ML-08', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const c = claims();
    const jwk = foreign.publicKey.export({ format: 'jwk' });
    const t = await new SignJWT({ tid: c.tid, aid: c.aid })
      .setProtectedHeader({
        alg: 'RS256',
        typ: LINK_TYP,
        jwk: jwk as never,
        jku: 'https://evil.example/jwks',
        x5u: 'https://evil.example/x',
      } as never)
      .setIssuer(ISSUER)
      .setAudience(LINK_AUDIENCE)
      .setSubject(c.sub)
      .setJti(c.jti)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('1h')
      .sign(foreign.privateKey);
    expect((await verifyLink(keys, t, { issuer: ISSUER, now: new Date() })).ok).toBe(false);
  });

  it('refuses another typ, audience or issuer, and a receipt presented as a link — ML-11, ML-12', async () => {
    const { token } = await issueLink(keys, claims(), { issuer: ISSUER, now, hours: 1 });
    expect((await verifyLink(keys, token, { issuer: 'https://other.example', now })).ok).toBe(false);
    const signer = await keys.signer('link');
    const c = claims();
    const forge = (typ: string, aud: string) =>
      new SignJWT({ tid: c.tid, aid: c.aid })
        .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ })
        .setIssuer(ISSUER)
        .setAudience(aud)
        .setSubject(c.sub)
        .setJti(c.jti)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setNotBefore(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
        .sign(signer.key);
    expect((await verifyLink(keys, await forge('JWT', LINK_AUDIENCE), { issuer: ISSUER, now })).ok).toBe(
      false,
    );
    expect(
      (await verifyLink(keys, await forge('vrp-receipt+jws', LINK_AUDIENCE), { issuer: ISSUER, now })).ok,
    ).toBe(false);
    expect((await verifyLink(keys, await forge(LINK_TYP, 'assay:session'), { issuer: ISSUER, now })).ok).toBe(
      false,
    );
    // A receipt key does not sign links, even with every claim right.
    const receipt = await keys.signer('receipt');
    const byReceiptKey = await new SignJWT({ tid: c.tid, aid: c.aid })
      .setProtectedHeader({ alg: 'RS256', kid: receipt.kid, typ: LINK_TYP })
      .setIssuer(ISSUER)
      .setAudience(LINK_AUDIENCE)
      .setSubject(c.sub)
      .setJti(c.jti)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setNotBefore(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
      .sign(receipt.key);
    expect(await verifyLink(keys, byReceiptKey, { issuer: ISSUER, now })).toMatchObject({
      ok: false,
      reason: 'signature',
    });
  });

  it('refuses an edited payload and malformed tokens without throwing — ML-14', async () => {
    const { token } = await issueLink(keys, claims(), { issuer: ISSUER, now, hours: 1 });
    const edited = tamper(token, 1, (p) => {
      p.tid = newId();
    });
    expect(await verifyLink(keys, edited, { issuer: ISSUER, now })).toMatchObject({
      ok: false,
      reason: 'signature',
    });
    for (const bad of [
      '',
      'x',
      'a.b',
      'a.b.c',
      `${token}.x`,
      'é.é.é',
      'A'.repeat(5000),
      token.replace(/\./g, '..'),
    ]) {
      expect((await verifyLink(keys, bad, { issuer: ISSUER, now })).ok).toBe(false);
    }
  });

  it('verifies links signed by a retired key until their lifetime has passed, then never — ML-15', async () => {
    const c = claims();
    const { token } = await issueLink(keys, c, { issuer: ISSUER, now, hours: 72 });
    const old = await keys.signer('link');
    // Rotate: a new active key, the old one retired an hour later.
    const rotatedAt = new Date(now.getTime() + 3_600_000);
    const { generateKeyPair, exportJWK, calculateJwkThumbprint } = await import('jose');
    const pair = await generateKeyPair('RS256', { modulusLength: 3072, extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const privateKeyEnc = await master.wrap(pkcs8, `signing-key:${kid}`);
    await store.global.write((tx) => {
      setKeyStatus(tx, old.kid, 'retired', rotatedAt);
      insertSigningKey(
        tx,
        {
          kid,
          purpose: 'link',
          alg: 'RS256',
          publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
          privateKeyEnc,
          status: 'active',
          activatedAt: rotatedAt,
          retiredAt: null,
        },
        rotatedAt,
      );
    });
    keys.invalidate();
    now = new Date(rotatedAt.getTime() + 60_000);
    expect((await verifyLink(keys, token, { issuer: ISSUER, now })).ok).toBe(true);
    expect((await keys.signer('link')).kid).toBe(kid);
    // Another process that has not seen the rotation yet signs with its cached (now retired) key: verifies.
    const signedBy = (key: CryptoKey, at: Date) =>
      new SignJWT({ tid: c.tid, aid: c.aid })
        .setProtectedHeader({ alg: 'RS256', kid: old.kid, typ: LINK_TYP })
        .setIssuer(ISSUER)
        .setAudience(LINK_AUDIENCE)
        .setSubject(c.sub)
        .setJti(c.jti)
        .setIssuedAt(Math.floor(at.getTime() / 1000))
        .setNotBefore(Math.floor(at.getTime() / 1000))
        .setExpirationTime(Math.floor(at.getTime() / 1000) + 3600)
        .sign(key);
    const cached = await signedBy(old.key, new Date(rotatedAt.getTime() + 20_000));
    expect((await verifyLink(keys, cached, { issuer: ISSUER, now })).ok).toBe(true);
    // A token signed by the retired key *after* its retirement is refused, once past the grace that
    // covers a server still signing with its cached key (RETIRED_SIGNING_GRACE_MS).
    now = new Date(rotatedAt.getTime() + RETIRED_SIGNING_GRACE_MS + 1_000);
    const late = await new SignJWT({ tid: c.tid, aid: c.aid })
      .setProtectedHeader({ alg: 'RS256', kid: old.kid, typ: LINK_TYP })
      .setIssuer(ISSUER)
      .setAudience(LINK_AUDIENCE)
      .setSubject(c.sub)
      .setJti(c.jti)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setNotBefore(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
      .sign(old.key);
    expect((await verifyLink(keys, late, { issuer: ISSUER, now })).ok).toBe(false);
    // Past the longest link lifetime after retirement, the old key verifies nothing.
    now = new Date(rotatedAt.getTime() + 15 * 24 * 3_600_000);
    expect((await verifyLink(keys, token, { issuer: ISSUER, now })).ok).toBe(false);
  }, 60_000);

  it('hands jose only our public CryptoKeys, never bytes or a secret', async () => {
    const { token } = await issueLink(keys, claims(), { issuer: ISSUER, now, hours: 1 });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    const key = await keys.resolver('link')(header, { payload: token.split('.')[1] });
    expect(key).toBeInstanceOf(CryptoKey);
    expect((key as CryptoKey).type).toBe('public');
    expect((key as CryptoKey).algorithm.name).toBe('RSASSA-PKCS1-v1_5');
  });
});
