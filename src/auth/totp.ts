/**
 * TOTP as authenticator apps expect it (RFC 6238: SHA-1, 6 digits, 30 s), with otplib v13. A code is
 * accepted for the current step and one step back (`[30, 0]`: the time a person needs to type it, never
 * a code from the future), and only for a step strictly later than the last one accepted for the member
 * (`afterTimeStep`; the database repeats the check in SQL so two concurrent uses cannot both pass).
 * otplib throws on malformed input, so the shape is checked first and anything else is simply "no".
 */
import { generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD_S = 30;
export const TOTP_SHAPE = /^\d{6}$/;
const TOLERANCE: [number, number] = [TOTP_PERIOD_S, 0];

/** What people type: digits with spaces or dashes between them ("123 456"). */
export const normaliseTotp = (typed: string): string => typed.replace(/[\s-]/g, '');

/** A fresh seed: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export const newTotpSecret = (): string => generateSecret();

/** The `otpauth://` URI an authenticator app reads from the QR code. */
export const totpUri = (secret: string, account: string, issuer: string): string =>
  generateURI({ issuer, label: account, secret });

/**
 * The time step `code` was accepted for, or null: wrong, malformed, or not later than `afterStep`.
 */
export async function acceptedStep(
  secret: string,
  code: string,
  afterStep: number | null,
  now: Date,
): Promise<number | null> {
  if (!TOTP_SHAPE.test(code)) return null;
  const epoch = Math.floor(now.getTime() / 1000);
  try {
    const result = await verify({
      secret,
      token: code,
      epoch,
      epochTolerance: TOLERANCE,
      ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
    });
    if (!result.valid) return null;
    // The TOTP result carries its step; the functional API's union type does not say so.
    const step = (result as { timeStep?: number }).timeStep;
    return step ?? Math.floor(epoch / TOTP_PERIOD_S) + result.delta;
  } catch {
    return null;
  }
}
