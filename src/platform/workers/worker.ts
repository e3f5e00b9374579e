/**
 * Cloudflare Workers entry: the same app as on Node, over the Workers ports — a D1 store, argon2 in
 * WebAssembly, the ASSETS binding for static files, `cf-connecting-ip` for the client address. The
 * platform is built once per isolate, on its first request: that is also when signing keys are created
 * (first deploy) and, on an empty database, a one-time set-up link is logged, as `npm start` prints it.
 *
 * Configuration (wrangler.toml [vars] and secrets): BASE_URL, ENVIRONMENT (production | development),
 * MASTER_KEY (secret; `wrangler secret put MASTER_KEY`, or .dev.vars locally), LOG_LEVEL.
 */
import { type App, createApp } from '../../app.js';
import { base64ToBytes } from '../../crypto/encoding.js';
import { manifest } from '../../generated/assets.js';
import { templates } from '../../generated/templates.js';
import { manifestAssets } from '../../http/assets.js';
import { ipVersion, normaliseIp } from '../../http/client-address.js';
import { DatabaseRateLimitStore } from '../../http/db-rate-limits.js';
import { MemoryRateLimitStore, RATE_KEY_PURPOSE, type RateLimitStore } from '../../http/rate-limit.js';
import { precompiledEngine } from '../../http/templates.js';
import { createScheduler } from '../../jobs/scheduler.js';
import { createKeyRing } from '../../keys/keyring.js';
import { MasterKey } from '../../keys/master-key.js';
import { ensureSigningKeys } from '../../keys/signing-keys.js';
import { unconfiguredMail } from '../../mail/unconfigured.js';
import { firstRunSetupToken } from '../../workspace/tenants.js';
import { type Ports, systemClock, unconfiguredBlobs } from '../ports.js';
import { argon2WasmModules } from './argon2-wasm.js';
import { type D1Binding, openD1Store } from './d1-store.js';
import { consoleLogger, type LevelName } from './logger.js';
import { workersPasswords } from './passwords.js';
import { asyncLocalTracker } from './unit-tracker.js';

interface AssetsBinding {
  fetch(request: Request | string): Promise<Response>;
}

export interface Env {
  DB: D1Binding;
  ASSETS: AssetsBinding;
  BASE_URL?: string;
  ENVIRONMENT?: string;
  MASTER_KEY?: string;
  LOG_LEVEL?: string;
}

class WorkerConfigError extends Error {}

function config(env: Env) {
  const production = env.ENVIRONMENT === 'production';
  const problems: string[] = [];
  let baseUrl = '';
  try {
    const u = new URL(env.BASE_URL ?? '');
    if (u.protocol !== 'https:' && (production || u.protocol !== 'http:'))
      problems.push('BASE_URL must use https');
    baseUrl = u.origin;
  } catch {
    problems.push('BASE_URL must be the public origin, e.g. https://assay.example.com');
  }
  if (env.MASTER_KEY !== undefined && !/^[A-Za-z0-9+/]{43}=$/.test(env.MASTER_KEY))
    problems.push('MASTER_KEY must be 32 random bytes in base64 (openssl rand -base64 32)');
  if (production && !env.MASTER_KEY)
    problems.push('MASTER_KEY is required in production (wrangler secret put MASTER_KEY)');
  if (problems.length)
    throw new WorkerConfigError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { baseUrl, production, level: (env.LOG_LEVEL as LevelName | undefined) ?? 'info' };
}

/** Client address: Cloudflare's edge sets `cf-connecting-ip`; nothing else on the request is trusted. */
const cfClientAddress: Ports['clientAddress'] = (c) => {
  const ip = c.req.header('cf-connecting-ip');
  return ip && ipVersion(ip) !== 0 ? normaliseIp(ip) : null;
};

interface Built {
  app: App;
  platform: Ports;
  baseUrl: string;
}

async function build(env: Env): Promise<Built> {
  const cfg = config(env);
  const logger = consoleLogger(cfg.level);
  const store = openD1Store(env.DB, { tracker: asyncLocalTracker() });
  // Without MASTER_KEY (local development only; production refuses above) a key for this isolate's life.
  const master = env.MASTER_KEY ? new MasterKey(base64ToBytes(env.MASTER_KEY)) : null;
  const masterOrEphemeral = master ?? new MasterKey(crypto.getRandomValues(new Uint8Array(32)));
  // Counters in D1, shared by every isolate, keyed under a secret derived from the master key; without
  // one (local development only), per isolate.
  const rateLimits: RateLimitStore = master
    ? new DatabaseRateLimitStore({ store, secret: await master.deriveSecret(RATE_KEY_PURPOSE) })
    : new MemoryRateLimitStore();
  const platform: Ports = {
    store,
    master: masterOrEphemeral,
    keys: createKeyRing(store, masterOrEphemeral, { clock: systemClock }),
    passwords: workersPasswords(argon2WasmModules),
    clock: systemClock,
    // Evidence on Workers needs an R2 bucket and a staging scheme (R2 has no rename); until that is
    // wired, uploads and downloads answer 503 with a plain sentence.
    blobs: unconfiguredBlobs('evidence storage on Workers (R2) is not wired yet'),
    clientAddress: cfClientAddress,
    rateLimits,
    // Mail on Workers comes later: until then queued mail stays in the outbox (never lost, never sent).
    mail: unconfiguredMail(),
    templates: precompiledEngine(templates),
    assets: manifestAssets(
      () => manifest,
      async (path) => {
        const res = await env.ASSETS.fetch(
          new Request(new URL(path.slice('/static'.length), 'https://assets.invalid')),
        );
        return res.ok ? res.body : null;
      },
    ),
    logger,
  };
  if (master) {
    const created = await ensureSigningKeys(store, master);
    if (created.length) logger.info({ kids: created }, 'created signing keys');
  } else {
    logger.warn('no MASTER_KEY: signing keys are not created (set it in .dev.vars or as a secret)');
  }
  logger.warn('mail is not configured on Workers yet: queued mail stays in the outbox, unsent');
  const token = await firstRunSetupToken(store);
  if (token) {
    logger.info(
      `No tenant yet. Open this one-time link to set up the first tenant and its admin (valid 24 hours): ${cfg.baseUrl}/setup/${token}`,
    );
  }
  const app = createApp(platform, {
    config: { baseUrl: cfg.baseUrl, env: cfg.production ? 'production' : 'development' },
  });
  return { app, platform, baseUrl: cfg.baseUrl };
}

let built: Promise<Built> | null = null;
const isolate = (env: Env) =>
  (built ??= build(env).catch((err) => {
    built = null;
    throw err;
  }));

export default {
  async fetch(request: Request, env: Env, ctx: unknown): Promise<Response> {
    try {
      return (await isolate(env)).app.fetch(request, env, ctx as never);
    } catch (err) {
      const message = err instanceof WorkerConfigError ? err.message : 'Assay failed to start.';
      console.error(JSON.stringify({ level: 60, msg: 'start failed', error: message }));
      return new Response(`${message}\n`, {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  },

  /** The cron trigger (wrangler.toml [triggers]): one scheduler tick; job_runs lets each job run once per slot. */
  async scheduled(event: { scheduledTime: number }, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    const { platform, baseUrl } = await isolate(env);
    ctx.waitUntil(
      createScheduler({ platform: { ...platform, baseUrl } }).tick(new Date(event.scheduledTime)),
    );
  },
};
