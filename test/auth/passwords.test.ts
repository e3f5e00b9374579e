import { hash as nativeHash, verify as nativeVerify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConcurrencyLimit,
  createPasswords,
  MAX_VERIFY_INPUT,
  OWASP_ARGON2ID,
  type Passwords,
  PasswordsBusyError,
  parsePhc,
} from '../../src/auth/passwords.js';
import { nodeArgon2id, nodeHashingSlots, nodePasswords } from '../../src/platform/node/passwords.js';
import { workersArgon2id, workersPasswords } from '../../src/platform/workers/passwords.js';
import { instrumented, startWorkerdPasswords, type WorkerdPasswords, wasmModules } from './support.js';

// The argon2id vector of the reference implementation's own tests (phc-winner-argon2, src/test.c).
const REFERENCE = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
const NFC = 'Caf\u00e9 au lait, bitte!';
const NFD = 'Cafe\u0301 au lait, bitte!';
const PHC_SHAPE = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

let node: Passwords;
let workers: Passwords;

beforeAll(async () => {
  node = nodePasswords();
  workers = workersPasswords(await wasmModules());
});

describe('the two argon2id implementations', () => {
  it('both reproduce the reference vector', async () => {
    const ref = parsePhc(REFERENCE)!;
    const wasm = workersArgon2id(await wasmModules());
    const input = new TextEncoder().encode('password');
    expect(await nodeArgon2id(input, ref.salt, ref.params)).toEqual(Buffer.from(ref.hash));
    expect(await wasm(input, ref.salt, ref.params)).toEqual(ref.hash);
    for (const passwords of [node, workers]) {
      // The reference hash has an 8-byte salt and 64 MiB: valid, but not what we write today.
      expect(await passwords.verify(REFERENCE, 'password')).toEqual({ ok: true, needsRehash: true });
    }
  });

  it('Node hashes, WASM verifies', async () => {
    const stored = await node.hash('correct horse battery staple');
    expect(stored).toMatch(PHC_SHAPE);
    expect(await workers.verify(stored, 'correct horse battery staple')).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await workers.verify(stored, 'correct horse battery stapler')).toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('WASM hashes, Node verifies', async () => {
    const stored = await workers.hash('correct horse battery staple');
    expect(stored).toMatch(PHC_SHAPE);
    expect(await node.verify(stored, 'correct horse battery staple')).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await node.verify(stored, 'Correct horse battery staple')).toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('writes the PHC strings @node-rs/argon2 reads, and reads the ones it wrote before this port', async () => {
    const ours = await workers.hash('a long enough passphrase');
    expect(await nativeVerify(ours, 'a long enough passphrase')).toBe(true);
    const before = await nativeHash('a long enough passphrase'); // what src/workspace/passwords.ts stored
    expect(await node.verify(before, 'a long enough passphrase')).toEqual({ ok: true, needsRehash: false });
    expect(await workers.verify(before, 'a long enough passphrase')).toEqual({
      ok: true,
      needsRehash: false,
    });
  });

  it('salts every hash afresh', async () => {
    expect(await node.hash('same password twice')).not.toBe(await node.hash('same password twice'));
  });
});

describe('inside workerd', () => {
  let workerd: WorkerdPasswords;
  beforeAll(async () => {
    workerd = await startWorkerdPasswords();
  }, 60_000);
  afterAll(async () => {
    await workerd?.dispose();
  });

  it('verifies what Node hashed', async () => {
    const stored = await node.hash(NFC);
    expect(await workerd.verify(stored, NFD)).toEqual({ ok: true, needsRehash: false });
    expect(await workerd.verify(stored, 'Cafe au lait, bitte!')).toEqual({ ok: false, needsRehash: false });
  });

  it('hashes what Node verifies', async () => {
    const stored = await workerd.hash(NFD);
    expect(stored).toMatch(PHC_SHAPE);
    expect(await node.verify(stored, NFC)).toEqual({ ok: true, needsRehash: false });
  });

  it('refuses an unknown account and a malformed hash without failing', async () => {
    expect(await workerd.verify(null, 'any password at all')).toEqual({ ok: false, needsRehash: false });
    expect(await workerd.verify('$argon2id$garbage', 'any password at all')).toEqual({
      ok: false,
      needsRehash: false,
    });
  });
});

describe('Unicode normalisation (NFKC)', () => {
  it('a password set up in NFC signs in typed in NFD, and the other way round', async () => {
    expect(await node.verify(await node.hash(NFC), NFD)).toEqual({ ok: true, needsRehash: false });
    expect(await node.verify(await node.hash(NFD), NFC)).toEqual({ ok: true, needsRehash: false });
  });

  it('full-width characters from an IME are the same password as their plain forms', async () => {
    const stored = await workers.hash('\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44 \uff11\uff12\uff13');
    expect(await node.verify(stored, 'password 123')).toEqual({ ok: true, needsRehash: false });
  });

  it('does not fold case', async () => {
    expect(await node.verify(await node.hash('Tschüss Straße'), 'tschüss straße')).toEqual({
      ok: false,
      needsRehash: false,
    });
  });
});

describe('hashes made before this port', () => {
  it('a hash of the un-normalised password still verifies, flagged for rehash', async () => {
    const legacy = await nativeHash(NFD); // the old code hashed the password exactly as typed
    expect(await node.verify(legacy, NFD)).toEqual({ ok: true, needsRehash: true });
    expect(await workers.verify(legacy, NFD)).toEqual({ ok: true, needsRehash: true });
    // Typed the other way the original bytes are unknowable; the rehash after one sign-in fixes that.
    expect(await node.verify(legacy, NFC)).toEqual({ ok: false, needsRehash: false });
    const rehashed = await node.hash(NFD);
    expect(await node.verify(rehashed, NFC)).toEqual({ ok: true, needsRehash: false });
  });

  it('a hash with a salt shorter than 16 bytes verifies, flagged for rehash', async () => {
    const salted = await nativeHash('an older passphrase', { salt: new TextEncoder().encode('8 bytes!') });
    expect(parsePhc(salted)?.params).toEqual(OWASP_ARGON2ID);
    expect(await node.verify(salted, 'an older passphrase')).toEqual({ ok: true, needsRehash: true });
  });

  it('a hash with other parameters verifies, flagged for rehash', async () => {
    const older = await nativeHash('an older passphrase', { memoryCost: 12_288, timeCost: 3 });
    expect(await node.verify(older, 'an older passphrase')).toEqual({ ok: true, needsRehash: true });
    expect(await node.verify(older, 'a wrong passphrase')).toEqual({ ok: false, needsRehash: false });
  });
});

describe('refusals', () => {
  const MALFORMED = [
    '',
    'not a hash',
    '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', // bcrypt
    '$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPP', // truncated
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPd', // stray bits
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=19$m=19456,t=100000,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=19$m=8,t=2,p=4$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', // 4-byte salt
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXP', // 6-byte hash
    `${REFERENCE}$extra`,
    ` ${REFERENCE}`,
    `$argon2id$v=19$m=19456,t=2,p=1$${'A'.repeat(600)}$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc`,
  ];

  it('a wrong password is refused', async () => {
    const stored = await node.hash('the right passphrase');
    expect(await node.verify(stored, 'the wrong passphrase')).toEqual({ ok: false, needsRehash: false });
    expect(await node.verify(stored, '')).toEqual({ ok: false, needsRehash: false });
  });

  it('a malformed stored hash is a refusal after the same work, never a throw', async () => {
    const { argon2id, stats } = instrumented(nodeArgon2id);
    const passwords = createPasswords(argon2id);
    for (const stored of MALFORMED) {
      expect(parsePhc(stored), stored).toBeNull();
      const before = stats.calls;
      expect(await passwords.verify(stored, 'password'), stored).toEqual({ ok: false, needsRehash: false });
      expect(stats.calls - before, stored).toBe(1);
    }
    expect(new Set(stats.memoryKiB)).toEqual(new Set([OWASP_ARGON2ID.memoryKiB]));
  });

  it('an unknown account costs what a real check costs (ASVS 6.3.8)', async () => {
    const { argon2id, stats } = instrumented(nodeArgon2id);
    const passwords = createPasswords(argon2id);
    const stored = await passwords.hash('the right passphrase');
    for (const typed of ['the wrong passphrase', NFD]) {
      const real = stats.calls;
      expect(await passwords.verify(stored, typed)).toEqual({ ok: false, needsRehash: false });
      const dummy = stats.calls;
      expect(await passwords.verify(null, typed)).toEqual({ ok: false, needsRehash: false });
      expect(await passwords.verify(undefined, typed)).toEqual({ ok: false, needsRehash: false });
      // One call, or two when the typed form differs from its normalisation (the legacy path).
      expect(dummy - real).toBe(typed === NFD ? 2 : 1);
      expect((stats.calls - dummy) / 2).toBe(dummy - real);
    }
    expect(new Set(stats.memoryKiB)).toEqual(new Set([OWASP_ARGON2ID.memoryKiB]));
  });

  it('an absurdly long password is refused without hashing', async () => {
    const { argon2id, stats } = instrumented(nodeArgon2id);
    const passwords = createPasswords(argon2id);
    const stored = await passwords.hash('x'.repeat(MAX_VERIFY_INPUT));
    expect(await passwords.verify(stored, 'x'.repeat(MAX_VERIFY_INPUT))).toEqual({
      ok: true,
      needsRehash: false,
    });
    const before = stats.calls;
    expect(await passwords.verify(stored, 'x'.repeat(MAX_VERIFY_INPUT + 1))).toEqual({
      ok: false,
      needsRehash: false,
    });
    expect(await passwords.verify(null, 'x'.repeat(1_000_000))).toEqual({ ok: false, needsRehash: false });
    expect(stats.calls).toBe(before);
    await expect(passwords.hash('x'.repeat(MAX_VERIFY_INPUT + 1))).rejects.toThrow(RangeError);
    expect(stats.calls).toBe(before);
  });

  it('refuses parameters it would not accept from a stored hash', () => {
    expect(() => createPasswords(nodeArgon2id, { params: { ...OWASP_ARGON2ID, memoryKiB: 4 } })).toThrow(
      RangeError,
    );
    expect(() => createPasswords(nodeArgon2id, { maxConcurrent: 0 })).toThrow(RangeError);
  });
});

describe('the bound on concurrent hashing', () => {
  it('runs at most maxConcurrent at once, queues maxQueued, refuses the rest as busy', async () => {
    const { argon2id, stats } = instrumented(nodeArgon2id);
    const passwords = createPasswords(argon2id, { maxConcurrent: 2, maxQueued: 3, retryAfterSeconds: 2 });
    const stored = await passwords.hash('a burst of sign-ins');
    stats.calls = 0;
    stats.peak = 0;

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => passwords.verify(stored, 'a burst of sign-ins')),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(fulfilled.map((r) => r.value)).toEqual(Array(5).fill({ ok: true, needsRehash: false }));
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(PasswordsBusyError);
      expect(error).toMatchObject({ code: 'PASSWORDS_BUSY', retryAfterSeconds: 2 });
    }
    expect(stats.peak).toBe(2);
    expect(stats.calls).toBe(5);
    // The slots come back: the next caller is served.
    expect(await passwords.verify(stored, 'a burst of sign-ins')).toEqual({ ok: true, needsRehash: false });
  });

  it('hashing and verifying share the bound, unknown accounts included', async () => {
    const passwords = createPasswords(nodeArgon2id, { maxConcurrent: 1, maxQueued: 0 });
    const hashing = passwords.hash('first in line');
    await expect(passwords.verify(null, 'second')).rejects.toBeInstanceOf(PasswordsBusyError);
    await expect(passwords.hash('third')).rejects.toBeInstanceOf(PasswordsBusyError);
    await hashing;
    expect(await passwords.verify(null, 'fourth')).toEqual({ ok: false, needsRehash: false });
  });

  it('serves waiters in arrival order, and a failing task gives its slot back', async () => {
    const limit = createConcurrencyLimit({ maxConcurrent: 1, maxQueued: 5, retryAfterSeconds: 1 });
    const order: number[] = [];
    const tasks = [1, 2, 3, 4].map((n) =>
      limit.run(async () => {
        order.push(n);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (n === 2) throw new Error('task 2 fails');
        return n;
      }),
    );
    expect(limit.active).toBe(1);
    expect(limit.queued).toBe(3);
    const settled = await Promise.allSettled(tasks);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('Node keeps a core and a pool thread free by default', () => {
    const slots = nodeHashingSlots();
    expect(slots).toBeGreaterThanOrEqual(1);
    expect(slots).toBeLessThanOrEqual(3);
  });
});
