/** `assay assessment send` and `assay assessment list`, as an operator runs them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/main.js';
import { listMail } from '../../src/db/repo/outbox.js';
import { loadConfig } from '../../src/platform/node/config.js';
import { openStore } from '../../src/platform/node/open-store.js';
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

forEachDialect(
  'assay assessment',
  (dialect) => {
    let env: Record<string, string>;
    let ts: TestStore | null = null;
    beforeAll(async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-send-'));
      if (dialect === 'sqlite') env = { DATA_DIR: dataDir };
      else {
        ts = await openTestStore('pg');
        env = { DATA_DIR: dataDir, DATABASE_URL: ts.pg!.appUrl, MIGRATION_DATABASE_URL: ts.pg!.ownerUrl };
      }
      expect(
        await runCli(
          ['tenant', 'create', '--name', 'Acme', '--admin-email', 'a@acme.example'],
          io(env).value,
        ),
      ).toBe(0);
    }, 120_000);
    afterAll(() => ts?.close());

    const mails = async () => {
      const store = await openStore(loadConfig(env), () => {});
      try {
        return await store.as({ system: 'mail' }).read((g) => listMail(g, 100));
      } finally {
        await store.close();
      }
    };

    it('sends: prints the assessment id only; the link goes only into the queued mail', async () => {
      const r = io(env);
      const code = await runCli(
        [
          'assessment',
          'send',
          '--tenant',
          'Acme',
          '--questionnaire',
          'gdpr-art28-processor',
          '--vendor-name',
          'Cloud Ltd',
          '--contact-email',
          'Ops@Cloud.example',
          '--due',
          '2099-01-31',
          '--otp',
          '--link-hours',
          '48',
        ],
        r.value,
      );
      expect(code, r.err.join('\n')).toBe(0);
      expect(r.out).toHaveLength(1);
      expect(r.out[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect([...r.out, ...r.err].join('\n')).not.toMatch(/\/v\/|eyJ/);
      expect(r.err.join('\n')).toMatch(/queued/);
      const queued = (await mails()).filter((m) => m.toAddress === 'ops@cloud.example');
      expect(queued).toHaveLength(1);
      expect(queued[0]!.textBody).toMatch(/https:\/\/assay\.test\/v\/eyJ/);

      const list = io(env);
      expect(await runCli(['assessment', 'list', '--tenant', 'Acme'], list.value)).toBe(0);
      expect(list.out).toHaveLength(2);
      expect(list.out[0]).toBe('id\tvendor\tquestionnaire\tstatus\tdue\tscore');
      expect(list.out[1]).toMatch(
        new RegExp(
          `^${r.out[0]}\\tCloud Ltd\\tgdpr-art28-processor@\\d+\\.\\d+\\.\\d+\\tsent\\t2099-01-31\\t-$`,
        ),
      );
      const json = io(env);
      expect(await runCli(['assessment', 'list', '--tenant', 'Acme', '--json'], json.value)).toBe(0);
      expect(JSON.parse(json.out.join('\n'))).toMatchObject([
        { id: r.out[0], vendor: 'Cloud Ltd', status: 'sent', score: null },
      ]);
    });

    it.each([
      [
        ['--questionnaire', 'nis2-supplier', '--vendor-name', 'V', '--contact-email', 'v@v.example'],
        /--tenant is required/,
      ],
      [
        [
          '--tenant',
          'Nope',
          '--questionnaire',
          'nis2-supplier',
          '--vendor-name',
          'V',
          '--contact-email',
          'v@v.example',
        ],
        /no tenant/,
      ],
      [
        ['--tenant', 'Acme', '--vendor-name', 'V', '--contact-email', 'v@v.example'],
        /--questionnaire is required/,
      ],
      [
        ['--tenant', 'Acme', '--questionnaire', 'nis2-supplier', '--contact-email', 'v@v.example'],
        /--vendor-name is required/,
      ],
      [
        ['--tenant', 'Acme', '--questionnaire', 'nis2-supplier', '--vendor-name', 'V'],
        /--contact-email is required/,
      ],
      [
        [
          '--tenant',
          'Acme',
          '--questionnaire',
          'nis2-supplier',
          '--vendor-name',
          'V',
          '--contact-email',
          'v@v.example',
          '--link-hours',
          'lots',
        ],
        /whole number/,
      ],
      [
        [
          '--tenant',
          'Acme',
          '--questionnaire',
          'nis2-supplier',
          '--vendor-name',
          'V',
          '--contact-email',
          'v@v.example',
          '--due',
          '31.01.2099',
        ],
        /YYYY-MM-DD/,
      ],
      [
        [
          '--tenant',
          'Acme',
          '--questionnaire',
          'nis2-supplier',
          '--vendor-name',
          'V',
          '--contact-email',
          'v@v.example',
          '--bogus',
        ],
        /Unknown option/,
      ],
    ])('exits 1 with a clear message for %j', async (args, message) => {
      const r = io(env);
      expect(await runCli(['assessment', 'send', ...args], r.value)).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/at .*\.ts:\d+/);
    });
  },
  ['sqlite', 'pg'],
);
