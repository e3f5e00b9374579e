/**
 * The wiring that makes counters hold across processes on Node: the platform's default rate-limit
 * store is the database, and its key secret comes from the master key, so two instances of one
 * deployment count a client together and an instance with another master key does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseRateLimitStore } from '../../src/http/db-rate-limits.js';
import { RATE_KEY_PURPOSE } from '../../src/http/rate-limit.js';
import { MasterKey } from '../../src/keys/master-key.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { nodePlatform } from '../../src/platform/node/platform.js';
import { openSharedStores, type SharedStores } from './rate-limit-shared.js';

const master = (fill: number) => new MasterKey(new Uint8Array(32).fill(fill));

describe('MasterKey.deriveSecret', () => {
  it('gives every holder of one master key the same 32 bytes per purpose, and nothing shared across purposes or keys', async () => {
    const a = await master(1).deriveSecret(RATE_KEY_PURPOSE);
    expect(a).toHaveLength(32);
    expect(await master(1).deriveSecret(RATE_KEY_PURPOSE)).toEqual(a);
    expect(await master(1).deriveSecret('another purpose')).not.toEqual(a);
    expect(await master(2).deriveSecret(RATE_KEY_PURPOSE)).not.toEqual(a);
    expect(a).not.toEqual(new Uint8Array(32).fill(1));
  });
});

describe('nodePlatform rate limits', () => {
  let shared: SharedStores;
  beforeAll(async () => {
    shared = await openSharedStores('sqlite');
  });
  afterAll(() => shared.close());

  const platform = (store: SharedStores['a'], masterKey: MasterKey) =>
    nodePlatform({
      config: {
        database: { dialect: 'sqlite', file: ':memory:' },
        production: false,
        trustProxy: 0,
        env: 'test',
      },
      logger: createLogger({ level: 'silent' }),
      store,
      masterKey,
    });

  it('defaults to the database, keyed under the master key: instances of one deployment count together', async () => {
    const one = await platform(shared.a, master(7));
    const two = await platform(shared.b, master(7));
    const stranger = await platform(shared.b, master(8));
    expect(one.rateLimits).toBeInstanceOf(DatabaseRateLimitStore);
    const key = { name: 'wiring', subject: '203.0.113.5' };
    expect((await one.rateLimits.hit(key, 60_000)).count).toBe(1);
    expect((await two.rateLimits.hit(key, 60_000)).count).toBe(2);
    expect((await stranger.rateLimits.hit(key, 60_000)).count).toBe(1);
  });

  // Without a master key the platform cannot be built at all (NodePlatformOptions requires it): no
  // per-process fallback that would count apart.
});
