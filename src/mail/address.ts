/**
 * Strict validation of every address Assay sends to (security.md MAIL-01, ASVS 1.3.11). Mail parsers
 * disagree about what an address is: nodemailer's address parser once sent
 * `"victim@evil.example x"@company.example` to evil.example (GHSA-mm7p-fcc7-pg87), display names and
 * comments hide where a message goes, and CR/LF in a header adds recipients. So only the plain
 * `local@domain` form is accepted, from a deliberately small alphabet:
 * - no display name, angle brackets, quotes, comments, backslashes or whitespace; nothing but one `@`;
 * - one recipient: no `,` or `;` (a list), no `%` or `!` (source routing through a relay);
 * - the local part is ASCII letters, digits and `. _ + - '`, no leading, trailing or doubled dot
 *   (non-ASCII local parts need SMTPUTF8, which many servers lack);
 * - the domain is a host name with at least two labels, not an IP literal; an internationalised
 *   domain (IDN) is converted to its ASCII form (A-labels, `xn--…`, UTS #46 as URL parsing does it), and
 *   that form is what is stored, sent and shown, so a look-alike domain is visible as such;
 * - RFC 5321 limits: local part ≤ 64 octets, domain ≤ 253, each label ≤ 63, the whole ≤ 254.
 * The result is lower-cased, as every address in Assay is (src/auth/email.ts).
 */

export type AddressProblem =
  | 'empty'
  | 'format'
  | 'too-long'
  | 'not-single'
  | 'display-name'
  | 'control-character'
  | 'local-part'
  | 'non-ascii-local-part'
  | 'domain';

const MESSAGES: Record<AddressProblem, string> = {
  empty: 'Enter an email address, like name@example.com.',
  format: 'Enter an email address with an @, like name@example.com.',
  'too-long': 'This email address is too long (at most 254 characters, 64 before the @).',
  'not-single': 'Enter exactly one email address, like name@example.com.',
  'display-name': 'Enter the address alone, like name@example.com, without a name, quotes or angle brackets.',
  'control-character': 'This email address contains a line break or another invisible character.',
  'local-part':
    "The part before the @ may use letters, digits and . _ + - ' only, and no dot at its start or end or two in a row.",
  'non-ascii-local-part': 'The part before the @ may not contain accented or non-Latin letters.',
  domain: 'The part after the @ must be a domain name, like example.com.',
};

/** A refused address; `message` is fit to show next to the field. */
export class InvalidAddressError extends Error {
  constructor(readonly problem: AddressProblem) {
    super(MESSAGES[problem]);
    this.name = 'InvalidAddressError';
  }
}

export type ParsedAddress =
  | { ok: true; address: string }
  | { ok: false; problem: AddressProblem; message: string };

const LOCAL = /^[a-z0-9_+'-]+(?:\.[a-z0-9_+'-]+)*$/i;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

function refuse(problem: AddressProblem): ParsedAddress {
  return { ok: false, problem, message: MESSAGES[problem] };
}

/** Validates one address (surrounding spaces are ignored) and returns it in the form Assay sends to. */
export function parseMailAddress(input: unknown): ParsedAddress {
  if (typeof input !== 'string') return refuse('empty');
  // Spaces around it are a typing slip; a line break anywhere, even at the end, is refused.
  if (CONTROL.test(input)) return refuse('control-character');
  const s = input.replace(/^ +| +$/g, '');
  if (s === '') return refuse('empty');
  if (s.length > 320) return refuse('too-long');
  if (/[,;]/.test(s)) return refuse('not-single');
  if (/[<>"()\\\s[\]:]/.test(s)) return refuse('display-name');
  const at = s.lastIndexOf('@');
  if (at < 0) return refuse('format');
  if (s.indexOf('@') !== at) return refuse('not-single');
  const local = s.slice(0, at);
  const rawDomain = s.slice(at + 1);
  if (/[^\u0020-\u007e]/.test(local)) return refuse('non-ascii-local-part');
  if (!LOCAL.test(local)) return refuse('local-part');
  if (local.length > 64) return refuse('too-long');
  const domain = toAsciiDomain(rawDomain);
  if (domain === null) return refuse('domain');
  if (domain.length > 253 || local.length + 1 + domain.length > 254) return refuse('too-long');
  return { ok: true, address: `${local}@${domain}`.toLowerCase() };
}

/** Like {@link parseMailAddress}, throwing {@link InvalidAddressError} for a bad address. */
export function assertMailAddress(input: unknown): string {
  const r = parseMailAddress(input);
  if (!r.ok) throw new InvalidAddressError(r.problem);
  return r.address;
}

/** The domain in A-labels, or null unless it is a plain host name of two or more labels. */
function toAsciiDomain(raw: string): string | null {
  if (raw === '' || raw.length > 253 * 4 || /[/?#@%]/.test(raw)) return null;
  let host: string;
  try {
    // WHATWG URL parsing applies UTS #46 (IDNA) and refuses malformed A-labels.
    host = new URL(`http://${raw}/`).hostname;
  } catch {
    return null;
  }
  const labels = host.split('.');
  if (labels.length < 2) return null;
  if (!labels.every((l) => LABEL.test(l))) return null;
  // IP literals (and numbers URL parsing would read as one: 0x7f.1) are not mail domains.
  const tld = labels[labels.length - 1] as string;
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return null;
  return host;
}
