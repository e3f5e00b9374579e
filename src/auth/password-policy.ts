/**
 * What a new tenant-user password must be (ASVS 5.0 V6.2; NIST SP 800-63B §3.1.1.2): long enough,
 * not absurdly long, no composition rules (6.2.5), nothing truncated or case-folded before hashing
 * (6.2.8), and not something an attacker tries early: a common password (6.2.4), a repeat or a
 * keyboard run, or words from the account's own context (the email address, the organisation name).
 *
 * Everything is judged on the NFKC form the passwords port hashes (passwords.ts), so length is
 * counted in the characters that are actually stored. Messages are for the person choosing the
 * password: specific and kind, and they never quote the password back (messages can reach logs).
 */
import { COMMON_PASSWORD_BASES, COMMON_PASSWORDS } from './common-passwords.js';
import { normalizePassword } from './passwords.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblemCode =
  | 'too-short'
  | 'too-long'
  | 'unusable-character'
  | 'email'
  | 'organisation'
  | 'repeated'
  | 'sequence'
  | 'few-characters'
  | 'common'
  | 'common-with-additions';

export interface PasswordProblem {
  code: PasswordProblemCode;
  message: string;
}

export interface PasswordContext {
  /** The account's email address. */
  email: string;
  /** The tenant (organisation) the account belongs to, when known. */
  tenantName?: string | null;
}

/** Why a new password is not acceptable, or null. */
export function checkPassword(password: string, context: PasswordContext): PasswordProblem | null {
  // Cheap bound first, so a megabyte of input is never normalised (NFKC can only shrink a
  // decomposed string to a third or so, so this cannot refuse anything the real check would accept).
  if (password.length > MAX_PASSWORD_LENGTH * 8) return tooLong(null);
  const normalised = normalizePassword(password);
  const chars = [...normalised];
  if (chars.length > MAX_PASSWORD_LENGTH) return tooLong(chars.length);
  if (UNUSABLE.test(normalised)) {
    return problem(
      'unusable-character',
      'This password contains an invisible control character. Please type it again without it.',
    );
  }
  if (chars.length < MIN_PASSWORD_LENGTH) {
    return problem(
      'too-short',
      `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${chars.length}). ` +
        'A few unrelated words make a strong passphrase that is easy to remember.',
    );
  }

  const lower = normalised.toLowerCase();
  const compact = lower.replace(NOT_ALPHANUMERIC, '');
  if (emailWords(context.email).some((w) => lower.includes(w) || compact.includes(w))) {
    return problem('email', 'Please do not use your email address, or part of it, in your password.');
  }
  if (nameWords(context.tenantName).some((w) => lower.includes(w) || compact.includes(w))) {
    return problem(
      'organisation',
      "Please do not use your organisation's name in your password: it is one of the first things an attacker would try.",
    );
  }

  const lowerChars = [...lower];
  const unit = repeatedUnit(lowerChars);
  if (unit !== null && unit.length < MIN_PASSWORD_LENGTH) {
    return problem(
      'repeated',
      'This password repeats a short part over and over (like "abcabcabc"), which makes it easy to guess. ' +
        'Try a few unrelated words instead.',
    );
  }
  if (isRun(lowerChars)) {
    return problem(
      'sequence',
      'This password is mostly a run of neighbouring keys or consecutive letters or digits ' +
        '(like "qwerty" or "12345"), which attackers try first. Try a few unrelated words instead.',
    );
  }
  const distinct = new Set(lowerChars).size;
  if (distinct < MIN_DISTINCT) {
    return problem(
      'few-characters',
      `This password uses only ${distinct} different characters, which makes it easy to guess. ` +
        'Try a few unrelated words instead.',
    );
  }
  const spaceless = lower.replace(/\s+/gu, '');
  if (isCommon(lower) || isCommon(spaceless) || (unit !== null && isCommon(unit.join('')))) {
    return problem(
      'common',
      'This password is on a list of commonly used passwords that attackers try first. Please choose another.',
    );
  }
  if (commonWithAdditions(lowerChars)) {
    return problem(
      'common-with-additions',
      'This password is a commonly used password with a few digits or symbols added, which attackers ' +
        'try early. Try a few unrelated words instead.',
    );
  }
  return null;
}

