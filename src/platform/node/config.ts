/**
 * Configuration from the environment, validated once at start.
 * A bad value stops the start with a message naming the variable; nothing else reads process.env.
 */
import path from 'node:path';
import { z } from 'zod';
import { APP_ROOT } from './app-root.js';

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const url = (protocols: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], {
    message: 'must be development, production or test',
  }),
  PORT: port,
  HOST: z.string().min(1, 'must not be empty'),
  BASE_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1, 'must not be empty'),
  DATABASE_URL: url(['postgres:', 'postgresql:', 'sqlite:', 'file:']).optional(),
  MIGRATION_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z
    .string()
    .regex(/^[^\r\n]+@[^\r\n]+$/, 'must be an email address, e.g. "Assay <assay@example.com>"'),
  MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 random bytes in base64 (openssl rand -base64 32)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }),
  SETUP_LINK_FILE: z.string().min(1, 'must not be empty').optional(),
  TRUST_PROXY: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number of proxies (0 when none)')
    .min(0, 'must be 0 or more')
    .max(5, 'must be at most 5'),
});

/** The Node drivers (D1 is the Workers target's). */
export type NodeDialect = 'sqlite' | 'pg';

export interface Config {
  env: 'development' | 'production' | 'test';
  production: boolean;
  port: number;
  host: string;
  baseUrl: string;
  /** The origin (scheme://host:port) of BASE_URL: what browsers send as `Origin`. */
  origin: string;
  dataDir: string;
  database: { dialect: 'sqlite'; file: string } | { dialect: 'pg'; url: string; migrationUrl: string };
  smtpUrl: string | null;
  mailFrom: string;
  masterKey: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How many reverse proxies append to X-Forwarded-For (0: the header is ignored). */
  trustProxy: number;
  /** Where the first-run set-up link goes instead of stdout (mode 0600), for hosts whose stdout is shipped to a log store. */
  setupLinkFile: string | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = {
    NODE_ENV: env.NODE_ENV || 'development',
    PORT: env.PORT || '8787',
    HOST: env.HOST || '127.0.0.1',
    BASE_URL: env.BASE_URL || undefined,
    // The default data folder belongs to the app, not to wherever the CLI is run from.
    DATA_DIR: env.DATA_DIR || path.join(APP_ROOT, 'data'),
    DATABASE_URL: env.DATABASE_URL || undefined,
    MIGRATION_DATABASE_URL: env.MIGRATION_DATABASE_URL || undefined,
    SMTP_URL: env.SMTP_URL || undefined,
    MAIL_FROM: env.MAIL_FROM || 'Assay <assay@localhost>',
    MASTER_KEY: env.MASTER_KEY || undefined,
    LOG_LEVEL: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    TRUST_PROXY: env.TRUST_PROXY || '0',
    SETUP_LINK_FILE: env.SETUP_LINK_FILE || undefined,
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`));
  }
  const v = parsed.data;
  const problems: string[] = [];
  const production = v.NODE_ENV === 'production';
  const baseUrl = (v.BASE_URL ?? `http://${v.HOST.includes(':') ? `[${v.HOST}]` : v.HOST}:${v.PORT}`).replace(
    /\/+$/,
    '',
  );
  const base = new URL(baseUrl);
  if (base.pathname !== '/' && base.pathname !== '') problems.push('BASE_URL must not have a path');
  if (base.search || base.hash) problems.push('BASE_URL must not have a query or fragment');
  if (production && base.protocol !== 'https:') problems.push('BASE_URL must use https in production');
  if (production && !v.MASTER_KEY) {
    problems.push('MASTER_KEY is required in production (openssl rand -base64 32)');
  }
  if (v.MIGRATION_DATABASE_URL && !v.DATABASE_URL?.startsWith('postgres')) {
    problems.push('MIGRATION_DATABASE_URL needs DATABASE_URL to point at PostgreSQL too');
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(v.DATA_DIR);
  let database: Config['database'];
  if (v.DATABASE_URL?.startsWith('postgres')) {
    database = {
      dialect: 'pg',
      url: v.DATABASE_URL,
      migrationUrl: v.MIGRATION_DATABASE_URL ?? v.DATABASE_URL,
    };
  } else if (v.DATABASE_URL) {
    const u = new URL(v.DATABASE_URL);
    database = { dialect: 'sqlite', file: path.resolve(decodeURIComponent(u.pathname)) };
  } else {
    database = { dialect: 'sqlite', file: path.join(dataDir, 'assay.db') };
  }
  return {
    env: v.NODE_ENV,
    production,
    port: v.PORT,
    host: v.HOST,
    baseUrl: base.origin,
    origin: base.origin,
    dataDir,
    database,
    smtpUrl: v.SMTP_URL ?? null,
    mailFrom: v.MAIL_FROM,
    masterKey: v.MASTER_KEY ?? null,
    logLevel: v.LOG_LEVEL,
    trustProxy: v.TRUST_PROXY,
    setupLinkFile: v.SETUP_LINK_FILE ? path.resolve(v.SETUP_LINK_FILE) : null,
  };
}

/**
 * What the server (not the CLI) needs besides a valid configuration: in production, a mail transport.
 * Without SMTP_URL nothing would ever send the mail the server queues (invitations, fresh-access links,
 * submission codes, team invitations), and every message would keep its live link or code in the outbox
 * indefinitely, in the database and in every backup; so the server refuses to start instead (docs/mail.md,
 * "Production without SMTP_URL"). The CLI may still run without it: what it queues waits for a server.
 */
export function serverConfigProblems(config: Pick<Config, 'production' | 'smtpUrl'>): string[] {
  return config.production && !config.smtpUrl
    ? [
        'SMTP_URL is required in production (e.g. smtps://user:password@mail.example.com:465): without it no mail is sent and queued mail keeps its links and codes',
      ]
    : [];
}
