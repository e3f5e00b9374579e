/**
 * The rows of a verify's scan, apart from the query builder: the SQLite worker threads of a parallel
 * verify (src/platform/node/audit-verify-worker.ts) read them with their own statement and load only this.
 */
import type { AuditEntry } from '../../audit/chain.js';

type StoredEntry = AuditEntry & { this_hash: string };

/**
 * An entry as a verify reads it. On SQLite and D1 `dataJson` is the stored text of `data` (the stores
 * write the canonical form that was hashed) and `data` is parsed only if asked for; on PostgreSQL
 * (jsonb keeps no text) `data` comes parsed and `dataJson` is absent.
 */
export type ScannedEntry = Omit<StoredEntry, 'data'> & {
  dataJson?: string;
  readonly data: Record<string, unknown>;
};

export type ScanRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string | null,
];
/** The columns of a scan, in {@link ScanRow}'s order (a verify worker's own statement reads the same). */
export const SCAN_COLUMNS = 'seq, ts, actor, action, target, data, prev_hash, this_hash, ip, ua';

/** A row of a scan: `data` parsed on first use (a verify hashes the text and only checks it parses). */
class Scanned {
  tenant_id: string;
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  dataJson: string;
  prev_hash: string;
  this_hash: string;
  ip?: string;
  ua?: string;
  #data: Record<string, unknown> | undefined;
  constructor(tenantId: string, r: ScanRow) {
    this.tenant_id = tenantId;
    this.seq = Number(r[0]);
    this.ts = r[1];
    this.actor = r[2];
    this.action = r[3];
    this.target = r[4];
    this.dataJson = r[5];
    this.prev_hash = r[6];
    this.this_hash = r[7];
    if (r[8] !== null) this.ip = r[8];
    if (r[9] !== null) this.ua = r[9];
  }
  get data(): Record<string, unknown> {
    this.#data ??= JSON.parse(this.dataJson) as Record<string, unknown>;
    return this.#data!;
  }
}

/** A SQLite scan row as a {@link ScannedEntry} (`data` parsed only when asked for). */
export const scannedFromRow = (tenantId: string, r: ScanRow): ScannedEntry =>
  new Scanned(tenantId, r) as ScannedEntry;
