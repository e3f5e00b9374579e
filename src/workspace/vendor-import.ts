/**
 * Importing vendors from CSV or XLSX (docs/vendors.md "Import"). Two steps, and nothing is saved by the
 * first: `previewImport` parses the file, checks every row as the form would (plus duplicate names in
 * the file and against existing vendors) and returns a per-row report with a confirmation token that
 * carries the valid rows, sealed with an HMAC under a secret derived from the master key and bound to
 * the tenant, the member, the file's SHA-256 and the time. `confirmImport` accepts only such a token,
 * unchanged, younger than an hour, and saves every row it carries in one unit — or none.
 */
import ExcelJS from 'exceljs';
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../crypto/encoding.js';
import { hmacSha256, sha256Hex } from '../crypto/hash.js';
import * as repo from '../db/repo/index.js';
import type { VendorInput } from '../db/repo/vendors.js';
import { isUniqueViolation } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { ZipArchiveReader } from '../questionnaire/spreadsheet/archive.js';
import { decodeCsv, encodeCsv } from '../questionnaire/spreadsheet/csv-records.js';
import { resolveLimits, SpreadsheetError } from '../questionnaire/spreadsheet/errors.js';
import { restore } from '../questionnaire/spreadsheet/formula-guard.js';
import { inspectXlsx } from '../questionnaire/spreadsheet/xlsx-inspect.js';
import { parseVendorFields, type RawFields } from './vendor-fields.js';
import type { VendorActor } from './vendors.js';

/** Column (as in the template) → form field. */
export const IMPORT_COLUMNS = {
  name: 'name',
  legal_entity: 'legalEntity',
  country: 'country',
  website: 'website',
  services: 'services',
  locations: 'locations',
  contract_start: 'contractStart',
  contract_end: 'contractEnd',
  renewal_date: 'renewalDate',
  data_access: 'dataAccess',
  system_access: 'systemAccess',
  sub_processors: 'subProcessors',
  data_sensitivity: 'dataSensitivity',
  service_criticality: 'serviceCriticality',
  substitutability: 'substitutability',
  tier_override: 'tierOverride',
  tier_override_reason: 'tierOverrideReason',
  next_review_date: 'nextReviewDate',
  status: 'status',
} as const;
type Column = keyof typeof IMPORT_COLUMNS;
const COLUMN_OF_FIELD = new Map<string, Column>(
  Object.entries(IMPORT_COLUMNS).map(([col, field]) => [field, col as Column]),
);

/** Under the app's 1 MiB body limit, with room for the multipart framing. */
export const IMPORT_MAX_BYTES = 768 * 1024;
export const IMPORT_MAX_ROWS = 1000;
/** How long a preview may be confirmed. */
export const IMPORT_TOKEN_MS = 60 * 60_000;

export interface ImportProblem {
  /** The row number as a spreadsheet program shows it (the header is row 1); 0 for the file itself. */
  row: number;
  field: string;
  message: string;
}

export interface ImportPreview {
  fileSha256: string;
  rows: number;
  valid: { row: number; vendor: VendorInput }[];
  problems: ImportProblem[];
  /** Confirms exactly these valid rows (absent when there are none). */
  token: string | null;
}

const EXAMPLE: Record<Column, string> = {
  name: 'Example Hosting GmbH',
  legal_entity: 'Example Hosting GmbH',
  country: 'DE',
  website: 'https://hosting.example',
  services: 'Managed Kubernetes hosting',
  locations: 'DE; IE',
  contract_start: '2025-01-01',
  contract_end: '2027-12-31',
  renewal_date: '2027-09-30',
  data_access: 'personal; confidential',
  system_access: 'Production cluster; CI pipeline',
  sub_processors: 'Cloud Co | IE | data centre; Mail Co | DE | email delivery',
  data_sensitivity: 'confidential',
  service_criticality: 'critical',
  substitutability: 'difficult',
  tier_override: '',
  tier_override_reason: '',
  next_review_date: '',
  status: 'active',
};

const HEADER = Object.keys(IMPORT_COLUMNS) as Column[];

export function importTemplateCsv(): string {
  return encodeCsv([HEADER, HEADER.map((c) => EXAMPLE[c])]);
}

