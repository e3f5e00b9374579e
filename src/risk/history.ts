/**
 * What a change to a risk writes besides the row: one history entry per changed field (the content
 * history people read on the risk page) and one audit entry whose data is ids and a digest of those
 * entries (the chain proves the history was not edited, without holding the text).
 */
import canonicalize from 'canonicalize';
import { sha256Hex } from '../crypto/hash.js';
import { type HistoryEntry, insertHistory } from '../db/repo/risks.js';
import type { TenantWriteCtx } from '../db/store.js';

export type RiskAuditAction =
  | 'risk.created'
  | 'risk.updated'
  | 'risk.closed'
  | 'risk.reopened'
  | 'risk.acceptance_proposed'
  | 'risk.acceptance_approved'
  | 'risk.acceptance_rejected'
  | 'risk.acceptance_expired';

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** The entries for the fields whose value differs between `before` and `after` (compared as text). */
export function diff(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const f of fields) {
    const from = text(before[f]);
    const to = text(after[f]);
    if (from !== to) out.push({ field: f, fromValue: from, toValue: to });
  }
  return out;
}

export function recordChange(
  tx: TenantWriteCtx,
  change: {
    riskId: string;
    actor: string;
    action: RiskAuditAction;
    entries: readonly HistoryEntry[];
    data?: Record<string, unknown>;
  },
  now: Date,
): void {
  insertHistory(tx, change.riskId, change.actor, change.entries, now);
  tx.audit(
    {
      actor: change.actor,
      action: change.action,
      target: `risk:${change.riskId}`,
      data: {
        ...change.data,
        fields: change.entries.map((e) => e.field),
        history_sha256: sha256Hex(canonicalize(change.entries) ?? '[]'),
      },
    },
    now,
  );
}
