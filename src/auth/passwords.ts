/**
 * The `passwords` port (DESIGN.md, "Ports"): argon2id hashing and verification that gives the same
 * hashes on every runtime. A platform supplies only the raw argon2id function (native on Node, WASM
 * on Workers); everything that decides security lives here, once: Unicode normalisation, the PHC
 * string format, salts, constant-time comparison, the rehash decision, the dummy work for unknown
 * accounts and the bound on concurrent hashing.
 *
 * Web APIs only (TextEncoder, crypto.getRandomValues, btoa/atob): no node:* import, no Hono.
 */

/** Argon2id cost parameters, version 0x13 (RFC 9106). */
export interface Argon2idParams {
  /** m, in KiB. */
  memoryKiB: number;
  /** t, the number of passes over memory. */
  passes: number;
  /** p, lanes. */
  parallelism: number;
  /** Output length in bytes. */
  hashLength: number;
}

/**
 * OWASP Password Storage Cheat Sheet, first argon2id option: m = 19 MiB, t = 2, p = 1. These are also
 * @node-rs/argon2's defaults, so every hash made before this port verifies without a rehash.
 */
export const OWASP_ARGON2ID: Readonly<Argon2idParams> = Object.freeze({
  memoryKiB: 19_456,
  passes: 2,
  parallelism: 1,
  hashLength: 32,
});

/** RFC 9106 §3.1 recommends 128-bit salts. */
export const SALT_BYTES = 16;

/** What a platform provides: raw argon2id (version 0x13) of password bytes with a salt. */
export type Argon2id = (
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
) => Promise<Uint8Array>;

export interface VerifyResult {
  ok: boolean;
  /**
   * Only ever true together with `ok`: the password matched, but the stored hash is outdated (other
   * parameters than today's, or made from the un-normalised password). Store `hash(password)` now.
   */
  needsRehash: boolean;
}

export interface Passwords {
  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of the NFKC-normalised password. */
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored PHC string. A missing or malformed stored hash gives
   * `{ ok: false }` after the same work as a real check, so timing does not tell whether an account
   * exists (ASVS 6.3.8). Never throws for bad input; throws PasswordsBusyError when overloaded.
   */
  verify(stored: string | null | undefined, password: string): Promise<VerifyResult>;
}

/**
 * Thrown instead of queueing without end: argon2id costs ~20 ms of CPU and ~19 MiB of memory per
 * call, so a burst of sign-ins must be refused early rather than starve every other request. The
 * route answers 503 with `Retry-After: retryAfterSeconds`.
 */
export class PasswordsBusyError extends Error {
  readonly code = 'PASSWORDS_BUSY';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many password checks at once; try again shortly.');
    this.name = 'PasswordsBusyError';
  }
}

export function isPasswordsBusy(error: unknown): error is PasswordsBusyError {
  return error instanceof PasswordsBusyError;
}

export interface PasswordsOptions {
  params?: Argon2idParams;
  /** Hashes or verifications running at once. */
  maxConcurrent?: number;
  /** Calls waiting for a slot; one more is refused with PasswordsBusyError. */
  maxQueued?: number;
  retryAfterSeconds?: number;
}

export const DEFAULT_LIMITS = Object.freeze({ maxConcurrent: 2, maxQueued: 16, retryAfterSeconds: 1 });

/**
 * NFKC, so that the same password typed on different systems (composed "é" on one keyboard,
 * "e" + combining accent on another; full-width digits from an IME) is the same password. Applied
 * before hashing and verifying, and before the policy counts length (ASVS 6.2.8 forbids changing
 * case or truncating, which this does not do).
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * No stored password can be longer than this: the policy allows 256 characters, and even a fully
 * decomposed 256-character password stays far below it. Longer input is refused before any
 * hashing, so a megabyte "password" costs nothing.
 */
export const MAX_VERIFY_INPUT = 4096;

export function createPasswords(argon2id: Argon2id, options: PasswordsOptions = {}): Passwords {
  const params: Argon2idParams = { ...(options.params ?? OWASP_ARGON2ID) };
  if (!validParams(params)) throw new RangeError('argon2id parameters out of range');
  const limit = createConcurrencyLimit({
    maxConcurrent: options.maxConcurrent ?? DEFAULT_LIMITS.maxConcurrent,
    maxQueued: options.maxQueued ?? DEFAULT_LIMITS.maxQueued,
    retryAfterSeconds: options.retryAfterSeconds ?? DEFAULT_LIMITS.retryAfterSeconds,
  });
  const encoder = new TextEncoder();

  return {
    hash: (password) => {
      // verify() would refuse it: a hash nobody can ever match is a bug in the caller, not a password.
      if (password.length > MAX_VERIFY_INPUT)
        return Promise.reject(new RangeError('password too long to hash'));
      return limit.run(async () => {
        const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
        const digest = await argon2id(encoder.encode(normalizePassword(password)), salt, params);
        return formatPhc(params, salt, digest);
      });
    },

    async verify(stored, password) {
      if (typeof password !== 'string' || password.length > MAX_VERIFY_INPUT) return REFUSED;
      const normalised = normalizePassword(password);
      // Hashes made before NFKC was applied are of the password as typed. Trying that form second can
      // only ever match such a hash: a new hash is of a normalised string, and the typed form is tried
      // only when it differs from its normalisation. The dummy path makes the same number of calls.
      const candidates = normalised === password ? [normalised] : [normalised, password];
      const parsed = typeof stored === 'string' ? parsePhc(stored) : null;
      return limit.run(async () => {
        if (!parsed) {
          const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
          for (const candidate of candidates) await argon2id(encoder.encode(candidate), salt, params);
          return REFUSED;
        }
        for (let i = 0; i < candidates.length; i++) {
          const digest = await argon2id(encoder.encode(candidates[i]!), parsed.salt, parsed.params);
          if (constantTimeEqual(digest, parsed.hash)) {
            return { ok: true, needsRehash: i > 0 || outdated(parsed, params) };
          }
        }
        return REFUSED;
      });
    },
  };
}