export async function importTemplateXlsx(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Vendors');
  ws.addRow(HEADER);
  ws.addRow(HEADER.map((c) => EXAMPLE[c]));
  ws.getRow(1).font = { bold: true };
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const fileProblem = (message: string): never => {
  throw new HttpError(422, message, { fields: { file: message } });
};

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fileProblem('The CSV file is not UTF-8 text. Save it as "CSV UTF-8" and try again.');
  }
}

async function readRecords(
  bytes: Uint8Array,
  kind: 'csv' | 'xlsx',
  archive: ZipArchiveReader | undefined,
): Promise<string[][]> {
  const limits = resolveLimits({
    maxBytes: IMPORT_MAX_BYTES,
    maxRows: IMPORT_MAX_ROWS + 1,
    maxCells: 50_000,
  });
  try {
    if (kind === 'csv') {
      const text = decodeText(bytes);
      const firstLine = text.slice(0, text.search(/\r|\n|$/));
      const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
      return decodeCsv(text, delimiter, limits);
    }
    if (!archive) return fileProblem('Excel files cannot be read here; upload a CSV file instead.');
    await inspectXlsx(bytes, limits, archive);
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
    } catch {
      return fileProblem('The file could not be read as an Excel workbook (.xlsx).');
    }
    const ws = wb.worksheets[0];
    if (!ws) return fileProblem('The workbook has no sheet.');
    const out: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: string[] = [];
      for (let i = 1; i <= Math.min(row.cellCount, 64); i++) cells.push(cellText(row.getCell(i)));
      out[n - 1] = cells;
    });
    return Array.from(out, (r) => r ?? []);
  } catch (err) {
    if (err instanceof SpreadsheetError) return fileProblem(err.message);
    throw err;
  }
}

/** A formula is never evaluated or imported: its cell reads as a marker the row check refuses. */
const FORMULA = '\u0000formula';

function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (cell.type === ExcelJS.ValueType.Formula) return FORMULA;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    return '';
  }
  return String(v);
}

/** Parses and checks an upload; saves nothing. */
export async function previewImport(
  a: VendorActor,
  file: { name: string; bytes: Uint8Array },
  archive: ZipArchiveReader | undefined,
): Promise<ImportPreview> {
  if (file.bytes.byteLength === 0) fileProblem('The file is empty. Choose a CSV or XLSX file with vendors.');
  if (file.bytes.byteLength > IMPORT_MAX_BYTES)
    fileProblem(`The file is larger than ${IMPORT_MAX_BYTES / 1024} KB, the most that is accepted.`);
  const lower = file.name.toLowerCase();
  const kind = lower.endsWith('.xlsx') ? 'xlsx' : lower.endsWith('.csv') ? 'csv' : null;
  if (!kind) return fileProblem('Choose a .csv or .xlsx file (the template shows the columns).');
  const records = await readRecords(file.bytes, kind, archive);
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => h !== '' && !(h in IMPORT_COLUMNS));
  if (unknown.length > 0)
    fileProblem(`Unknown columns: ${unknown.slice(0, 5).join(', ')}. Use the columns of the template.`);
  if (!header.includes('name')) fileProblem('The first row must name the columns, with at least "name".');
  const dup = header.find((h, i) => h !== '' && header.indexOf(h) !== i);
  if (dup) fileProblem(`The column "${dup}" appears twice.`);

  const existing = await a.store.tenant(a.tenantId).read((ctx) => repo.listVendors(ctx));
  const taken = new Map(existing.map((v) => [v.name.toLowerCase(), v.name]));
  const seen = new Map<string, number>();
  const problems: ImportProblem[] = [];
  const valid: ImportPreview['valid'] = [];
  let rows = 0;
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!;
    if (record.every((cell) => cell.trim() === '')) continue;
    rows++;
    const rowNo = i + 1;
    const raw: Record<string, string> = {};
    let formula = false;
    header.forEach((col, j) => {
      if (!col) return;
      const cell = record[j] ?? '';
      if (cell === FORMULA) {
        formula = true;
        problems.push({ row: rowNo, field: col, message: 'is a formula; type the value itself.' });
      }
      raw[IMPORT_COLUMNS[col as Column]] = restore(cell);
    });
    if (formula) continue;
    const parsed = parseVendorFields(raw as RawFields);
    if (!parsed.ok) {
      for (const [field, message] of Object.entries(parsed.errors))
        problems.push({ row: rowNo, field: COLUMN_OF_FIELD.get(field) ?? field, message });
      continue;
    }
    const key = parsed.value.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ row: rowNo, field: 'name', message: `The same name as row ${earlier}.` });
      continue;
    }
    seen.set(key, rowNo);
    if (taken.has(key)) {
      problems.push({
        row: rowNo,
        field: 'name',
        message: `A vendor named "${taken.get(key)}" exists already.`,
      });
      continue;
    }
    valid.push({ row: rowNo, vendor: parsed.value });
  }
  if (rows === 0) fileProblem('The file has no vendor rows below its header.');
  const fileSha256 = sha256Hex(file.bytes);
  const token = valid.length > 0 ? await signToken(a, { sha: fileSha256, rows: valid }) : null;
  return { fileSha256, rows, valid, problems, token };
}

