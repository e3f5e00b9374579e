/**
 * The vendor-facing mails: invitation and fresh access. Every mail says who asks, why, by when, how long
 * the link lives and how to tell it is genuine: the exact origin the link must start with, and that
 * Assay never asks for a password. Plain text first (it is what scanners and careful readers see).
 */
export interface Mail {
  subject: string;
  textBody: string;
  htmlBody?: string | null;
}

/**
 * These mails are plain text only (a code, a link, a receipt block: nothing HTML would add); the
 * invitation is the templated one (src/mail/templates.ts). `html: ''` queues no HTML part.
 */
export const asEmail = (m: Mail) => ({ subject: m.subject, text: m.textBody, html: m.htmlBody ?? '' });

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

// Header-safe: names come from tenants and vendors; a line break must never reach a Subject.
const oneLine = (s: string) => s.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();

function genuine(baseUrl: string): string[] {
  return [
    'How to tell this email is genuine:',
    `- The link starts with exactly ${baseUrl}/v/ and nothing else.`,
    '- Assay never asks for a password, and nobody from Assay will ask for this link or code.',
    '- If in doubt, do not click: ask the sender through a channel you already know.',
  ];
}

export function freshAccessMail(m: {
  baseUrl: string;
  tenantName: string;
  questionnaireTitle: string;
  url: string;
  code: string;
  linkExpiresAt: Date;
  codeMinutes: number;
}): Mail {
  const text = [
    `You asked for new access to the questionnaire "${m.questionnaireTitle}" from ${m.tenantName}.`,
    '',
    `Your code: ${m.code}`,
    `Type it on the page where you asked (it works there for ${m.codeMinutes} minutes), or open this new link:`,
    m.url,
    '',
    `The link works once and until ${when(m.linkExpiresAt)}. Older links for this questionnaire no longer work.`,
    'If you did not ask for this, you can ignore this email.',
    '',
    ...genuine(m.baseUrl),
  ].join('\n');
  return { subject: oneLine(`${m.tenantName}: your new access to ${m.questionnaireTitle}`), textBody: text };
}

export function submitCodeMail(m: {
  baseUrl: string;
  tenantName: string;
  questionnaireTitle: string;
  code: string;
  codeMinutes: number;
}): Mail {
  const text = [
    `You asked to submit "${m.questionnaireTitle}" to ${m.tenantName}.`,
    '',
    `Your code: ${m.code}`,
    '',
    `Type it on the submission page within ${m.codeMinutes} minutes. It works once, in the session where you asked for it.`,
    'If you did not ask for this, someone may have your link: tell the sender.',
    '',
    ...genuine(m.baseUrl),
  ].join('\n');
  return { subject: oneLine(`${m.tenantName}: your submission code`), textBody: text };
}

export function receiptMail(m: {
  baseUrl: string;
  tenantName: string;
  questionnaireTitle: string;
  receipt: string;
  answersSha256: string;
  submittedAt: Date;
}): Mail {
  const text = [
    `Your answers to "${m.questionnaireTitle}" were submitted to ${m.tenantName} at ${when(m.submittedAt)}.`,
    '',
    `SHA-256 of your answers (RFC 8785 canonical form): ${m.answersSha256}`,
    '',
    'Your signed receipt is below. Keep it: it proves what you submitted and when. Anyone can check it',
    `offline with the public keys at ${m.baseUrl}/.well-known/jwks.json (or receipt-keys.pem for openssl).`,
    '',
    '-----BEGIN ASSAY RECEIPT-----',
    ...(m.receipt.match(/.{1,76}/g) ?? []),
    '-----END ASSAY RECEIPT-----',
  ].join('\n');
  return { subject: oneLine(`${m.tenantName}: receipt for ${m.questionnaireTitle}`), textBody: text };
}

/** A reviewer sent the submission back: which questions is said in the portal, not in the mail. */
export function changesRequestedMail(m: {
  baseUrl: string;
  tenantName: string;
  questionnaireTitle: string;
  url: string;
  linkExpiresAt: Date;
  questions: number;
}): Mail {
  const n = m.questions === 1 ? '1 question' : `${m.questions} questions`;
  const text = [
    `${m.tenantName} reviewed your answers to "${m.questionnaireTitle}" and asks you to look again at ${n}.`,
    '',
    'Open this link to see their comments next to those questions, change your answers and submit again:',
    m.url,
    '',
    `The link works once and until ${when(m.linkExpiresAt)}. Older links for this questionnaire no longer work.`,
    'Submitting again gives you a new signed receipt.',
    '',
    ...genuine(m.baseUrl),
  ].join('\n');
  return {
    subject: oneLine(`${m.tenantName}: changes requested on ${m.questionnaireTitle}`),
    textBody: text,
  };
}
