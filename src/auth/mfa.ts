/**
 * A member's TOTP factor: enrolment (a seed sealed at rest, confirmed with a first code), ten
 * single-use recovery codes shown once, regeneration and removal; and the one check of a second
 * factor that sign-in and re-authentication share. Codes are checked before a unit of work opens
 * (hashing and decryption never run inside one); what makes a code single-use is the guarded write the
 * caller queues with {@link spendFactor}, in the same unit as whatever the code unlocks.
 */
import {
  acceptTotpStep,
  countUnusedRecoveryCodes,
  deleteOtherSessionsOfUser,
  disableTotp,
  enableTotp,
  getMfaState,
  type MfaState,
  replaceRecoveryCodes,
  setPendingTotp,
  tenantRequiresMfa,
  useRecoveryCode,
} from '../db/repo/mfa.js';
import { GuardError, type Store, type WriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { MasterKey } from '../keys/master-key.js';
import {
  newRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  RECOVERY_SHAPE,
  recoveryCodeHash,
} from './recovery-codes.js';
import { acceptedStep, newTotpSecret, normaliseTotp, TOTP_SHAPE, totpUri } from './totp.js';
import { qrSvg } from './totp-qr.js';
import { openTotpSecret, sealTotpSecret } from './totp-secrets.js';

export const TOTP_ISSUER = 'Assay';

export interface MfaDeps {
  store: Store;
  master: MasterKey;
}

/** The signed-in member a change is for; `sessionId` is the SHA-256 of their session cookie. */
export interface Member {
  userId: string;
  tenantId: string;
  sessionId: string;
}

export const CODE_FORMAT =
  'Enter the 6-digit code from your authenticator app, or one of your recovery codes.';
export const WRONG_CODE = 'That code is not right. Check the time on your phone and try the newest code.';

const scopeOf = (deps: MfaDeps, m: Member) =>
  deps.store.tenant(m.tenantId, { userId: m.userId, sessionId: m.sessionId });

/** A typed second factor: a 6-digit TOTP code or a recovery code, told apart by their shape. */
export type FactorInput = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };

export function parseFactor(typed: unknown): FactorInput | null {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const totp = normaliseTotp(typed);
  if (TOTP_SHAPE.test(totp)) return { kind: 'totp', code: totp };
  const recovery = normaliseRecoveryCode(typed);
  if (RECOVERY_SHAPE.test(recovery)) return { kind: 'recovery', code: recovery };
  return null;
}

/** A second factor that checked out, to be spent in the unit that acts on it. */
export type FactorProof = { kind: 'totp'; step: number } | { kind: 'recovery'; hash: string };

/**
 * Checks a typed factor against the member's state: a TOTP code must be right and for a step later
 * than the last accepted one; a recovery code is only hashed here (whether it is unused is decided by
 * the guarded write). Null: no factor enrolled, or a wrong code.
 */
export async function checkFactor(
  master: MasterKey,
  state: MfaState,
  input: FactorInput,
  now: Date,
): Promise<FactorProof | null> {
  if (!state.totpSecret || !state.totpEnabledAt) return null;
  if (input.kind === 'recovery')
    return { kind: 'recovery', hash: await recoveryCodeHash(master, state.userId, input.code) };
  const secret = await openTotpSecret(master, state.userId, state.totpSecret);
  const step = await acceptedStep(secret, input.code, state.totpLastStep, now);
  return step === null ? null : { kind: 'totp', step };
}

/** Queues the write that uses the factor up: the unit fails with GuardError if it was used meanwhile. */
export function spendFactor(tx: WriteCtx, userId: string, proof: FactorProof, now: Date): void {
  if (proof.kind === 'totp') acceptTotpStep(tx, userId, proof.step);
  else useRecoveryCode(tx, userId, proof.hash, now);
}

/** True when the unit failed because a factor (or another guarded row) was already used. */
export const isSpent = (err: unknown): boolean => err instanceof GuardError;

export interface Enrolment {
  secret: string;
  uri: string;
  qr: string;
}

export interface MfaStatus {
  enabled: boolean;
  enabledAt: Date | null;
  /** An enrolment started and not yet confirmed. */
  pending: Enrolment | null;
  codesLeft: number;
  /** The member's tenant requires a second factor. */
  required: boolean;
}

function enrolmentOf(secret: string, email: string): Enrolment {
  const uri = totpUri(secret, email, TOTP_ISSUER);
  return { secret, uri, qr: qrSvg(uri, 'QR code for your authenticator app') };
}

export async function mfaStatus(deps: MfaDeps, m: Member): Promise<MfaStatus> {
  const { state, codesLeft, required } = await scopeOf(deps, m).read(async (ctx) => ({
    state: await getMfaState(ctx, m.userId),
    codesLeft: await countUnusedRecoveryCodes(ctx, m.userId),
    required: await tenantRequiresMfa(ctx),
  }));
  if (!state) throw new HttpError(404);
  const enabled = state.totpEnabledAt !== null;
  const pending =
    !enabled && state.totpPendingSecret
      ? enrolmentOf(await openTotpSecret(deps.master, m.userId, state.totpPendingSecret), state.email)
      : null;
  return { enabled, enabledAt: state.totpEnabledAt, pending, codesLeft, required };
}

