import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { cliEnv, cliIo as io } from './support/cli.js';
import { createTestDatabase } from './support/pg.js';
import { forEachDialect, openTestStore, type TestStore } from './support/stores.js';

const root = path.resolve(import.meta.dirname, '..');

forEachDialect(
  'assay tenant',
  (dialect) => {
    let env: Record<string, string>;
    let close = async () => {};

    beforeAll(async () => {
      ({ env, close } = await cliEnv(dialect as 'sqlite' | 'pg'));
    });
    afterAll(() => close());

    it('creates a tenant and prints its id and a one-time set-up link', async () => {
      const r = io(env);
      expect(
        await runCli(['tenant', 'create', '--name', 'Acme', '--admin-email', 'Boss@Acme.example'], r.value),
      ).toBe(0);
      expect(r.out[0]).toMatch(/^Created tenant [0-9a-f-]{36} \(Acme\)\.$/);
      expect(r.out.join('\n')).toMatch(/boss@acme\.example/);
      expect(r.out.at(-1)).toMatch(/^https:\/\/assay\.test\/setup\/[A-Za-z0-9_-]{43}$/);
      expect(r.err).toEqual([]);
    });

    it('lists tenants, one line each: id, then name', async () => {
      await runCli(['tenant', 'create', '--name', 'Beta', '--admin-email', 'b@beta.example'], io(env).value);
      const r = io(env);
      expect(await runCli(['tenant', 'list'], r.value)).toBe(0);
      expect(r.out).toHaveLength(2);
      expect(r.out[0]).toMatch(/^[0-9a-f-]{36}\tAcme$/);
      expect(r.out[1]).toMatch(/^[0-9a-f-]{36}\tBeta$/);
    });

    it.each([
      [['tenant', 'create', '--name', 'X'], /--admin-email is required/],
      [['tenant', 'create', '--admin-email', 'a@b.example'], /--name is required/],
      [['tenant', 'create', '--name', 'X', '--admin-email', 'nope'], /valid email/],
      [['tenant', 'create', '--name', '  ', '--admin-email', 'a@b.example'], /--name is required/],
      [
        ['tenant', 'create', '--name', 'X', '--admin-email', 'a@b.example', '--colour', 'red'],
        /Unknown option '--colour'/,
      ],
      [
        ['tenant', 'create', '--name', 'X', '--admin-email', 'a@b.example', 'extra'],
        /unexpected argument "extra"/,
      ],
      [['tenant', 'explode'], /unknown command "tenant explode"/],
      // Commands find tenants by name too: a second "Acme" (any case) would make --tenant Acme ambiguous.
      [
        ['tenant', 'create', '--name', ' acme ', '--admin-email', 'a@b.example'],
        /a tenant named "Acme" exists already/,
      ],
    ])('refuses %j with a clear message, exit 1, and creates nothing', async (argv, message) => {
      const r = io(env);
      expect(await runCli(argv, r.value)).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
      const list = io(env);
      await runCli(['tenant', 'list'], list.value);
      expect(list.out).toHaveLength(2);
    });
  },
  ['sqlite', 'pg'],
);

it('refuses a bad configuration with the variable named and exit 1', async () => {
  const r = io({ DATABASE_URL: 'mysql://nope' });
  expect(await runCli(['tenant', 'list'], r.value)).toBe(1);
  expect(r.err.join('\n')).toMatch(/DATABASE_URL must be a URL/);
});

it('runs as `npx assay` through the bin script', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bin-'));
  const env = { ...process.env, DATA_DIR: dataDir, BASE_URL: 'https://assay.test' };
  const created = spawnSync(
    'npx',
    ['assay', 'tenant', 'create', '--name', 'Bin Co', '--admin-email', 'x@bin.example'],
    {
      cwd: root,
      env,
      encoding: 'utf8',
    },
  );
  expect(created.status).toBe(0);
  expect(created.stdout).toMatch(/https:\/\/assay\.test\/setup\//);
  const list = spawnSync('npx', ['assay', 'tenant', 'list'], { cwd: root, env, encoding: 'utf8' });
  expect(list.stdout).toMatch(/\tBin Co\n$/);
  const bad = spawnSync('npx', ['assay', 'nonsense'], { cwd: root, env, encoding: 'utf8' });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/unknown command "nonsense"/);
}, 60_000);

