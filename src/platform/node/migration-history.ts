/**
 * Refuses a database whose applied migrations are not a prefix of ours: one made by Assay 0.1, whose
 * migrations were squashed in 0.2 (CHANGELOG, "Upgrading from 0.1"). Without this check the start fails
 * half-way with `CREATE TABLE … already exists`, which tells an operator nothing.
 */
import fs from 'node:fs';
import path from 'node:path';

export class MigrationHistoryError extends Error {
  constructor(where: string) {
    super(
      `${where} was created by an older Assay (0.1) whose migrations were replaced in 0.2 and cannot be upgraded in place. ` +
        'Recreate it: see CHANGELOG.md, "Upgrading from 0.1" (SQLite: move the data folder aside and start again).',
    );
    this.name = 'MigrationHistoryError';
  }
}

/** The `when` stamps of the migrations in a drizzle-kit folder (its journal). */
export function journalStamps(migrationsFolder: string): Set<number> {
  const journal = JSON.parse(
    fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
  ) as {
    entries: { when: number }[];
  };
  return new Set(journal.entries.map((e) => e.when));
}

/** Throws when an applied migration is not one of ours. `applied`: the `created_at` values recorded. */
export function checkHistory(applied: readonly (number | string)[], ours: Set<number>, where: string): void {
  if (applied.some((stamp) => !ours.has(Number(stamp)))) throw new MigrationHistoryError(where);
}
