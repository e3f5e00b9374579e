/**
 * Receipts (src/vendor/receipts.ts): issued with the receipt key, verified against a JWKS with alg and
 * typ pinned; every way a receipt can be wrong gives a reason; rotation keeps old receipts verifiable;
 * the README's openssl recipe, run with the real openssl binary against /.well-known/receipt-keys.pem.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import type { Store } from '../../src/db/store.js';
import { createKeyRing, type KeyRing } from '../../src/keys/keyring.js';
import {
  ensureSigningKeys,
  publicJwks,
  receiptKeysPem,
  rotateSigningKeys,
} from '../../src/keys/signing-keys.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { issueLink, newLinkId, verifyLink } from '../../src/vendor/links.js';
import {
  issueReceipt,
  RECEIPT_AUDIENCE,
  RECEIPT_TYP,
  type ReceiptInput,
  verifyReceipt,
} from '../../src/vendor/receipts.js';
import { answersDigest } from '../../src/vendor/submission.js';
import { TEST_MASTER_KEY, testApp } from '../support/app.js';

const ISSUER = 'https://assay.test';
const hex = (c: string) => c.repeat(64);

function input(over: Partial<ReceiptInput> = {}): ReceiptInput {
  const assessment = newId();
  return {
    iss: ISSUER,
    tenant: { id: newId(), name: 'Acme' },
    assessment,
    vendor: 'Widgets Ltd',
    questionnaire: { ref: 'nis2-supplier@1.0.0', sourceSha256: hex('a') },
    answers: { alg: 'sha-256/jcs', digest: answersDigest({ q1: 'yes', q2: 3 }), count: 2 },
    evidence: [{ id: newId(), question: 'policy', sha256: hex('b'), size: 1234 }],
    score: 72.5,
    band: 'medium',
    rating: 'B',
    findings: 2,
    submittedAt: '2030-03-01T10:00:00.000Z',
    contact: newId(),
    ...over,
  };
}

const parts = (jws: string) => jws.split('.') as [string, string, string];
const json = (b64: string) => JSON.parse(Buffer.from(b64, 'base64url').toString());
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('receipts', () => {
  let store: Store;
  let keys: KeyRing;
  let now = new Date('2030-03-01T10:00:00Z');
  const clock = { now: () => now };
  const jwks = () => publicJwks(store, { now, purpose: 'receipt' });

  beforeAll(async () => {
    store = openSqliteStore({ file: ':memory:' });
    await ensureSigningKeys(store, TEST_MASTER_KEY, now);
    keys = createKeyRing(store, TEST_MASTER_KEY, { clock, ttlMs: 0, refreshFloorMs: 0 });
  }, 60_000);
  afterAll(() => store.close());

  it('issues a compact JWS (RS256, typ, kid) whose payload verifies and says what was submitted', async () => {
    const given = input();
    const jws = await issueReceipt(keys, given);
    const header = json(parts(jws)[0]);
    const signer = await keys.signer('receipt');
    expect(header).toEqual({ alg: 'RS256', typ: RECEIPT_TYP, kid: signer.kid });
    const check = await verifyReceipt(await jwks(), jws);
    expect(check).toEqual({
      ok: true,
      kid: signer.kid,
      payload: {
        ...given,
        ver: 1,
        aud: RECEIPT_AUDIENCE,
        sub: given.assessment,
        iat: Date.parse(given.submittedAt) / 1000,
      },
    });
    // The contact is an id: no address anywhere in the payload.
    expect(Buffer.from(parts(jws)[1], 'base64url').toString()).not.toMatch(/@[a-z]+\./);
    // The public JWKS (link and receipt keys together) verifies it too.
    expect((await verifyReceipt(await publicJwks(store, { now }), jws)).ok).toBe(true);
  });

  it('refuses to sign what it would not verify', async () => {
    for (const bad of [
      input({ answers: { alg: 'sha-256/jcs', digest: 'nothex', count: 1 } }),
      input({ submittedAt: 'yesterday' }),
      input({ iss: 'javascript:alert(1)' }),
      { ...input(), contact: undefined } as unknown as ReceiptInput,
    ]) {
      await expect(issueReceipt(keys, bad)).rejects.toThrow(/not a valid receipt/);
    }
  });

  it('gives a clear reason for every bad receipt, and never throws', async () => {
    const jws = await issueReceipt(keys, input());
    const [h, p, s] = parts(jws);
    const set = await jwks();
    const signer = await keys.signer('receipt');
    const reasons: [string, string, RegExp][] = [
      ['', 'malformed', /not a compact JWS/],
      ['hello', 'malformed', /not a compact JWS/],
      [`${h}.${p}`, 'malformed', /not a compact JWS/],
      [`${jws}.x`, 'malformed', /not a compact JWS/],
      [`é.${p}.${s}`, 'malformed', /not a compact JWS/],
      [`${'A'.repeat(300_000)}.${p}.${s}`, 'malformed', /not a compact JWS/],
      [`bm90anNvbg.${p}.${s}`, 'malformed', /header is not/],
      // Tampered payload: the score raised after signing.
      [`${h}.${b64({ ...json(p), score: 100 })}.${s}`, 'signature', /changed after it was signed/],
      [`${h}.${p}.${s.slice(0, -4)}AAAA`, 'signature', /changed after/],
      [`${b64({ ...json(h), typ: 'JWT' })}.${p}.${s}`, 'typ', /typ is "JWT"/],
      [`${b64({ ...json(h), typ: 'vrp-link+jwt' })}.${p}.${s}`, 'typ', /not a receipt/],
      [`${b64({ alg: 'RS256', kid: signer.kid })}.${p}.${s}`, 'typ', /typ is null/],
      [
        `${b64({ ...json(h), kid: 'not-ours' })}.${p}.${s}`,
        'unknown-key',
        /not-ours, which is not in the key set/,
      ],
      [`${b64({ ...json(h), kid: '../../etc' })}.${p}.${s}`, 'unknown-key', /no usable key id/],
      [`${b64({ ...json(h), alg: 'PS256' })}.${p}.${s}`, 'alg', /RS256 only/],
      [new UnsecuredJWT(json(p)).encode(), 'alg', /"none"/],
    ];
    for (const [token, code, reason] of reasons) {
      const check = await verifyReceipt(set, token);
      expect(check, token.slice(0, 40)).toMatchObject({ ok: false, code });
      expect(!check.ok && check.reason).toMatch(reason);
    }
    // A JWKS that is not one, or empty: unknown key, no exception.
    for (const bad of [{ keys: [] }, {} as never, null as never, { keys: [null, 5] } as never]) {
      expect(await verifyReceipt(bad, jws)).toMatchObject({ ok: false, code: 'unknown-key' });
    }
  });

  it('refuses HS256 with the public key as secret, a foreign key under our kid, and a link token', async () => {
    const set = await jwks();
    const kid = (await keys.signer('receipt')).kid;
    const claims = { ...input(), ver: 1 };
    const base = () =>
      new SignJWT(claims)
        .setIssuer(ISSUER)
        .setAudience(RECEIPT_AUDIENCE)
        .setSubject(claims.assessment)
        .setIssuedAt();
    const hs = await base()
      .setProtectedHeader({ alg: 'HS256', kid, typ: RECEIPT_TYP })
      .sign(Buffer.from(JSON.stringify(set.keys[0])));
    expect(await verifyReceipt(set, hs)).toMatchObject({ ok: false, code: 'alg' });
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await base()
      .setProtectedHeader({
        alg: 'RS256',
        kid,
        typ: RECEIPT_TYP,
        jwk: foreign.publicKey.export({ format: 'jwk' }),
        jku: 'https://evil.example/jwks',
      } as never)
      .sign(foreign.privateKey);
    expect(await verifyReceipt(set, forged)).toMatchObject({ ok: false, code: 'signature' });
    // Signed by our receipt key but for another audience, or in an unknown format.
    const signer = await keys.signer('receipt');
    const otherAud = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: RECEIPT_TYP })
      .setIssuer(ISSUER)
      .setAudience('assay:vendor-link')
      .setSubject(claims.assessment)
      .setIssuedAt()
      .sign(signer.key);
    expect(await verifyReceipt(set, otherAud)).toMatchObject({ ok: false, code: 'claims', reason: /aud/ });
    const v2 = await base()
      .setProtectedHeader({ alg: 'RS256', kid, typ: RECEIPT_TYP })
      .sign(signer.key)
      .then(async () =>
        new SignJWT({ ...claims, ver: 2 })
          .setProtectedHeader({ alg: 'RS256', kid, typ: RECEIPT_TYP })
          .setIssuer(ISSUER)
          .setAudience(RECEIPT_AUDIENCE)
          .setSubject(claims.assessment)
          .setIssuedAt()
          .sign(signer.key),
      );
    expect(await verifyReceipt(set, v2)).toMatchObject({ ok: false, code: 'claims', reason: /format 2/ });
    const noContact = await new SignJWT({ ...claims, contact: undefined })
      .setProtectedHeader({ alg: 'RS256', kid, typ: RECEIPT_TYP })
      .setIssuer(ISSUER)
      .setAudience(RECEIPT_AUDIENCE)
      .setSubject(claims.assessment)
      .setIssuedAt()
      .sign(signer.key);
    expect(await verifyReceipt(set, noContact)).toMatchObject({
      ok: false,
      code: 'claims',
      reason: /contact/,
    });
    // A vendor link is not a receipt, even against the full JWKS.
    const link = await issueLink(
      keys,
      { tid: newId(), aid: newId(), sub: newId(), jti: newLinkId() },
      { issuer: ISSUER, now, hours: 1 },
    );
    expect(await verifyReceipt(await publicJwks(store, { now }), link.token)).toMatchObject({
      ok: false,
      code: 'typ',
    });
  });

  it('rotation: a receipt signed before still verifies years after; a retired link key dies after its overlap', async () => {
    const receipt = await issueReceipt(keys, input());
    const link = await issueLink(
      keys,
      { tid: newId(), aid: newId(), sub: newId(), jti: newLinkId() },
      { issuer: ISSUER, now, hours: 72 },
    );
    const before = { receipt: (await keys.signer('receipt')).kid, link: (await keys.signer('link')).kid };
    // The next keys have been published for the minimum age (a day) when the rotation promotes them.
    now = new Date(now.getTime() + 25 * 3_600_000);
    const rotated = await rotateSigningKeys(store, TEST_MASTER_KEY, ['link', 'receipt'], {
      clock: { now: () => now },
    });
    expect(rotated.map((r) => [r.purpose, r.retired])).toEqual([
      ['link', before.link],
      ['receipt', before.receipt],
    ]);
    // The key ring follows (unknown kid → re-read; the signer cache expires).
    now = new Date(now.getTime() + 31_000);
    expect((await keys.signer('receipt')).kid).toBe(rotated[1]!.activated);
    const after = await issueReceipt(keys, input({ submittedAt: now.toISOString() }));
    expect(json(parts(after)[0]).kid).toBe(rotated[1]!.activated);
    expect((await verifyReceipt(await jwks(), after)).ok).toBe(true);
    expect((await verifyLink(keys, link.token, { issuer: ISSUER, now })).ok).toBe(true);

    // Five years on: the old receipt still verifies (its key is still published), the link key is gone.
    now = new Date(now.getTime() + 5 * 365 * 86_400_000);
    const set = await jwks();
    // The retired receipt key, the active one and the next one (published before it signs).
    expect(set.keys.map((k) => k.kid).sort()).toEqual(
      [before.receipt, rotated[1]!.activated, rotated[1]!.next].sort(),
    );
    expect(await verifyReceipt(set, receipt)).toMatchObject({ ok: true, kid: before.receipt });
    const all = await publicJwks(store, { now });
    expect(all.keys.map((k) => k.kid)).not.toContain(before.link);
    // A link signed by the retired link key, past the overlap: never (even with a fresh-looking exp).
    const old = (await import('../../src/db/repo/keys.js')).listPublishedKeys;
    const row = (await store.global.read((g) => old(g, 'link'))).find((r) => r.kid === before.link)!;
    const der = await TEST_MASTER_KEY.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
    const oldKey = await crypto.subtle.importKey(
      'pkcs8',
      der as BufferSource,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const iat = Math.floor((row.retiredAt!.getTime() - 60_000) / 1000);
    const late = await new SignJWT({ tid: newId(), aid: newId() })
      .setProtectedHeader({ alg: 'RS256', kid: before.link, typ: 'vrp-link+jwt' })
      .setIssuer(ISSUER)
      .setAudience('assay:vendor-link')
      .setSubject(newId())
      .setJti(newLinkId())
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
      .sign(oldKey);
    now = new Date(row.retiredAt!.getTime() + 15 * 86_400_000);
    expect(await verifyLink(keys, late, { issuer: ISSUER, now })).toMatchObject({ ok: false });
    // And not because of its age alone: the key ring no longer hands out the retired link key at all,
    // while the retired receipt key (same age) still resolves.
    const header = json(parts(late)[0]);
    await expect(keys.resolver('link')(header, { payload: parts(late)[1] })).rejects.toThrow(
      /not signed by one of our keys/,
    );
    const receiptHeader = json(parts(receipt)[0]);
    await expect(
      keys.resolver('receipt')(receiptHeader, { payload: parts(receipt)[1] }),
    ).resolves.toBeInstanceOf(CryptoKey);
  }, 120_000);

  it('serves the receipt keys as PEM with their kids, and the openssl recipe verifies a receipt', async () => {
    const app = await testApp(store, { now: clock.now });
    const res = await app.request(`${ISSUER}/.well-known/receipt-keys.pem`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const pem = await res.text();
    const set = await jwks();
    expect([...pem.matchAll(/^# kid (\S+)$/gm)].map((m) => m[1])).toEqual(set.keys.map((k) => k.kid));
    expect(pem.match(/-----BEGIN PUBLIC KEY-----/g)).toHaveLength(set.keys.length);
    expect(pem).toBe(await receiptKeysPem(store, now));
    // The link keys are not receipt keys.
    const links = (await publicJwks(store, { now, purpose: 'link' })).keys.map((k) => k.kid);
    for (const kid of links) expect(pem).not.toContain(kid!);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-openssl-'));
    fs.writeFileSync(path.join(dir, 'receipt-keys.pem'), pem);
    const good = await issueReceipt(keys, input({ submittedAt: now.toISOString() }));
    fs.writeFileSync(path.join(dir, 'good.jws'), `${good}\n`);
    const [h, p, s] = parts(good);
    fs.writeFileSync(path.join(dir, 'tampered.jws'), `${h}.${b64({ ...json(p), score: 100 })}.${s}\n`);
    fs.writeFileSync(path.join(dir, 'recipe.sh'), RECIPE);
    const run = (file: string) =>
      spawnSync('sh', [path.join(dir, 'recipe.sh'), file], { cwd: dir, encoding: 'utf8' });
    const ok = run('good.jws');
    expect(ok.stdout + ok.stderr).toContain('Verified OK');
    expect(ok.status).toBe(0);
    const bad = run('tampered.jws');
    expect(bad.stdout + bad.stderr).toMatch(/Verification failure/i);
    expect(bad.status).not.toBe(0);
    // The recipe's payload step shows the fields: the answers' digest is readable with sh alone.
    expect(execFileSync('openssl', ['version'], { encoding: 'utf8' })).toMatch(/OpenSSL/);
  });
});

/** The README recipe, verbatim (a file so that the test runs exactly what the README shows). */
const RECIPE = fs.readFileSync(path.join(import.meta.dirname, 'verify-receipt.sh'), 'utf8');
