/**
 * The register's query string: filters and sort from an allow-list, and an opaque page token. Anything
 * else — an unknown parameter, a value not in the list, a token that was not made by this page for this
 * sort — is a 400 with a sentence saying what was wrong; no value reaches SQL except as a bound parameter
 * of an allow-listed column.
 */
import { base64UrlToBytes, bytesToBase64Url } from '../crypto/encoding.js';
import { hasControlChar, MAX_UPDATED_MS } from '../db/bind-limits.js';
import { isId } from '../db/ids.js';
import {
  REGISTER_SORTS,
  type RegisterPageQuery,
  type RegisterRow,
  type RegisterSort,
  registerPage,
  sortValue,
} from '../db/repo/risks.js';
import type { TenantReadCtx } from '../db/store.js';
import { RISK_STATUSES, RISK_TREATMENTS } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { isDate } from './forms.js';
import { RATINGS, type Rating, scoreRange } from './scale.js';

export const PAGE_SIZE = 50;
const PARAMS = [
  'vendor',
  'status',
  'rating',
  'owner',
  'treatment',
  'due_before',
  'sort',
  'dir',
  'after',
] as const;

/** The filters as the page shows them (the form's values, and the links' query strings). */
export interface RegisterParams {
  vendor?: string;
  status?: (typeof RISK_STATUSES)[number];
  rating?: Rating;
  /** A member's id, or `none`. */
  owner?: string;
  /** A treatment, or `none`. */
  treatment?: string;
  due_before?: string;
  sort: RegisterSort;
  dir: 'asc' | 'desc';
  after?: string;
}

const DEFAULT_DIR: Record<RegisterSort, 'asc' | 'desc'> = {
  rating: 'desc',
  due: 'asc',
  title: 'asc',
  vendor: 'asc',
  status: 'asc',
  owner: 'asc',
  updated: 'desc',
};

function bad(message: string): never {
  throw new HttpError(400, message);
}

/** Parses the query (each parameter at most once; empty values mean "any", as an unset form field sends). */
export function parseRegisterParams(query: Record<string, string[]>): RegisterParams {
  for (const key of Object.keys(query)) {
    if (!(PARAMS as readonly string[]).includes(key))
      bad(`The register has no filter called "${key.slice(0, 40)}". Use the form to filter.`);
    if ((query[key]?.length ?? 0) > 1) bad(`Give the ${key} filter once.`);
  }
  const get = (k: (typeof PARAMS)[number]) => {
    const v = query[k]?.[0]?.trim() ?? '';
    return v === '' ? undefined : v;
  };
  const p: RegisterParams = { sort: 'rating', dir: 'desc' };
  const vendor = get('vendor');
  if (vendor !== undefined) p.vendor = isId(vendor) ? vendor : bad('That vendor filter is not a vendor id.');
  const status = get('status');
  if (status !== undefined)
    p.status = (RISK_STATUSES as readonly string[]).includes(status)
      ? (status as RegisterParams['status'])
      : bad(`Status must be one of ${RISK_STATUSES.join(', ')}.`);
  const rating = get('rating');
  if (rating !== undefined)
    p.rating = (RATINGS as readonly string[]).includes(rating)
      ? (rating as Rating)
      : bad(`Rating must be one of ${RATINGS.join(', ')}.`);
  const owner = get('owner');
  if (owner !== undefined)
    p.owner = owner === 'none' || isId(owner) ? owner : bad('That owner filter is not a member.');
  const treatment = get('treatment');
  if (treatment !== undefined)
    p.treatment =
      treatment === 'none' || (RISK_TREATMENTS as readonly string[]).includes(treatment)
        ? treatment
        : bad(`Treatment must be one of ${RISK_TREATMENTS.join(', ')}, or none.`);
  const due = get('due_before');
  if (due !== undefined) p.due_before = isDate(due) ? due : bad('"Due before" must be a date, YYYY-MM-DD.');
  const sort = get('sort');
  if (sort !== undefined)
    p.sort = (REGISTER_SORTS as readonly string[]).includes(sort)
      ? (sort as RegisterSort)
      : bad(`Sort by one of ${REGISTER_SORTS.join(', ')}.`);
  const dir = get('dir');
  p.dir =
    dir === undefined
      ? DEFAULT_DIR[p.sort]
      : dir === 'asc' || dir === 'desc'
        ? dir
        : bad('Direction must be asc or desc.');
  const after = get('after');
  if (after !== undefined) p.after = after;
  return p;
}

