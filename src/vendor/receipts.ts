/**
 * Submission receipts: a compact JWS, header `{alg: RS256, typ: vrp-receipt+jws, kid}` (the receipt
 * key's RFC 7638 thumbprint), over a JSON payload saying what was submitted: tenant, assessment, vendor,
 * questionnaire `id@version` and source hash, the SHA-256 of the RFC 8785 (JCS) form of the frozen
 * answers, every evidence file's SHA-256, score, band, rating, finding count, the submitting contact's
 * id (never an address) and the time. Receipt keys are separate from link keys and stay published after
 * rotation, so a receipt verifies for years; RS256 so that plain `openssl dgst -sha256 -verify` checks
 * it (README "Verifying a receipt").
 *
 * Pure jose + Web Crypto: issuing runs wherever the submission runs (Node or Workers), verifying runs
 * anywhere with only a JWKS (`assay receipt verify`, a browser, a vendor's own tooling).
 */
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  SignJWT,
} from 'jose';
import { z } from 'zod';
import type { KeyRing } from '../keys/keyring.js';

export const RECEIPT_TYP = 'vrp-receipt+jws';
export const RECEIPT_AUDIENCE = 'assay:receipt';
/** The payload format; a later format gets a new number and this verifier refuses it clearly. */
export const RECEIPT_VERSION = 1;
/** How `answers.digest` is made: SHA-256 (hex) over the RFC 8785 canonical JSON of the answer map. */
export const ANSWERS_DIGEST_ALG = 'sha-256/jcs';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const id = z.string().min(1).max(64);
const isoTime = z.iso.datetime({ offset: false });

const content = {
  /** The issuing Assay's BASE_URL. */
  iss: z.url({ protocol: /^https?$/ }),
  tenant: z.object({ id, name: z.string().min(1).max(200) }),
  assessment: id,
  vendor: z.string().min(1).max(200),
  /** `ref` is `id@version` (the pinned version); `sourceSha256` the published file's hash. */
  questionnaire: z.object({
    ref: z.string().regex(/^[a-z0-9][a-z0-9._-]*@[0-9A-Za-z.+-]+$/),
    sourceSha256: sha256,
  }),
  answers: z.object({ alg: z.literal(ANSWERS_DIGEST_ALG), digest: sha256, count: z.number().int().min(0) }),
  evidence: z.array(
    z.object({ id, question: z.string().min(1).max(200), sha256, size: z.number().int().min(0) }),
  ),
  score: z.number().nullable(),
  band: z.string().nullable(),
  rating: z.string().nullable(),
  findings: z.number().int().min(0),
  submittedAt: isoTime,
  /** The submitting contact's id (an id, never an address: a receipt is forwarded). */
  contact: id,
  /**
   * Room for issue 9: where the submission sits in the tenant's audit chain, and (once checkpoints are
   * signed) a checkpoint with the RFC 6962 inclusion proof of that entry. Optional in format 1.
   */
  audit: z
    .object({
      seq: z.number().int().min(1),
      entryHash: sha256,
      checkpoint: z.string().max(4096).optional(),
      inclusionProof: z
        .object({
          index: z.number().int().min(0),
          treeSize: z.number().int().min(1),
          hashes: z.array(sha256).max(64),
        })
        .optional(),
    })
    .optional(),
};

const inputSchema = z.object(content);
const payloadSchema = z.object({
  ...content,
  ver: z.literal(RECEIPT_VERSION),
  aud: z.literal(RECEIPT_AUDIENCE),
  sub: id,
  iat: z.number().int(),
});

/** What the submission hands `issueReceipt`. */
export type ReceiptInput = z.infer<typeof inputSchema>;
/** What a verified receipt says: the input plus `ver`, `aud`, `sub` (= assessment) and `iat`. */
export type ReceiptPayload = z.infer<typeof payloadSchema>;

/**
 * Signs a receipt with the active receipt key. Throws if the input is not a well-formed receipt (a bug
 * in the caller: we never sign what we would refuse to verify). `iat` is `submittedAt`.
 */
export async function issueReceipt(keys: Pick<KeyRing, 'signer'>, input: ReceiptInput): Promise<string> {
  const checked = inputSchema.safeParse(input);
  if (!checked.success) throw new Error(`not a valid receipt: ${describe(checked.error)}`);
  const signer = await keys.signer('receipt');
  if (signer.alg !== 'RS256') throw new Error('receipt keys must be RS256');
  const { iss, ...rest } = checked.data;
  return new SignJWT({ ver: RECEIPT_VERSION, ...rest })
    .setProtectedHeader({ alg: 'RS256', typ: RECEIPT_TYP, kid: signer.kid })
    .setIssuer(iss)
    .setAudience(RECEIPT_AUDIENCE)
    .setSubject(rest.assessment)
    .setIssuedAt(Math.floor(Date.parse(rest.submittedAt) / 1000))
    .sign(signer.key);
}

export type ReceiptFailure = 'malformed' | 'alg' | 'typ' | 'unknown-key' | 'signature' | 'claims';

export type ReceiptCheck =
  | { ok: true; payload: ReceiptPayload; kid: string }
  | { ok: false; code: ReceiptFailure; reason: string };