/**
 * The message alone, for a form that shows one line; the signature of the function it replaces
 * (src/workspace/passwords.ts), so callers only change the import.
 */
export function passwordProblem(password: string, email: string, tenantName?: string | null): string | null {
  return checkPassword(password, { email, tenantName })?.message ?? null;
}

const problem = (code: PasswordProblemCode, message: string): PasswordProblem => ({ code, message });

// No count when the input was too long to be worth normalising and counting.
const tooLong = (length: number | null) =>
  problem(
    'too-long',
    `Use at most ${MAX_PASSWORD_LENGTH} characters${length === null ? '' : ` (this one has ${length})`}.`,
  );

// Control characters and lone surrogates: they cannot be typed again reliably, and a lone surrogate
// becomes U+FFFD when encoded, so two different passwords would hash the same.
const UNUSABLE = /[\p{Cc}\p{Cs}]/u;
const NOT_ALPHANUMERIC = /[^\p{L}\p{N}]+/gu;

// Context words shorter than this ("al", "tom") are too likely to occur by chance in a good password.
const MIN_CONTEXT_WORD = 4;
const MIN_DISTINCT = 5;

function words(text: string): string[] {
  return text.split(NOT_ALPHANUMERIC).filter((w) => [...w].length >= MIN_CONTEXT_WORD);
}

/** The address, its local part, the parts of that (john.smith → john, smith) and the domain's names. */
function emailWords(email: string): string[] {
  const address = normalizePassword(email).trim().toLowerCase();
  if (address === '') return [];
  const at = address.lastIndexOf('@');
  const local = at >= 0 ? address.slice(0, at) : address;
  const domainLabels =
    at >= 0
      ? address
          .slice(at + 1)
          .split('.')
          .slice(0, -1)
      : [];
  const found = [address, local, ...words(local), ...domainLabels.flatMap(words)];
  return [...new Set(found.filter((w) => [...w].length >= MIN_CONTEXT_WORD))];
}

/** The name run together ("Acme Procurement" → acmeprocurement) and each of its words. */
function nameWords(name: string | null | undefined): string[] {
  if (!name) return [];
  const lower = normalizePassword(name).toLowerCase();
  const compact = lower.replace(NOT_ALPHANUMERIC, '');
  const found = [compact, ...words(lower)];
  return [...new Set(found.filter((w) => [...w].length >= MIN_CONTEXT_WORD))];
}

/**
 * The shortest unit the whole password repeats (a partial copy at the end allowed: "abcabcab"),
 * or null. Repeating something shorter than the minimum length adds almost nothing an attacker has
 * to guess; a repeated 12-character passphrase is as strong as the passphrase, so it is left alone.
 */
function repeatedUnit(chars: string[]): string[] | null {
  for (let period = 1; period * 2 <= chars.length; period++) {
    let repeats = true;
    for (let i = period; i < chars.length && repeats; i++) repeats = chars[i] === chars[i - period];
    if (repeats) return chars.slice(0, period);
  }
  return null;
}

/*
 * Sequences people walk along: the alphabet, digits (with 0 both before 1 and after 9), keyboard
 * rows of the QWERTY, QWERTZ and AZERTY layouts, their columns, and the two zig-zags between the
 * digit row and the row below it ("1q2w3e", "q1w2e3"). Walked forwards or backwards.
 */
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  '`1234567890-=',
  'qwertyuiop[]\\',
  "asdfghjkl;'",
  'zxcvbnm,./',
  'qwertzuiopü+',
  'asdfghjklöä#',
  'yxcvbnm,.-',
  '1234567890ß',
  'azertyuiop^$',
  'qsdfghjklmù*',
  'wxcvbn,;:!',
  '&é"\'(-è_çà)=',
  '1qaz',
  '2wsx',
  '3edc',
  '4rfv',
  '5tgb',
  '6yhn',
  '7ujm',
  '8ik,',
  '9ol.',
  '0p;/',
  '1qay',
  '6zhn',
  '0pö-',
  'aqw',
  'zsx',
  'yhn',
  'uj,',
  'ik;',
  'ol:',
  'pm!',
  '1q2w3e4r5t6y7u8i9o0p',
  'q1w2e3r4t5y6u7i8o9p0',
  '1q2w3e4r5t6z7u8i9o0p',
  'q1w2e3r4t5z6u7i8o9p0',
].map((s) => [...s]);

