/**
 * The SQLite and D1 audit table (migrations/sqlite/0020_audit_without_rowid.sql): `WITHOUT ROWID`, keyed
 * `(tenant_id, seq)`, with no index on `id` or `(tenant_id, prev_hash)`. What the dropped index guarded —
 * no two entries with one predecessor — is the key plus `audit_log_links`; an append that read a stale
 * head (as a racer on another connection to the same file does, or any D1 append that lost its race) is
 * refused on its seq, and its retry lands after the winner. The upgrade keeps every row and the triggers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_INSERT_COLUMNS, auditRowValues, GENESIS, nextEntry } from '../../src/audit/chain.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { isAuditSeqTaken, isPermissionViolation } from '../../src/db/store.js';
import { migrationStatements } from '../support/d1.js';
import { forEachDialect } from '../support/stores.js';
import { appendEntries, entries, openTrail, type Trail } from './support.js';

const COLUMNS = 'id, tenant_id, seq, ts, actor, action, target, data, prev_hash, this_hash';
const INSERT = `INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

forEachDialect(
  'audit table: the key and the fork guard',
  (dialect) => {
    let t: Trail;
    beforeEach(async () => {
      t = await openTrail(dialect);
      await appendEntries(t, 5);
    });
    afterEach(async () => {
      await t.close();
    });

    /** A raw entry on the attacker's connection (another connection to the same file on SQLite). */
    const insert = (seq: number, prevHash: string) =>
      t.attacker.run([
        [
          INSERT,
          [
            crypto.randomUUID(),
            t.tenantId,
            seq,
            new Date().toISOString(),
            'system',
            'forged.step',
            'step:x',
            '{}',
            prevHash,
            'f'.repeat(64),
          ],
        ],
      ]);

    it('refuses an append from a stale head on its seq, and a fork or a gap on its link', async () => {
      const before = await entries(t);
      const head = before.at(-1)!;
      const stale = before.at(-2)!;
      // A racer that read the head before the last entry committed writes that entry's seq again.
      const taken = await insert(head.seq, stale.this_hash).catch((e: unknown) => e);
      expect(isAuditSeqTaken(taken)).toBe(true);
      expect(isPermissionViolation(taken)).toBe(true);
      // The same predecessor at a free seq is a fork; skipping a seq is a gap.
      await expect(insert(head.seq + 1, stale.this_hash)).rejects.toThrow(/links to the one before it/);
      await expect(insert(head.seq + 2, head.this_hash)).rejects.toThrow(/links to the one before it/);
      await expect(insert(head.seq + 1, GENESIS)).rejects.toThrow(/links to the one before it/);
      expect(await entries(t)).toEqual(before);
      // The app's next append still links on, and the whole trail verifies.
      await appendEntries(t, 1, 5);
      expect(await verifyTenantTrail(t.store, t.tenantId)).toMatchObject({
        ok: true,
        entries: before.length + 1,
      });
    });

    it('refuses a seq that is not a whole number from 1 up, whatever its link (a blob, a text, a fraction)', async () => {
      const before = await entries(t);
      const head = before.at(-1)!;
      // The column is INTEGER but SQLite keeps what does not convert: '6x' as text, X'36' as a blob, 5.5 as
      // a real. Each would sort where the head read or a range cut by seq does not expect it.
      for (const seq of [
        `CAST('${head.seq + 1}' AS BLOB)`,
        `'${head.seq + 1}x'`,
        `${head.seq}.5`,
        '0',
        '-1',
      ]) {
        await expect(
          t.attacker.run([
            [
              `INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ${seq}, ?, 'system', 'forged.step', 'step:x', '{}', ?, ?)`,
              [crypto.randomUUID(), t.tenantId, new Date().toISOString(), head.this_hash, 'f'.repeat(64)],
            ],
          ]),
          seq,
        ).rejects.toThrow(/links to the one before it/);
      }
      expect(await entries(t)).toEqual(before);
    });

    it('refuses INSERT OR REPLACE over an entry (it would delete it without a DELETE trigger)', async () => {
      const before = await entries(t);
      await expect(
        t.attacker.run([
          [
            `INSERT OR REPLACE INTO audit_log (${COLUMNS}) SELECT id, tenant_id, seq, ts, 'FORGED', action, target, data, prev_hash, this_hash FROM audit_log WHERE tenant_id = ? AND seq = ?`,
            [t.tenantId, 2],
          ],
        ]),
      ).rejects.toSatisfy(isPermissionViolation);
      expect(await entries(t)).toEqual(before);
    });
  },
  ['sqlite', 'd1'],
);

