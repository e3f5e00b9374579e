/**
 * `assay privacy export` and `assay privacy erase` on SQLite and PostgreSQL: the same zip as the
 * workspace, a typed confirmation, a clear exit 1 for a bad subject, and `assay audit verify` passing after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { type CliIo, runCli } from '../../src/cli/main.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { devOutboxMail } from '../../src/platform/node/mail.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { systemClock } from '../../src/platform/ports.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { BASE_URL: 'https://assay.test', ...env },
  };
  return { value, out, err };
}

function zipNames(file: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            out[entry.fileName] = Buffer.concat(parts).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

forEachDialect(
  'assay privacy',
  (dialect) => {
    let env: Record<string, string>;
    let ts: TestStore | null = null;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-privacy-cli-'));

    beforeAll(async () => {
      if (dialect === 'sqlite') env = { DATA_DIR: path.join(dir, 'data') };
      else {
        ts = await openTestStore('pg');
        env = {
          DATABASE_URL: ts.pg!.appUrl,
          MIGRATION_DATABASE_URL: ts.pg!.ownerUrl,
          DATA_DIR: path.join(dir, 'data'),
        };
      }
      fs.mkdirSync(env.DATA_DIR!, { recursive: true });
      expect(
        await runCli(
          ['tenant', 'create', '--name', 'Acme', '--admin-email', 'boss@acme.example'],
          io(env).value,
        ),
      ).toBe(0);
      const sent = io(env);
      const code = await runCli(
        [
          'assessment',
          'send',
          '--tenant',
          'Acme',
          '--questionnaire',
          'nis2-supplier',
          '--vendor-name',
          'Widgets GmbH',
          '--contact-email',
          'pia.lindqvist@widgets.example',
          '--contact-name',
          'Pia Lindqvist',
        ],
        sent.value,
      );
      expect(code, sent.err.join('\n')).toBe(0);
    }, 120_000);
    afterAll(() => ts?.close());

    it('exports a contact and a member to a zip (mode 0600) and refuses to overwrite a file', async () => {
      const out = path.join(dir, 'contact.zip');
      const r = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'export',
            '--tenant',
            'Acme',
            '--contact-email',
            'Pia.Lindqvist@widgets.example',
            '--out',
            out,
          ],
          r.value,
        ),
        r.err.join('\n'),
      ).toBe(0);
      expect(r.out[0]).toMatch(
        /^Exported contact [0-9a-f-]{36} to .*contact\.zip \(SHA-256 [0-9a-f]{64}\)\.$/,
      );
      expect(fs.statSync(out).mode & 0o777).toBe(0o600);
      const files = await zipNames(out);
      expect(JSON.parse(files['data.json']!).contact).toMatchObject({ name: 'Pia Lindqvist' });
      const again = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'export',
            '--tenant',
            'Acme',
            '--contact-email',
            'pia.lindqvist@widgets.example',
            '--out',
            out,
          ],
          again.value,
        ),
      ).toBe(1);
      expect(again.err.join('\n')).toMatch(/exists/);
      const member = path.join(dir, 'member.zip');
      expect(
        await runCli(
          ['privacy', 'export', '--tenant', 'Acme', '--member-email', 'boss@acme.example', '--out', member],
          io(env).value,
        ),
      ).toBe(0);
      expect(JSON.parse((await zipNames(member))['data.json']!).account).toMatchObject({
        email: 'boss@acme.example',
        role: 'admin',
      });
    });

    it.each([
      [['--contact-email', 'nobody@widgets.example'], /no vendor contact/],
      [['--member-email', 'nobody@acme.example'], /no member/],
      [['--contact-email', 'not-an-address'], /address/i],
      [[], /exactly one of/],
      [
        ['--contact-email', 'pia.lindqvist@widgets.example', '--member-email', 'boss@acme.example'],
        /exactly one of/,
      ],
    ])('refuses %j with exit 1', async (args, message) => {
      const r = io(env);
      expect(
        await runCli(
          ['privacy', 'export', '--tenant', 'Acme', ...args, '--out', path.join(dir, 'x.zip')],
          r.value,
        ),
      ).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
      expect(fs.existsSync(path.join(dir, 'x.zip'))).toBe(false);
    });

    it('erases a contact only with the typed address; the last admin stays; audit verify passes after', async () => {
      const wrong = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'erase',
            '--tenant',
            'Acme',
            '--contact-email',
            'pia.lindqvist@widgets.example',
            '--confirm',
            'pia@widgets.example',
          ],
          wrong.value,
        ),
      ).toBe(1);
      expect(wrong.err.join('\n')).toMatch(/Type the person’s email address exactly/);
      // The invitation as the development server would have sent it: into DATA_DIR/outbox.
      const outboxDir = path.join(env.DATA_DIR!, 'outbox');
      const held = () =>
        fs
          .readdirSync(outboxDir)
          .map((f) => fs.readFileSync(path.join(outboxDir, f), 'utf8'))
          .join('\n');
      const db = ts?.store ?? openSqliteStore({ file: path.join(env.DATA_DIR!, 'assay.db') });
      const mail = devOutboxMail({ dir: outboxDir, from: 'Assay <assay@assay.test>' });
      const delivered = await createMailSender({
        store: db,
        mail,
        clock: systemClock,
        logger: createLogger({ level: 'silent' }),
      }).runOnce();
      if (!ts) await db.close();
      expect(delivered.sent).toBeGreaterThanOrEqual(1);
      expect(held()).toContain('pia.lindqvist@widgets.example');
      const r = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'erase',
            '--tenant',
            'Acme',
            '--contact-email',
            'pia.lindqvist@widgets.example',
            '--confirm',
            'pia.lindqvist@widgets.example',
          ],
          r.value,
        ),
        r.err.join('\n'),
      ).toBe(0);
      expect(r.out[0]).toMatch(/^Erased contact [0-9a-f-]{36}\.$/);
      // The erasure from the shell took the outbox's copy of her mail too.
      expect(held()).not.toContain('pia.lindqvist@widgets.example');
      const gone = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'export',
            '--tenant',
            'Acme',
            '--contact-email',
            'pia.lindqvist@widgets.example',
            '--out',
            path.join(dir, 'y.zip'),
          ],
          gone.value,
        ),
      ).toBe(1);
      const admin = io(env);
      expect(
        await runCli(
          [
            'privacy',
            'erase',
            '--tenant',
            'Acme',
            '--member-email',
            'boss@acme.example',
            '--confirm',
            'boss@acme.example',
          ],
          admin.value,
        ),
      ).toBe(1);
      expect(admin.err.join('\n')).toMatch(/at least one active admin/);
      const verify = io(env);
      expect(await runCli(['audit', 'verify', '--tenant', 'Acme'], verify.value), verify.err.join('\n')).toBe(
        0,
      );
    });
  },
  ['sqlite', 'pg'],
);