const ALREADY_ON =
  'Two-step sign-in is already on for your account. Turn it off first to move it to a new authenticator.';

/** Starts an enrolment with a fresh seed (replacing one that was never confirmed). */
export async function startEnrolment(deps: MfaDeps, m: Member): Promise<void> {
  const sealed = await sealTotpSecret(deps.master, m.userId, newTotpSecret());
  try {
    await scopeOf(deps, m).write((tx) => setPendingTotp(tx, m.userId, sealed));
  } catch (err) {
    if (isSpent(err)) throw new HttpError(409, ALREADY_ON);
    throw err;
  }
}

async function freshCodes(master: MasterKey, userId: string) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(codes.map((c) => recoveryCodeHash(master, userId, c)));
  return { codes, hashes };
}

/**
 * Confirms the enrolment with a first code: the factor is on, ten recovery codes replace any old ones
 * (returned once, never stored in the clear), and every other session of the member ends (a changed
 * factor: ASVS 7.4.3). A wrong or malformed code changes nothing.
 */
export async function confirmEnrolment(
  deps: MfaDeps,
  m: Member,
  typed: unknown,
  now: Date,
): Promise<string[]> {
  const code = typeof typed === 'string' ? normaliseTotp(typed) : '';
  if (!TOTP_SHAPE.test(code))
    throw new HttpError(422, 'Enter the 6-digit code your app shows.', {
      fields: { code: 'Enter the 6-digit code your app shows.' },
    });
  const state = await scopeOf(deps, m).read((ctx) => getMfaState(ctx, m.userId));
  if (state?.totpEnabledAt) throw new HttpError(409, ALREADY_ON);
  if (!state?.totpPendingSecret)
    throw new HttpError(409, 'Start the set-up first: choose "Set up an authenticator app".');
  const pending = state.totpPendingSecret;
  const secret = await openTotpSecret(deps.master, m.userId, pending);
  const step = await acceptedStep(secret, code, null, now);
  if (step === null) throw new HttpError(422, WRONG_CODE, { fields: { code: WRONG_CODE } });
  const { codes, hashes } = await freshCodes(deps.master, m.userId);
  try {
    await scopeOf(deps, m).write((tx) => {
      enableTotp(tx, m.userId, pending, step, now);
      replaceRecoveryCodes(tx, m.userId, hashes, now);
      deleteOtherSessionsOfUser(tx, m.userId, m.sessionId);
      tx.audit({ actor: `user:${m.userId}`, action: 'mfa.enrolled', target: `user:${m.userId}` }, now);
    });
  } catch (err) {
    if (isSpent(err))
      throw new HttpError(
        409,
        'The set-up changed in another window. Reload the page and scan the new code.',
      );
    throw err;
  }
  return codes;
}

/** New recovery codes; the old ones (used or not) stop working at once. */
export async function regenerateRecoveryCodes(deps: MfaDeps, m: Member, now: Date): Promise<string[]> {
  const state = await scopeOf(deps, m).read((ctx) => getMfaState(ctx, m.userId));
  if (!state?.totpEnabledAt) throw new HttpError(409, 'Turn on two-step sign-in first.');
  const { codes, hashes } = await freshCodes(deps.master, m.userId);
  await scopeOf(deps, m).write((tx) => {
    replaceRecoveryCodes(tx, m.userId, hashes, now);
    tx.audit(
      { actor: `user:${m.userId}`, action: 'mfa.recovery_regenerated', target: `user:${m.userId}` },
      now,
    );
  });
  return codes;
}

export const MFA_REQUIRED_BY_TENANT =
  'Your organisation requires two-step sign-in, so it cannot be turned off. An admin can change that in Settings › Security.';

/** Removes the factor and its recovery codes, and ends the member's other sessions. */
export async function disableMfa(deps: MfaDeps, m: Member, now: Date): Promise<void> {
  const { state, required } = await scopeOf(deps, m).read(async (ctx) => ({
    state: await getMfaState(ctx, m.userId),
    required: await tenantRequiresMfa(ctx),
  }));
  if (!state?.totpEnabledAt) throw new HttpError(409, 'Two-step sign-in is not on for your account.');
  if (required) throw new HttpError(409, MFA_REQUIRED_BY_TENANT);
  await scopeOf(deps, m).write((tx) => {
    disableTotp(tx, m.userId);
    deleteOtherSessionsOfUser(tx, m.userId, m.sessionId);
    tx.audit({ actor: `user:${m.userId}`, action: 'mfa.disabled', target: `user:${m.userId}` }, now);
  });
}
