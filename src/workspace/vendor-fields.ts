/**
 * Validation of a vendor's fields, shared by the form and the import (one message per field, written for
 * the person who typed it). Input is what a form or a spreadsheet row gives: text, lists as one entry per
 * line (or `;`-separated in a cell), sub-processors as `name | country | service`.
 */

import type {
  SubProcessor,
  VendorInput,
  VendorIntake,
  VendorStatus,
  VendorTier,
} from '../db/repo/vendors.js';
import { VENDOR_STATUSES, VENDOR_TIERS } from '../db/repo/vendors.js';
import type { FieldErrors } from '../errors.js';
import { UNSTORABLE_CHARACTER } from '../http/read-form.js';
import { parseMailAddress } from '../mail/address.js';
import { countryCode } from './countries.js';
import { INTAKE_QUESTIONS, isIntakeValue, tierFromIntake } from './vendor-tier.js';

/** Categories of data a vendor may reach (the register's "data access"). */
export const DATA_CATEGORIES = [
  { value: 'personal', label: 'Personal data' },
  { value: 'special_category', label: 'Special-category personal data (GDPR Art. 9)' },
  { value: 'financial', label: 'Financial data' },
  { value: 'payment_card', label: 'Payment card data' },
  { value: 'credentials', label: 'Credentials and secrets' },
  { value: 'intellectual_property', label: 'Intellectual property, source code' },
  { value: 'confidential', label: 'Other confidential business data' },
] as const;
const DATA_CATEGORY_VALUES: ReadonlySet<string> = new Set(DATA_CATEGORIES.map((c) => c.value));

export const LIMITS = {
  name: 200,
  legalEntity: 200,
  website: 2048,
  services: 2000,
  listEntries: 50,
  entry: 200,
  subProcessors: 100,
  tierReason: 500,
  contactName: 200,
  phone: 40,
  role: 120,
} as const;

export type RawFields = Readonly<Record<string, string | readonly string[] | undefined>>;

const text = (raw: RawFields, key: string): string => {
  const v = raw[key];
  return (typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '').trim();
};
const many = (raw: RawFields, key: string): string[] => {
  const v = raw[key];
  return typeof v === 'string' ? [v] : Array.isArray(v) ? [...v] : [];
};
/** Entries one per line or `;`-separated, blanks dropped. */
const entries = (s: string) =>
  s
    .split(/[\n;]/)
    .map((x) => x.trim())
    .filter(Boolean);

// Line breaks and other control characters would break one-line displays, CSV cells and logs.
const isControl = (code: number) => code < 0x20 || code === 0x7f;
const CONTROL = { test: (s: string) => [...s].some((ch) => isControl(ch.charCodeAt(0))) };
const CONTROL_EXCEPT_NEWLINE = {
  test: (s: string) => [...s].some((ch) => ch !== '\n' && isControl(ch.charCodeAt(0))),
};

