/**
 * Vendor links: `BASE_URL/v/<jwt>`. RS256 only, header `kid` (the RFC 7638 thumbprint of a key in our
 * own table) and `typ: vrp-link+jwt`; claims `iss` (BASE_URL), `aud`, `sub` (the contact), `tid`,
 * `aid`, `jti`, `iat`, `nbf`, `exp`. Verification pins the algorithm, `typ`, `iss`, `aud` and the age,
 * and takes keys only from the key ring (never a `jku`, `x5u` or embedded `jwk`) — RFC 8725, ASVS 9.1–9.2.
 * A token that fails reads the same to the visitor whatever the reason; the reason is for the log.
 *
 * The JWT proves who sent the link; the `vendor_links` row behind its `jti` makes it single-use and
 * revocable (src/vendor/access.ts).
 */
import { compactVerify, errors, jwtVerify, SignJWT } from 'jose';
import { bytesToBase64Url } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';
import { isId } from '../db/ids.js';
import type { KeyRing } from '../keys/keyring.js';

export const LINK_TYP = 'vrp-link+jwt';
export const LINK_AUDIENCE = 'assay:vendor-link';
/** The longest a link may live, whatever a tenant configures (security.md §2: short-lived). */
export const MAX_LINK_HOURS = 14 * 24;
export const DEFAULT_LINK_HOURS = 72;
const CLOCK_TOLERANCE_S = 30;
/** Longer than any real link (three segments, a 3072-bit signature): refuse before parsing. */
const MAX_TOKEN_LENGTH = 2048;

export interface LinkClaims {
  /** Tenant. */
  tid: string;
  /** Assessment. */
  aid: string;
  /** The contact the link was sent to. */
  sub: string;
  /** The `vendor_links` row. */
  jti: string;
}

export interface VerifiedLink extends LinkClaims {
  iat: number;
  exp: number;
}

export type LinkFailure = 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'claims';

export type LinkCheck =
  | { ok: true; link: VerifiedLink }
  /** `link` is set when the signature and every claim but the time window held (an expired link of ours). */
  | { ok: false; reason: LinkFailure; link?: VerifiedLink };

/** A fresh `jti`: 128 random bits. */
export const newLinkId = (): string => bytesToBase64Url(randomBytes(16));

export const clampLinkHours = (hours: number | null | undefined): number =>
  Math.min(MAX_LINK_HOURS, Math.max(1, Math.floor(hours ?? DEFAULT_LINK_HOURS)));

/** Signs a link with the active link key. */
export async function issueLink(
  keys: KeyRing,
  claims: LinkClaims,
  opts: { issuer: string; now: Date; hours: number },
): Promise<{ token: string; expiresAt: Date }> {
  const signer = await keys.signer('link');
  const iat = Math.floor(opts.now.getTime() / 1000);
  const exp = iat + clampLinkHours(opts.hours) * 3600;
  const token = await new SignJWT({ tid: claims.tid, aid: claims.aid })
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: LINK_TYP })
    .setIssuer(opts.issuer)
    .setAudience(LINK_AUDIENCE)
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(signer.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

function claimsOf(payload: Record<string, unknown>): VerifiedLink | null {
  const { tid, aid, sub, jti, iat, exp } = payload;
  if (!isId(tid) || !isId(aid) || !isId(sub)) return null;
  if (typeof jti !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(jti)) return null;
  if (typeof iat !== 'number' || typeof exp !== 'number') return null;
  return { tid, aid, sub, jti, iat, exp };
}

/** Checks a link token. Never throws: every failure is a reason. */
export async function verifyLink(
  keys: KeyRing,
  token: string,
  opts: { issuer: string; now: Date },
): Promise<LinkCheck> {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    return { ok: false, reason: 'malformed' };
  }
  const resolver = keys.resolver('link');
  try {
    const { payload } = await jwtVerify(token, resolver, {
      algorithms: ['RS256'],
      typ: LINK_TYP,
      issuer: opts.issuer,
      audience: LINK_AUDIENCE,
      requiredClaims: ['sub', 'jti', 'iat', 'nbf', 'exp', 'tid', 'aid'],
      maxTokenAge: `${MAX_LINK_HOURS}h`,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: opts.now,
    });
    const link = claimsOf(payload);
    return link ? { ok: true, link } : { ok: false, reason: 'claims' };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return expired(token, resolver, opts);
    if (err instanceof errors.JWTClaimValidationFailed) {
      return { ok: false, reason: err.claim === 'nbf' ? 'not-yet-valid' : 'claims' };
    }
    if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
      return { ok: false, reason: 'signature' };
    }
    if (err instanceof errors.JOSEError || (err instanceof Error && err.name === 'UnknownKeyError')) {
      return {
        ok: false,
        reason:
          err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid ? 'malformed' : 'signature',
      };
    }
    return { ok: false, reason: 'malformed' };
  }
}

/**
 * An expired link whose signature and claims are otherwise ours: its claims are returned so that the
 * "used or expired" page can offer fresh access for that assessment. Only the time window is waived.
 */
async function expired(
  token: string,
  resolver: ReturnType<KeyRing['resolver']>,
  opts: { issuer: string; now: Date },
): Promise<LinkCheck> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, resolver, { algorithms: ['RS256'] });
    if (protectedHeader.typ !== LINK_TYP) return { ok: false, reason: 'claims' };
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    const aud = claims.aud;
    if (
      claims.iss !== opts.issuer ||
      (aud !== LINK_AUDIENCE && !(Array.isArray(aud) && aud.includes(LINK_AUDIENCE)))
    ) {
      return { ok: false, reason: 'claims' };
    }
    const link = claimsOf(claims);
    return link ? { ok: false, reason: 'expired', link } : { ok: false, reason: 'claims' };
  } catch {
    return { ok: false, reason: 'signature' };
  }
}
