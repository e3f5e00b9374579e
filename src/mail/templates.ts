/**
 * Mail templates: every email is a subject (here), an HTML body and a plain-text body (Eta templates,
 * views/emails/html/<locale>/<name>.eta and views/emails/text/<locale>/<name>.eta), each wrapped in the
 * shared layout (views/emails/{html,text}/layout.eta). They go through the same precompiled template
 * engine as the pages, so they render on Workers too.
 *
 * Escaping: the HTML templates use `<%= %>`, which escapes. The text templates use `<%~ %>` because
 * plain text is never parsed as HTML (escaping would show `&amp;` to the reader); instead every string
 * handed to them has its line breaks and control characters folded to spaces, so a tenant or vendor name
 * cannot add lines (a fake link, a fake signature) to the text.
 *
 * Adding an email: a data type in {@link EmailData}, an entry in `EMAILS` (subject per locale, and the
 * values the templates need), and the four template files.
 */
import type { TemplateEngine } from '../http/templates.js';

export const EMAIL_LOCALES = ['en', 'de'] as const;
export type EmailLocale = (typeof EMAIL_LOCALES)[number];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The invitation to answer an assessment (the first mail a vendor contact gets). */
export interface InvitationMail {
  /** The organisation that asks. */
  tenantName: string;
  /** The person who sent it, when known. */
  senderName?: string | null;
  vendorName: string;
  questionnaireTitle: string;
  /** YYYY-MM-DD, or none. */
  dueDate?: string | null;
  /** The link; it must start with `origin`. */
  link: string;
  /** Our public origin (BASE_URL): the mail tells the reader that a genuine link starts with it. */
  origin: string;
  linkExpiresAt: Date;
  /** How long the link lives from sending, in hours (the assessment's link lifetime). */
  linkHours: number;
  /** Whether submitting asks for a code sent by mail. */
  otp?: boolean;
  /** A reminder before (or on) the due date, or a new link the team sent; absent: the first invitation. */
  notice?: 'reminder' | 'resent' | null;
}

/** A colleague invited to a tenant's workspace (src/workspace/team.ts). */
export interface MemberInvitationMail {
  tenantName: string;
  /** The inviting member's email, shown so the reader knows who asks. */
  inviterEmail?: string | null;
  /** The role's label, in the reader's language where we have one. */
  roleLabel: string;
  link: string;
  origin: string;
  expiresAt: Date;
}

/** "Send me a new link": the new link and the six-digit code typed where it was asked (src/vendor/access.ts). */
export interface FreshAccessMail {
  tenantName: string;
  questionnaireTitle: string;
  link: string;
  origin: string;
  code: string;
  linkExpiresAt: Date;
  codeMinutes: number;
}

/** The code that confirms a submission (src/vendor/submission.ts). */
export interface SubmitCodeMail {
  tenantName: string;
  questionnaireTitle: string;
  origin: string;
  code: string;
  codeMinutes: number;
}

/** The signed receipt of a submission. */
export interface ReceiptMail {
  tenantName: string;
  questionnaireTitle: string;
  origin: string;
  /** The compact JWS, printed in 76-character lines between armour lines. */
  receipt: string;
  answersSha256: string;
  submittedAt: Date;
}

/** A reviewer sent the submission back; which questions is said in the portal, not in the mail. */
export interface ChangesRequestedMail {
  tenantName: string;
  questionnaireTitle: string;
  link: string;
  origin: string;
  linkExpiresAt: Date;
  questions: number;
}

export interface EmailData {
  invitation: InvitationMail;
  member_invitation: MemberInvitationMail;
  fresh_access: FreshAccessMail;
  submit_code: SubmitCodeMail;
  receipt: ReceiptMail;
  changes_requested: ChangesRequestedMail;
}
export type EmailName = keyof EmailData;

