/**
 * A local SMTP server that accepts and discards every message, for the benches that start the app as
 * production does: production refuses to start without SMTP_URL (serverConfigProblems), and the benches
 * send no mail they measure. Plain SMTP on 127.0.0.1, no STARTTLS or AUTH, like test/support/smtp.ts.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** smtp://127.0.0.1:PORT, for the app's SMTP_URL. */
  url: string;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 50,
    onData: (stream, _session, cb) => {
      stream.on('end', () => cb());
      stream.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Unref'd: the sink never keeps a finished bench alive (the app's connections end with its process).
  server.server.unref();
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let shared: Promise<SmtpSink> | undefined;
/** One sink for the whole bench process, started on first use. */
export async function smtpSinkUrl(): Promise<string> {
  shared ??= startSmtpSink();
  return (await shared).url;
}
