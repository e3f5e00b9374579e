/**
 * An assessment's status comes from its recorded events: each kind says from which statuses it moves
 * the assessment to which. `recordAssessmentEvent` writes the event and the stored status (kept for
 * filtering) in the caller's unit, so both commit with the change or neither does; `deriveStatus` folds
 * a list of events with the same rules (the assessment page shows it, a test holds the two equal).
 *
 * The review (changes_requested, reviewed) calls `recordAssessmentEvent` with its own kinds; the vendor
 * flows record opened (a link or code redeemed), in_progress (the first answer: touchAnswers) and
 * submitted.
 */
import {
  type AssessmentEventKind,
  insertAssessmentEvent,
  moveAssessmentStatus,
} from '../db/repo/assessment-events.js';
import { ASSESSMENT_IN_STATUS, type AssessmentStatus, OPEN_STATUSES } from '../db/repo/assessments.js';
import type { TenantWriteCtx } from '../db/store.js';

interface Rule {
  /** The statuses this event moves from; empty: it does not change the status. */
  readonly from: readonly AssessmentStatus[];
  readonly to: AssessmentStatus | null;
  /** Whether the move is an invariant (the unit fails with `GuardError(ASSESSMENT_IN_STATUS)` unless it moved). */
  readonly guarded: boolean;
  /** Whether recordAssessmentEvent moves the status itself (false: the caller's own guarded write does). */
  readonly moves: boolean;
}

const LIVE: AssessmentStatus[] = ['sent', 'opened', 'in_progress', 'expired', 'changes_requested'];

export const EVENT_RULES: Readonly<Record<AssessmentEventKind, Rule>> = {
  // insertAssessment writes the row as `sent`.
  sent: { from: ['draft'], to: 'sent', guarded: false, moves: false },
  // Every redemption is recorded; only the first moves the status (a later one leaves in_progress be).
  opened: { from: ['sent', 'expired'], to: 'opened', guarded: false, moves: true },
  // touchAnswers moves it, in the same statement that bumps the answer revision.
  in_progress: {
    from: ['sent', 'opened', 'expired'],
    to: 'in_progress',
    guarded: false,
    moves: false,
  },
  // submitAssessmentRow moves it (exactly once, at the answer revision it froze).
  submitted: { from: OPEN_STATUSES, to: 'submitted', guarded: true, moves: false },
  changes_requested: { from: ['submitted'], to: 'changes_requested', guarded: true, moves: true },
  reviewed: { from: ['submitted'], to: 'reviewed', guarded: true, moves: true },
  revoked: { from: LIVE, to: 'revoked', guarded: true, moves: true },
  expired: { from: ['sent'], to: 'expired', guarded: true, moves: true },
  // A new link for a lapsed invitation makes it a live invitation again.
  link_resent: { from: ['expired'], to: 'sent', guarded: false, moves: true },
  reminded: { from: ['expired'], to: 'sent', guarded: false, moves: true },
  // Overdue is a mark beside the status (assessments.overdue_at), not a status.
  overdue: { from: [], to: null, guarded: false, moves: false },
  // changeAssessmentContext guards the row itself; the status stays.
  context_changed: { from: [], to: null, guarded: false, moves: false },
  // A context change that leaves required questions open takes the sign-off back (review-context.ts).
  review_reopened: { from: ['reviewed'], to: 'submitted', guarded: true, moves: true },
};

export interface EventInput {
  assessmentId: string;
  kind: AssessmentEventKind;
  /** `user:<id>`, `vendor:<contact id>`, `system`: ids only. */
  actor: string;
  at: Date;
  /** At most one event with this key per assessment (GuardError(EVENT_ONCE) for the second). */
  onceKey?: string;
}

/**
 * Records an event in the caller's unit and moves the stored status as its rule says. A guarded kind
 * (submitted, changes_requested, reviewed, revoked, expired) fails the whole unit with
 * `GuardError(ASSESSMENT_IN_STATUS)` when the assessment is not in a status it may move from.
 */
export function recordAssessmentEvent(tx: TenantWriteCtx, e: EventInput): void {
  const rule = EVENT_RULES[e.kind];
  insertAssessmentEvent(tx, e);
  if (rule.moves && rule.to) {
    moveAssessmentStatus(
      tx,
      e.assessmentId,
      rule.from,
      rule.to,
      e.at,
      rule.guarded ? ASSESSMENT_IN_STATUS : undefined,
    );
  }
}

/** The status a sequence of events (oldest first) leads to. */
export function deriveStatus(events: readonly { kind: AssessmentEventKind }[]): AssessmentStatus {
  let status: AssessmentStatus = 'draft';
  for (const e of events) {
    const rule = EVENT_RULES[e.kind];
    if (rule.to && rule.from.includes(status)) status = rule.to;
  }
  return status;
}

/** Statuses whose assessment the team may still revoke, remind or send a new link for. */
export const LIVE_STATUSES: readonly AssessmentStatus[] = LIVE;

export const STATUS_LABELS: Readonly<Record<AssessmentStatus, string>> = {
  draft: 'Draft',
  sent: 'Sent',
  opened: 'Opened',
  in_progress: 'In progress',
  submitted: 'Submitted',
  changes_requested: 'Changes requested',
  reviewed: 'Reviewed',
  revoked: 'Revoked',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

export const EVENT_LABELS: Readonly<Record<AssessmentEventKind, string>> = {
  sent: 'Sent',
  opened: 'Opened by the vendor',
  in_progress: 'First answer saved',
  submitted: 'Submitted',
  changes_requested: 'Changes requested',
  reviewed: 'Reviewed',
  revoked: 'Revoked',
  expired: 'Link expired unopened',
  reminded: 'Reminder sent',
  link_resent: 'New link sent',
  overdue: 'Marked overdue',
  context_changed: 'Context facts changed',
  review_reopened: 'Review reopened: the new facts leave required questions open',
};