/** The repository query for the params; the page token is checked against the sort it was made for. */
export function toPageQuery(p: RegisterParams, limit = PAGE_SIZE): RegisterPageQuery {
  const q: RegisterPageQuery = { sort: p.sort, dir: p.dir, limit };
  if (p.vendor) q.vendorId = p.vendor;
  if (p.status) q.status = p.status;
  if (p.rating) q.scoreRange = scoreRange(p.rating);
  if (p.owner) q.owner = p.owner === 'none' ? null : p.owner;
  if (p.treatment)
    q.treatment = p.treatment === 'none' ? null : (p.treatment as RegisterPageQuery['treatment']);
  if (p.due_before) q.dueBefore = p.due_before;
  if (p.after) q.after = decodeToken(p.after, p.sort, p.dir);
  return q;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,1200}$/;
const TOKEN_BAD =
  'That page link is not valid (it may be from another sort order). Start again from the first page.';

/** The token: base64url of [sort, dir, value, id] of the page's last row. */
export function encodeToken(sort: RegisterSort, dir: 'asc' | 'desc', row: RegisterRow): string {
  const v = sortValue(sort, row);
  return bytesToBase64Url(new TextEncoder().encode(JSON.stringify([sort, dir, v, row.id])));
}

export function decodeToken(
  token: string,
  sort: RegisterSort,
  dir: 'asc' | 'desc',
): { v: string | number; id: string } {
  if (!TOKEN_SHAPE.test(token)) bad(TOKEN_BAD);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlToBytes(token)));
  } catch {
    bad(TOKEN_BAD);
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) bad(TOKEN_BAD);
  const [s, d, v, id] = parsed as unknown[];
  if (s !== sort || d !== dir || typeof id !== 'string' || !isId(id)) bad(TOKEN_BAD);
  if (!tokenValueOk(sort, v)) bad(TOKEN_BAD);
  return { v: v as string | number, id };
}

/** A page token's sort value has the shape its sort's column holds (it is bound, never spliced, anyway). */
function tokenValueOk(sort: RegisterSort, v: unknown): boolean {
  switch (sort) {
    case 'rating':
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 25;
    case 'due':
      return typeof v === 'string' && isDate(v);
    case 'title':
    case 'vendor':
      return typeof v === 'string' && v.length <= 200 && !hasControlChar(v);
    case 'status':
      return typeof v === 'string' && (RISK_STATUSES as readonly string[]).includes(v);
    case 'owner':
      return v === '' || (typeof v === 'string' && isId(v));
    case 'updated':
      return (
        Number.isSafeInteger(v) &&
        (v as number) >= 0 &&
        (v as number) <= MAX_UPDATED_MS &&
        new Date(v as number).getTime() === v
      );
  }
}

export interface RegisterView {
  rows: RegisterRow[];
  next: string | null;
}

/** One page of the register for validated params. */
export async function readRegister(
  ctx: TenantReadCtx,
  p: RegisterParams,
  limit = PAGE_SIZE,
): Promise<RegisterView> {
  const rows = await registerPage(ctx, toPageQuery(p, limit));
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, next: more ? encodeToken(p.sort, p.dir, page[page.length - 1]!) : null };
}

/** The query string for the same filters with some changed (links to the next page, to a sort). */
export function queryString(
  p: RegisterParams,
  change: Partial<Record<keyof RegisterParams, string | undefined>> = {},
): string {
  const merged: Record<string, string | undefined> = { ...p, ...change };
  if ('sort' in change && !('dir' in change)) merged.dir = undefined;
  if (!('after' in change)) merged.after = undefined;
  const out = new URLSearchParams();
  for (const k of PARAMS) {
    const v = merged[k];
    if (v !== undefined && v !== '') out.set(k, v);
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}
