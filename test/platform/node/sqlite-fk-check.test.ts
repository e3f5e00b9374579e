import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/platform/node/sqlite-store.js';

// The store runs migrations with foreign keys off (SQLite's procedure for table rebuilds) and checks every
// reference once they are done; a start that applies no migration skips that check (it reads every table).
describe('the SQLite store checks foreign keys after migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-fk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The shipped migrations plus one that leaves `rows` dangling references. */
  function folderWithBrokenMigration(rows: number): string {
    const folder = join(dir, `migrations-${rows}`);
    cpSync(new URL('../../../migrations/sqlite', import.meta.url).pathname, folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    const last = journal.entries.at(-1);
    const tag = `${String(last.idx + 1).padStart(4, '0')}_broken_reference`;
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag });
    writeFileSync(journalFile, JSON.stringify(journal));
    const inserts = Array.from({ length: rows }, (_, i) => `INSERT INTO fk_child VALUES (${i}, 999);`).join(
      '\n--> statement-breakpoint\n',
    );
    writeFileSync(
      join(folder, `${tag}.sql`),
      `PRAGMA foreign_keys=OFF;\n--> statement-breakpoint\nCREATE TABLE fk_parent (id integer PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE fk_child (id integer PRIMARY KEY, parent integer REFERENCES fk_parent(id));\n--> statement-breakpoint\n${inserts}`,
    );
    return folder;
  }

  it('refuses to open when a migration left a broken reference', async () => {
    const file = join(dir, 'broken.db');
    expect(() => openSqliteStore({ file, migrationsFolder: folderWithBrokenMigration(2) })).toThrow(
      /migrations left 2 broken foreign key reference/,
    );
  });

  it('opens an up-to-date file without the check, and checks again when a migration is applied', async () => {
    const file = join(dir, 'current.db');
    await openSqliteStore({ file }).close();
    // A dangling reference written behind the store's back (foreign keys off) is not a migration's doing:
    // the next start applies nothing, so it does not scan for it.
    const raw = new Database(file);
    raw.pragma('foreign_keys = OFF');
    raw.exec(
      'CREATE TABLE fk_parent (id integer PRIMARY KEY); CREATE TABLE fk_child (id integer PRIMARY KEY, parent integer REFERENCES fk_parent(id)); INSERT INTO fk_child VALUES (1, 7);',
    );
    raw.close();
    await openSqliteStore({ file }).close();
    // A start that applies a migration checks the whole file, and finds it.
    const folder = join(dir, 'migrations-next');
    cpSync(new URL('../../../migrations/sqlite', import.meta.url).pathname, folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    const last = journal.entries.at(-1);
    const tag = `${String(last.idx + 1).padStart(4, '0')}_harmless`;
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag });
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(join(folder, `${tag}.sql`), 'CREATE TABLE harmless (id integer PRIMARY KEY);');
    expect(() => openSqliteStore({ file, migrationsFolder: folder })).toThrow(/broken foreign key reference/);
  });
});
