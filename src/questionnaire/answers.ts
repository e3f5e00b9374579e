import { isIsoDate as isDate } from './dates.js';
import type { Value } from './expr/ast.js';
import { MESSAGES } from './messages.js';
import type { Option, Question, Text } from './types.js';

/** A stored value the question cannot accept; it counts as not answered and raises an 'invalid' issue. */
export class Invalid {
  constructor(readonly message: Text) {}
}

/** Evidence ids are opaque references; this bounds them without assuming a format. */
const MAX_EVIDENCE_ID_LENGTH = 200;

/** Length in code points, so a limit means characters as people count them, not UTF-16 units. */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function tooLong(s: string, max: number): boolean {
  // Code points never outnumber UTF-16 units: only count when the cheap bound is exceeded.
  return s.length > max && textLength(s) > max;
}

/**
 * Checks a stored answer against its question and returns the value expressions see: null when
 * empty, the value itself when valid, or Invalid. Never trusts the type of `raw` (it comes from
 * storage or a request), and never throws. `options` is the question's options by value (single and
 * multi), built once per questionnaire.
 */
export function normalizeAnswer(
  q: Question,
  raw: unknown,
  options: ReadonlyMap<string, Option> | null,
): Value | Invalid {
  if (raw === undefined || raw === null) return null;
  switch (q.type) {
    case 'yes_no_na':
      if (raw === '') return null;
      if (raw === 'na' && q.na === 'forbidden') return new Invalid(MESSAGES.naForbidden);
      if (raw === 'yes' || raw === 'no' || raw === 'na') return raw;
      // Name only the answers the question takes.
      return new Invalid(q.na === 'forbidden' ? MESSAGES.notYesNo : MESSAGES.notYesNoNa);
    case 'single':
      if (raw === '') return null;
      if (typeof raw === 'string' && options!.has(raw)) return raw;
      return new Invalid(MESSAGES.notAnOption);
    case 'multi':
      return normalizeMulti(options!, raw);
    case 'text':
      if (typeof raw !== 'string') return new Invalid(MESSAGES.notText);
      if (raw.trim() === '') return null;
      return q.maxLength !== null && tooLong(raw, q.maxLength)
        ? new Invalid(MESSAGES.tooLong(q.maxLength))
        : raw;
    case 'number':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return new Invalid(MESSAGES.notNumber);
      if (q.min !== null && raw < q.min) return new Invalid(MESSAGES.tooSmall(q.min));
      if (q.max !== null && raw > q.max) return new Invalid(MESSAGES.tooLarge(q.max));
      return raw;
    case 'date':
      if (raw === '') return null;
      return typeof raw === 'string' && isDate(raw) ? raw : new Invalid(MESSAGES.notDate);
    case 'file':
      return normalizeEvidence(raw, q.maxFiles, MESSAGES.notFiles);
  }
}

function normalizeMulti(options: ReadonlyMap<string, Option>, raw: unknown): Value | Invalid {
  if (!Array.isArray(raw)) return new Invalid(MESSAGES.notOptions);
  if (raw.length === 0) return null;
  if (raw.length > options.size) return new Invalid(MESSAGES.notOptions);
  let exclusive = false;
  for (let i = 0; i < raw.length; i++) {
    const v: unknown = raw[i];
    if (typeof v !== 'string') return new Invalid(MESSAGES.notOptions);
    const opt = options.get(v);
    if (opt === undefined) return new Invalid(MESSAGES.notOptions);
    for (let j = 0; j < i; j++) if (raw[j] === v) return new Invalid(MESSAGES.notOptions);
    if (opt.exclusive) exclusive = true;
  }
  if (exclusive && raw.length > 1) return new Invalid(MESSAGES.exclusive);
  return raw as readonly string[];
}

/** File answers and '#evidence' side keys: a list of distinct, bounded evidence ids. */
export function normalizeEvidence(raw: unknown, maxFiles: number | null, notFiles: Text): Value | Invalid {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) return new Invalid(notFiles);
  if (raw.length === 0) return null;
  for (let i = 0; i < raw.length; i++) {
    const v: unknown = raw[i];
    if (typeof v !== 'string' || v === '' || v.length > MAX_EVIDENCE_ID_LENGTH) return new Invalid(notFiles);
    for (let j = 0; j < i; j++) if (raw[j] === v) return new Invalid(notFiles);
  }
  if (maxFiles !== null && raw.length > maxFiles) return new Invalid(MESSAGES.tooManyFiles(maxFiles));
  return raw as readonly string[];
}
