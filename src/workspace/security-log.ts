/**
 * The security event log (issue 9): what gets recorded, and the admin's view and export of it.
 *
 * Recorded: failed sign-ins and throttled sign-ins (for every tenant the tried email is a member of;
 * an email that names no member is only counted by the rate limits, never stored), permission
 * denials, and failed or throttled vendor codes. Each row: time, kind, member id or none, client
 * address, and a `data` object of ids and kinds only — never the email, a code or a password.
 * Writes happen in the background of the request (src/http/background.ts), so an attempt on an
 * existing account takes as long as one on an unknown one, and a refusal never waits on the log.
 */
import { z } from 'zod';
import { bytesToBase64Url } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import {
  listSecurityEvents,
  recordSecurityEvent,
  type SecurityEvent,
  type SecurityEventData,
} from '../db/repo/security-events.js';
import { findUserByEmail, listMembershipsOfUser } from '../db/repo/users.js';
import type { Store, TenantReadCtx } from '../db/store.js';
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from '../db/tables.js';
import { HttpError } from '../errors.js';
import type { MasterKey } from '../keys/master-key.js';
import { encodeCsv } from '../questionnaire/spreadsheet/csv-records.js';
import { neutralise } from '../questionnaire/spreadsheet/formula-guard.js';

export const SECURITY_EVENT_LABELS: Readonly<Record<SecurityEventKind, string>> = {
  sign_in_failed: 'Failed sign-in',
  permission_denied: 'Permission denied',
  rate_limited: 'Rate limit hit',
  code_failed: 'Vendor code failed',
};

/** One event in one tenant. */
export async function logSecurityEvent(
  store: Store,
  tenantId: string,
  e: {
    kind: SecurityEventKind;
    userId: string | null;
    address: string | null;
    at: Date;
    data?: SecurityEventData;
  },
): Promise<void> {
  await store.tenant(tenantId).write((tx) => recordSecurityEvent(tx, e));
}

/**
 * A failed or throttled sign-in: one event in each tenant the email's owner is a member of (their
 * admins see attempts on their people), with an audit entry for a failed one. The email is used to find
 * them and is not stored. An email that names no account records nothing: it has no tenant.
 */
export async function logSignInEvent(
  store: Store,
  e: { kind: 'sign_in_failed' | 'rate_limited'; email: string; address: string | null; at: Date },
): Promise<void> {
  if (e.email.length === 0 || e.email.length > 254) return;
  const user = await store.global.read((g) => findUserByEmail(g, e.email));
  if (!user) return;
  const memberships = await store.as({ userId: user.id }).read((g) => listMembershipsOfUser(g, user.id));
  for (const m of memberships) {
    await store.tenant(m.tenantId).write((tx) => {
      recordSecurityEvent(tx, {
        kind: e.kind,
        userId: user.id,
        address: e.address,
        at: e.at,
        data: { via: 'sign_in' },
      });
      // A judged attempt also goes into the audit trail (issue 9: "sign-ins and failures"), as a wrong
      // second factor does (src/auth/mfa-sign-in.ts). Ids only; the client's keyed hashes come from the
      // request, which this still runs in. A throttled attempt was judged by nothing: it stays in this
      // log only, as on the second step, so the permanent chain grows at most by the account's limit.
      // Nobody has signed in, so the actor is anonymous; the target is the account tried.
      if (e.kind === 'sign_in_failed')
        tx.audit(
          {
            actor: 'anonymous',
            action: 'user.sign_in_failed',
            target: `user:${user.id}`,
            data: { step: 'password' },
          },
          e.at,
        );
    });
  }
}

/**
 * A vendor-side event (a wrong or malformed code, a throttled code, fresh-access or link request), as
 * the domain reports it: the tenant, the kind and ids only. The route adds the time and the client.
 */
export type VendorSecurityEvent = {
  tenantId: string;
  kind: 'code_failed' | 'rate_limited';
  data: SecurityEventData;
};
export type ReportSecurityEvent = (e: VendorSecurityEvent) => void;

const clientSecrets = new WeakMap<MasterKey, Promise<Uint8Array>>();

/**
 * A vendor's client address as the log keeps it: a keyed hash (HMAC under a secret derived from the
 * master key), so the tenant can see that failures come from one client without holding an outsider's
 * address. The same address hashes the same in every process of a deployment.
 */
