/**
 * Accepting a risk takes two people (separation of duties, issue 8): a member with
 * risk.accept_propose proposes it with a justification and the last day it should hold; a *different*
 * member with risk.accept_approve approves (or either rejects). The approval is one conditional UPDATE
 * that changes nothing when the approver is the proposer (src/db/repo/risks.ts decideAcceptance), and the
 * table's CHECK refuses such a row whatever the application does. Approved → the risk is accepted until
 * that day; the day after, it re-opens (the daily job, and every read of the register first).
 */
import { newId } from '../db/ids.js';
import {
  ACCEPTANCE_DECIDABLE,
  decideAcceptance,
  expireAcceptances,
  expiredAccepted,
  getRisk,
  insertAcceptance,
  listAcceptances,
  RISK_CHANGED,
  updateRisk,
} from '../db/repo/risks.js';
import { GuardError, isUniqueViolation } from '../db/store.js';
import { HttpError } from '../errors.js';
import { date, FormErrors, field, longText } from './forms.js';
import { recordChange } from './history.js';
import type { TenantScope } from './treatment.js';

type Fields = Record<string, string | string[] | undefined>;

/** Longest acceptance: three years (a register that accepts for ever is not managing the risk). */
export const MAX_ACCEPTANCE_DAYS = 3 * 366;
export const OWN_PROPOSAL =
  'You proposed this acceptance, so you cannot approve it: another member with approval rights must (separation of duties).';

export const today = (now: Date) => now.toISOString().slice(0, 10);
const addDays = (now: Date, days: number) =>
  new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

