/**
 * Validation of what members type into the register's forms. Every message names the field and says
 * what to do; nothing is written unless the whole form is valid (the routes throw the 422 before any unit).
 */
import { isId } from '../db/ids.js';
import type { RiskStatus, RiskTreatment } from '../db/repo/risks.js';
import { RISK_STATUSES, RISK_TREATMENTS } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { isLevel } from './scale.js';

type Fields = Record<string, string | string[] | undefined>;

const one = (f: Fields, name: string): string => {
  const v = f[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
};

// Control characters (other than line breaks and tabs in long texts) would break one-line displays and CSV.
const isControl = (code: number) => code < 0x20 || code === 0x7f;
const hasControl = (s: string, allowBreaks: boolean) =>
  [...s].some((ch) => {
    const code = ch.charCodeAt(0);
    return isControl(code) && !(allowBreaks && (code === 0x0a || code === 0x09));
  });

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export function isDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export class FormErrors {
  readonly fields: Record<string, string> = {};
  add(name: string, message: string) {
    this.fields[name] ??= message;
  }
  get any() {
    return Object.keys(this.fields).length > 0;
  }
  throwIfAny(summary = 'Check the highlighted fields.') {
    if (this.any) throw new HttpError(422, summary, { fields: this.fields });
  }
}

export function line(f: Fields, name: string, label: string, errs: FormErrors, max = 200, required = true) {
  const v = one(f, name);
  if (required && v === '') errs.add(name, `Enter a ${label}.`);
  else if (v.length > max) errs.add(name, `Use at most ${max} characters for the ${label}.`);
  else if (hasControl(v, false))
    errs.add(name, `Remove line breaks and control characters from the ${label}.`);
  return v;
}

export function longText(f: Fields, name: string, label: string, errs: FormErrors, max = 5000) {
  const v = one(f, name).replace(/\r\n?/g, '\n');
  if (v.length > max) errs.add(name, `Use at most ${max} characters for the ${label}.`);
  else if (hasControl(v, true)) errs.add(name, `Remove control characters from the ${label}.`);
  return v;
}

export function level(f: Fields, name: string, label: string, errs: FormErrors, required = true) {
  const v = one(f, name);
  if (v === '' && !required) return null;
  const n = /^\d$/.test(v) ? Number(v) : Number.NaN;
  if (!isLevel(n)) {
    errs.add(name, `Choose a ${label} from 1 to 5.`);
    return null;
  }
  return n;
}

export function date(f: Fields, name: string, label: string, errs: FormErrors, required = false) {
  const v = one(f, name);
  if (v === '') {
    if (required) errs.add(name, `Enter the ${label} as YYYY-MM-DD.`);
    return null;
  }
  if (!isDate(v)) {
    errs.add(name, `Enter the ${label} as a real date, YYYY-MM-DD.`);
    return null;
  }
  return v;
}

export function choice<const V extends readonly string[]>(
  f: Fields,
  name: string,
  values: V,
  label: string,
  errs: FormErrors,
  required = true,
): V[number] | null {
  const v = one(f, name);
  if (v === '' && !required) return null;
  if (!(values as readonly string[]).includes(v)) {
    errs.add(name, `Choose a ${label} from the list.`);
    return null;
  }
  return v as V[number];
}

export function memberId(f: Fields, name: string, errs: FormErrors): string | null {
  const v = one(f, name);
  if (v === '') return null;
  if (!isId(v)) {
    errs.add(name, 'Choose an owner from the list of members.');
    return null;
  }
  return v;
}

export const treatmentChoice = (f: Fields, errs: FormErrors): RiskTreatment | null =>
  choice(f, 'treatment', RISK_TREATMENTS, 'treatment', errs, false);

/** Statuses a member may set by hand: "accepted" only comes from an approved acceptance. */
export const SETTABLE_STATUSES = RISK_STATUSES.filter((s) => s !== 'accepted') as Exclude<
  RiskStatus,
  'accepted'
>[];

export const field = one;