const REFUSED: VerifyResult = Object.freeze({ ok: false, needsRehash: false });

function outdated(stored: ParsedPhc, current: Argon2idParams): boolean {
  return (
    stored.params.memoryKiB !== current.memoryKiB ||
    stored.params.passes !== current.passes ||
    stored.params.parallelism !== current.parallelism ||
    stored.params.hashLength !== current.hashLength ||
    stored.salt.length < SALT_BYTES
  );
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

// --- PHC string format (the one @node-rs/argon2 and the reference implementation write) ---

export interface ParsedPhc {
  params: Argon2idParams;
  salt: Uint8Array;
  hash: Uint8Array;
}

/*
 * Bounds for what a stored hash may ask of us. A row edited by hand or by an attacker with database
 * access must not make a sign-in allocate gigabytes or loop for minutes; anything outside is treated
 * as malformed (a refused sign-in, never a throw).
 */
const BOUNDS = {
  memoryKiB: [8, 262_144],
  passes: [1, 16],
  parallelism: [1, 16],
  hashLength: [16, 64],
  saltBytes: [8, 64],
} as const;

function validParams(p: Argon2idParams): boolean {
  const within = (v: number, [lo, hi]: readonly [number, number]) =>
    Number.isInteger(v) && v >= lo && v <= hi;
  return (
    within(p.memoryKiB, BOUNDS.memoryKiB) &&
    within(p.passes, BOUNDS.passes) &&
    within(p.parallelism, BOUNDS.parallelism) &&
    within(p.hashLength, BOUNDS.hashLength) &&
    p.memoryKiB >= 8 * p.parallelism
  );
}

const PHC =
  /^\$argon2id\$v=19\$m=([1-9]\d{0,9}),t=([1-9]\d{0,9}),p=([1-9]\d{0,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash`; null for anything else (other variants included). */
export function parsePhc(stored: string): ParsedPhc | null {
  const m = PHC.exec(stored);
  if (!m) return null;
  const salt = decodeBase64(m[4]!);
  const hash = decodeBase64(m[5]!);
  if (!salt || !hash) return null;
  const params = {
    memoryKiB: Number(m[1]),
    passes: Number(m[2]),
    parallelism: Number(m[3]),
    hashLength: hash.length,
  };
  if (!validParams(params)) return null;
  if (salt.length < BOUNDS.saltBytes[0] || salt.length > BOUNDS.saltBytes[1]) return null;
  return { params, salt, hash };
}

function formatPhc(params: Argon2idParams, salt: Uint8Array, hash: Uint8Array): string {
  return (
    `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}` +
    `$${encodeBase64(salt)}$${encodeBase64(hash)}`
  );
}

// PHC strings use standard base64 without padding.
function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, '');
}

function decodeBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text + '='.repeat((4 - (text.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    // Reject non-canonical encodings (stray low bits in the last character): one hash, one spelling.
    return encodeBase64(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

// --- Bounded concurrency ---

export interface ConcurrencyLimit {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now and waiting now (for tests and metrics). */
  readonly active: number;
  readonly queued: number;
}

/**
 * At most `maxConcurrent` tasks run at once, at most `maxQueued` wait in order; the next one is
 * refused at once with PasswordsBusyError, which costs the caller nothing and tells the client when
 * to come back. A slot is handed straight to the next waiter, so a waiter cannot be overtaken.
 */
export function createConcurrencyLimit(limits: {
  maxConcurrent: number;
  maxQueued: number;
  retryAfterSeconds: number;
}): ConcurrencyLimit {
  const { maxConcurrent, maxQueued, retryAfterSeconds } = limits;
  if (!(Number.isInteger(maxConcurrent) && maxConcurrent >= 1))
    throw new RangeError('maxConcurrent must be ≥ 1');
  if (!(Number.isInteger(maxQueued) && maxQueued >= 0)) throw new RangeError('maxQueued must be ≥ 0');
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < maxConcurrent) active++;
      else if (waiting.length < maxQueued) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw new PasswordsBusyError(retryAfterSeconds);
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
