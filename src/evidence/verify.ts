/**
 * Evidence integrity (issue 9): a stored file whose blob is missing, does not authenticate or does not
 * hash to the SHA-256 recorded at upload. A download that finds one is refused as such (409, naming the
 * expected SHA-256) and recorded in the tenant's audit trail; `assay evidence verify` reads every stored
 * version (live, replaced and removed; destroyed ones have nothing left to read) and reports each failure.
 */
import * as repo from '../db/repo/index.js';
import type { Ports } from '../platform/ports.js';
import { IntegrityError, MissingBlobError, openStoredFile } from './download.js';

export type IntegrityReason = 'missing' | 'corrupt';

export const reasonOf = (err: IntegrityError): IntegrityReason =>
  err instanceof MissingBlobError ? 'missing' : 'corrupt';

/**
 * The audit entry of a failed check: ids, the recorded SHA-256 and the reason only. Its own unit, since
 * the download that found it changes nothing else; a failure to record it is the caller's to log.
 */
export async function auditIntegrityFailure(
  ports: Pick<Ports, 'store' | 'clock'>,
  tenantId: string,
  evidenceId: string,
  err: IntegrityError,
  actor: string,
): Promise<void> {
  const now = ports.clock.now();
  await ports.store.tenant(tenantId).write((tx) =>
    tx.audit(
      {
        actor,
        action: 'evidence.integrity_failed',
        target: `evidence:${evidenceId}`,
        data: { data_sha256: err.expected, reason: reasonOf(err), detail: err.message },
      },
      now,
    ),
  );
}

export interface VerifyFailure {
  tenantId: string;
  evidenceId: string;
  assessmentId: string;
  version: number;
  expected: string;
  /** `error`: the check itself failed on this version (a read error, say); it is not known to be intact. */
  reason: IntegrityReason | 'error';
  /** What the check found (the blob is missing, the content does not match its SHA-256, …). */
  detail: string;
}

export interface VerifyResult {
  checked: number;
  /** Destroyed files (erased, retention): their key and blob are gone on purpose. */
  skipped: number;
  /** How many versions failed; each was handed to `onFailure` as found, none is kept (a store may hold millions). */
  failed: number;
}

const PAGE = 200;

/** An unexpected error in one line: its name, code and the start of its message. */
function unexpected(err: unknown): string {
  if (!(err instanceof Error)) return 'the check failed';
  const code = (err as { code?: unknown }).code;
  const text = `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`;
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** Reads a whole stream, throwing what it throws. */
async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  for (;;) if ((await reader.read()).done) return;
}

/**
 * Decrypts every stored version of the tenant's evidence and recomputes its SHA-256, a page of rows
 * at a time and one file at a time (memory stays at one chunk). `onFailure` hears of each as it is found;
 * an unexpected error on one version is a failure of that version (reason `error`), and the check goes on.
 */
export async function verifyTenantEvidence(
  ports: Pick<Ports, 'store' | 'master' | 'blobs'>,
  tenantId: string,
  onFailure: (f: VerifyFailure) => void = () => {},
): Promise<VerifyResult> {
  const result: VerifyResult = { checked: 0, skipped: 0, failed: 0 };
  const scope = ports.store.tenant(tenantId);
  for (let after = ''; ; ) {
    const rows = await scope.read((ctx) => repo.evidenceVersionsPage(ctx, after, PAGE));
    for (const row of rows) {
      if (row.destroyedAt) {
        result.skipped++;
        continue;
      }
      result.checked++;
      try {
        await drain((await openStoredFile(ports, tenantId, row)).body);
      } catch (err) {
        const integrity = err instanceof IntegrityError;
        result.failed++;
        onFailure({
          tenantId,
          evidenceId: row.id,
          assessmentId: row.assessmentId,
          version: row.version,
          expected: row.sha256,
          reason: integrity ? reasonOf(err) : 'error',
          detail: integrity ? err.message : unexpected(err),
        });
      }
    }
    if (rows.length < PAGE) return result;
    after = rows[rows.length - 1]!.id;
  }
}
