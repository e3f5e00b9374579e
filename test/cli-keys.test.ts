/**
 * `assay keys rotate` and `assay receipt verify`, as an operator runs them: through the CLI runner on
 * SQLite and PostgreSQL, with a running app (same store) that picks the rotation up.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliIo, runCli } from '../src/cli/main.js';
import { listKeyRotations, listPublishedKeys } from '../src/db/repo/keys.js';
import { isPermissionViolation, type Store, type WriteCtx } from '../src/db/store.js';
import { createKeyRing, RETIRED_VERIFIES_FOR_MS } from '../src/keys/keyring.js';
import { MasterKey } from '../src/keys/master-key.js';
import {
  ensureSigningKeys,
  NextKeyTooYoungError,
  publicJwks,
  rotateSigningKeys,
} from '../src/keys/signing-keys.js';
import { loadConfig } from '../src/platform/node/config.js';
import { openStore } from '../src/platform/node/open-store.js';
import { issueReceipt, type ReceiptInput } from '../src/vendor/receipts.js';
import { forEachDialect, openTestStore, type TestStore } from './support/stores.js';

const MASTER = Buffer.alloc(32, 9).toString('base64');
const HOUR = 3_600_000;

/**
 * The platform clock the CLI and the rotations read: a next key must have been published for a day
 * before a rotation promotes it, so the tests move it a day on (`aDayLater`) instead of waiting.
 */
let at = Date.now();
const clock = { now: () => new Date(at) };
const aDayLater = () => {
  at += 25 * HOUR;
  return clock.now();
};

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { BASE_URL: 'https://assay.test', MASTER_KEY: MASTER, ...env },
    clock,
  };
  return { value, out, err, text: () => [...out, ...err].join('\n') };
}

const receiptInput = (submittedAt: string): ReceiptInput => ({
  iss: 'https://assay.test',
  tenant: { id: '0190c3c4-7e0e-7000-8000-000000000001', name: 'Acme' },
  assessment: '0190c3c4-7e0e-7000-8000-000000000002',
  vendor: 'Widgets \u001b[31mLtd',
  questionnaire: { ref: 'nis2-supplier@1.0.0', sourceSha256: 'a'.repeat(64) },
  answers: { alg: 'sha-256/jcs', digest: 'c'.repeat(64), count: 12 },
  evidence: [{ id: 'e1', question: 'policy', sha256: 'b'.repeat(64), size: 10 }],
  score: 80,
  band: 'low',
  rating: 'A',
  findings: 1,
  submittedAt,
  contact: '0190c3c4-7e0e-7000-8000-000000000003',
});