describe('audit table: the upgrade to WITHOUT ROWID (0020) [sqlite]', () => {
  it('keeps every row and the append-only triggers, and drops the id and prev_hash indexes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-audit-layout-'));
    try {
      // migrations/sqlite as it was before 0020.
      const old = path.join(dir, 'sqlite');
      fs.cpSync(path.resolve(import.meta.dirname, '../../migrations/sqlite'), old, { recursive: true });
      const journal = path.join(old, 'meta/_journal.json');
      const j = JSON.parse(fs.readFileSync(journal, 'utf8')) as { entries: { tag: string }[] };
      const upgrade = j.entries.findIndex((e) => e.tag === '0020_audit_without_rowid');
      expect(upgrade).toBeGreaterThan(0);
      const all = migrationStatements(old);
      fs.writeFileSync(journal, JSON.stringify({ ...j, entries: j.entries.slice(0, upgrade) }));
      const before = migrationStatements(old);
      fs.writeFileSync(journal, JSON.stringify({ ...j, entries: j.entries.slice(0, upgrade + 1) }));
      const through = migrationStatements(old).slice(before.length);
      expect(all.slice(before.length, before.length + through.length)).toEqual(through);

      const db = new Database(path.join(dir, 'assay.db'));
      for (const s of before) db.exec(s);
      const insert = db.prepare(
        `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const tenant of ['t-b', 't-a']) {
        db.prepare("INSERT INTO tenants (id, name, settings, created_at) VALUES (?, ?, '{}', 0)").run(
          tenant,
          tenant,
        );
        let head: { seq: number; hash: string } | null = null;
        for (let i = 0; i < 30; i++) {
          const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
          const client = i % 2 ? { ip: 'ab'.repeat(8), ua: 'cd'.repeat(8) } : undefined;
          const next = nextEntry(
            tenant,
            head,
            { actor: 'system', action: 'x', target: `n:${i}`, data: { i } },
            at,
            client,
          );
          insert.run(...auditRowValues(`id-${tenant}-${i}`, next));
          head = { seq: next.entry.seq, hash: next.hash };
        }
      }
      const rows = () => db.prepare('SELECT * FROM audit_log ORDER BY tenant_id, seq').all();
      const kept = rows();
      expect(kept).toHaveLength(60);
      const triggers = () =>
        db
          .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name",
          )
          .all() as {
          name: string;
          sql: string;
        }[];
      const oldTriggers = triggers();

      for (const s of through) db.exec(s);
      expect(rows()).toEqual(kept);
      const table = db
        .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'audit_log'")
        .get() as {
        sql: string;
      };
      expect(table.sql).toMatch(/PRIMARY KEY\(`tenant_id`, `seq`\)[\s\S]*\) WITHOUT ROWID$/);
      expect(
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit_log'").all(),
      ).toEqual([]);
      // no_update and no_delete exactly as before; no_replace moves from `id` to the key; the link guard is new.
      const now = triggers();
      expect(now.map((x) => x.name)).toEqual([
        'audit_log_links',
        'audit_log_no_delete',
        'audit_log_no_replace',
        'audit_log_no_update',
      ]);
      for (const name of ['audit_log_no_delete', 'audit_log_no_update'])
        expect(now.find((x) => x.name === name)).toEqual(oldTriggers.find((x) => x.name === name));
      expect(() => db.prepare("UPDATE audit_log SET action = 'forged' WHERE seq = 3").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 3').run()).toThrow(/append-only/);
      expect(rows()).toEqual(kept);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