class Collector {
  readonly errors: Record<string, string> = {};
  fail(field: string, message: string): null {
    this.errors[field] ??= message;
    return null;
  }
  /** One line of text, up to `max`; empty → null (or an error when required). */
  line(raw: RawFields, field: string, label: string, max: number, required = false): string | null {
    const v = text(raw, field);
    if (!v) return required ? this.fail(field, `Enter ${label}.`) : null;
    if (v.length > max) return this.fail(field, `Use at most ${max} characters for ${label}.`);
    if (CONTROL.test(v)) return this.fail(field, `Remove line breaks and control characters from ${label}.`);
    if (UNSTORABLE_CHARACTER.test(v))
      return this.fail(field, `${label} contains a character that cannot be stored.`);
    return v;
  }
  paragraph(raw: RawFields, field: string, label: string, max: number): string | null {
    const v = text(raw, field).replace(/\r\n?/g, '\n');
    if (!v) return null;
    if (v.length > max) return this.fail(field, `Use at most ${max} characters for ${label}.`);
    if (CONTROL_EXCEPT_NEWLINE.test(v) || UNSTORABLE_CHARACTER.test(v))
      return this.fail(field, `Remove control characters from ${label}.`);
    return v;
  }
  date(raw: RawFields, field: string, label: string): string | null {
    const v = text(raw, field);
    if (!v) return null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v))
      return this.fail(field, `Enter ${label} as YYYY-MM-DD, like 2027-01-31.`);
    const d = new Date(`${v}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
      return this.fail(field, `${label[0]!.toUpperCase()}${label.slice(1)} ${v} is not a calendar date.`);
    if (v < '1900-01-01' || v > '2199-12-31')
      return this.fail(field, `Enter ${label} between 1900 and 2199.`);
    return v;
  }
  country(raw: RawFields, field: string, label: string): string | null {
    const v = text(raw, field);
    if (!v) return null;
    return (
      countryCode(v) ??
      this.fail(
        field,
        `Enter ${label} as a two-letter ISO 3166 country code, like DE or US ("${v.slice(0, 20)}" is not one).`,
      )
    );
  }
}

function website(c: Collector, raw: RawFields): string | null {
  const v = c.line(raw, 'website', 'the website', LIMITS.website);
  if (v === null) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return c.fail(
      'website',
      'Enter the website as a full address starting with https://, like https://example.com.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return c.fail('website', 'The website must start with https:// or http://.');
  if (url.username || url.password)
    return c.fail('website', 'Leave the user name and password out of the website.');
  if (!url.hostname.includes('.'))
    return c.fail('website', 'The website needs a domain name, like example.com.');
  return url.href;
}

function locations(c: Collector, raw: RawFields): string[] {
  const list = entries(text(raw, 'locations').replace(/,/g, ';'));
  if (list.length > LIMITS.listEntries)
    return c.fail('locations', `List at most ${LIMITS.listEntries} locations.`) ?? [];
  const out: string[] = [];
  for (const l of list) {
    const code = countryCode(l);
    if (!code)
      return (
        c.fail(
          'locations',
          `Enter locations as two-letter ISO 3166 country codes, like DE, IE, US ("${l.slice(0, 20)}" is not one).`,
        ) ?? []
      );
    if (!out.includes(code)) out.push(code);
  }
  return out;
}

function dataAccess(c: Collector, raw: RawFields): string[] {
  const values = many(raw, 'dataAccess').flatMap((v) => entries(v.replace(/,/g, ';')));
  const out: string[] = [];
  for (const v of values) {
    if (!DATA_CATEGORY_VALUES.has(v))
      return (
        c.fail(
          'dataAccess',
          `"${v.slice(0, 40)}" is not a data category (${[...DATA_CATEGORY_VALUES].join(', ')}).`,
        ) ?? []
      );
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function systemAccess(c: Collector, raw: RawFields): string[] {
  const list = entries(text(raw, 'systemAccess'));
  if (list.length > LIMITS.listEntries)
    return c.fail('systemAccess', `List at most ${LIMITS.listEntries} systems.`) ?? [];
  for (const s of list) {
    if (s.length > LIMITS.entry)
      return c.fail('systemAccess', `Use at most ${LIMITS.entry} characters per system.`) ?? [];
    if (CONTROL.test(s) || UNSTORABLE_CHARACTER.test(s))
      return c.fail('systemAccess', 'Remove control characters from the systems.') ?? [];
  }
  return list;
}

function subProcessors(c: Collector, raw: RawFields): SubProcessor[] {
  const list = entries(text(raw, 'subProcessors'));
  if (list.length > LIMITS.subProcessors)
    return c.fail('subProcessors', `List at most ${LIMITS.subProcessors} sub-processors.`) ?? [];
  const out: SubProcessor[] = [];
  for (const [i, entry] of list.entries()) {
    const parts = entry.split('|').map((p) => p.trim());
    const [name = '', country = '', service = ''] = parts;
    const where = `Sub-processor ${i + 1}`;
    if (parts.length !== 3 || !name)
      return (
        c.fail(
          'subProcessors',
          `${where}: write it as name | country code | service, like "Hosting Co | DE | hosting".`,
        ) ?? []
      );
    const code = countryCode(country);
    if (!code)
      return (
        c.fail(
          'subProcessors',
          `${where}: "${country.slice(0, 20)}" is not a two-letter ISO 3166 country code.`,
        ) ?? []
      );
    if (name.length > LIMITS.entry || service.length > LIMITS.entry)
      return (
        c.fail(
          'subProcessors',
          `${where}: use at most ${LIMITS.entry} characters for the name and the service.`,
        ) ?? []
      );
    if (CONTROL.test(entry) || UNSTORABLE_CHARACTER.test(entry))
      return c.fail('subProcessors', `${where}: remove control characters.`) ?? [];
    out.push({ name, country: code, service });
  }
  return out;
}

/** The intake answers, all three or none; and the tier, computed or overridden with a reason. */
function tiering(
  c: Collector,
  raw: RawFields,
): Pick<VendorInput, 'intake' | 'tier' | 'tierReason' | 'tierOverridden'> {
  const answers = INTAKE_QUESTIONS.map((q) => [q, text(raw, q)] as const);
  const given = answers.filter(([, v]) => v !== '');
  let intake: VendorIntake | null = null;
  for (const [q, v] of given) if (!isIntakeValue(q, v)) c.fail(q, 'Choose one of the offered answers.');
  if (given.length > 0 && given.length < answers.length)
    for (const [q, v] of answers) if (!v) c.fail(q, 'Answer all three intake questions, or none.');
  if (given.length === answers.length && answers.every(([q, v]) => isIntakeValue(q, v)))
    intake = Object.fromEntries(answers) as VendorIntake;
  const override = text(raw, 'tierOverride');
  const reason = c.line(raw, 'tierOverrideReason', 'the reason for the override', LIMITS.tierReason);
  if (override) {
    if (!(VENDOR_TIERS as readonly string[]).includes(override))
      return c.fail('tierOverride', 'Choose low, medium, high or critical.') ?? {};
    if (!reason)
      return c.fail('tierOverrideReason', 'Say why the tier differs from the intake’s result.') ?? {};
    return { intake, tier: override as VendorTier, tierReason: reason, tierOverridden: true };
  }
  if (intake) {
    const t = tierFromIntake(intake);
    return { intake, tier: t.tier, tierReason: t.reason, tierOverridden: false };
  }
  return {
    intake: null,
    tier: 'medium',
    tierReason: 'No intake yet: medium until the intake is answered.',
    tierOverridden: false,
  };
}

export type ParsedVendor = { ok: true; value: VendorInput } | { ok: false; errors: FieldErrors };

/** Every field of a vendor, checked; `errors` names each field that is wrong. */
export function parseVendorFields(raw: RawFields): ParsedVendor {
  const c = new Collector();
  const status = text(raw, 'status') || 'active';
  if (!(VENDOR_STATUSES as readonly string[]).includes(status))
    c.fail('status', 'Choose active, onboarding or offboarded.');
  const value: VendorInput = {
    name: c.line(raw, 'name', 'the vendor’s name', LIMITS.name, true) ?? '',
    legalEntity: c.line(raw, 'legalEntity', 'the legal entity', LIMITS.legalEntity),
    country: c.country(raw, 'country', 'the country'),
    website: website(c, raw),
    services: c.paragraph(raw, 'services', 'the services', LIMITS.services),
    locations: locations(c, raw),
    contractStart: c.date(raw, 'contractStart', 'the contract start'),
    contractEnd: c.date(raw, 'contractEnd', 'the contract end'),
    renewalDate: c.date(raw, 'renewalDate', 'the renewal date'),
    dataAccess: dataAccess(c, raw),
    systemAccess: systemAccess(c, raw),
    subProcessors: subProcessors(c, raw),
    nextReviewDate: c.date(raw, 'nextReviewDate', 'the next review date'),
    status: status as VendorStatus,
    ...tiering(c, raw),
  };
  if (value.contractStart && value.contractEnd && value.contractEnd < value.contractStart)
    c.fail('contractEnd', 'The contract end must not be before its start.');
  if (value.contractStart && value.renewalDate && value.renewalDate < value.contractStart)
    c.fail('renewalDate', 'The renewal date must not be before the contract start.');
  if (value.contractEnd && value.renewalDate && value.renewalDate > value.contractEnd)
    c.fail('renewalDate', 'The renewal date must not be after the contract end.');
  return Object.keys(c.errors).length > 0 ? { ok: false, errors: c.errors } : { ok: true, value };
}

/** A vendor's stored values as form fields (for the edit form and the import template). */
export function vendorFormValues(v: VendorInput): Record<string, string | string[]> {
  return {
    name: v.name,
    legalEntity: v.legalEntity ?? '',
    country: v.country ?? '',
    website: v.website ?? '',
    services: v.services ?? '',
    locations: (v.locations ?? []).join(', '),
    contractStart: v.contractStart ?? '',
    contractEnd: v.contractEnd ?? '',
    renewalDate: v.renewalDate ?? '',
    dataAccess: [...(v.dataAccess ?? [])],
    systemAccess: (v.systemAccess ?? []).join('\n'),
    subProcessors: (v.subProcessors ?? []).map((s) => `${s.name} | ${s.country} | ${s.service}`).join('\n'),
    nextReviewDate: v.nextReviewDate ?? '',
    status: v.status ?? 'active',
    dataSensitivity: v.intake?.dataSensitivity ?? '',
    serviceCriticality: v.intake?.serviceCriticality ?? '',
    substitutability: v.intake?.substitutability ?? '',
    tierOverride: v.tierOverridden ? (v.tier ?? '') : '',
    tierOverrideReason: v.tierOverridden ? (v.tierReason ?? '') : '',
  };
}

export type ContactInput = { name: string | null; email: string; phone: string | null; role: string | null };
export type ParsedContact = { ok: true; value: ContactInput } | { ok: false; errors: FieldErrors };

export function parseContactFields(raw: RawFields): ParsedContact {
  const c = new Collector();
  const name = c.line(raw, 'name', 'the name', LIMITS.contactName);
  const rawEmail = text(raw, 'email');
  const parsed = parseMailAddress(rawEmail);
  const email = parsed.ok ? parsed.address : c.fail('email', parsed.message);
  const phone = c.line(raw, 'phone', 'the phone number', LIMITS.phone);
  if (phone && !/^\+?[0-9 ()./-]{3,40}$/.test(phone))
    c.fail('phone', 'Enter the phone number with digits, spaces and + ( ) - . / only, like +49 30 1234567.');
  const role = c.line(raw, 'role', 'the role', LIMITS.role);
  return Object.keys(c.errors).length > 0 || !email
    ? { ok: false, errors: c.errors }
    : { ok: true, value: { name, email, phone, role } };
}
