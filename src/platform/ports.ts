/**
 * The ports a platform hands to `createApp` (DESIGN.md, "Ports"). Everything runtime-specific sits
 * behind one of these; the app itself is web-standard code that runs on Node and on Workers alike.
 * Tests pass real implementations, never mocks of our own parts.
 */
import type { Context } from 'hono';
import type { Passwords } from '../auth/passwords.js';
import type { Store } from '../db/store.js';
import type { Assets } from '../http/assets.js';
import type { Logger } from '../http/logger-types.js';
import type { RateLimitStore } from '../http/rate-limit.js';
import type { TemplateEngine } from '../http/templates.js';
import type { KeyRing } from '../keys/keyring.js';
import type { MasterKey } from '../keys/master-key.js';
import type { ZipArchiveReader } from '../questionnaire/spreadsheet/archive.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** argon2id hashing, the same hashes on every runtime (src/auth/passwords.ts). */
export type PasswordHasher = Passwords;

/**
 * The client's address for rate limits and the security log: the socket peer on Node, `cf-connecting-ip`
 * on Workers, or a trusted proxy hop. Null when it cannot be known; rate limits then refuse (fail closed).
 */
export type ClientAddress = (c: Context) => string | null;

export interface Ports {
  store: Store;
  /** Wraps tenant data keys and derives the app's secrets (HMAC keys for codes, signed URLs, counters). */
  master: MasterKey;
  /** The signing keys of links and receipts, from our own key table. */
  keys: KeyRing;
  passwords: PasswordHasher;
  clock: Clock;
  clientAddress: ClientAddress;
  /** Counters that hold across processes (the database, or Redis). */
  rateLimits: RateLimitStore;
  /** Renders templates by name. */
  templates: TemplateEngine;
  assets: Assets;
  logger: Logger;
  /**
   * Unzips an uploaded XLSX safely (an inflater with a hard output cap is runtime-specific). Absent where
   * none exists yet (Workers): XLSX upload is then refused, CSV upload still works.
   */
  zipArchive?: ZipArchiveReader;
}
