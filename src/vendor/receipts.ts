/**
 * Submission receipts: a compact JWS (`typ: vrp-receipt+jws`, RS256, `kid` = the receipt key's RFC 7638
 * thumbprint) over what was submitted: tenant, assessment, questionnaire ref and source hash, the
 * answers' SHA-256 (RFC 8785 form), every evidence file's SHA-256, score, rating and time. Receipt keys
 * are separate from link keys and stay in the JWKS after rotation, so a receipt verifies for years.
 */
import { compactVerify, SignJWT } from 'jose';
import type { KeyRing } from '../keys/keyring.js';

export const RECEIPT_TYP = 'vrp-receipt+jws';
export const RECEIPT_AUDIENCE = 'assay:receipt';

export interface ReceiptPayload {
  tenant: { id: string; name: string };
  assessment: string;
  vendor: string;
  questionnaire: { ref: string; sourceSha256: string };
  answers: { alg: 'sha-256/jcs'; digest: string; count: number };
  evidence: { id: string; question: string; sha256: string; size: number }[];
  score: number | null;
  band: string | null;
  rating: string | null;
  findings: number;
  submittedAt: string;
  submittedBy: string;
}

export async function issueReceipt(
  keys: KeyRing,
  payload: ReceiptPayload,
  opts: { issuer: string; now: Date },
): Promise<string> {
  const signer = await keys.signer('receipt');
  return new SignJWT({ ...payload })
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: RECEIPT_TYP })
    .setIssuer(opts.issuer)
    .setAudience(RECEIPT_AUDIENCE)
    .setSubject(payload.assessment)
    .setIssuedAt(Math.floor(opts.now.getTime() / 1000))
    .sign(signer.key);
}

/** Checks a receipt against our own receipt keys (alg and typ pinned); the payload, or why not. */
export async function verifyReceiptWithKeys(
  keys: KeyRing,
  jws: string,
): Promise<{ ok: true; payload: ReceiptPayload & { iss: string } } | { ok: false; reason: string }> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws.trim(), keys.resolver('receipt'), {
      algorithms: ['RS256'],
    });
    if (protectedHeader.typ !== RECEIPT_TYP) return { ok: false, reason: 'not a receipt (typ)' };
    return { ok: true, payload: JSON.parse(new TextDecoder().decode(payload)) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
