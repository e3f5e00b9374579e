/**
 * The mail port on Node. With `SMTP_URL`: nodemailer's pooled SMTP transport; the URL says where and how
 * (`smtps://` is TLS from the first byte, `smtp://` upgrades with STARTTLS when offered, and
 * `?requireTLS=true` refuses to go on without it; user and password in the URL; its query may override
 * the timeouts below). Without it: the development outbox, every message written as an `.eml` file
 * (RFC 5322, built by nodemailer's stream transport) under `DATA_DIR/outbox/`, next to a JSON file the
 * `/dev/outbox` page reads. Files are readable by the owner only: they hold live vendor links.
 */
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import {
  type DevOutbox,
  OUTBOX_ID,
  type OutboxEntry,
  type OutboxMessage,
  STEM_MAIL_ID,
} from '../../mail/dev-outbox.js';
import { MailSendError, PermanentMailError, TransientMailError } from '../../mail/errors.js';
import { mailSignal } from '../../mail/signal.js';
import { unconfiguredMail } from '../../mail/unconfigured.js';
import type { MailMessage, MailPort } from '../ports.js';

/** Bounds on one SMTP exchange, well inside the sender's lease (src/db/repo/outbox.ts). */
const TIMEOUTS = {
  connectionTimeout: 15_000,
  greetingTimeout: 15_000,
  socketTimeout: 60_000,
  dnsTimeout: 15_000,
};

/** The domain of MAIL_FROM (`Assay <assay@example.com>` → `example.com`), for Message-IDs. */
function fromDomain(from: string): string {
  const first = addressparser(from, { flatten: true })[0];
  const domain = first?.address?.split('@')[1]?.toLowerCase();
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : 'assay.invalid';
}