export async function proposeAcceptance(
  scope: TenantScope,
  userId: string,
  riskId: string,
  f: Fields,
  now: Date,
): Promise<string> {
  const errs = new FormErrors();
  const justification = longText(f, 'justification', 'justification', errs, 2000);
  if (justification.trim() === '') errs.add('justification', 'Say why the risk can be accepted.');
  const until = date(f, 'until', 'last day of the acceptance', errs, true);
  if (until !== null && until <= today(now)) errs.add('until', 'Choose a last day after today.');
  if (until !== null && until > addDays(now, MAX_ACCEPTANCE_DAYS))
    errs.add('until', 'An acceptance can last at most three years; choose an earlier day.');
  const id = newId();
  try {
    await scope.write(async (tx) => {
      const risk = await getRisk(tx, riskId);
      if (!risk) throw new HttpError(404, 'No such risk.');
      errs.throwIfAny();
      if (risk.status === 'closed' || risk.status === 'accepted')
        throw new HttpError(
          409,
          `This risk is ${risk.status}; only an open risk can be proposed for acceptance.`,
        );
      // A second pending proposal for the risk fails the unit (unique partial index).
      insertAcceptance(tx, { id, riskId, justification, expiresOn: until!, proposedBy: userId }, now);
      recordChange(
        tx,
        {
          riskId,
          actor: `user:${userId}`,
          action: 'risk.acceptance_proposed',
          entries: [
            { field: 'acceptance', fromValue: null, toValue: `proposed until ${until}`, note: justification },
          ],
          data: { acceptance: id, expires_on: until },
        },
        now,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err, 'risk_acceptances'))
      throw new HttpError(409, 'An acceptance of this risk is already waiting for approval.');
    throw err;
  }
  return id;
}

export async function decideProposal(
  scope: TenantScope,
  userId: string,
  riskId: string,
  acceptanceId: string,
  decision: 'approved' | 'rejected',
  f: Fields,
  now: Date,
): Promise<void> {
  const errs = new FormErrors();
  const note = longText(f, 'note', 'note', errs, 1000);
  try {
    await scope.write(async (tx) => {
      const risk = await getRisk(tx, riskId);
      const proposal = risk
        ? (await listAcceptances(tx, riskId)).find((a) => a.id === acceptanceId)
        : undefined;
      if (!risk || !proposal) throw new HttpError(404, 'No such acceptance proposal.');
      errs.throwIfAny();
      if (proposal.status !== 'pending')
        throw new HttpError(409, `This proposal was already ${proposal.status}.`);
      const actor = `user:${userId}`;
      // The separation of duties lives in this statement (approver ≠ proposer), not in a check here.
      decideAcceptance(tx, acceptanceId, decision, userId, note || null, now);
      if (decision === 'rejected') {
        recordChange(
          tx,
          {
            riskId,
            actor,
            action: 'risk.acceptance_rejected',
            entries: [
              {
                field: 'acceptance',
                fromValue: `proposed until ${proposal.expiresOn}`,
                toValue: 'rejected',
                note: note || null,
              },
            ],
            data: { acceptance: acceptanceId },
          },
          now,
        );
        return;
      }
      if (proposal.expiresOn <= today(now))
        throw new HttpError(409, 'The proposed acceptance period is over. Reject it and propose a new one.');
      if (risk.status === 'closed')
        throw new HttpError(409, 'This risk is closed; there is nothing to accept.');
      updateRisk(
        tx,
        riskId,
        { status: 'accepted', treatment: 'accept', acceptedUntil: proposal.expiresOn },
        now,
        risk.version,
      );
      recordChange(
        tx,
        {
          riskId,
          actor,
          action: 'risk.acceptance_approved',
          entries: [
            {
              field: 'status',
              fromValue: risk.status,
              toValue: 'accepted',
              note: `accepted until ${proposal.expiresOn}`,
            },
            ...(risk.treatment === 'accept'
              ? []
              : [{ field: 'treatment', fromValue: risk.treatment, toValue: 'accept' }]),
            { field: 'acceptedUntil', fromValue: risk.acceptedUntil, toValue: proposal.expiresOn },
          ],
          data: {
            acceptance: acceptanceId,
            proposer: `user:${proposal.proposedBy}`,
            expires_on: proposal.expiresOn,
          },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === ACCEPTANCE_DECIDABLE) {
      // Not pending any more, or (for an approval) the proposer approving their own: say which.
      const proposal = (await scope.read((c) => listAcceptances(c, riskId))).find(
        (a) => a.id === acceptanceId,
      );
      if (decision === 'approved' && proposal?.proposedBy === userId) throw new HttpError(403, OWN_PROPOSAL);
      throw new HttpError(409, 'This proposal was decided meanwhile. Reload the page.');
    }
    if (err instanceof GuardError && err.guard === RISK_CHANGED)
      throw new HttpError(409, 'The risk changed meanwhile. Reload the page and decide again.');
    throw err;
  }
}

/**
 * Re-opens every accepted risk whose acceptance ended before today, one unit per call; cheap when there
 * is none (one indexed read). Run by the daily job and before the register is read, so no page shows a
 * risk accepted past its last day. Returns how many it re-opened.
 */
export async function reopenExpiredAcceptances(scope: TenantScope, now: Date): Promise<number> {
  const day = today(now);
  return reopenListed(scope, await scope.read((c) => expiredAccepted(c, day)), now);
}

/** Re-opens the risks `expiredAccepted` listed (read by the caller, as the overview does in its own unit). */
export async function reopenListed(
  scope: TenantScope,
  all: Awaited<ReturnType<typeof expiredAccepted>>,
  now: Date,
): Promise<number> {
  if (all.length === 0) return 0;
  // Eight guarded writes per unit at most (D1's unit guards); more are re-opened by the next units.
  for (let i = 0; i < all.length; i += 8) if (!(await reopenSome(scope, all.slice(i, i + 8), now))) break;
  return all.length;
}

async function reopenSome(
  scope: TenantScope,
  due: Awaited<ReturnType<typeof expiredAccepted>>,
  now: Date,
): Promise<boolean> {
  try {
    await scope.write(async (tx) => {
      for (const r of due) {
        updateRisk(tx, r.id, { status: 'open', acceptedUntil: null }, now, r.version);
        recordChange(
          tx,
          {
            riskId: r.id,
            actor: 'system',
            action: 'risk.acceptance_expired',
            entries: [
              {
                field: 'status',
                fromValue: 'accepted',
                toValue: 'open',
                note: `acceptance ended on ${r.acceptedUntil}`,
              },
              { field: 'acceptedUntil', fromValue: r.acceptedUntil, toValue: null },
            ],
            data: { expired_on: r.acceptedUntil },
          },
          now,
        );
      }
      expireAcceptances(
        tx,
        due.map((r) => r.id),
        now,
      );
    });
  } catch (err) {
    // Another process (or request) re-opened one of them first: the next read or run does the rest.
    if (err instanceof GuardError && err.guard === RISK_CHANGED) return false;
    throw err;
  }
  return true;
}

/** What the risk page shows: an accepted risk past its last day is open, even before the job ran. */
export function effectiveStatus(r: { status: string; acceptedUntil: string | null }, now: Date): string {
  return r.status === 'accepted' && r.acceptedUntil !== null && r.acceptedUntil < today(now)
    ? 'open'
    : r.status;
}

export { field };
