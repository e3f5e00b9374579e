/**
 * Receipts verify offline: `assay receipt verify` with the server's keys or a JWKS, the PEM keys with the
 * README's openssl recipe (the real openssl binary), before and after `assay keys rotate`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/main.js';
import type { Store } from '../../src/db/store.js';
import { createKeyRing, type KeyRing } from '../../src/keys/keyring.js';
import { ensureSigningKeys, publicJwks } from '../../src/keys/signing-keys.js';
import { loadConfig } from '../../src/platform/node/config.js';
import { loadMasterKey } from '../../src/platform/node/master-key-file.js';
import { openStore } from '../../src/platform/node/open-store.js';
import { systemClock } from '../../src/platform/ports.js';
import { issueLink, newLinkId } from '../../src/vendor/links.js';
import { issueReceipt, type ReceiptPayload } from '../../src/vendor/receipts.js';
import { testApp } from '../support/app.js';

const root = path.resolve(import.meta.dirname, '../..');
const RECIPE = path.join(root, 'docs/recipes/verify-receipt.sh');
const ISSUER = 'https://assay.test';
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

const payload = (): ReceiptPayload => ({
  tenant: { id: '11111111-1111-4111-8111-111111111111', name: 'Acme' },
  assessment: '22222222-2222-4222-8222-222222222222',
  vendor: 'Widgets GmbH',
  questionnaire: { ref: 'nis2-supplier@2.0.0', sourceSha256: 'a'.repeat(64) },
  answers: { alg: 'sha-256/jcs', digest: 'b'.repeat(64), count: 42 },
  evidence: [
    {
      id: '33333333-3333-4333-8333-333333333333',
      question: 'gov.policy',
      sha256: 'c'.repeat(64),
      size: 1234,
    },
  ],
  score: 88.2,
  band: 'low',
  rating: 'high',
  findings: 3,
  submittedAt: '2030-03-01T10:00:00.000Z',
  submittedBy: 'vendor:44444444-4444-4444-8444-444444444444',
});

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { BASE_URL: ISSUER, ...env },
  };
  return { value, out, err };
}

describe('receipts', () => {
  let dir: string;
  let env: Record<string, string>;
  let store: Store;
  let keys: KeyRing;
  let receipt: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-receipts-'));
    env = { DATA_DIR: dir };
    const config = loadConfig({ ...env, BASE_URL: ISSUER });
    store = await openStore(config, () => {});
    const master = loadMasterKey(config);
    await ensureSigningKeys(store, master);
    keys = createKeyRing(store, master, { clock: systemClock, ttlMs: 0, refreshFloorMs: 0 });
    receipt = await issueReceipt(keys, payload(), { issuer: ISSUER, now: new Date() });
  }, 60_000);
  afterAll(() => store.close());

  it('verifies with the server’s own keys and prints what it proves', async () => {
    const r = io(env);
    expect(await runCli(['receipt', 'verify', file('r.jws', receipt)], r.value), r.err.join('\n')).toBe(0);
    const out = r.out.join('\n');
    expect(out).toContain('Receipt VALID');
    expect(out).toContain('22222222-2222-4222-8222-222222222222');
    expect(out).toContain('b'.repeat(64));
    expect(out).toContain('nis2-supplier@2.0.0');
  });

  it('verifies the armoured block from the receipt mail, and against a JWKS file', async () => {
    const mail = `Your receipt:\n-----BEGIN ASSAY RECEIPT-----\n${receipt.match(/.{1,76}/g)!.join('\n')}\n-----END ASSAY RECEIPT-----\n`;
    const jwks = file('jwks.json', JSON.stringify(await publicJwks(store)));
    const r = io({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'assay-elsewhere-')) });
    expect(
      await runCli(['receipt', 'verify', file('mail.txt', mail), '--jwks', jwks], r.value),
      r.err.join('\n'),
    ).toBe(0);
  });

  it.each([
    [
      'an altered payload',
      () => {
        const [h, , s] = receipt.split('.');
        const p = Buffer.from(
          JSON.stringify({ ...payload(), score: 100, aud: 'assay:receipt', iss: ISSUER }),
        ).toString('base64url');
        return `${h}.${p}.${s}`;
      },
      /altered/,
    ],
    ['a cut signature', () => receipt.slice(0, -10), /altered|not a valid/],
    ['not a JWS at all', () => 'hello world', /does not hold a receipt/],
  ])('refuses %s with exit 1 and the reason', async (_name, make, reason) => {
    const r = io(env);
    expect(await runCli(['receipt', 'verify', file('bad.jws', make())], r.value)).toBe(1);
    expect(r.err.join('\n')).toMatch(reason);
  });

  it('refuses a link token or a wrong typ presented as a receipt', async () => {
    const link = await issueLink(
      keys,
      {
        tid: payload().tenant.id,
        aid: payload().assessment,
        sub: '44444444-4444-4444-8444-444444444444',
        jti: newLinkId(),
      },
      { issuer: ISSUER, now: new Date(), hours: 1 },
    );
    let r = io(env);
    expect(await runCli(['receipt', 'verify', file('link.jws', link.token)], r.value)).toBe(1);
    expect(r.err.join('\n')).toMatch(/not among the receipt keys/);
    const signer = await keys.signer('receipt');
    const wrongTyp = await new SignJWT({ ...payload() })
      .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
      .setAudience('assay:receipt')
      .sign(signer.key);
    r = io(env);
    expect(await runCli(['receipt', 'verify', file('typ.jws', wrongTyp)], r.value)).toBe(1);
    expect(r.err.join('\n')).toMatch(/its type is "JWT"/);
  });

  it('refuses a missing file, a bad JWKS and bad arguments', async () => {
    for (const [args, reason] of [
      [['receipt', 'verify', path.join(dir, 'nope.jws')], /cannot read/],
      [['receipt', 'verify'], /exactly one receipt file/],
      [['receipt', 'verify', file('r2.jws', receipt), '--jwks', file('x.json', '[1]')], /not a JWKS/],
      [
        ['receipt', 'verify', file('r3.jws', receipt), '--jwks', file('y.json', 'nope')],
        /cannot read the JWKS/,
      ],
      [['keys', 'rotate', '--purpose', 'nope'], /--purpose must be/],
    ] as const) {
      const r = io(env);
      expect(await runCli([...args], r.value)).toBe(1);
      expect(r.err.join('\n')).toMatch(reason);
    }
  });

  describe.skipIf(!hasOpenssl)('with openssl, following the README recipe', () => {
    const recipe = async (jws: string, pemPath: string) =>
      spawnSync('sh', [RECIPE, file('recipe.jws', jws), pemPath], { encoding: 'utf8' });

    it('verifies a good receipt with the PEM key it names, and fails a tampered one', async () => {
      const app = await testApp(store, { baseUrl: ISSUER });
      const kid = JSON.parse(Buffer.from(receipt.split('.')[0]!, 'base64url').toString()).kid as string;
      const one = await app.request(`${ISSUER}/.well-known/receipt-keys/${kid}.pem`);
      expect(one.status).toBe(200);
      const pem = file('key.pem', await one.text());
      const good = await recipe(receipt, pem);
      expect(good.stdout + good.stderr).toContain('Verified OK');
      expect(good.status).toBe(0);
      expect(good.stdout).toContain('"digest":"' + 'b'.repeat(64));

      const [h, p, s] = receipt.split('.') as [string, string, string];
      const edited = JSON.parse(Buffer.from(p, 'base64url').toString());
      edited.score = 100;
      const bad = await recipe(`${h}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${s}`, pem);
      expect(bad.status).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/Verification failure/i);

      const all = await app.request(`${ISSUER}/.well-known/receipt-keys.pem`);
      expect(await all.text()).toContain(`# kid: ${kid}`);
      expect((await app.request(`${ISSUER}/.well-known/receipt-keys/${'x'.repeat(43)}.pem`)).status).toBe(
        404,
      );
    });

    it('keeps verifying a receipt after `assay keys rotate`; new receipts use the new key', async () => {
      const r = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'receipt'], r.value), r.err.join('\n')).toBe(0);
      expect(r.out[0]).toMatch(/^receipt: activated [A-Za-z0-9_-]{43}, retired [A-Za-z0-9_-]{43}$/);
      keys.invalidate();
      const after = await issueReceipt(keys, payload(), { issuer: ISSUER, now: new Date() });
      const kidOf = (j: string) => JSON.parse(Buffer.from(j.split('.')[0]!, 'base64url').toString()).kid;
      expect(kidOf(after)).not.toBe(kidOf(receipt));
      for (const j of [receipt, after]) {
        const v = io(env);
        expect(await runCli(['receipt', 'verify', file('rot.jws', j)], v.value), v.err.join('\n')).toBe(0);
      }
      const app = await testApp(store, { baseUrl: ISSUER });
      const pems = await (await app.request(`${ISSUER}/.well-known/receipt-keys.pem`)).text();
      expect(pems).toContain(`# kid: ${kidOf(receipt)} (retired)`);
      expect(pems).toContain(`# kid: ${kidOf(after)} (active)`);
      const pem = file(
        'old.pem',
        await (await app.request(`${ISSUER}/.well-known/receipt-keys/${kidOf(receipt)}.pem`)).text(),
      );
      expect((await recipe(receipt, pem)).stdout).toContain('Verified OK');
    });
  });
});
