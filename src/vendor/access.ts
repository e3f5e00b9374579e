/**
 * Getting a vendor in: the interstitial a link opens (side-effect free: scanners fetch and even click),
 * redeeming the link (single use, a fresh vendor session), and fresh access when a link is spent,
 * expired or revoked (a new link plus a six-digit code; the code typed where it was asked for opens a
 * session directly, so a scanner that clicks the new link cannot lock the vendor out again).
 * security.md §1, §3; cases ML-01, ML-02, ML-13, ML-17, ML-18, ML-20, OTP-01, OTP-06, OTP-07, SES-01.
 */
import { hashToken, isSecretShape, newSecret } from '../auth/tokens.js';
import {
  CODE_MATCHES,
  CODE_TRY_LEFT,
  countAccessTry,
  findLiveAccessCode,
  insertAccessCode,
  MAX_CODE_ATTEMPTS,
  spendAccessCode,
} from '../db/repo/access-codes.js';
import { type Assessment, OPEN_STATUSES } from '../db/repo/assessments.js';
import type { ContactRow } from '../db/repo/vendor-contacts.js';
import { consumeVendorLink, getLinkContext, issueVendorLink, LINK_UNSPENT } from '../db/repo/vendor-links.js';
import { GuardError, type TenantReadCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { mailKeys } from '../mail/keys.js';
import { queueMail } from '../mail/queue.js';
import { assessmentMailLocale, renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { localize } from '../questionnaire/index.js';
import { recordAssessmentEvent } from '../workspace/assessment-events.js';
import { pinnedQuestionnaire } from '../workspace/questionnaires.js';
import type { ReportSecurityEvent } from '../workspace/security-log.js';
import { CODE_SHAPE, CODE_TRIES_PER_DAY, CODE_TTL_MS, codeHash, newCode, normaliseCode } from './codes.js';
import { contactDataFor } from './contact-data.js';
import { issueLink, type LinkClaims, newLinkId, verifyLink } from './links.js';
import { english, refuse } from './refusals.js';
import { startVendorSession } from './sessions.js';

export type AccessDeps = Pick<Ports, 'store' | 'keys' | 'master' | 'clock' | 'rateLimits' | 'templates'> & {
  baseUrl: string;
  /** Woken after a unit that queued mail commits. */
  mail?: Pick<Ports['mail'], 'queued'>;
};

/** What the visitor of a link may see: only what the link already names. */
export type LinkState = 'open' | 'spent' | 'expired' | 'revoked' | 'closed';
export interface LinkView {
  state: LinkState;
  claims: LinkClaims;
  tenantName: string;
  vendorName: string;
  questionnaireTitle: string;
  questionnaireRef: string;
  dueDate: string | null;
  /** The contact's address masked (`ja…@example.com`): enough to recognise, not to harvest. */
  maskedEmail: string;
  linkExpiresAt: Date;
  assessmentStatus: Assessment['status'];
  /** The member who sent it, as the invitation names them; null when the CLI or the system did. */
  sender: string | null;
  /** The questionnaire's languages and its title in each (the pages pick one: src/vendor/link-view.ts). */
  locales: readonly string[];
  defaultLocale: string;
  titles: Readonly<Record<string, string>>;
  /** The invitation's language (null: sent before assessments kept one). */
  assessmentLocale: string | null;
}

/** The questionnaire's title in a language (its stored title when the questionnaire lacks that one). */
export const titleIn = (v: Pick<LinkView, 'titles' | 'questionnaireTitle'>, locale: string): string =>
  Object.hasOwn(v.titles, locale) ? v.titles[locale]! : v.questionnaireTitle;

export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '…';
  return `${email.slice(0, Math.min(2, at))}…${email.slice(at)}`;
};

/** A link that does not verify at all reads the same whatever the reason (the reason is for the log). */
export const LINK_INVALID = english('vendor.linkInvalid');

type Loaded = LinkView & {
  /** The contact's address (opened after the read), null once erased. */
  contactEmail: string | null;
  contactEmailHash: string | null;
  linkTtlHours: number;
  /** The language of the assessment's mails (null: sent before it was kept; English). */
  mailLocale: string | null;
  otpRequired: boolean;
};

/** What the visitor may see of a loaded link (the contact's address and settings stay server-side). */
const strip = (l: Loaded): LinkView => {
  const {
    contactEmail: _e,
    contactEmailHash: _x,
    linkTtlHours: _h,
    mailLocale: _m,
    otpRequired: _o,
    ...view
  } = l;
  return view;
};

type LoadedRow = Omit<Loaded, 'contactEmail' | 'maskedEmail'> & { contact: ContactRow };

async function load(
  ctx: TenantReadCtx,
  claims: LinkClaims,
  verified: boolean,
  now: Date,
): Promise<LoadedRow | null> {
  // One statement (prepared once): the link row must be the one the token names, for this assessment
  // and contact (ML-13: nothing of another assessment or tenant).
  const r = await getLinkContext(ctx, claims.jti);
  if (
    !r ||
    r.assessmentId !== claims.aid ||
    r.contactId !== claims.sub ||
    r.assessmentContactId !== r.contactId
  )
    return null;
  // Compiled once per source (cached by hash): the title in each of the questionnaire's languages.
  const q = await pinnedQuestionnaire(ctx, r.questionnaireVersionId, r.questionnaireSourceHash);
  const locales = q?.locales ?? [];
  const titles = Object.fromEntries(locales.map((l) => [l, localize(q!.title, l, q!)]));
  const status = r.assessmentStatus as Assessment['status'];
  const state: LinkState = !OPEN_STATUSES.includes(status)
    ? 'closed'
    : r.consumedAt
      ? 'spent'
      : r.revokedAt
        ? 'revoked'
        : !verified || r.expiresAt.getTime() <= now.getTime()
          ? 'expired'
          : 'open';
  return {
    state,
    claims,
    tenantName: r.tenantName,
    vendorName: r.vendorName,
    questionnaireTitle: r.questionnaireTitle,
    questionnaireRef: `${r.questionnaireId}@${r.questionnaireVersion}`,
    dueDate: r.dueDate,
    linkExpiresAt: r.expiresAt,
    assessmentStatus: status,
    sender: r.senderEmail,
    locales,
    defaultLocale: q?.defaultLocale ?? 'en',
    titles,
    assessmentLocale: r.assessmentLocale,
    contact: {
      id: r.contactId,
      vendorId: r.contactVendorId,
      emailHash: r.contactEmailHash,
      sealed: r.contactSealed,
      keyId: null,
      erasedAt: r.contactErasedAt,
      createdAt: r.contactCreatedAt,
      updatedAt: null,
    },
    contactEmailHash: r.contactEmailHash,
    linkTtlHours: r.linkTtlHours,
    mailLocale: r.assessmentLocale,
    otpRequired: r.otpRequired,
  };
}

/** Verifies a token and loads what it names (the contact still sealed); an expired link of ours still loads. */
async function openSealed(deps: AccessDeps, token: string): Promise<LoadedRow | null> {
  const now = deps.clock.now();
  const check = await verifyLink(deps.keys, token, { issuer: deps.baseUrl, now });
  const claims = check.ok ? check.link : check.reason === 'expired' ? check.link : undefined;
  if (!claims) return null;
  return deps.store
    .tenant(claims.tid)
    .read((ctx) =>
      load(ctx, { tid: claims.tid, aid: claims.aid, sub: claims.sub, jti: claims.jti }, check.ok, now),
    );
}

/** A loaded link with its contact opened (decrypted after the read: no crypto inside a unit of work). */
async function unseal(deps: AccessDeps, row: LoadedRow): Promise<Loaded> {
  const { contact: stored, ...rest } = row;
  const contact = await contactDataFor(deps).open(row.claims.tid, stored);
  return {
    ...rest,
    contactEmail: contact.email,
    maskedEmail: contact.email ? maskEmail(contact.email) : '…',
  };
}

/** Verifies a token and loads what it names; an expired link of ours still loads (for fresh access). */
async function open(deps: AccessDeps, token: string): Promise<Loaded | null> {
  const row = await openSealed(deps, token);
  return row ? unseal(deps, row) : null;
}

/** GET/HEAD: the interstitial's content. Reads only; null when the link is not ours or names nothing. */
export async function inspectLink(deps: AccessDeps, token: string): Promise<LinkView | null> {
  const loaded = await open(deps, token);
  return loaded ? strip(loaded) : null;
}

/**
 * The languages of what a link names, for its error pages (src/vendor/error-language.ts): read without
 * opening the contact. Null when the link is not ours.
 */
export async function linkLanguages(
  deps: AccessDeps,
  token: string,
): Promise<Pick<LinkView, 'locales' | 'defaultLocale' | 'assessmentLocale'> | null> {
  const row = await openSealed(deps, token);
  return row && languagesOf(row);
}

const languagesOf = (row: Pick<LinkView, 'locales' | 'defaultLocale' | 'assessmentLocale'>) => ({
  locales: row.locales,
  defaultLocale: row.defaultLocale,
  assessmentLocale: row.assessmentLocale,
});

export class LinkNotUsable extends HttpError {
  constructor(readonly view: LinkView | null) {
    super(view ? 410 : 404, view ? english('vendor.linkUnusable') : LINK_INVALID, {
      said: { key: view ? 'vendor.linkUnusable' : 'vendor.linkInvalid' },
    });
  }
}

/**
 * POST: spends the link and opens a vendor session in one unit, ending any vendor session the browser
 * brought (SES-01). Exactly one of any number of concurrent redemptions commits (ML-02).
 */
export async function redeemLink(
  deps: AccessDeps,
  token: string,
  replacing: string | undefined,
): Promise<{
  session: { token: string; expiresAt: Date };
  assessmentId: string;
  languages: ReturnType<typeof languagesOf>;
}> {
  const now = deps.clock.now();
  // The contact is opened only for the page of a link that cannot be used: spending one needs only the
  // ids (an AES-GCM decryption per redemption cost about a tenth of it; docs/benchmarks.md, "Redeem").
  const loaded = await openSealed(deps, token);
  if (loaded?.state !== 'open') throw new LinkNotUsable(loaded ? strip(await unseal(deps, loaded)) : null);
  const { claims } = loaded;
  try {
    const session = await deps.store.tenant(claims.tid).write((tx) => {
      consumeVendorLink(tx, { jti: claims.jti, assessmentId: claims.aid, contactId: claims.sub }, now);
      const s = startVendorSession(tx, { assessmentId: claims.aid, contactId: claims.sub }, now, replacing);
      recordAssessmentEvent(tx, {
        assessmentId: claims.aid,
        kind: 'opened',
        actor: `vendor:${claims.sub}`,
        at: now,
      });
      tx.audit(
        { actor: `vendor:${claims.sub}`, action: 'assessment.opened', target: `assessment:${claims.aid}` },
        now,
      );
      return s;
    });
    return { session, assessmentId: claims.aid, languages: languagesOf(loaded) };
  } catch (err) {
    if (err instanceof GuardError && err.guard === LINK_UNSPENT) {
      throw new LinkNotUsable({ ...strip(await unseal(deps, loaded)), state: 'spent' });
    }
    throw err;
  }
}

/** Fresh-access requests per assessment and hour (on top of the per-address limit of the route). */
export const FRESH_ACCESS_PER_HOUR = 5;

/**
 * "Send me a new link": the contact types their address. The answer is the same whether it matches or
 * not (ML-17); on a match a new link (older ones revoked: ML-18) and a six-digit code are mailed. The
 * returned pending token goes into a cookie of the asking browser: the code works only there (ML-20).
 */
export async function requestFreshAccess(
  deps: AccessDeps,
  token: string,
  typedEmail: string,
  report: ReportSecurityEvent = () => {},
): Promise<{ pending: string; view: LinkView }> {
  const now = deps.clock.now();
  const loaded = await open(deps, token);
  if (!loaded) throw new LinkNotUsable(null);
  if (loaded.state === 'closed') throw refuse(409, 'vendor.closed');
  const { claims } = loaded;
  const hit = await deps.rateLimits.hit({ name: 'fresh-access', subject: claims.aid }, 60 * 60_000);
  if (hit.count > FRESH_ACCESS_PER_HOUR) {
    report({
      tenantId: claims.tid,
      kind: 'rate_limited',
      data: { via: 'fresh_access', assessment: claims.aid },
    });
    throw refuse(429, 'vendor.freshTooOften');
  }
  const pending = newSecret();
  // Compared by keyed hash, computed whether or not the contact still has an address.
  const typedHash = await contactDataFor(deps).emailHash(claims.tid, typedEmail.slice(0, 320));
  const to = loaded.contactEmail;
  const matches = to !== null && loaded.contactEmailHash !== null && typedHash === loaded.contactEmailHash;
  // Sign either way, so a match and a miss take the same time.
  const jti = newLinkId();
  const link = await issueLink(
    deps.keys,
    { tid: claims.tid, aid: claims.aid, sub: claims.sub, jti },
    { issuer: deps.baseUrl, now, hours: loaded.linkTtlHours },
  );
  const code = newCode();
  const hash = await codeHash(
    deps.master,
    { tenantId: claims.tid, assessmentId: claims.aid, purpose: 'access' },
    code,
  );
  if (matches && to) {
    const mail = renderEmail(
      deps.templates,
      'fresh_access',
      assessmentMailLocale({ locale: loaded.mailLocale }),
      {
        tenantName: loaded.tenantName,
        questionnaireTitle: titleIn(loaded, assessmentMailLocale({ locale: loaded.mailLocale })),
        link: `${deps.baseUrl}/v/${link.token}`,
        origin: deps.baseUrl,
        code,
        linkExpiresAt: link.expiresAt,
        codeMinutes: CODE_TTL_MS / 60_000,
      },
    );
    await deps.store.tenant(claims.tid).write((tx) => {
      issueVendorLink(tx, {
        jti,
        assessmentId: claims.aid,
        contactId: claims.sub,
        purpose: 'fresh',
        issuedAt: now,
        expiresAt: link.expiresAt,
      });
      insertAccessCode(tx, {
        assessmentId: claims.aid,
        contactId: claims.sub,
        purpose: 'access',
        binding: hashToken(pending),
        codeHash: hash,
        expiresAt: new Date(now.getTime() + CODE_TTL_MS),
        createdAt: now,
      });
      queueMail(tx, { tenantId: claims.tid, dedupeKey: mailKeys.fresh(jti), to, email: mail }, now);
      tx.audit(
        {
          actor: `vendor:${claims.sub}`,
          action: 'assessment.access_resent',
          target: `assessment:${claims.aid}`,
        },
        now,
      );
    });
    deps.mail?.queued();
  }
  return { pending, view: strip(loaded) };
}

/**
 * The code typed on the page where fresh access was asked for: bound to that browser's pending token,
 * at most 5 tries per code and 10 per assessment and day, then a session like a redeemed link's.
 */
export async function redeemAccessCode(
  deps: AccessDeps,
  token: string,
  pending: string | undefined,
  typed: string,
  replacing: string | undefined,
  report: ReportSecurityEvent = () => {},
): Promise<{
  session: { token: string; expiresAt: Date };
  assessmentId: string;
  languages: ReturnType<typeof languagesOf>;
}> {
  const now = deps.clock.now();
  const loaded = await open(deps, token);
  if (!loaded) throw new LinkNotUsable(null);
  if (loaded.state === 'closed') throw refuse(409, 'vendor.closed');
  const { claims } = loaded;
  const code = normaliseCode(typed.slice(0, 32));
  // Ids and a reason only: never the typed code (security-log.ts).
  const failed = (reason: string) =>
    report({
      tenantId: claims.tid,
      kind: 'code_failed',
      data: { via: 'access_code', assessment: claims.aid, reason },
    });
  const limited = (reason: string) =>
    report({
      tenantId: claims.tid,
      kind: 'rate_limited',
      data: { via: 'access_code', assessment: claims.aid, reason },
    });
  if (!isSecretShape(pending)) {
    throw refuse(400, 'vendor.codeOtherBrowser');
  }
  // Nothing typed is no guess: refused before it could spend a try of the day or of the code (a
  // double-clicked empty form must not lock the assessment out until tomorrow).
  if (code === '') throw refuse(422, 'vendor.enterCode');
  const binding = hashToken(pending);
  const scope = deps.store.tenant(claims.tid);
  const live = await scope.read((ctx) =>
    findLiveAccessCode(ctx, { assessmentId: claims.aid, purpose: 'access', binding }, now),
  );
  if (!live || live.contactId !== claims.sub) {
    failed('no_live_code');
    throw refuse(400, 'vendor.codeStale');
  }
  // No guess is possible at a code whose tries are used up: refused before the day's count, so typing at
  // a dead code cannot use up the tries a new code will need (the guarded count below still decides
  // between concurrent tries at the last one).
  if (live.attempts >= MAX_CODE_ATTEMPTS) {
    limited('tries_per_code');
    throw refuse(429, 'vendor.accessTooManyWrong');
  }
  const hit = await deps.rateLimits.hit({ name: 'code-tries', subject: claims.aid }, 24 * 60 * 60_000);
  // Counted before the shape check: a malformed code is a failed try for the day too.
  if (hit.count > CODE_TRIES_PER_DAY) {
    limited('tries_per_day');
    throw refuse(429, 'vendor.accessTriesPerDay');
  }
  // Count the try in a unit of its own: a wrong code must still count when the second unit rolls back.
  let attempts: number;
  try {
    const counted = await scope.write((tx) => countAccessTry(tx, live.id, now));
    attempts = counted.rows[0]?.attempts ?? MAX_CODE_ATTEMPTS + 1;
  } catch (err) {
    if (err instanceof GuardError && err.guard === CODE_TRY_LEFT) {
      limited('tries_per_code');
      throw refuse(429, 'vendor.accessTooManyWrong');
    }
    throw err;
  }
  // Checked after the try is counted: a malformed code is a failed try on this code too (security.md §3).
  if (!CODE_SHAPE.test(code)) {
    failed('malformed');
    throw refuse(422, 'vendor.enterCode');
  }
  const hash = await codeHash(
    deps.master,
    { tenantId: claims.tid, assessmentId: claims.aid, purpose: 'access' },
    code,
  );
  try {
    const session = await scope.write((tx) => {
      spendAccessCode(tx, live.id, hash, now);
      const s = startVendorSession(tx, { assessmentId: claims.aid, contactId: claims.sub }, now, replacing);
      recordAssessmentEvent(tx, {
        assessmentId: claims.aid,
        kind: 'opened',
        actor: `vendor:${claims.sub}`,
        at: now,
      });
      tx.audit(
        {
          actor: `vendor:${claims.sub}`,
          action: 'assessment.opened',
          target: `assessment:${claims.aid}`,
          data: { via: 'code' },
        },
        now,
      );
      return s;
    });
    return { session, assessmentId: claims.aid, languages: languagesOf(loaded) };
  } catch (err) {
    if (err instanceof GuardError && err.guard === CODE_MATCHES) {
      failed('wrong');
      const left = Math.max(0, MAX_CODE_ATTEMPTS - attempts);
      throw refuse(
        422,
        left === 0
          ? 'vendor.codeWrongNone'
          : left === 1
            ? 'vendor.codeWrongLeftOne'
            : 'vendor.codeWrongLeftMany',
        { params: { left } },
      );
    }
    throw err;
  }
}