type TokenBody = { v: 1; t: string; u: string; iat: number; sha: string; rows: ImportPreview['valid'] };

const secrets = new WeakMap<object, Promise<Uint8Array>>();
function secretFor(a: VendorActor): Promise<Uint8Array> {
  let s = secrets.get(a.master);
  if (!s) {
    s = a.master.deriveSecret('assay/vendor-import/v1');
    secrets.set(a.master, s);
  }
  return s;
}

async function signToken(a: VendorActor, body: Pick<TokenBody, 'sha' | 'rows'>): Promise<string> {
  const full: TokenBody = { v: 1, t: a.tenantId, u: a.userId, iat: a.now.getTime(), ...body };
  const payload = bytesToBase64Url(utf8(JSON.stringify(full)));
  return `${payload}.${bytesToBase64Url(hmacSha256(await secretFor(a), payload))}`;
}

function constantTimeEqual(x: string, y: string): boolean {
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}

export const IMPORT_TOKEN_INVALID =
  'This confirmation does not match the preview it came from. Upload the file again to see a new preview.';

async function openToken(a: VendorActor, token: string): Promise<TokenBody> {
  const [payload = '', mac = '', ...rest] = token.split('.');
  const expected = bytesToBase64Url(hmacSha256(await secretFor(a), payload));
  if (rest.length > 0 || !payload || !constantTimeEqual(mac, expected))
    throw new HttpError(400, IMPORT_TOKEN_INVALID);
  const body = JSON.parse(new TextDecoder().decode(base64UrlToBytes(payload))) as TokenBody;
  if (body.v !== 1 || body.t !== a.tenantId || body.u !== a.userId)
    throw new HttpError(400, IMPORT_TOKEN_INVALID);
  if (a.now.getTime() - body.iat > IMPORT_TOKEN_MS || body.iat > a.now.getTime() + 60_000)
    throw new HttpError(410, 'This preview is more than an hour old. Upload the file again.');
  return body;
}

/** Saves every row the preview's token carries, in one unit, or nothing (409 when a name was taken since). */
export async function confirmImport(
  a: VendorActor,
  token: string,
  fileSha256: string,
): Promise<{ created: number }> {
  const body = await openToken(a, token);
  if (!constantTimeEqual(body.sha, fileSha256)) throw new HttpError(400, IMPORT_TOKEN_INVALID);
  // Checked again as a whole: the token is ours, but the rules may have changed since it was made.
  for (const r of body.rows)
    if (!r.vendor || typeof r.vendor.name !== 'string') throw new HttpError(400, IMPORT_TOKEN_INVALID);
  try {
    await a.store.tenant(a.tenantId).write((tx) => {
      const ids = body.rows.map((r) => repo.insertVendor(tx, r.vendor, a.now).id);
      tx.audit(
        {
          actor: `user:${a.userId}`,
          action: 'vendor.imported',
          target: `tenant:${a.tenantId}`,
          data: {
            created: ids.length,
            file_sha256: body.sha,
            vendors_sha256: sha256Hex(ids.join('\n')),
          },
        },
        a.now,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new HttpError(
        409,
        'A vendor with one of these names was created since the preview; nothing was saved. Upload the file again.',
      );
    throw err;
  }
  return { created: body.rows.length };
}
