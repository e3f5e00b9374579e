/**
 * A worker thread of a parallel `assay audit verify` (./audit-verify-pool.ts): checks one range of a
 * tenant's entries on its own read-only connection to the SQLite file and posts the range's result
 * (its leaves transferred, not copied). The coordinator picked the head before starting it and the
 * range ends at or below it, so entries appended meanwhile are outside the range; rows up to the head
 * never change (the log is append-only), and the pages are read in one transaction all the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import './native-crypto.js';
import { type RangeTask, verifyRangeOf } from '../../audit/verify.js';
import { SCAN_COLUMNS, type ScanRow, scannedFromRow } from '../../db/repo/audit.js';

const { file, task } = workerData as { file: string; task: RangeTask };
const db = new Database(file, { readonly: true, fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  const page = db
    .prepare(
      `SELECT ${SCAN_COLUMNS} FROM audit_log WHERE tenant_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    )
    .raw(true);
  const to = Number.isFinite(task.to) ? task.to : Number.MAX_SAFE_INTEGER;
  db.exec('BEGIN');
  const result = await verifyRangeOf(
    async (afterSeq, limit) =>
      (page.all(task.tenantId, afterSeq, to, limit) as ScanRow[]).map((r) =>
        scannedFromRow(task.tenantId, r),
      ),
    task,
  );
  db.exec('COMMIT');
  parentPort!.postMessage(result, [result.leaves.buffer as ArrayBuffer]);
} finally {
  db.close();
}
