/** `assay risk list` (DESIGN.md "Interfaces"): table, CSV and JSON; bad input exits 1 with a clear message. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { insertVendor } from '../../src/db/repo/vendors.js';
import { loadConfig } from '../../src/platform/node/config.js';
import { openStore } from '../../src/platform/node/open-store.js';
import { cliEnv, cliIo as io } from '../support/cli.js';
import { forEachDialect } from '../support/stores.js';
import { finding, raise } from './support.js';

forEachDialect(
  'assay risk list',
  (dialect) => {
    let env: Record<string, string>;
    let close = async () => {};
    let tenantId = '';

    beforeAll(async () => {
      ({ env, close } = await cliEnv(dialect as 'sqlite' | 'pg', 'assay-risk-cli-'));
      const r = io(env);
      expect(
        await runCli(['tenant', 'create', '--name', 'Acme', '--admin-email', 'a@acme.example'], r.value),
      ).toBe(0);
      tenantId = r.out[0]!.match(/[0-9a-f-]{36}/)![0];
      const store = await openStore(loadConfig({ BASE_URL: 'https://assay.test', ...env }), () => {});
      try {
        const vendor = await store.tenant(tenantId).write((tx) => insertVendor(tx, { name: 'Widgets GmbH' }));
        await raise(
          store,
          tenantId,
          vendor.id,
          null as unknown as string,
          [
            finding('A', { title: '=cmd|x', likelihood: 5, impact: 5 }),
            finding('B', { likelihood: 1, impact: 1 }),
          ],
          new Date(),
        );
      } finally {
        await store.close();
      }
    }, 120_000);
    afterAll(() => close());

    it('prints the register as a table, CSV and JSON', async () => {
      const t = io(env);
      expect(await runCli(['risk', 'list', '--tenant', 'Acme'], t.value)).toBe(0);
      expect(t.out[0]).toMatch(/^Risk id\tVendor\tTitle\tStatus/);
      expect(t.out).toHaveLength(3);
      expect(t.out[1]).toContain('critical');
      const c = io(env);
      expect(
        await runCli(
          ['risk', 'list', '--tenant', tenantId, '--vendor', 'Widgets GmbH', '--format', 'csv'],
          c.value,
        ),
      ).toBe(0);
      expect(c.out.join('\n')).toContain(`"'=cmd|x"`);
      const j = io(env);
      expect(
        await runCli(['risk', 'list', '--tenant', 'Acme', '--status', 'open', '--format', 'json'], j.value),
      ).toBe(0);
      const rows = JSON.parse(j.out.join('\n'));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ Vendor: 'Widgets GmbH', Score: 25, 'Inherent rating': 'critical' });
      const none = io(env);
      expect(
        await runCli(
          ['risk', 'list', '--tenant', 'Acme', '--status', 'closed', '--format', 'json'],
          none.value,
        ),
      ).toBe(0);
      expect(JSON.parse(none.out.join('\n'))).toEqual([]);
    });

    it.each([
      [['risk', 'list'], /--tenant is required/],
      [['risk', 'list', '--tenant', 'Nope'], /no tenant with id or name "Nope"/],
      [
        ['risk', 'list', '--tenant', 'Acme', '--status', 'done'],
        /--status must be one of open, in_treatment, accepted, closed/,
      ],
      [['risk', 'list', '--tenant', 'Acme', '--format', 'xml'], /--format must be one of table, csv, json/],
      [['risk', 'list', '--tenant', 'Acme', '--vendor', 'Nobody'], /no vendor with id or name "Nobody"/],
      [['risk', 'list', '--tenant', 'Acme', '--colour', 'red'], /Unknown option '--colour'/],
    ])('refuses %j with exit 1 and a clear message', async (argv, message) => {
      const r = io(env);
      expect(await runCli(argv, r.value)).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
    });
  },
  ['sqlite', 'pg'],
);
