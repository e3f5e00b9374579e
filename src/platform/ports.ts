/**
 * The ports a platform hands to `createApp` (DESIGN.md, "Ports"). Everything runtime-specific sits
 * behind one of these; the app itself is web-standard code that runs on Node and on Workers alike.
 * Tests pass real implementations, never mocks of our own parts.
 */
import type { Context } from 'hono';
import type { Passwords } from '../auth/passwords.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { Assets } from '../http/assets.js';
import type { Logger } from '../http/logger-types.js';
import type { RateLimitStore } from '../http/rate-limit.js';
import type { TemplateEngine } from '../http/templates.js';
import type { KeyRing } from '../keys/keyring.js';
import type { MasterKey } from '../keys/master-key.js';
import type { DevOutbox } from '../mail/dev-outbox.js';
import type { ZipArchiveReader } from '../questionnaire/spreadsheet/archive.js';
import type { Questionnaire } from '../questionnaire/types.js';

/** The shipped questionnaire library (questionnaires/*.yaml): compiled, and each file's source by ref. */
export interface ShippedLibrary {
  library: ReadonlyMap<string, Questionnaire>;
  source(ref: {
    id: string;
    version?: string;
  }): Promise<{ source: string; file: string; version: string } | null>;
}

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

/** One message as the sender hands it to the transport; `to` has passed src/mail/address.ts. */
export interface MailMessage {
  /** The outbox row's id: it becomes the Message-ID, so a resend after a lost claim is recognisable. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
}

/**
 * Sends one message (SMTP via nodemailer on Node; without SMTP_URL the development outbox). Throws
 * `TransientMailError` or `PermanentMailError` (src/mail/errors.ts), nothing else. Only the sender loop
 * (src/mail/sender.ts) calls it; everything else queues mail in the outbox and calls `queued()`.
 */
export interface MailPort {
  send(message: MailMessage): Promise<{ messageId: string }>;
  /** Wakes this process's sender loop after a unit that queued mail has committed (a no-op without one). */
  queued(): void;
  /** Calls `listener` on `queued()`; the sender loop subscribes. Returns the unsubscribe function. */
  onQueued(listener: () => void): () => void;
  /** The development outbox, when that is where mail goes (the `/dev/outbox` page reads it). */
  outbox?: DevOutbox;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/**
 * Evidence bytes (already encrypted by src/evidence), stored under a content address the domain computes.
 * The address is known only once the whole upload has been read, so a write is staged first and then
 * committed under its address (or discarded): nothing half-written is ever visible under an address.
 */
export interface BlobStore {
  /** Streams `body` into a staging area; it is readable under no address until `commit`. */
  stage(body: ReadableStream<Uint8Array>): Promise<StagedBlob>;
  /** The bytes stored under `address`, or null. */
  get(address: string): Promise<StoredBlob | null>;
  /** Removes `address` (nothing if absent). */
  delete(address: string): Promise<void>;
}

export interface StagedBlob {
  /** Bytes written. */
  readonly size: number;
  /** Makes the staged bytes the content of `address` atomically (replacing what was there). */
  commit(address: string): Promise<void>;
  /** Throws the staged bytes away. */
  discard(): Promise<void>;
}

export interface StoredBlob {
  readonly size: number;
  readonly body: ReadableStream<Uint8Array>;
}

/** Addresses are `<segment>/<segment>`, lower-case letters, digits and `-`: never a path from outside. */
export const BLOB_ADDRESS = /^[0-9a-f-]{1,64}\/[0-9a-f]{64}$/;

/** `put` = stage + commit, for callers that know the address up front. */
export async function putBlob(blobs: BlobStore, address: string, body: ReadableStream<Uint8Array>) {
  const staged = await blobs.stage(body);
  await staged.commit(address);
}

/** A blob store that refuses every call: uploads and downloads answer 503 with a plain sentence. */
export function unconfiguredBlobs(why: string): BlobStore {
  const refuse = async (): Promise<never> => {
    throw new HttpError(503, 'File storage is not configured on this server.', { cause: new Error(why) });
  };
  return { stage: refuse, get: refuse, delete: refuse };
}

export interface Ports {
  store: Store;
  /** Wraps tenant data keys and derives the app's secrets (HMAC keys for codes, signed URLs, counters). */
  master: MasterKey;
  /** The signing keys of links and receipts, from our own key table. */
  keys: KeyRing;
  passwords: PasswordHasher;
  clock: Clock;
  /** Evidence bytes (DATA_DIR/blobs on Node). */
  blobs: BlobStore;
  clientAddress: ClientAddress;
  /** Counters that hold across processes (the database, or Redis). */
  rateLimits: RateLimitStore;
  /** Sends mail; see {@link MailPort}. */
  mail: MailPort;
  /** Renders templates by name. */
  templates: TemplateEngine;
  assets: Assets;
  logger: Logger;
  /**
   * Unzips an uploaded XLSX safely (an inflater with a hard output cap is runtime-specific). Absent where
   * none exists yet (Workers): XLSX upload is then refused, CSV upload still works.
   */
  zipArchive?: ZipArchiveReader;
  /**
   * The shipped questionnaires, loaded on first use (Node reads questionnaires/). Absent where there is
   * no file system (Workers): only questionnaires the tenant published can be sent there.
   */
  shippedQuestionnaires?: () => ShippedLibrary;
}
