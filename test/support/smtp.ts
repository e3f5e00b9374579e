/**
 * A real SMTP server in the test process (smtp-server), receiving what Assay sends. Messages are parsed
 * with mailparser; `rejectRcpt` / `deferRcpt` / `rejectFrom` make it refuse as a real server would.
 * `stop()` and `start()` again (same port) stand for an outage.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  envelope: { from: string; to: string[] };
  raw: string;
  mail: ParsedMail;
}

export interface TestSmtpOptions {
  /** Recipients answered with 550 at RCPT TO. */
  rejectRcpt?: (address: string) => boolean;
  /** Recipients answered with 451 at RCPT TO. */
  deferRcpt?: (address: string) => boolean;
  /** Answer MAIL FROM with 553 (our sender is refused: a server-side problem). */
  rejectFrom?: boolean;
  /** Delay before accepting a message's data, so concurrent senders really overlap. */
  dataDelayMs?: number;
}

export class TestSmtp {
  readonly received: Received[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  constructor(readonly options: TestSmtpOptions = {}) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const o = this.options;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // stop() is an outage: open (pooled) connections are cut, not waited for.
      closeTimeout: 50,
      onMailFrom: (_address, _session, cb) => {
        if (this.options.rejectFrom) {
          const err = new Error('sender not allowed') as Error & { responseCode: number };
          err.responseCode = 553;
          return cb(err);
        }
        cb();
      },
      onRcptTo: (address, _session, cb) => {
        const a = address.address;
        if (o.rejectRcpt?.(a)) {
          const err = new Error(`<${a}>: Recipient address rejected`) as Error & { responseCode: number };
          err.responseCode = 550;
          return cb(err);
        }
        if (o.deferRcpt?.(a)) {
          const err = new Error(`<${a}>: try again later`) as Error & { responseCode: number };
          err.responseCode = 451;
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          const finish = async () => {
            this.received.push({ envelope, raw, mail: await simpleParser(raw) });
            cb();
          };
          if (o.dataDelayMs) setTimeout(() => void finish(), o.dataDelayMs);
          else await finish();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => {});
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Message-IDs received, in order. */
  messageIds(): string[] {
    return this.received.map((r) => r.mail.messageId ?? '');
  }
}
