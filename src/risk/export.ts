/**
 * Exports of the register and of the assessments, as CSV (RFC 4180, every field quoted) and XLSX. Every
 * text cell goes through the formula guard (a cell starting with = + - @ is prefixed with a quote), so a
 * vendor name or risk title can never run as a formula in the spreadsheet that opens it.
 */
import ExcelJS from 'exceljs';
import { assessmentExportRows } from '../db/repo/dashboard.js';
import type { RegisterRow } from '../db/repo/risks.js';
import type { TenantReadCtx } from '../db/store.js';
import { encodeCsv } from '../questionnaire/spreadsheet/csv-records.js';
import { neutralise } from '../questionnaire/spreadsheet/formula-guard.js';
import { effectiveStatus } from './acceptance.js';
import { type RegisterParams, readRegister } from './register.js';

export type Table = { sheet: string; header: string[]; rows: (string | number | null)[][] };

const cell = (v: string | number | null) => (typeof v === 'string' ? neutralise(v) : v);

/** Every risk matching the filters (the register's order), paged through the same keyset query. */
export async function registerTable(
  ctx: TenantReadCtx,
  params: RegisterParams,
  opts: { withOwner: boolean; now: Date },
): Promise<Table> {
  const rows: RegisterRow[] = [];
  let p: RegisterParams = { ...params, after: undefined };
  for (;;) {
    const page = await readRegister(ctx, p, 1000);
    rows.push(...page.rows);
    if (!page.next || rows.length >= 200_000) break;
    p = { ...p, after: page.next };
  }
  const header = [
    'Risk id',
    'Vendor',
    'Title',
    'Status',
    'Likelihood',
    'Impact',
    'Score',
    'Inherent rating',
    'Residual rating',
    'Treatment',
    ...(opts.withOwner ? ['Owner'] : []),
    'Due date',
    'Accepted until',
    'Origin',
  ];
  return {
    sheet: 'Risk register',
    header,
    rows: rows.map((r) => [
      r.id,
      r.vendorName,
      r.title,
      effectiveStatus(r, opts.now),
      r.likelihood,
      r.impact,
      r.inherentScore,
      r.inherentRating,
      r.residualRating,
      r.treatment,
      ...(opts.withOwner ? [r.ownerEmail] : []),
      r.dueDate,
      r.acceptedUntil,
      r.origin,
    ]),
  };
}

export async function assessmentsTable(ctx: TenantReadCtx): Promise<Table> {
  const rows = await assessmentExportRows(ctx);
  return {
    sheet: 'Assessments',
    header: [
      'Assessment id',
      'Vendor',
      'Questionnaire',
      'Version',
      'Status',
      'Due date',
      'Sent',
      'Submitted',
      'Score (%)',
      'Band',
      'Rating',
    ],
    rows: rows.map((r) => [
      r.id,
      r.vendor,
      r.questionnaire,
      r.version,
      r.status,
      r.dueDate,
      r.sentAt ? r.sentAt.toISOString() : null,
      r.submittedAt ? r.submittedAt.toISOString() : null,
      r.scorePermille === null ? null : r.scorePermille / 10,
      r.band,
      r.rating,
    ]),
  };
}

export function toCsv(table: Table): string {
  return encodeCsv([
    table.header,
    ...table.rows.map((r) => r.map((v) => (v === null ? '' : String(cell(v))))),
  ]);
}

export async function toXlsx(table: Table): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Assay';
  const sheet = workbook.addWorksheet(table.sheet);
  sheet.addRow(table.header).font = { bold: true };
  for (const r of table.rows) sheet.addRow(r.map(cell));
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
