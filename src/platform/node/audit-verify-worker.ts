/**
 * A worker thread of a parallel `assay audit verify` (./audit-verify-pool.ts). For each task it is
 * sent, it checks one range of a tenant's entries on its own read-only connection to the SQLite file
 * and posts the range's result (the leaves transferred, not copied). The coordinator read the head
 * before sending the task and the range ends at or below it, so entries appended meanwhile are
 * outside it; rows up to the head never change (the log is append-only), and a range's pages are
 * read in one transaction all the same. Loads only the hashing, not the query builder (its start is
 * what a short trail pays).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import './native-crypto.js';
import { type RangeTask, verifyRangeOf } from '../../audit/verify-range.js';
import { SCAN_COLUMNS, type ScanRow, scannedFromRow } from '../../db/repo/audit-scan.js';

const { file } = workerData as { file: string };

async function verify(task: RangeTask) {
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
    return result;
  } finally {
    db.close();
  }
}

parentPort!.on('message', (task: RangeTask) => {
  verify(task).then(
    (result) => parentPort!.postMessage({ result }, [result.leaves.buffer as ArrayBuffer]),
    (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
});
