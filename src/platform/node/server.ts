/**
 * Node entry: config, the Node platform (store opened, migrations applied), keys on first run, serve.
 * On an empty database it prints a one-time link that sets up the first tenant and its admin.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from '../../app.js';
import { createScheduler } from '../../jobs/scheduler.js';
import { ensureSigningKeys } from '../../keys/signing-keys.js';
import { createMailSender } from '../../mail/sender.js';
import { firstRunSetupToken } from '../../workspace/tenants.js';
import { ConfigError, loadConfig, serverConfigProblems } from './config.js';
import { hardenNodeServer } from './http-server.js';
import { createLogger } from './logger.js';
import { loadMasterKey } from './master-key-file.js';
import { MigrationHistoryError } from './migration-history.js';
import { SchemaBehindError } from './pg-migrate.js';
import { nodePlatform } from './platform.js';

/** How often the sender loop looks for due mail queued by other processes (the CLI, other instances). */
const MAIL_INTERVAL_MS = 5_000;
/** How often the scheduler looks for a job whose slot has come (each runs once per slot across processes). */
const SCHEDULER_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
    const problems = serverConfigProblems(config);
    if (problems.length) throw new ConfigError(problems);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const dev = process.env.ASSAY_DEV === '1';
  const logger = createLogger({ level: config.logLevel });
  const master = loadMasterKey(config);
  let platform: Awaited<ReturnType<typeof nodePlatform>>;
  try {
    platform = await nodePlatform({ config, logger, dev, masterKey: master });
  } catch (err) {
    // Both say what to do in one line (recreate the database; set MIGRATION_DATABASE_URL): no stack.
    if (err instanceof MigrationHistoryError || err instanceof SchemaBehindError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { store } = platform;
  const created = await ensureSigningKeys(store, master);
  if (created.length) logger.info({ kids: created }, 'created signing keys');

  // The sender loop: every few seconds, and at once when this process queues mail (mail.queued()).
  // Production without SMTP_URL never gets here (serverConfigProblems).
  const sender = createMailSender({ store, mail: platform.mail, clock: platform.clock, logger });
  sender.start(MAIL_INTERVAL_MS);
  if (!config.smtpUrl) {
    process.stdout.write(
      `No SMTP_URL: mail is written to ${config.dataDir}/outbox/ (listed at ${config.baseUrl}/dev/outbox)\n`,
    );
  }

  // Background jobs (src/jobs/registry.ts): every process ticks; the job_runs guard lets one run each slot.
  const scheduler = createScheduler({ platform: { ...platform, baseUrl: config.baseUrl } });
  scheduler.start(SCHEDULER_INTERVAL_MS);

  const app = createApp(platform, { config });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const where = config.database.dialect === 'sqlite' ? config.database.file : 'PostgreSQL';
    process.stdout.write(`Assay listening on ${config.baseUrl} (port ${info.port}, database: ${where})\n`);
  }) as Server;
  // Timeouts, header limits, Node's own 4xx answers with our headers, the response-header fast path.
  hardenNodeServer(server, { logger, ...(config.trustProxy > 0 ? { keepAliveTimeoutMs: 65_000 } : {}) });

  const token = await firstRunSetupToken(store);
  if (token) {
    const link = `${config.baseUrl}/setup/${token}`;
    if (config.setupLinkFile) {
      // Where stdout is shipped to a log store, a secret link does not belong in it.
      fs.rmSync(config.setupLinkFile, { force: true });
      fs.writeFileSync(config.setupLinkFile, `${link}\n`, { mode: 0o600, flag: 'wx' });
      process.stdout.write(
        `\nNo tenant yet. A one-time set-up link (valid 24 hours) was written to ${config.setupLinkFile}.\n\n`,
      );
    } else {
      process.stdout.write(
        `\nNo tenant yet. Open this one-time link to set up the first tenant and its admin (valid 24 hours):\n  ${link}\n\n`,
      );
    }
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // No new sends; the one under way finishes and the rest of its batch is released for the next start.
    const senderStopped = sender.stop();
    const schedulerStopped = scheduler.stop();
    server.close(async () => {
      await senderStopped;
      await schedulerStopped;
      await platform.mail.close();
      await store.close();
      process.exit(0);
    });
    // Idle keep-alive sockets would hold close() open.
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Assay failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