forEachDialect(
  'assay keys rotate / receipt verify',
  (dialect) => {
    let env: Record<string, string>;
    let ts: TestStore | null = null;
    let dir: string;
    let store: Store;
    const master = new MasterKey(Buffer.from(MASTER, 'base64'));

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-keys-'));
      if (dialect === 'sqlite') env = { DATA_DIR: dir };
      else {
        ts = await openTestStore('pg');
        env = { DATA_DIR: dir, DATABASE_URL: ts.pg!.appUrl, MIGRATION_DATABASE_URL: ts.pg!.ownerUrl };
      }
      store = await openStore(loadConfig({ ...env, MASTER_KEY: MASTER }), () => {});
      // The first run creates the keys (as `npm start` does).
      await ensureSigningKeys(store, master, clock.now());
    }, 120_000);
    afterAll(async () => {
      await store?.close();
      await ts?.close();
    });

    const published = () => store.global.read((g) => listPublishedKeys(g));

    it('after setup every purpose has an active and a next key, both in the JWKS', async () => {
      const rows = await published();
      for (const p of ['link', 'receipt', 'audit'] as const)
        expect(
          rows
            .filter((k) => k.purpose === p)
            .map((k) => k.status)
            .sort(),
        ).toEqual(['active', 'next']);
      const jwks = await publicJwks(store);
      const rs256 = rows.filter((k) => k.alg === 'RS256').map((k) => k.kid);
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual([...rs256].sort());
      expect(rs256).toHaveLength(4);
      // A second start creates nothing.
      expect(await ensureSigningKeys(store, master)).toEqual([]);
    });

    it('a database without next keys (as before them) gets one per purpose at the next start', async () => {
      const next = (await published()).filter((k) => k.status === 'next');
      await store.global.write((tx) => {
        // (revoked: the app role may not delete keys on PostgreSQL)
        for (const k of next)
          tx.write(
            tx.db.update(tx.t.signingKeys).set({ status: 'revoked' }).where(eq(tx.t.signingKeys.kid, k.kid)),
          );
      });
      const created = await ensureSigningKeys(store, master);
      expect(created).toHaveLength(3);
      const rows = await published();
      expect(
        rows
          .filter((k) => k.status === 'next')
          .map((k) => k.kid)
          .sort(),
      ).toEqual([...created].sort());
      expect(rows.filter((k) => k.status === 'active')).toHaveLength(3);
    });

    it('a token signed by the next key verifies before its promotion (it is published)', async () => {
      const row = (await published()).find((k) => k.purpose === 'link' && k.status === 'next')!;
      const der = await master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
      const key = await crypto.subtle.importKey(
        'pkcs8',
        der as BufferSource,
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: row.kid })
        .setIssuedAt()
        .sign(key);
      const ring = createKeyRing(store, master, { clock: { now: () => new Date() } });
      const resolved = await ring.resolver('link')(
        { alg: 'RS256', kid: row.kid },
        { payload: token.split('.')[1] },
      );
      expect(resolved).toBeInstanceOf(CryptoKey);
      // It does not sign before its promotion.
      expect((await ring.signer('link')).kid).not.toBe(row.kid);
    });

    it('rotate: the next key signs, the old active verifies until its window ends, a new next exists', async () => {
      const t0 = aDayLater();
      const before = await published();
      const oldActive = before.find((k) => k.purpose === 'link' && k.status === 'active')!;
      const oldNext = before.find((k) => k.purpose === 'link' && k.status === 'next')!;
      const ring0 = createKeyRing(store, master, { clock: { now: () => t0 } });
      const signer = await ring0.signer('link');
      expect(signer.kid).toBe(oldActive.kid);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: signer.kid })
        .setIssuedAt()
        .sign(signer.key);
      const [rotated] = await rotateSigningKeys(store, master, ['link'], { clock: { now: () => t0 } });
      expect(rotated).toMatchObject({ purpose: 'link', retired: oldActive.kid, activated: oldNext.kid });
      const after = (await published()).filter((k) => k.purpose === 'link');
      expect(after.find((k) => k.kid === oldActive.kid)?.status).toBe('retired');
      expect(after.find((k) => k.kid === oldNext.kid)?.status).toBe('active');
      expect(after.find((k) => k.kid === rotated!.next)?.status).toBe('next');
      expect(after.filter((k) => k.status === 'next')).toHaveLength(1);
      // The promoted key signs; the new next is in the JWKS before it ever signs.
      const ring = (at: Date) => createKeyRing(store, master, { clock: { now: () => at } });
      expect((await ring(t0).signer('link')).kid).toBe(oldNext.kid);
      expect((await publicJwks(store, { now: t0 })).keys.map((k) => k.kid)).toContain(rotated!.next);
      // The old active verifies what it signed until its window ends, then never.
      const verify = (at: Date) =>
        ring(at).resolver('link')({ alg: 'RS256', kid: oldActive.kid }, { payload: token.split('.')[1] });
      const end = t0.getTime() + RETIRED_VERIFIES_FOR_MS.link;
      expect(await verify(new Date(end - 60_000))).toBeInstanceOf(CryptoKey);
      await expect(verify(new Date(end + 60_000))).rejects.toThrow();
      expect((await publicJwks(store, { now: new Date(end + 60_000) })).keys.map((k) => k.kid)).not.toContain(
        oldActive.kid,
      );
    });

    it('rotates: prints the kids retired and activated; a running key ring follows; old receipts still verify', async () => {
      // A "running server": its key ring, with the production cache settings.
      const ring = createKeyRing(store, master, { clock: { now: () => new Date() } });
      const before = await ring.signer('receipt');
      const nextBefore = (await published()).find((k) => k.purpose === 'receipt' && k.status === 'next')!;
      const receipt = await issueReceipt(ring, receiptInput(new Date().toISOString()));
      const file = path.join(dir, 'before.jws');
      fs.writeFileSync(file, `${receipt}\n`);

      const r = io(env);
      aDayLater();
      expect(await runCli(['keys', 'rotate', '--purpose', 'receipt'], r.value), r.text()).toBe(0);
      expect(r.out).toHaveLength(1);
      const m = r.out[0]!.match(
        /^receipt: activated ([A-Za-z0-9_-]{43}); retired ([A-Za-z0-9_-]{43}); next ([A-Za-z0-9_-]{43})$/,
      );
      expect(m?.[2]).toBe(before.kid);
      const activated = m![1]!;
      expect(activated).toBe(nextBefore.kid);
      const rows = await published();
      const byKid = (a: string[], b: string[]) => a[0]!.localeCompare(b[0]!);
      expect(
        rows
          .filter((k) => k.purpose === 'receipt')
          .map((k) => [k.kid, k.status])
          .sort(byKid),
      ).toEqual(
        [
          [before.kid, 'retired'],
          [activated, 'active'],
          [m![3]!, 'next'],
        ].sort(byKid),
      );
      // The other purposes were not touched.
      expect(
        rows
          .filter((k) => k.purpose === 'audit')
          .map((k) => k.status)
          .sort(),
      ).toEqual(['active', 'next']);

      // The running ring verifies a receipt by the new key at once (unknown kid → re-read) …
      const ours = createKeyRing(store, master, { clock: { now: () => new Date() } });
      const fresh = await issueReceipt(ours, receiptInput(new Date().toISOString()));
      const resolved = await ring.resolver('receipt')(
        { alg: 'RS256', kid: activated },
        { payload: fresh.split('.')[1] },
      );
      expect(resolved).toBeInstanceOf(CryptoKey);
      // … and signs with it once its signer cache lapses (invalidate() is what a rotation in-process calls).
      ring.invalidate();
      expect((await ring.signer('receipt')).kid).toBe(activated);

      // The receipt signed before the rotation verifies after it, against the key table.
      const v = io(env);
      expect(await runCli(['receipt', 'verify', file], v.value), v.text()).toBe(0);
      expect(v.out[0]).toBe(`Receipt verified (key ${before.kid}).`);
      expect(v.out.join('\n')).toContain('Assessment:    0190c3c4-7e0e-7000-8000-000000000002');
      expect(v.out.join('\n')).toContain(`Answers:       12, sha-256/jcs ${'c'.repeat(64)}`);
      expect(v.out.join('\n')).toContain(`${'b'.repeat(64)}  policy (10 bytes)`);
      // The saved receipt mail (an .eml, quoted-printable: its long lines end in soft breaks) verifies too.
      const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
      const eml = await new MailComposer({
        from: 'assay@assay.test',
        to: 'vendor@widgets.example',
        subject: 'Your receipt',
        textEncoding: 'quoted-printable',
        text: `Keep this receipt.\n\n-----BEGIN ASSAY RECEIPT-----\n${receipt}\n-----END ASSAY RECEIPT-----\n`,
      })
        .compile()
        .build();
      expect(eml.toString()).toMatch(/=\r?\n/);
      const mailFile = path.join(dir, 'receipt.eml');
      fs.writeFileSync(mailFile, eml);
      const m2 = io(env);
      expect(await runCli(['receipt', 'verify', mailFile], m2.value), m2.text()).toBe(0);
      expect(m2.out[0]).toBe(`Receipt verified (key ${before.kid}).`);
      // A vendor name with a terminal escape is shown inert.
      expect(v.out.join('\n')).toContain('Vendor:        Widgets ?[31mLtd');
      expect(v.out.join('\n')).not.toContain('\u001b');
    }, 120_000);

    it('rotates every purpose by default, in one unit', async () => {
      const before = (await published()).filter((k) => k.status === 'active');
      const r = io(env);
      aDayLater();
      expect(await runCli(['keys', 'rotate'], r.value), r.text()).toBe(0);
      expect(r.out.map((l) => l.split(':')[0])).toEqual(['link', 'receipt', 'audit']);
      for (const old of before) expect(r.out.join('\n')).toContain(`retired ${old.kid}`);
      const after = await published();
      for (const p of ['link', 'receipt', 'audit'] as const) {
        expect(after.filter((k) => k.purpose === p && k.status === 'active')).toHaveLength(1);
      }
      // Retired receipt keys stay in the JWKS (receipts verify for years).
      const jwks = await publicJwks(store, { purpose: 'receipt' });
      expect(jwks.keys).toHaveLength(4);
    }, 120_000);

    it('refuses bad options, a wrong master key, and changes nothing', async () => {
      const before = await published();
      for (const [argv, message] of [
        [
          ['keys', 'rotate', '--purpose', 'session'],
          /--purpose must be one of link, receipt, audit, all, got "session"/,
        ],
        [['keys', 'rotate', '--purpose'], /argument missing/],
        [['keys', 'rotate', 'now'], /unexpected argument "now"/],
        [['keys', 'rotate', '--force=yes'], /--force' does not take an argument/],
        [['keys', 'rotate', '--min-age-hours'], /argument missing/],
        ...['', '-1', 'a day', '1e3', '8761', '0x10', 'Infinity'].map(
          (h) =>
            [
              ['keys', 'rotate', `--min-age-hours=${h}`],
              new RegExp(`--min-age-hours must be a number of hours from 0 to 8760, got "${h}"`),
            ] as const,
        ),
      ] as const) {
        const r = io(env);
        expect(await runCli([...argv], r.value)).toBe(1);
        expect(r.err.join('\n')).toMatch(message);
      }
      const wrong = io({ ...env, MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
      aDayLater();
      expect(await runCli(['keys', 'rotate'], wrong.value)).toBe(1);
      expect(wrong.err.join('\n')).toMatch(/master key .* is not the one the current keys were wrapped with/);
      expect(wrong.err.join('\n')).not.toMatch(/\n\s+at /);
      expect(await published()).toEqual(before);
    });

    it('verify: a clear reason and exit 1 for every bad receipt or key source', async () => {
      const ring = createKeyRing(store, master, { clock: { now: () => new Date() } });
      const good = await issueReceipt(ring, receiptInput(new Date().toISOString()));
      const [h, p, s] = good.split('.') as [string, string, string];
      const edit = (part: string, change: (j: Record<string, unknown>) => void) => {
        const j = JSON.parse(Buffer.from(part, 'base64url').toString());
        change(j);
        return Buffer.from(JSON.stringify(j)).toString('base64url');
      };
      const write = (name: string, text: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text);
        return f;
      };
      const jwksFile = write('jwks.json', JSON.stringify(await publicJwks(store)));
      const cases: [string[], RegExp][] = [
        [
          [
            'receipt',
            'verify',
            write(
              'tampered.jws',
              `${h}.${edit(p, (j) => {
                j.score = 100;
              })}.${s}`,
            ),
          ],
          /changed after it was signed/,
        ],
        [
          [
            'receipt',
            'verify',
            write(
              'typ.jws',
              `${edit(h, (j) => {
                j.typ = 'JWT';
              })}.${p}.${s}`,
            ),
          ],
          /typ is "JWT"/,
        ],
        [
          [
            'receipt',
            'verify',
            write(
              'kid.jws',
              `${edit(h, (j) => {
                j.kid = 'someone-else';
              })}.${p}.${s}`,
            ),
          ],
          /someone-else, which is not in the key set/,
        ],
        [['receipt', 'verify', write('text.jws', 'hello, I am a receipt\n')], /not a compact JWS/],
        [['receipt', 'verify', write('empty.jws', '')], /not a compact JWS/],
        [
          ['receipt', 'verify', path.join(dir, 'missing.jws')],
          /cannot read receipt .*missing\.jws: no such file/,
        ],
        [['receipt', 'verify', dir], /not a file/],
        [['receipt', 'verify'], /name exactly one receipt file/],
        [['receipt', 'verify', 'a.jws', 'b.jws'], /name exactly one receipt file/],
        [
          ['receipt', 'verify', write('ok.jws', good), '--jwks', path.join(dir, 'nope.json')],
          /cannot read key set .*no such file/,
        ],
        [['receipt', 'verify', write('ok.jws', good), '--jwks', write('bad.json', '{nope')], /is not JSON/],
        [
          ['receipt', 'verify', write('ok.jws', good), '--jwks', write('arr.json', '[1]')],
          /not a JWKS \(no "keys" array\)/,
        ],
        [
          ['receipt', 'verify', write('ok.jws', good), '--jwks', write('none.json', '{"keys":[]}')],
          /not in the key set/,
        ],
        [['receipt', 'verify', write('ok.jws', good), '--jwks', ''], /--jwks needs a URL or a file/],
        [
          ['receipt', 'verify', write('ok.jws', good), '--jwks', 'http://127.0.0.1:9/jwks.json'],
          /cannot fetch http:\/\/127\.0\.0\.1:9\/jwks\.json/,
        ],
      ];
      for (const [argv, message] of cases) {
        const r = io(env);
        expect(await runCli(argv, r.value), argv.join(' ')).toBe(1);
        expect(r.err.join('\n'), argv.join(' ')).toMatch(message);
        expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
        expect(r.out).toEqual([]);
      }
      // The good one verifies with a JWKS file too.
      const ok = io(env);
      expect(
        await runCli(['receipt', 'verify', path.join(dir, 'ok.jws'), '--jwks', jwksFile], ok.value),
      ).toBe(0);
      expect(ok.out[0]).toMatch(/^Receipt verified/);
    }, 60_000);

    it('verify --jwks URL: fetches the key set; keys from another origin than the issuer are refused', async () => {
      const ring = createKeyRing(store, master, { clock: { now: () => new Date() } });
      const file = path.join(dir, 'url.jws');
      fs.writeFileSync(file, await issueReceipt(ring, receiptInput(new Date().toISOString())));
      const body = JSON.stringify(await publicJwks(store));
      const server: Server = createServer((req, res) => {
        if (req.url === '/.well-known/jwks.json')
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        else res.writeHead(404).end('no');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
        // The issuer is https://assay.test, the keys came from 127.0.0.1: not proof of that issuer.
        const other = io(env);
        expect(await runCli(['receipt', 'verify', file, '--jwks', url], other.value)).toBe(1);
        expect(other.err.join('\n')).toMatch(
          /names issuer https:\/\/assay\.test, but the keys came from http:\/\/127\.0\.0\.1:/,
        );
        const missing = io(env);
        expect(
          await runCli(['receipt', 'verify', file, '--jwks', `http://127.0.0.1:${port}/x`], missing.value),
        ).toBe(1);
        expect(missing.err.join('\n')).toMatch(/HTTP 404/);
        // Same origin as the issuer: verified.
        const same = receiptInput(new Date().toISOString());
        same.iss = `http://127.0.0.1:${port}`;
        fs.writeFileSync(file, await issueReceipt(ring, same));
        const ok = io(env);
        expect(await runCli(['receipt', 'verify', file, '--jwks', url], ok.value), ok.text()).toBe(0);
        expect(ok.out[0]).toMatch(/^Receipt verified/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    const rotations = () => store.global.read((g) => listKeyRotations(g));

    it('refuses to promote a next key younger than the minimum age: exit 3, says from when, changes nothing', async () => {
      // A rotation now publishes fresh next keys …
      aDayLater();
      const first = io(env);
      expect(await runCli(['keys', 'rotate'], first.value), first.text()).toBe(0);
      const before = await published();
      const logged = await rotations();
      const nextLink = before.find((k) => k.purpose === 'link' && k.status === 'next')!;
      const eligible = new Date(nextLink.createdAt.getTime() + 24 * HOUR);
      // … which a second rotation an hour later, and a minute before the day is up, must not promote.
      for (const wait of [HOUR, 24 * HOUR - 60_000 - HOUR]) {
        at += wait;
        const r = io(env);
        expect(await runCli(['keys', 'rotate'], r.value), r.text()).toBe(3);
        const text = r.err.join('\n');
        expect(text).toContain(
          `not rotated: the next link key (${nextLink.kid}) was published at ${nextLink.createdAt.toISOString()}, less than 24 hours ago: it can be promoted from ${eligible.toISOString()}`,
        );
        // Every purpose is named, and the whole rotation is refused (one unit).
        expect(text).toMatch(/the next receipt key .* the next audit key /);
        expect(text).toContain(`Run it again from ${eligible.toISOString()}, or pass --force`);
        expect(text).not.toMatch(/\n\s+at /);
        expect(r.out).toEqual([]);
        expect(await published()).toEqual(before);
        expect(await rotations()).toEqual(logged);
      }
      // One purpose alone is refused the same way, and through the domain function with the same error.
      const one = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'audit'], one.value)).toBe(3);
      await expect(rotateSigningKeys(store, master, ['receipt'], { clock })).rejects.toThrow(
        NextKeyTooYoungError,
      );
      // A shorter minimum, asked for explicitly, is a policy, not a force.
      const short = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'link', '--min-age-hours', '1'], short.value)).toBe(
        0,
      );
      const [row] = (await rotations()).slice(logged.length);
      expect(row).toMatchObject({
        purpose: 'link',
        forced: false,
        minAgeSeconds: 3600,
        activatedKid: nextLink.kid,
      });
      // The day is up for the others: rotated without a flag.
      at = Math.max(at, eligible.getTime());
      const ok = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'receipt'], ok.value), ok.text()).toBe(0);
      expect(ok.err.join('\n')).not.toMatch(/warning/);
    }, 120_000);

    it('--force promotes a young next key: warns, prints (forced), and the record says forced', async () => {
      // A rotation publishes a fresh next audit key; five minutes later it is promoted by force.
      aDayLater();
      expect(await runCli(['keys', 'rotate', '--purpose', 'audit'], io(env).value)).toBe(0);
      const before = await published();
      const young = before.find((k) => k.purpose === 'audit' && k.status === 'next')!;
      const active = before.find((k) => k.purpose === 'audit' && k.status === 'active')!;
      at += 5 * 60_000;
      const r = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'audit', '--force'], r.value), r.text()).toBe(0);
      expect(r.err.join('\n')).toContain(
        `warning: --force: the audit key ${young.kid} was published only 5 minutes ago; relying parties that cached the published keys before then cannot verify what it signs until they refresh. Recorded as forced.`,
      );
      expect(r.out).toEqual([
        expect.stringMatching(
          new RegExp(`^audit: activated ${young.kid}; retired ${active.kid}; next \\S+ \\(forced\\)$`),
        ),
      ]);
      const row = (await rotations()).at(-1)!;
      expect(row).toMatchObject({
        purpose: 'audit',
        actor: 'system:cli',
        retiredKid: active.kid,
        activatedKid: young.kid,
        nextAgeSeconds: 300,
        minAgeSeconds: 24 * 3600,
        forced: true,
      });
      expect(row.at.getTime()).toBe(at);
      // A rotation that did not need it is not recorded as forced, --force or not.
      aDayLater();
      const unneeded = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'audit', '--force'], unneeded.value)).toBe(0);
      expect(unneeded.err.join('\n')).not.toMatch(/warning/);
      expect((await rotations()).at(-1)).toMatchObject({ purpose: 'audit', forced: false });
    }, 60_000);

    it('a purpose without a next key (a database from before them) is refused unless --force', async () => {
      const next = (await published()).find((k) => k.purpose === 'link' && k.status === 'next')!;
      await store.global.write((tx) => {
        tx.write(
          tx.db.update(tx.t.signingKeys).set({ status: 'revoked' }).where(eq(tx.t.signingKeys.kid, next.kid)),
        );
      });
      const before = await published();
      aDayLater();
      const r = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'link'], r.value)).toBe(3);
      expect(r.err.join('\n')).toMatch(
        /the link purpose has no published next key yet \(start the server once/,
      );
      expect(r.err.join('\n')).toMatch(
        /Start the server once, then rotate after the minimum age, or pass --force/,
      );
      expect(await published()).toEqual(before);
      const f = io(env);
      expect(await runCli(['keys', 'rotate', '--purpose', 'link', '--force'], f.value), f.text()).toBe(0);
      expect(f.err.join('\n')).toMatch(
        /warning: --force: the link key \S+ was never published before it signs/,
      );
      expect((await rotations()).at(-1)).toMatchObject({
        purpose: 'link',
        forced: true,
        nextAgeSeconds: null,
      });
      expect((await published()).filter((k) => k.purpose === 'link' && k.status === 'next')).toHaveLength(1);
    }, 60_000);

    it('the record of rotations is append-only at the database', async () => {
      const rows = await rotations();
      expect(rows.length).toBeGreaterThan(0);
      const t = store.t.keyRotations;
      // PostgreSQL: the app role has no UPDATE or DELETE grant; SQLite: the triggers.
      for (const change of [
        (tx: WriteCtx) => tx.write(tx.db.update(t).set({ forced: false })),
        (tx: WriteCtx) => tx.write(tx.db.delete(t)),
      ])
        await expect(store.global.write(change)).rejects.toSatisfy(
          (e) => isPermissionViolation(e) || /key_rotations is append-only/.test(String(e)),
        );
      if (ts?.pg) {
        // And on PostgreSQL the triggers refuse the owner too.
        const owner = new pg.Client({ connectionString: ts.pg.ownerUrl });
        await owner.connect();
        try {
          for (const q of [
            'update key_rotations set forced = false',
            'delete from key_rotations',
            'truncate key_rotations',
          ])
            await expect(owner.query(q)).rejects.toThrow(/key_rotations is append-only/);
        } finally {
          await owner.end();
        }
      }
      expect(await rotations()).toEqual(rows);
    });

    it('two rotations at once: one wins, the other changes nothing', async () => {
      const before = await published();
      aDayLater();
      const results = await Promise.allSettled([
        rotateSigningKeys(store, master, ['link'], { clock }),
        rotateSigningKeys(store, master, ['link'], { clock }),
      ]);
      const after = await published();
      const active = after.filter((k) => k.purpose === 'link' && k.status === 'active');
      expect(active).toHaveLength(1);
      // The next key was promoted, and exactly one new (next) link key exists, whatever the interleaving.
      expect(active[0]!.kid).toBe(before.find((k) => k.purpose === 'link' && k.status === 'next')!.kid);
      const added = after.filter((k) => !before.some((b) => b.kid === k.kid));
      expect(added.map((k) => [k.purpose, k.status])).toEqual([['link', 'next']]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(String(failed.reason)).toMatch(/another rotation changed the keys at the same time/);
    }, 60_000);
  },
  ['sqlite', 'pg'],
);