interface EmailDefinition<D> {
  subject(locale: EmailLocale, data: D): string;
  /** The values the templates get (`it.*`), formatted for the locale. */
  values(locale: EmailLocale, data: D): Record<string, unknown>;
}

const DATE_LOCALE: Record<EmailLocale, string> = { en: 'en-GB', de: 'de-DE' };

function formatDay(locale: EmailLocale, ymd: string): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd) || Number.isNaN(d.getTime()))
    throw new Error('dueDate must be YYYY-MM-DD');
  return new Intl.DateTimeFormat(DATE_LOCALE[locale], { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

function formatTime(locale: EmailLocale, at: Date): string {
  const s = new Intl.DateTimeFormat(DATE_LOCALE[locale], {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(at);
  return `${s} UTC`;
}

function linkOrigin(link: string, origin: string): string {
  const o = new URL(origin).origin;
  // A link to anywhere else would make the "how to tell it is genuine" advice a lie.
  if (new URL(link).origin !== o) throw new Error('the link must start with the origin the mail names');
  return o;
}

const EMAILS: { [N in EmailName]: EmailDefinition<EmailData[N]> } = {
  invitation: {
    subject: (locale, d) => {
      const prefix =
        d.notice === 'reminder'
          ? locale === 'de'
            ? 'Erinnerung: '
            : 'Reminder: '
          : d.notice === 'resent'
            ? locale === 'de'
              ? 'Neuer Link: '
              : 'New link: '
            : '';
      return (
        prefix +
        (locale === 'de'
          ? `${d.tenantName} bittet um Ihre Antworten: ${d.questionnaireTitle}`
          : `${d.tenantName} asks you to complete: ${d.questionnaireTitle}`)
      );
    },
    values: (locale, d) => {
      const hours = Math.max(1, Math.round(d.linkHours));
      return {
        tenantName: d.tenantName,
        senderName: d.senderName ?? null,
        vendorName: d.vendorName,
        questionnaireTitle: d.questionnaireTitle,
        due: d.dueDate ? formatDay(locale, d.dueDate) : null,
        link: d.link,
        origin: linkOrigin(d.link, d.origin),
        expires: formatTime(locale, d.linkExpiresAt),
        lifetime: hours >= 48 && hours % 24 === 0 ? { days: hours / 24 } : { hours },
        otp: d.otp === true,
        notice: d.notice ?? null,
      };
    },
  },
  member_invitation: {
    subject: (locale, d) =>
      locale === 'de'
        ? `Einladung in den Arbeitsbereich von ${d.tenantName}`
        : `You are invited to ${d.tenantName} on Assay`,
    values: (locale, d) => ({
      tenantName: d.tenantName,
      inviterEmail: d.inviterEmail ?? null,
      roleLabel: d.roleLabel,
      link: d.link,
      origin: linkOrigin(d.link, d.origin),
      expires: formatTime(locale, d.expiresAt),
    }),
  },
  fresh_access: {
    subject: (locale, d) =>
      locale === 'de'
        ? `${d.tenantName}: Ihr neuer Zugang zu ${d.questionnaireTitle}`
        : `${d.tenantName}: your new access to ${d.questionnaireTitle}`,
    values: (locale, d) => ({
      tenantName: d.tenantName,
      questionnaireTitle: d.questionnaireTitle,
      link: d.link,
      origin: linkOrigin(d.link, d.origin),
      code: d.code,
      expires: formatTime(locale, d.linkExpiresAt),
      codeMinutes: d.codeMinutes,
    }),
  },
  submit_code: {
    subject: (locale, d) =>
      locale === 'de' ? `${d.tenantName}: Ihr Code zum Absenden` : `${d.tenantName}: your submission code`,
    values: (_locale, d) => ({
      tenantName: d.tenantName,
      questionnaireTitle: d.questionnaireTitle,
      origin: new URL(d.origin).origin,
      code: d.code,
      codeMinutes: d.codeMinutes,
    }),
  },
  receipt: {
    subject: (locale, d) =>
      locale === 'de'
        ? `${d.tenantName}: Empfangsbestätigung für ${d.questionnaireTitle}`
        : `${d.tenantName}: receipt for ${d.questionnaireTitle}`,
    values: (locale, d) => ({
      tenantName: d.tenantName,
      questionnaireTitle: d.questionnaireTitle,
      origin: new URL(d.origin).origin,
      answersSha256: d.answersSha256,
      receiptLines: d.receipt.match(/.{1,76}/g) ?? [],
      submitted: formatTime(locale, d.submittedAt),
    }),
  },
  changes_requested: {
    subject: (locale, d) =>
      locale === 'de'
        ? `${d.tenantName}: Änderungen erbeten zu ${d.questionnaireTitle}`
        : `${d.tenantName}: changes requested on ${d.questionnaireTitle}`,
    values: (locale, d) => ({
      tenantName: d.tenantName,
      questionnaireTitle: d.questionnaireTitle,
      link: d.link,
      origin: linkOrigin(d.link, d.origin),
      expires: formatTime(locale, d.linkExpiresAt),
      questions: d.questions,
    }),
  },
};

/**
 * The language of an assessment's mails: the one chosen when it was sent, else its questionnaire's
 * default; anything but `de` is English.
 */
export const assessmentMailLocale = (
  assessment: { locale?: string | null },
  questionnaireDefault?: string | null,
): EmailLocale => emailLocale(assessment.locale ?? questionnaireDefault ?? 'en');

/** Strings of the shared layout. */
const LAYOUT: Record<EmailLocale, { footer: (tenant: string | null) => string; password: string }> = {
  en: {
    footer: (t) => (t ? `Sent by Assay on behalf of ${t}.` : 'Sent by Assay.'),
    password: 'Assay never asks for your password, by mail or on any page.',
  },
  de: {
    footer: (t) => (t ? `Gesendet von Assay im Auftrag von ${t}.` : 'Gesendet von Assay.'),
    password: 'Assay fragt nie nach Ihrem Passwort, weder per E-Mail noch auf einer Seite.',
  },
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const oneLine = (s: string) => s.replace(CONTROLS, ' ');

/** Folds line breaks and control characters in every string (the text templates print raw). */
function flatten(v: unknown): unknown {
  if (typeof v === 'string') return oneLine(v);
  if (Array.isArray(v)) return v.map(flatten);
  if (v && typeof v === 'object' && !(v instanceof Date))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flatten(x)]));
  return v;
}

export function emailLocale(locale: string | null | undefined): EmailLocale {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (EMAIL_LOCALES as readonly string[]).includes(base ?? '') ? (base as EmailLocale) : 'en';
}

/** Renders a named email in a locale (anything but `de` falls back to English). */
export function renderEmail<N extends EmailName>(
  engine: TemplateEngine,
  name: N,
  locale: string,
  data: EmailData[N],
): RenderedEmail {
  const l = emailLocale(locale);
  const def = EMAILS[name] as EmailDefinition<EmailData[N]>;
  const values = def.values(l, data);
  const tenant = typeof values.tenantName === 'string' ? values.tenantName : null;
  const layout = { lang: l, footer: LAYOUT[l].footer(tenant), password: LAYOUT[l].password };
  const subject = oneLine(def.subject(l, data)).trim().slice(0, 200);
  const htmlBody = engine.render(`emails/html/${l}/${name}`, values);
  const html = engine.render('emails/html/layout', { ...layout, subject, body: htmlBody });
  const textValues = flatten(values) as Record<string, unknown>;
  const textBody = engine.render(`emails/text/${l}/${name}`, textValues);
  const text = engine.render('emails/text/layout', { ...(flatten(layout) as object), body: textBody });
  return { subject, text: normaliseText(text), html };
}

/** Trailing spaces off, at most one blank line in a row, one final newline. */
function normaliseText(s: string): string {
  return `${s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
