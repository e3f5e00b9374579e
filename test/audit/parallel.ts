/**
 * Long trails for the parallel verify's tests: entries written straight into a SQLite file with the
 * real chain (nextEntry, as the bench does), thousands in a fraction of a second, continuing the head.
 */
import Database from 'better-sqlite3';
import { AUDIT_INSERT_COLUMNS, auditRowValues, nextEntry } from '../../src/audit/chain.js';

export function appendDirect(file: string, tenantId: string, n: number): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    const last = db
      .prepare('SELECT seq, this_hash FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1')
      .get(tenantId) as { seq: number; this_hash: string } | undefined;
    let head = last ? { seq: last.seq, hash: last.this_hash } : null;
    const insert = db.prepare(
      `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const at = new Date();
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const next = nextEntry(
          tenantId,
          head,
          {
            actor: 'system',
            action: 'test.bulk',
            target: `bulk:${i}`,
            data: { i, note: i % 3 ? 'x' : 'é"\\' },
          },
          at,
          i % 2 ? { ip: '0123456789abcdef', ua: 'fedcba9876543210' } : null,
        );
        insert.run(...auditRowValues(crypto.randomUUID(), next));
        head = { seq: next.entry.seq, hash: next.hash };
      }
    })();
  } finally {
    db.close();
  }
}