/** For each character: (sequence, position) pairs where it occurs. */
const POSITIONS = new Map<string, Array<[number, number]>>();
for (const [s, seq] of SEQUENCES.entries()) {
  for (const [i, ch] of seq.entries()) {
    const list = POSITIONS.get(ch) ?? [];
    list.push([s, i]);
    POSITIONS.set(ch, list);
  }
}

/** The ways b follows a: sequence number × 2, plus 1 when walked forwards. */
function steps(a: string, b: string): Set<number> {
  const found = new Set<number>();
  for (const [s, i] of POSITIONS.get(a) ?? []) {
    const seq = SEQUENCES[s]!;
    if (seq[i + 1] === b) found.add(s * 2 + 1);
    if (seq[i - 1] === b) found.add(s * 2);
  }
  return found;
}

/**
 * True when the password splits into so few runs that each averages four or more characters
 * ("qwertyuiopas" is two runs, "1qaz2wsx3edc" three, "12345678901234" one). A run keeps one direction
 * along one sequence; a passphrase of words splits into nearly one run per character.
 */
function isRun(chars: string[]): boolean {
  let runs = 1;
  let current: Set<number> | null = null;
  for (let i = 1; i < chars.length; i++) {
    const next = steps(chars[i - 1]!, chars[i]!);
    const kept: Set<number> = current === null ? next : new Set([...current].filter((s) => next.has(s)));
    if (kept.size > 0) current = kept;
    else {
      runs++;
      current = null;
    }
  }
  return runs * 4 <= chars.length;
}

// What people put around a word to satisfy a password form: digits, punctuation, symbols, spaces.
const ADDITION = /[\p{N}\p{P}\p{S}\s]/u;

/**
 * "letmein12345", "!dragon2024", "administrator!": a common password (COMMON_PASSWORD_BASES, or the
 * long list) with digits or symbols around it, when what was added is short (six characters or
 * fewer) or itself a run or repeat. A longer random addition is real work to guess and is left alone.
 */
function commonWithAdditions(chars: string[]): boolean {
  let start = 0;
  while (start < chars.length && ADDITION.test(chars[start]!)) start++;
  let end = chars.length;
  while (end > start && ADDITION.test(chars[end - 1]!)) end--;
  const added = [...chars.slice(0, start), ...chars.slice(end)];
  if (added.length === 0) return false;
  const base = chars.slice(start, end).join('');
  if (!listed(BASES, base) && !isCommon(base)) return false;
  return added.length <= 6 || isRun(added) || (repeatedUnit(added)?.length ?? MIN_PASSWORD_LENGTH) <= 4;
}

/*
 * Searches of the one string, not Sets: the policy runs only when a password is chosen, and a search
 * of the ~640 KB takes ~0.2 ms, while building a Set takes ~30 ms and keeps ~3 MB in every process and
 * Worker isolate. Entries are newline-separated and contain no newline themselves. (Concatenation
 * here is free: V8 flattens the string on the first search.)
 */
const COMMON = `\n${COMMON_PASSWORDS}\n`;
const BASES = `\n${COMMON_PASSWORD_BASES}\n`;

const listed = (list: string, lower: string) => !lower.includes('\n') && list.includes(`\n${lower}\n`);
const isCommon = (lower: string) => listed(COMMON, lower);
