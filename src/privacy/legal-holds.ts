/**
 * Legal holds on a vendor or an assessment: while one exists, retention deletes nothing it covers
 * (src/db/repo/retention.ts checks it inside the deleting statement). Placing and releasing are audited
 * with ids only; the matter's reference stays in the hold's row.
 */
import { z } from 'zod';
import * as repo from '../db/repo/index.js';
import { GuardError, type Scope, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';

export const holdInput = z.object({
  targetType: z.enum(['vendor', 'assessment'], { message: 'Choose a vendor or an assessment.' }),
  targetId: z.string().trim().min(1, 'Enter the id of the vendor or assessment.'),
  reference: z
    .string()
    .trim()
    .max(200, 'Keep the reference under 200 characters.')
    .transform((s) => (s === '' ? null : s)),
});
export type HoldInput = z.infer<typeof holdInput>;

type TenantUnits = Pick<Scope<TenantReadCtx, TenantWriteCtx>, 'read' | 'write'>;

export async function placeLegalHold(
  units: TenantUnits,
  input: HoldInput,
  actor: string,
  now: Date,
): Promise<string> {
  try {
    return await units.write(async (tx) => {
      const exists =
        input.targetType === 'vendor'
          ? await repo.getVendor(tx, input.targetId)
          : await repo.getAssessment(tx, input.targetId);
      if (!exists)
        throw new HttpError(404, `No ${input.targetType} with that id in this workspace.`, {
          fields: { targetId: `No ${input.targetType} with that id in this workspace.` },
        });
      const { id } = repo.insertLegalHold(tx, { ...input, placedBy: actor }, now);
      tx.audit(
        {
          actor,
          action: 'legal_hold.placed',
          target: `${input.targetType}:${input.targetId}`,
          data: { hold: id },
        },
        now,
      );
      return id;
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.HOLD_NEW)
      throw new HttpError(409, `That ${input.targetType} is already under a legal hold.`, {
        fields: { targetId: `That ${input.targetType} is already under a legal hold.` },
      });
    throw err;
  }
}

export async function releaseLegalHold(units: TenantUnits, holdId: string, actor: string, now: Date) {
  try {
    await units.write(async (tx) => {
      const hold = await repo.getLegalHold(tx, holdId);
      if (!hold) throw new HttpError(404, 'That legal hold does not exist (already released?).');
      repo.deleteLegalHold(tx, holdId);
      tx.audit(
        {
          actor,
          action: 'legal_hold.released',
          target: `${hold.targetType}:${hold.targetId}`,
          data: { hold: holdId },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.HOLD_PRESENT)
      throw new HttpError(404, 'That legal hold does not exist (already released?).');
    throw err;
  }
}