it('lints questionnaire files: exit 0 when clean, 1 with file:line:column on errors', async () => {
  const ok = io({});
  expect(await runCli(['questionnaire', 'lint', 'questionnaires/nis2-supplier.yaml'], ok.value)).toBe(0);
  expect(ok.out.join('\n')).toMatch(/0 errors/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-lint-'));
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, 'schema: vrq/1\nid: x\nversion: nope\n');
  const r = io({});
  expect(await runCli(['questionnaire', 'lint', bad], r.value)).toBe(1);
  expect(r.out.join('\n')).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+ error`));
  const none = io({});
  expect(await runCli(['questionnaire', 'lint'], none.value)).toBe(1);
  expect(none.err.join('\n')).toMatch(/name at least one questionnaire file/);
});

it('publishes a questionnaire for a tenant and refuses an incompatible or unreadable file', async () => {
  const env = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pub-')) };
  await runCli(['tenant', 'create', '--name', 'Pub', '--admin-email', 'p@pub.example'], io(env).value);
  const fixture = path.resolve(import.meta.dirname, 'questionnaire/fixtures/vendor-baseline.yaml');
  const r = io(env);
  expect(await runCli(['questionnaire', 'publish', '--tenant', 'Pub', fixture], r.value)).toBe(0);
  expect(r.out[0]).toMatch(/^Published vendor-baseline@2\.1\.0 \(/);
  const again = io(env);
  expect(await runCli(['questionnaire', 'publish', '--tenant', 'Pub', fixture], again.value)).toBe(0);
  expect(again.out[0]).toMatch(/^Already published/);
  const changed = path.join(env.DATA_DIR, 'changed.yaml');
  fs.writeFileSync(
    changed,
    fs.readFileSync(fixture, 'utf8').replace('Anything else we should know?', 'More?'),
  );
  const refused = io(env);
  expect(await runCli(['questionnaire', 'publish', '--tenant', 'Pub', changed], refused.value)).toBe(1);
  expect(refused.err.join('\n')).toMatch(/version-exists/);
  const missing = io(env);
  expect(await runCli(['questionnaire', 'publish', '--tenant', 'Pub', '/nope.yaml'], missing.value)).toBe(1);
  expect(missing.err.join('\n')).toMatch(/cannot read \/nope\.yaml: ENOENT/);
  const noTenant = io(env);
  expect(await runCli(['questionnaire', 'publish', '--tenant', 'Nobody', fixture], noTenant.value)).toBe(1);
  expect(noTenant.err.join('\n')).toMatch(/no tenant with id or name "Nobody"/);
});

it('works from any working directory (paths come from the app root, not the shell)', () => {
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-cwd-'));
  const dataDir = path.join(elsewhere, 'data');
  const env = { ...process.env, DATA_DIR: dataDir, BASE_URL: 'https://assay.test' };
  const bin = path.join(root, 'bin/assay.js');
  fs.copyFileSync(
    path.resolve(import.meta.dirname, 'questionnaire/fixtures/vendor-baseline.yaml'),
    path.join(elsewhere, 'q.yaml'),
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: elsewhere, env, encoding: 'utf8' });
  expect(run('tenant', 'create', '--name', 'Far Away', '--admin-email', 'far@away.example').status).toBe(0);
  const published = run('questionnaire', 'publish', '--tenant', 'Far Away', 'q.yaml');
  expect(published.stderr).toBe('');
  expect(published.status).toBe(0);
  expect(published.stdout).toMatch(/^Published vendor-baseline@2\.1\.0/);
  const lint = run('questionnaire', 'lint', path.join(root, 'questionnaires/nis2-supplier.yaml'));
  expect(lint.status).toBe(0);
}, 60_000);

it('refuses a database made by Assay 0.1 with a clear message, not a failed CREATE TABLE', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-old-'));
  const { default: Database } = await import('better-sqlite3');
  const old = new Database(path.join(dir, 'assay.db'));
  old.exec(
    'CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)',
  );
  old.exec("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('0.1', 1700000000000)");
  old.exec('CREATE TABLE tenants (id text PRIMARY KEY)');
  old.close();
  const r = io({ DATA_DIR: dir });
  expect(await runCli(['tenant', 'list'], r.value)).toBe(1);
  expect(r.err.join('\n')).toMatch(/older Assay \(0\.1\).*Upgrading from 0\.1/s);
});

forEachDialect('the CLI with the app role alone (no MIGRATION_DATABASE_URL)', () => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore('pg');
  });
  afterAll(() => ts.close());
  const appOnly = () => ({ DATABASE_URL: ts.pg!.appUrl });

  it('works on a current schema: nothing to migrate, so the owner is not needed', async () => {
    const made = io(appOnly());
    expect(
      await runCli(['tenant', 'create', '--name', 'Solo', '--admin-email', 'a@solo.example'], made.value),
      made.err.join('\n'),
    ).toBe(0);
    const r = io(appOnly());
    expect(await runCli(['tenant', 'list'], r.value), r.err.join('\n')).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(/^[0-9a-f-]{36}\tSolo$/)]);
    expect(r.err).toEqual([]);
  });

  it('exits 1 with one line naming the URL to set when the schema is behind', async () => {
    const owner = new pg.Client({ connectionString: ts.pg!.ownerUrl });
    await owner.connect();
    try {
      // The newest migration "not applied": what an older schema looks like to this version.
      await owner.query(
        'delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)',
      );
    } finally {
      await owner.end();
    }
    const r = io(appOnly());
    expect(await runCli(['tenant', 'list'], r.value), r.err.join('\n')).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/is 1 migration behind/);
    expect(r.err[0]).toMatch(/set MIGRATION_DATABASE_URL to the owner role's URL/);
    expect(r.out).toEqual([]);
  });

  it('exits 1 the same way on an empty database', async () => {
    const fresh = await createTestDatabase();
    try {
      const r = io({ DATABASE_URL: fresh.appUrl });
      expect(await runCli(['tenant', 'list'], r.value), r.err.join('\n')).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/migrations? behind .* set MIGRATION_DATABASE_URL/);
    } finally {
      await fresh.drop();
    }
  });
}, ['pg']);
