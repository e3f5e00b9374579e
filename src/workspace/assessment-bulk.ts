/**
 * Sending one questionnaire to many vendors: from a selection of existing vendors (each one's first
 * contact) or from CSV (vendor name, contact email, contact name). Every row is checked and reported
 * before anything is sent; sending then runs sendAssessment — the one send path — per good row, so a
 * row that fails at send time (a vendor renamed meanwhile) is reported and the others still go.
 */
import { isId } from '../db/ids.js';
import { type ContactRow, listContacts } from '../db/repo/vendor-contacts.js';
import { getVendor } from '../db/repo/vendors.js';
import type { TenantReadCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { parseMailAddress } from '../mail/address.js';
import { decodeCsv } from '../questionnaire/spreadsheet/csv-records.js';
import { SpreadsheetError } from '../questionnaire/spreadsheet/errors.js';
import { type SendDeps, SendError, type SendInput, sendAssessment } from './assessments.js';
import { tenantName } from './tenants.js';

/** The most rows one bulk send takes (the benchmark sends this many in well under 10 s). */
export const MAX_BULK_ROWS = 1000;

export interface BulkRow {
  /** 1-based: the CSV line, or the position in the selection. */
  line: number;
  vendorId: string | null;
  vendorName: string;
  contactEmail: string;
  contactName: string | null;
  /** Why the row cannot be sent; null: it can. */
  problem: string | null;
}

const vendorName = tenantName;

/**
 * Rows for a selection of existing vendors: each vendor's first live contact. Contacts are sealed
 * (src/vendor/contact-data.ts), so the read returns rows and `open` decrypts them after the unit.
 */
export async function rowsFromSelection(
  read: <T>(fn: (ctx: TenantReadCtx) => Promise<T>) => Promise<T>,
  vendorIds: readonly string[],
  open: (row: ContactRow) => Promise<{ email: string | null; name: string | null }>,
): Promise<BulkRow[]> {
  const found = await read((ctx) => selectionRows(ctx, vendorIds));
  return Promise.all(
    found.map(async ({ contact, ...row }) => {
      if (!contact) return row;
      const c = await open(contact);
      return c.email
        ? { ...row, contactEmail: c.email, contactName: c.name }
        : { ...row, problem: 'This vendor has no contact yet: add one on its page first.' };
    }),
  );
}

async function selectionRows(
  ctx: TenantReadCtx,
  vendorIds: readonly string[],
): Promise<(BulkRow & { contact?: ContactRow })[]> {
  if (vendorIds.length > MAX_BULK_ROWS)
    throw new HttpError(422, `Select at most ${MAX_BULK_ROWS} vendors at once.`);
  const rows: (BulkRow & { contact?: ContactRow })[] = [];
  const seen = new Set<string>();
  let line = 0;
  for (const id of vendorIds) {
    line++;
    if (seen.has(id)) continue;
    seen.add(id);
    const vendor = isId(id) ? await getVendor(ctx, id) : null;
    if (!vendor) {
      rows.push({
        line,
        vendorId: null,
        vendorName: '',
        contactEmail: '',
        contactName: null,
        problem: 'No such vendor.',
      });
      continue;
    }
    const [contact] = await listContacts(ctx, vendor.id);
    rows.push({
      line,
      vendorId: vendor.id,
      vendorName: vendor.name,
      contactEmail: '',
      contactName: null,
      problem: contact ? null : 'This vendor has no contact yet: add one on its page first.',
      ...(contact ? { contact } : {}),
    });
  }
  return rows;
}

/** Rows from CSV text: `vendor name, contact email, contact name` per line; a header line is skipped. */
export function rowsFromCsv(text: string): BulkRow[] {
  let records: string[][];
  try {
    records = decodeCsv(text.replace(/^\uFEFF/, ''), ',', {
      maxRows: MAX_BULK_ROWS + 1,
      maxCells: (MAX_BULK_ROWS + 1) * 10,
    });
  } catch (err) {
    if (err instanceof SpreadsheetError)
      throw new HttpError(422, err.message, { fields: { csv: err.message } });
    throw err;
  }
  const rows: BulkRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((record, i) => {
    const line = i + 1;
    const cells = record.map((c) => c.trim());
    if (cells.every((c) => c === '')) return;
    if (i === 0 && /vendor/i.test(cells[0] ?? '') && /mail/i.test(cells[1] ?? '')) return;
    const [name = '', email = '', contact = ''] = cells;
    const row: BulkRow = {
      line,
      vendorId: null,
      vendorName: name,
      contactEmail: email,
      contactName: contact || null,
      problem: null,
    };
    const n = vendorName.safeParse(name);
    const e = parseMailAddress(email);
    if (cells.length > 3 && cells.slice(3).some((c) => c !== ''))
      row.problem = 'Use three columns: vendor name, contact email, contact name.';
    else if (!n.success) row.problem = `Vendor name: ${n.error.issues[0]?.message ?? 'not valid'}`;
    else if (!e.ok) row.problem = `Contact email: ${e.message}`;
    else if (contact.length > 200) row.problem = 'Contact name: use at most 200 characters.';
    else {
      row.vendorName = n.data;
      row.contactEmail = e.address;
      const key = `${n.data.toLowerCase()}\u0000${e.address}`;
      const first = seen.get(key);
      if (first !== undefined) row.problem = `The same vendor and contact as line ${first}.`;
      else seen.set(key, line);
    }
    rows.push(row);
  });
  if (rows.length > MAX_BULK_ROWS)
    throw new HttpError(422, `Send to at most ${MAX_BULK_ROWS} vendors at once.`);
  return rows;
}

/** What every row is sent with; `context`: the buyer-set facts as KEY=VALUE pairs, checked once up front. */
export type BulkCommon = Pick<
  SendInput,
  'questionnaire' | 'dueDate' | 'otp' | 'linkHours' | 'context' | 'actor' | 'senderEmail' | 'mayAddVendors'
>;

export interface BulkResult extends BulkRow {
  assessmentId: string | null;
  /** An unexpected failure of this row's send (its unit rolled back): for the caller to log. */
  error?: unknown;
}

/** The row's message when its send failed for a reason of ours, not of the row. */
export const ROW_FAILED =
  'Not sent: something went wrong on our side and nothing was saved for this row. Send it again.';

/**
 * How many rows are in flight at once: signing a link (RS256) runs off the main thread, so a few sends
 * overlap their signatures while the database serialises their units.
 */
const IN_FLIGHT = 4;

/**
 * Sends every row without a problem, one sendAssessment each; returns each row's outcome, in row order.
 * It never rejects while a send is still running: every row ends sent or with its reason, so the page
 * that reports the outcome tells the whole truth (a rejection would answer 500 while the other
 * workers went on sending).
 */
export async function sendBulk(
  deps: SendDeps,
  tenantId: string,
  rows: readonly BulkRow[],
  common: BulkCommon,
): Promise<BulkResult[]> {
  const out: BulkResult[] = rows.map((row) => ({ ...row, assessmentId: null }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const row = rows[i]!;
      if (row.problem) continue;
      try {
        const sent = await sendAssessment(deps, tenantId, {
          ...common,
          ...(row.vendorId ? { vendorId: row.vendorId } : { vendorName: row.vendorName }),
          contactEmail: row.contactEmail,
          contactName: row.contactName,
        });
        out[i] = { ...row, assessmentId: sent.assessmentId };
      } catch (err) {
        out[i] =
          err instanceof SendError
            ? { ...row, assessmentId: null, problem: err.message }
            : { ...row, assessmentId: null, problem: ROW_FAILED, error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, worker));
  return out;
}
