/**
 * Members' changes to the register: a manual risk, and the risk form (details, rating, owner,
 * treatment and plan, due date, status). Each change is written only over the version the form was
 * rendered from (a colleague's edit in between is reported, not overwritten), with one history entry
 * per changed field and one audit entry, in one unit.
 */
import { newId } from '../db/ids.js';
import {
  getRisk,
  insertRisk,
  RISK_CHANGED,
  type RiskPatch,
  type RiskRow,
  updateRisk,
} from '../db/repo/risks.js';
import { getMembership } from '../db/repo/users.js';
import { getVendor } from '../db/repo/vendors.js';
import { GuardError, type Scope, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import {
  choice,
  date,
  FormErrors,
  field,
  level,
  line,
  longText,
  memberId,
  SETTABLE_STATUSES,
  treatmentChoice,
} from './forms.js';
import { diff, recordChange } from './history.js';
import { rate } from './scale.js';

type Fields = Record<string, string | string[] | undefined>;
/** What a domain function needs of a tenant's store scope: its units of work. */
export type TenantScope = Pick<Scope<TenantReadCtx, TenantWriteCtx>, 'read' | 'write'>;

export const STALE_FORM =
  'Someone changed this risk after you opened it. Reload the page to see their change, then make yours again.';

const TRACKED = [
  'title',
  'description',
  'likelihood',
  'impact',
  'inherentRating',
  'residualLikelihood',
  'residualImpact',
  'residualRating',
  'ownerUserId',
  'treatment',
  'treatmentPlan',
  'dueDate',
  'status',
  'closedNote',
] as const;

async function checkOwner(ctx: TenantReadCtx, owner: string | null, errs: FormErrors) {
  if (owner !== null && !(await getMembership(ctx, owner)))
    errs.add('owner', 'Choose an owner from the list of members.');
}

function residual(f: Fields, errs: FormErrors) {
  const l = level(f, 'residual_likelihood', 'residual likelihood', errs, false);
  const i = level(f, 'residual_impact', 'residual impact', errs, false);
  if ((l === null) !== (i === null) && !errs.fields.residual_likelihood && !errs.fields.residual_impact)
    errs.add(
      l === null ? 'residual_likelihood' : 'residual_impact',
      'Give both residual likelihood and impact, or neither.',
    );
  if (l === null || i === null)
    return { residualLikelihood: null, residualImpact: null, residualRating: null };
  return { residualLikelihood: l, residualImpact: i, residualRating: rate(l, i).rating };
}

/** A risk added by hand (no finding): its key is `manual/<id>`, so no assessment ever closes it. */
export async function createManualRisk(
  scope: TenantScope,
  userId: string,
  f: Fields,
  now: Date,
): Promise<string> {
  const errs = new FormErrors();
  const vendorId = field(f, 'vendor');
  const title = line(f, 'title', 'title', errs);
  const description = longText(f, 'description', 'description', errs);
  const likelihood = level(f, 'likelihood', 'likelihood', errs);
  const impact = level(f, 'impact', 'impact', errs);
  const owner = memberId(f, 'owner', errs);
  const treatment = treatmentChoice(f, errs);
  const treatmentPlan = longText(f, 'plan', 'treatment plan', errs);
  const dueDate = date(f, 'due', 'due date', errs);
  const res = residual(f, errs);
  const id = newId();
  const actor = `user:${userId}`;
  await scope.write(async (tx) => {
    if (!(await getVendor(tx, vendorId))) errs.add('vendor', 'Choose a vendor from the list.');
    await checkOwner(tx, owner, errs);
    errs.throwIfAny();
    const { score, rating } = rate(likelihood!, impact!);
    insertRisk(
      tx,
      {
        id,
        vendorId,
        findingKey: `manual/${id}`,
        origin: 'manual',
        title,
        description,
        sourceScope: null,
        assessmentId: null,
        questionId: null,
        findingId: null,
        controls: [],
        likelihood: likelihood!,
        impact: impact!,
        inherentScore: score,
        inherentRating: rating,
        ...res,
        ownerUserId: owner,
        treatment,
        treatmentPlan,
        status: 'open',
        dueDate,
        dueKey: dueDate ?? '9999-12-31',
        acceptedUntil: null,
        closedNote: null,
      },
      now,
    );
    recordChange(
      tx,
      {
        riskId: id,
        actor,
        action: 'risk.created',
        entries: [{ field: 'status', fromValue: null, toValue: 'open', note: 'added by hand' }],
        data: { vendor: vendorId, origin: 'manual', score },
      },
      now,
    );
  });
  return id;
}

/** The risk form. `version` is the one the form was rendered from. */
export async function updateRiskForm(
  scope: TenantScope,
  userId: string,
  riskId: string,
  f: Fields,
  now: Date,
): Promise<void> {
  const errs = new FormErrors();
  const version = Number(field(f, 'version'));
  if (!Number.isInteger(version) || version < 1)
    throw new HttpError(400, 'The form is missing its version. Reload the page.');
  const title = line(f, 'title', 'title', errs);
  const description = longText(f, 'description', 'description', errs);
  const likelihood = level(f, 'likelihood', 'likelihood', errs);
  const impact = level(f, 'impact', 'impact', errs);
  const owner = memberId(f, 'owner', errs);
  const treatment = treatmentChoice(f, errs);
  const treatmentPlan = longText(f, 'plan', 'treatment plan', errs);
  const dueDate = date(f, 'due', 'due date', errs);
  const res = residual(f, errs);
  const statusText = field(f, 'status');
  const note = line(f, 'note', 'note', errs, 500, false);
  try {
    await scope.write(async (tx) => {
      const before = await getRisk(tx, riskId);
      if (!before) throw new HttpError(404, 'No such risk.');
      // An accepted risk keeps "accepted" unless the member picks another status.
      const status =
        statusText === 'accepted' && before.status === 'accepted'
          ? 'accepted'
          : choice(f, 'status', SETTABLE_STATUSES, 'status', errs);
      if (status === 'closed' && before.status !== 'closed' && note === '')
        errs.add('note', 'Say why the risk is closed (it is kept in the history).');
      await checkOwner(tx, owner, errs);
      errs.throwIfAny();
      if (before.version !== version) throw new GuardError(RISK_CHANGED);
      const { score, rating } = rate(likelihood!, impact!);
      const patch: RiskPatch = {
        title,
        description,
        likelihood: likelihood!,
        impact: impact!,
        inherentScore: score,
        inherentRating: rating,
        ...res,
        ownerUserId: owner,
        treatment,
        treatmentPlan,
        dueDate,
        dueKey: dueDate ?? '9999-12-31',
        status: status!,
      };
      if (status === 'closed' && before.status !== 'closed')
        Object.assign(patch, { closedAt: now, closedNote: note, acceptedUntil: null });
      if (status !== 'closed' && before.status === 'closed')
        Object.assign(patch, { closedAt: null, closedNote: null });
      if (status !== 'accepted' && before.status === 'accepted') patch.acceptedUntil = null;
      const entries = diff(before as unknown as Record<string, unknown>, { ...before, ...patch }, TRACKED);
      if (entries.length === 0) return;
      if (note !== '') for (const e of entries) if (e.field === 'status') e.note = note;
      updateRisk(tx, riskId, patch, now, version);
      recordChange(tx, { riskId, actor: `user:${userId}`, action: actionFor(before, status!), entries }, now);
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === RISK_CHANGED) throw new HttpError(409, STALE_FORM);
    throw err;
  }
}

function actionFor(before: RiskRow, status: string) {
  if (status === 'closed' && before.status !== 'closed') return 'risk.closed' as const;
  if (status !== 'closed' && before.status === 'closed') return 'risk.reopened' as const;
  return 'risk.updated' as const;
}
