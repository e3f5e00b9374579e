/**
 * Risks from findings: THE function a submission (and any other source of findings, such as evidence
 * validity) calls, inside its own unit of work. For one vendor and one source scope (the questionnaire id,
 * so every version of a questionnaire is one source) it makes the register match what the assessment
 * raised: one risk per (vendor, finding) — created when new, updated when raised again, re-opened when it
 * had been closed, and closed with a note when a re-assessment no longer raises it. Idempotent: the same
 * submission applied twice leaves the register as once (the unique key (tenant, vendor, finding key)
 * refuses a second row). Treatment, owner and acceptance stay as the team set them.
 *
 * Reads first (the scope's risks), then queues writes; nothing here awaits anything but the database.
 */
import { newId } from '../db/ids.js';
import { dueKeyOf, insertRisk, type RiskRow, risksOfScope, updateRisk } from '../db/repo/risks.js';
import type { TenantWriteCtx } from '../db/store.js';
import { diff, recordChange } from './history.js';
import { rate } from './scale.js';

export interface RaisedFinding {
  /** The finding id in its source (e.g. SUP-001). */
  findingId: string;
  /** The findings row, when the source stores one. */
  findingRowId: string | null;
  questionId: string | null;
  title: string;
  /** What the vendor should do (the finding's remediation). */
  description: string;
  likelihood: number;
  impact: number;
  dueDate: string | null;
  controls: readonly string[];
}

export interface SyncInput {
  vendorId: string;
  /** The source scope: the questionnaire id for assessment findings; risks of other scopes are not touched. */
  scope: string;
  /** The assessment that raised (or no longer raised) them; null for a source without one. */
  assessmentId: string | null;
  /** Who caused the change, as the audit log names actors (`vendor:<id>`, `system:…`). */
  actor: string;
  raised: readonly RaisedFinding[];
}

export interface SyncResult {
  created: string[];
  updated: string[];
  reopened: string[];
  closed: string[];
}

export const findingKeyOf = (scope: string, findingId: string) => `${scope}/${findingId}`;

const SOURCE_FIELDS = [
  'title',
  'description',
  'likelihood',
  'impact',
  'inherentRating',
  'questionId',
  'controls',
];

export async function syncRisksFromFindings(
  tx: TenantWriteCtx,
  input: SyncInput,
  now: Date,
): Promise<SyncResult> {
  const existing = new Map<string, RiskRow>();
  for (const r of await risksOfScope(tx, input.vendorId, input.scope))
    if (r.origin === 'finding') existing.set(r.findingKey, r);
  const result: SyncResult = { created: [], updated: [], reopened: [], closed: [] };
  const by = input.assessmentId ? `assessment ${input.assessmentId}` : input.scope;
  const seen = new Set<string>();

  for (const f of input.raised) {
    const key = findingKeyOf(input.scope, f.findingId);
    if (seen.has(key)) continue;
    seen.add(key);
    const { score, rating } = rate(f.likelihood, f.impact);
    const source = {
      title: f.title,
      description: f.description,
      likelihood: f.likelihood,
      impact: f.impact,
      inherentScore: score,
      inherentRating: rating,
      assessmentId: input.assessmentId,
      questionId: f.questionId,
      findingId: f.findingRowId,
      controls: [...f.controls],
    };
    const before = existing.get(key);
    if (!before) {
      const id = newId();
      insertRisk(
        tx,
        {
          id,
          vendorId: input.vendorId,
          findingKey: key,
          origin: 'finding',
          sourceScope: input.scope,
          ...source,
          residualLikelihood: null,
          residualImpact: null,
          residualRating: null,
          ownerUserId: null,
          treatment: null,
          treatmentPlan: '',
          status: 'open',
          dueDate: f.dueDate,
          dueKey: dueKeyOf(f.dueDate),
          acceptedUntil: null,
          closedNote: null,
        },
        now,
      );
      recordChange(
        tx,
        {
          riskId: id,
          actor: input.actor,
          action: 'risk.created',
          entries: [{ field: 'status', fromValue: null, toValue: 'open', note: `raised by ${by}` }],
          data: { vendor: input.vendorId, assessment: input.assessmentId, finding: key, score },
        },
        now,
      );
      result.created.push(id);
      continue;
    }
    const entries = diff(
      { ...before, controls: before.controls.join(' ') },
      { ...source, controls: source.controls.join(' ') },
      SOURCE_FIELDS,
    );
    if (before.status === 'closed') {
      // Raised again: re-opened with the new due date; owner, treatment and plan are kept.
      updateRisk(
        tx,
        before.id,
        {
          ...source,
          status: 'open',
          closedAt: null,
          closedNote: null,
          dueDate: f.dueDate,
          dueKey: dueKeyOf(f.dueDate),
        },
        now,
      );
      entries.unshift({
        field: 'status',
        fromValue: 'closed',
        toValue: 'open',
        note: `raised again by ${by}`,
      });
      recordChange(
        tx,
        {
          riskId: before.id,
          actor: input.actor,
          action: 'risk.reopened',
          entries,
          data: { vendor: input.vendorId, assessment: input.assessmentId, finding: key },
        },
        now,
      );
      result.reopened.push(before.id);
      continue;
    }
    // Still raised: the source moves to the latest assessment; what the team set is kept.
    updateRisk(tx, before.id, source, now);
    if (before.assessmentId !== input.assessmentId)
      entries.push({
        field: 'assessmentId',
        fromValue: before.assessmentId,
        toValue: input.assessmentId,
        note: `raised again by ${by}`,
      });
    if (entries.length > 0) {
      recordChange(
        tx,
        {
          riskId: before.id,
          actor: input.actor,
          action: 'risk.updated',
          entries,
          data: { vendor: input.vendorId, assessment: input.assessmentId, finding: key },
        },
        now,
      );
    }
    result.updated.push(before.id);
  }

  for (const [key, before] of existing) {
    if (seen.has(key) || before.status === 'closed') continue;
    const note = `no longer raised by ${by}`;
    updateRisk(
      tx,
      before.id,
      {
        status: 'closed',
        closedAt: now,
        closedNote: note,
        acceptedUntil: null,
        assessmentId: input.assessmentId,
      },
      now,
    );
    recordChange(
      tx,
      {
        riskId: before.id,
        actor: input.actor,
        action: 'risk.closed',
        entries: [{ field: 'status', fromValue: before.status, toValue: 'closed', note }],
        data: { vendor: input.vendorId, assessment: input.assessmentId, finding: key },
      },
      now,
    );
    result.closed.push(before.id);
  }
  return result;
}