// The signature may be empty here so that `alg: none` gets its own reason.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const KID = /^[A-Za-z0-9_-]{1,64}$/;
/** Far longer than any real receipt, short enough that nobody parses megabytes of garbage. */
const MAX_LENGTH = 256 * 1024;

const fail = (code: ReceiptFailure, reason: string): ReceiptCheck => ({ ok: false, code, reason });

/**
 * Checks a receipt against a JWKS (ours from the key table, a downloaded `/.well-known/jwks.json`, …):
 * RS256 and `typ` pinned, the key chosen by `kid` from that set only (never a `jku`/`x5u`/`jwk` header),
 * `aud` and the payload format checked. Never throws: the reason says what failed.
 */
export async function verifyReceipt(jwks: JSONWebKeySet, jws: string): Promise<ReceiptCheck> {
  const token = jws.trim();
  if (token.length > MAX_LENGTH || !COMPACT.test(token)) {
    return fail('malformed', 'not a compact JWS (three base64url parts separated by dots)');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed', 'not a compact JWS: the header is not base64url-encoded JSON');
  }
  if (header.alg !== 'RS256')
    return fail('alg', `signed with alg ${JSON.stringify(header.alg)}; receipts use RS256 only`);
  if (!typ(header.typ)) {
    return fail(
      'typ',
      `the header's typ is ${JSON.stringify(header.typ ?? null)}, not "${RECEIPT_TYP}": not a receipt`,
    );
  }
  if (typeof header.kid !== 'string' || !KID.test(header.kid)) {
    return fail('unknown-key', 'the header names no usable key id (kid)');
  }
  const kid = header.kid;
  const rsa = { keys: (Array.isArray(jwks?.keys) ? jwks.keys : []).filter((k) => k && k.kty === 'RSA') };
  if (!rsa.keys.some((k) => k.kid === kid)) {
    return fail('unknown-key', `signed by key ${kid}, which is not in the key set`);
  }
  let verified: Record<string, unknown>;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(rsa), {
      algorithms: ['RS256'],
      typ: RECEIPT_TYP,
      audience: RECEIPT_AUDIENCE,
      requiredClaims: ['iss', 'sub', 'iat'],
    });
    verified = payload;
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return fail('signature', 'the signature does not match: the receipt was changed after it was signed');
    }
    if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
      return fail('unknown-key', `key ${kid} in the key set is not a usable RS256 signing key`);
    }
    if (err instanceof errors.JWTClaimValidationFailed) {
      return fail('claims', `the ${err.claim} claim is missing or wrong (${err.reason})`);
    }
    if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
      return fail('malformed', 'not a compact JWS: the payload is not a JSON object');
    }
    if (err instanceof errors.JOSEError)
      return fail('signature', `the signature cannot be checked (${err.code})`);
    return fail('unknown-key', `key ${kid} in the key set cannot be used`);
  }
  if (verified.ver !== RECEIPT_VERSION) {
    return fail(
      'claims',
      `receipt format ${JSON.stringify(verified.ver ?? null)} is not one this verifier knows (${RECEIPT_VERSION})`,
    );
  }
  const shaped = payloadSchema.safeParse(verified);
  if (!shaped.success) return fail('claims', `the payload is not a receipt: ${describe(shaped.error)}`);
  if (shaped.data.sub !== shaped.data.assessment) return fail('claims', 'sub does not name the assessment');
  return { ok: true, payload: shaped.data, kid };
}

/** jose's normalisation: case-insensitive, `application/` prefix optional. */
function typ(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase().replace(/^application\//, '') === RECEIPT_TYP;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
    .join('; ');
}

/** Text from a receipt, safe for a terminal: control characters (escape sequences) shown as `?`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const shown = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');

/** The verified fields as lines for people (`assay receipt verify`). */
export function receiptLines(check: Extract<ReceiptCheck, { ok: true }>): string[] {
  const p = { ...check.payload, vendor: shown(check.payload.vendor), iss: shown(check.payload.iss) };
  p.tenant = { ...p.tenant, name: shown(p.tenant.name), id: shown(p.tenant.id) };
  return [
    `Receipt verified (key ${check.kid}).`,
    `Issuer:        ${p.iss}`,
    `Tenant:        ${p.tenant.name} (${p.tenant.id})`,
    `Assessment:    ${shown(p.assessment)}`,
    `Vendor:        ${p.vendor}`,
    `Questionnaire: ${p.questionnaire.ref} (source SHA-256 ${p.questionnaire.sourceSha256})`,
    `Submitted at:  ${p.submittedAt} by contact ${shown(p.contact)}`,
    `Answers:       ${p.answers.count}, ${p.answers.alg} ${p.answers.digest}`,
    `Score:         ${p.score ?? '-'}${p.band ? ` (${shown(p.band)})` : ''}, rating ${shown(p.rating ?? '-')}, ${p.findings} finding${p.findings === 1 ? '' : 's'}`,
    `Evidence:      ${p.evidence.length} file${p.evidence.length === 1 ? '' : 's'}`,
    ...p.evidence.map((e) => `  ${e.sha256}  ${shown(e.question)} (${e.size} bytes)`),
    ...(p.audit ? [`Audit:         entry ${p.audit.seq} ${p.audit.entryHash}`] : []),
  ];
}