export async function clientAddressHash(master: MasterKey, ip: string | null): Promise<string | null> {
  if (ip === null) return null;
  let secret = clientSecrets.get(master);
  if (!secret) {
    secret = master.deriveSecret('assay/security-log-client/v1');
    clientSecrets.set(master, secret);
  }
  return `hmac:${bytesToBase64Url(hmacSha256(await secret, ip)).slice(0, 22)}`;
}

/** One vendor-side event, with the hashed client address; never a code, an email or a token. */
export async function logVendorSecurityEvent(
  deps: { store: Store; master: MasterKey },
  e: VendorSecurityEvent & { address: string | null; at: Date },
): Promise<void> {
  await logSecurityEvent(deps.store, e.tenantId, {
    kind: e.kind,
    userId: null,
    address: await clientAddressHash(deps.master, e.address),
    at: e.at,
    data: e.data,
  });
}

// ---- the page -------------------------------------------------------------------------------------

export const PAGE_SIZE = 50;
/** The export holds at most this many rows; a narrower date range gets the rest. */
export const EXPORT_MAX = 100_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2025-01-31.')
  .refine((s) => {
    // 2031-02-30 parses as 2 March: a real date reads back the same.
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'That is not a real date.');

const filters = z.object({
  kind: z.union([z.literal(''), z.enum(SECURITY_EVENT_KINDS, { error: 'Choose a kind from the list.' })]),
  from: z.union([z.literal(''), day]),
  to: z.union([z.literal(''), day]),
  // `<ms>.<id>`: the last row of the previous page.
  after: z.union([
    z.literal(''),
    z.string().regex(/^\d{1,15}\.[0-9a-f-]{36}$/, 'That page link is not valid.'),
  ]),
});

export interface SecurityLogFilters {
  kind: SecurityEventKind | '';
  from: string;
  to: string;
  after: string;
}

/** Filters from the query string: anything but the allowed values is a 400 with the field named. */
export function parseFilters(query: Record<string, string | undefined>): SecurityLogFilters {
  const known = new Set(['kind', 'from', 'to', 'after']);
  for (const k of Object.keys(query)) {
    if (!known.has(k)) throw new HttpError(400, `Unknown filter "${k.slice(0, 40)}".`);
  }
  const r = filters.safeParse({
    kind: query.kind ?? '',
    from: query.from ?? '',
    to: query.to ?? '',
    after: query.after ?? '',
  });
  if (!r.success) {
    const fields: Record<string, string> = {};
    for (const i of r.error.issues) fields[String(i.path[0] ?? '_form')] ??= i.message;
    throw new HttpError(400, 'Check the filters.', { fields });
  }
  const f = r.data as SecurityLogFilters;
  if (f.from && f.to && f.from > f.to) {
    throw new HttpError(400, 'Check the filters.', {
      fields: { to: 'The end date is before the start date.' },
    });
  }
  return f;
}

function query(f: SecurityLogFilters, limit: number) {
  const [ms, id] = f.after ? f.after.split('.') : [];
  return {
    kind: f.kind || null,
    from: f.from ? new Date(`${f.from}T00:00:00.000Z`) : null,
    to: f.to ? new Date(`${f.to}T23:59:59.999Z`) : null,
    after: ms && id ? { at: new Date(Number(ms)), id } : null,
    limit,
  };
}

export interface SecurityLogPage {
  events: (SecurityEvent & { label: string })[];
  /** The `after` value of the next page, or null on the last one. */
  next: string | null;
}

export async function securityLogPage(ctx: TenantReadCtx, f: SecurityLogFilters): Promise<SecurityLogPage> {
  const rows = await listSecurityEvents(ctx, query(f, PAGE_SIZE + 1));
  const events = rows.slice(0, PAGE_SIZE).map((e) => ({ ...e, label: SECURITY_EVENT_LABELS[e.kind] }));
  const last = events[events.length - 1];
  return { events, next: rows.length > PAGE_SIZE && last ? `${last.at.getTime()}.${last.id}` : null };
}

/** The filtered log as CSV (every cell quoted and neutralised against formula injection). */
export async function securityLogCsv(ctx: TenantReadCtx, f: SecurityLogFilters): Promise<string> {
  const rows = await listSecurityEvents(ctx, query({ ...f, after: '' }, EXPORT_MAX));
  const cell = (v: string | null) => neutralise(v ?? '');
  return encodeCsv([
    ['time', 'kind', 'user_id', 'client_address', 'data'],
    ...rows.map((e) => [
      cell(e.at.toISOString()),
      cell(e.kind),
      cell(e.userId),
      cell(e.address),
      cell(JSON.stringify(e.data)),
    ]),
  ]);
}
