/**
 * Submission receipts: a compact JWS (`typ: vrp-receipt+jws`, RS256, `kid` = the receipt key's RFC 7638
 * thumbprint) over what was submitted: tenant, assessment, questionnaire ref and source hash, the
 * answers' SHA-256 (RFC 8785 form), every evidence file's SHA-256, score, rating and time. Receipt keys
 * are separate from link keys and stay in the JWKS after rotation, so a receipt verifies for years.
 */
import { compactVerify, createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, SignJWT } from 'jose';
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

export type ReceiptCheck =
  | { ok: true; kid: string; payload: ReceiptPayload & { iss: string; iat: number } }
  | { ok: false; reason: string };

/** The JWS in a receipt file: a bare `.jws`, or the armoured block of the receipt mail. */
export function extractReceipt(text: string): string | null {
  const armoured = /-----BEGIN ASSAY RECEIPT-----([\s\S]*?)-----END ASSAY RECEIPT-----/.exec(text);
  const jws = (armoured ? armoured[1]! : text).replace(/\s+/g, '');
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws) && jws.length < 64_000 ? jws : null;
}

type Resolver = Parameters<typeof compactVerify>[1];

async function check(jws: string, key: Resolver): Promise<ReceiptCheck> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['RS256'] });
    if (protectedHeader.typ !== RECEIPT_TYP) {
      return { ok: false, reason: `not a receipt: its type is "${protectedHeader.typ ?? 'none'}"` };
    }
    const claims = JSON.parse(new TextDecoder().decode(payload)) as ReceiptPayload & {
      iss: string;
      iat: number;
      aud?: unknown;
    };
    if (claims.aud !== RECEIPT_AUDIENCE) return { ok: false, reason: 'not a receipt: wrong audience' };
    return { ok: true, kid: String(protectedHeader.kid), payload: claims };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
      return {
        ok: false,
        reason: 'the signature does not match: the receipt was altered or not signed by these keys',
      };
    if (e.code === 'ERR_JWKS_NO_MATCHING_KEY' || e.name === 'UnknownKeyError')
      return { ok: false, reason: 'it was signed by a key that is not among the receipt keys' };
    if (e.code === 'ERR_JOSE_ALG_NOT_ALLOWED') return { ok: false, reason: 'it is not signed with RS256' };
    return { ok: false, reason: `it is not a valid receipt (${e.message})` };
  }
}

/** Checks a receipt against our own receipt keys (alg, typ and audience pinned). */
export const verifyReceiptWithKeys = (keys: KeyRing, jws: string): Promise<ReceiptCheck> =>
  check(jws.trim(), keys.resolver('receipt'));

/** Checks a receipt against a published JWKS (a file's content, or the URL of one). */
export function verifyReceiptWithJwks(jwks: JSONWebKeySet | URL, jws: string): Promise<ReceiptCheck> {
  const set = jwks instanceof URL ? createRemoteJWKSet(jwks) : createLocalJWKSet(jwks);
  return check(jws.trim(), set as Resolver);
}