function messageOptions(from: string, m: MailMessage) {
  return {
    from,
    to: m.to,
    // The envelope names the one validated address, whatever a header parser might make of `to`.
    envelope: { from: addressparser(from, { flatten: true })[0]?.address ?? from, to: [m.to] },
    subject: m.subject,
    text: m.text,
    ...(m.html ? { html: m.html } : {}),
    messageId: `<${m.id}@${fromDomain(from)}>`,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

const CODE = /^[A-Z][A-Z0-9_]{1,24}$/;

/**
 * nodemailer's error as ours. A 5xx for the recipient (RCPT TO) or the message (DATA, or too big) is
 * permanent; a 4xx for them is transient and counts against the message; everything else (no
 * connection, timeouts, TLS, authentication, MAIL FROM refused: our side) is the server's.
 */
export function classifySmtpError(err: unknown): MailSendError {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : 'EUNKNOWN';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const label = reply ? `${code} ${reply}` : code;
  const command = typeof e.command === 'string' ? e.command : '';
  const aboutMessage = (code === 'EENVELOPE' && command !== 'MAIL FROM') || code === 'EMESSAGE';
  if (!aboutMessage) return new TransientMailError(label, 'server');
  if (reply !== null && reply >= 400 && reply < 500) return new TransientMailError(label, 'message');
  return new PermanentMailError(label);
}

export function smtpMail(options: { url: string; from: string }): MailPort {
  const transport = nodemailer.createTransport({
    ...TIMEOUTS,
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    logger: false,
    debug: false,
    url: options.url,
  });
  return {
    ...mailSignal(),
    async send(m) {
      try {
        const info = await transport.sendMail(messageOptions(options.from, m));
        return { messageId: info.messageId };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** The stem of an outbox file: sortable by time, unique. */
function stem(at: Date, id: string): string {
  return `${at.toISOString().replace(/[:.]/g, '-')}-${id.replace(/[^0-9A-Za-z-]/g, '')}`.slice(0, 80);
}

export function devOutboxMail(options: { dir: string; from: string; now?: () => Date }): MailPort {
  const dir = options.dir;
  const now = options.now ?? (() => new Date());
  const build = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const ensureDir = () => fs.mkdirSync(dir, { recursive: true, mode: 0o700 });

  async function readEntry(file: string): Promise<OutboxMessage | null> {
    try {
      return JSON.parse(await fs.promises.readFile(path.join(dir, file), 'utf8')) as OutboxMessage;
    } catch {
      return null;
    }
  }

  const outbox: DevOutbox = {
    async list(limit = 200) {
      let files: string[];
      try {
        files = await fs.promises.readdir(dir);
      } catch {
        return [];
      }
      const stems = files
        .filter((f) => f.endsWith('.json') && OUTBOX_ID.test(f.slice(0, -5)))
        .sort()
        .reverse()
        .slice(0, limit);
      const out: OutboxEntry[] = [];
      for (const f of stems) {
        const e = await readEntry(f);
        if (e) out.push({ id: e.id, messageId: e.messageId, to: e.to, subject: e.subject, date: e.date });
      }
      return out;
    },
    async get(id) {
      return OUTBOX_ID.test(id) ? readEntry(`${id}.json`) : null;
    },
    async raw(id) {
      if (!OUTBOX_ID.test(id)) return null;
      try {
        return new Uint8Array(await fs.promises.readFile(path.join(dir, `${id}.eml`)));
      } catch {
        return null;
      }
    },
    async mailIds() {
      return [...new Set((await heldFiles()).map((f) => f.mailId))];
    },
    async remove(mailIds) {
      const gone = new Set(mailIds);
      const removed = new Set<string>();
      for (const f of await heldFiles()) {
        if (!gone.has(f.mailId)) continue;
        await fs.promises.rm(path.join(dir, f.name), { force: true });
        removed.add(f.mailId);
      }
      return removed.size;
    },
  };

  /** Every file of a message (`.eml`, `.json`, a `.json.tmp` a crash left) with its outbox row id. */
  async function heldFiles(): Promise<{ name: string; mailId: string }[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return [];
    }
    const out: { name: string; mailId: string }[] = [];
    for (const name of names) {
      const stem = /^\.?([^.]+)\.(?:eml|json|json\.tmp)$/.exec(name)?.[1];
      const mailId = stem && STEM_MAIL_ID.exec(stem)?.[1];
      if (mailId) out.push({ name, mailId });
    }
    return out;
  }

  return {
    ...mailSignal(),
    outbox,
    async send(m) {
      const at = now();
      try {
        const info = await build.sendMail(messageOptions(options.from, m));
        ensureDir();
        const id = stem(at, m.id);
        const entry: OutboxMessage = {
          id,
          messageId: info.messageId,
          to: m.to,
          subject: m.subject,
          date: at.toISOString(),
          text: m.text,
          html: m.html ?? null,
        };
        // The .eml first, then the JSON the page lists by (written aside and renamed: never half a file).
        await fs.promises.writeFile(path.join(dir, `${id}.eml`), info.message as Buffer, { mode: 0o600 });
        const tmp = path.join(dir, `.${id}.json.tmp`);
        await fs.promises.writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
        await fs.promises.rename(tmp, path.join(dir, `${id}.json`));
        return { messageId: info.messageId };
      } catch (err) {
        if (err instanceof MailSendError) throw err;
        // A full disk or the like: try again later.
        throw new TransientMailError('EOUTBOX', 'server');
      }
    },
    async close() {},
  };
}

/**
 * The configured mail port: SMTP when SMTP_URL is set, else the development outbox under DATA_DIR. In
 * production without SMTP_URL the server refuses to start (serverConfigProblems in ./config.ts); the
 * CLI, which only queues, gets a port that sends nothing and writes nothing (a file nobody reads would
 * mark mail sent and so lose it): what it queues waits for a server with SMTP_URL.
 */
export function nodeMail(config: {
  smtpUrl: string | null;
  mailFrom: string;
  dataDir: string;
  production: boolean;
}): MailPort {
  if (config.smtpUrl) return smtpMail({ url: config.smtpUrl, from: config.mailFrom });
  if (config.production) return unconfiguredMail();
  return devOutboxMail({ dir: path.join(config.dataDir, 'outbox'), from: config.mailFrom });
}

/**
 * The development outbox where the configuration has one (no SMTP_URL, outside production), for the
 * CLI: an erasure or a purge run from the shell removes the outbox files of the mail it blanked or
 * deleted, as the server's do (src/mail/outbox-prune.ts). The CLI never sends through it.
 */
export function configuredDevOutbox(config: {
  smtpUrl: string | null;
  mailFrom: string;
  dataDir: string;
  production: boolean;
}): MailPort | undefined {
  if (config.smtpUrl || config.production) return undefined;
  return devOutboxMail({ dir: path.join(config.dataDir, 'outbox'), from: config.mailFrom });
}
