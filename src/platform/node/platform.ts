import type { ShippedLibrary } from '../ports.js';
import { loadLibrary, shippedSource } from './questionnaire-files.js';
/**
 * The Node platform: builds every port createApp needs from the configuration. The server entry,
 * the CLI and the tests all come through here, so they run the same parts.
 */
import './native-crypto.js';
import path from 'node:path';
import type { StatementObserver, Store } from '../../db/store.js';
import { DatabaseRateLimitStore } from '../../http/db-rate-limits.js';
import type { Logger } from '../../http/logger-types.js';
import { RATE_KEY_PURPOSE, type RateLimitStore } from '../../http/rate-limit.js';
import { createKeyRing } from '../../keys/keyring.js';
import type { MasterKey } from '../../keys/master-key.js';
import { unconfiguredMail } from '../../mail/unconfigured.js';
import type { BlobStore, MailPort, Ports } from '../ports.js';
import { systemClock, unconfiguredBlobs } from '../ports.js';
import { nodeBlobs } from './blobs.js';
import { nodeClientAddress } from './client-address.js';
import type { Config } from './config.js';
import { nodeMail } from './mail.js';
import { openStore } from './open-store.js';
import { nodePasswords } from './passwords.js';
import { nodeZipArchive } from './questionnaire-zip.js';
import { nodeAssets, nodeTemplates } from './views.js';

export interface NodePlatformOptions {
  config: Pick<Config, 'database' | 'production' | 'trustProxy' | 'env'> &
    Partial<Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>>;
  logger: Logger;
  /** An already open store (tests); otherwise the configured one is opened (migrations applied). */
  store?: Store;
  /**
   * Rate-limit counters; by default the store's `rate_counters` table, with keys hashed under a secret
   * derived from `masterKey`, so every instance over one database counts each client together.
   */
  rateLimits?: RateLimitStore;
  /** Evidence bytes; by default files under `config.dataDir`/blobs. */
  blobs?: BlobStore;
  /** Wraps data keys, derives secrets, unwraps the signing keys. */
  masterKey: MasterKey;
  /** Recompile templates and re-hash static files on each use (`npm run dev`). */
  dev?: boolean;
  onStatement?: StatementObserver;
  /** The mail port; by default SMTP over `smtpUrl`, else the development outbox under `dataDir`. */
  mail?: MailPort;
}

export async function nodePlatform(options: NodePlatformOptions): Promise<Ports> {
  const { config, logger } = options;
  const dev = options.dev ?? false;
  const store = options.store ?? (await openStore(config, (m) => logger.warn(m), options.onStatement));
  const rateLimits =
    options.rateLimits ??
    new DatabaseRateLimitStore({ store, secret: await options.masterKey.deriveSecret(RATE_KEY_PURPOSE) });
  const mail =
    options.mail ??
    (config.smtpUrl || config.dataDir
      ? nodeMail({
          smtpUrl: config.smtpUrl ?? null,
          mailFrom: config.mailFrom ?? 'Assay <assay@localhost>',
          dataDir: config.dataDir ?? '',
          production: config.production,
        })
      : unconfiguredMail());
  const blobs =
    options.blobs ??
    (config.dataDir
      ? nodeBlobs(path.join(config.dataDir, 'blobs'))
      : unconfiguredBlobs('no DATA_DIR was given to the Node platform'));
  return {
    store,
    mail,
    blobs,
    master: options.masterKey,
    keys: createKeyRing(store, options.masterKey, { clock: systemClock }),
    passwords: nodePasswords(),
    clock: systemClock,
    clientAddress: nodeClientAddress({ trustProxy: config.trustProxy }),
    rateLimits,
    templates: nodeTemplates({ dev }),
    assets: nodeAssets({ dev }),
    logger,
    zipArchive: nodeZipArchive,
    shippedQuestionnaires: shippedOnce,
  };
}

let shipped: ShippedLibrary | null = null;
/** Compiled once per process: the shipped files do not change while the server runs. */
function shippedOnce(): ShippedLibrary {
  if (!shipped) {
    const library = loadLibrary();
    shipped = { library, source: shippedSource(library) };
  }
  return shipped;
}
