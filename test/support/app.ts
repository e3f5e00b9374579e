/** Builds the real app over a real store, with the Node platform's real parts and a tiny cookie jar. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.js';
import type { Store } from '../../src/db/store.js';
import type { Logger } from '../../src/http/logger-types.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/http/rate-limit.js';
import { createKeyRing } from '../../src/keys/keyring.js';
import { MasterKey } from '../../src/keys/master-key.js';
import { nodeBlobs } from '../../src/platform/node/blobs.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { nodePlatform } from '../../src/platform/node/platform.js';
import type { BlobStore, ClientAddress, MailPort, Ports } from '../../src/platform/ports.js';

export const BASE_URL = 'https://assay.test';
/** One master key for every test platform (its keys are made with `ensureSigningKeys` where a test needs them). */
export const TEST_MASTER_KEY = new MasterKey(new Uint8Array(32).fill(42));
/** The address tests come from unless they say otherwise (header `X-Test-Client`). */
export const TEST_CLIENT = '192.0.2.10';

/** app.request() has no socket: the client address comes from a test header, as a proxy hop would. */
export const testClientAddress: ClientAddress = (c) => c.req.header('X-Test-Client') ?? TEST_CLIENT;

/** One blob folder per test process, under the OS temp dir (removed by the OS, never under DATA_DIR). */
export const TEST_BLOB_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-blobs-'));

export interface TestAppOptions {
  blobs?: BlobStore;
  now?: () => Date;
  rateLimits?: RateLimitStore;
  clientAddress?: ClientAddress;
  logger?: Logger;
  baseUrl?: string;
  /** A real mail port (SMTP to a test server, or a development outbox); by default one that never sends. */
  mail?: MailPort;
  /** `production` hides what exists only outside production (the development outbox). */
  env?: 'development' | 'production' | 'test';
}

export async function testPlatform(store: Store, opts: TestAppOptions = {}): Promise<Ports> {
  const platform = await nodePlatform({
    config: {
      database: { dialect: 'sqlite', file: ':memory:' },
      production: false,
      trustProxy: 0,
      env: 'test',
      baseUrl: opts.baseUrl ?? BASE_URL,
    },
    logger: opts.logger ?? createLogger({ level: process.env.TEST_LOG ? 'error' : 'silent' }),
    store,
    rateLimits: opts.rateLimits ?? new MemoryRateLimitStore(),
    masterKey: TEST_MASTER_KEY,
    ...(opts.mail ? { mail: opts.mail } : {}),
    blobs: opts.blobs ?? nodeBlobs(TEST_BLOB_DIR),
  });
  return {
    ...platform,
    clientAddress: opts.clientAddress ?? testClientAddress,
    ...(opts.now
      ? {
          clock: { now: opts.now },
          keys: createKeyRing(store, TEST_MASTER_KEY, { clock: { now: opts.now } }),
        }
      : {}),
  };
}

export async function testApp(store: Store, opts: TestAppOptions = {}) {
  return createApp(await testPlatform(store, opts), {
    config: { baseUrl: opts.baseUrl ?? BASE_URL, env: opts.env ?? 'test' },
  });
}

/** A browser-like client: keeps cookies, sends same-origin headers on writes. */
export function browser(app: Awaited<ReturnType<typeof testApp>>) {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    if (init.method && init.method !== 'GET') {
      if (!headers.has('Origin')) headers.set('Origin', BASE_URL);
      if (!headers.has('Sec-Fetch-Site')) headers.set('Sec-Fetch-Site', 'same-origin');
    }
    const res = await app.request(`${BASE_URL}${path}`, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      const value = v.join('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') jar.delete(k!);
      else jar.set(k!, value);
    }
    return res;
  };
  return {
    jar,
    send,
    get: (path: string, headers: Record<string, string> = {}) => send(path, { headers }),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      send(path, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      }),
  };
}
