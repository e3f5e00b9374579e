/**
 * The supplier register (NIS2 Art. 21(2)(d), ISO 27001 A.5.19–5.22, the shape of DORA's register of
 * information): every vendor with tier, services, data and system access, locations, sub-processors,
 * contract dates, last assessment and open risks, as CSV or XLSX. No contact data: the register is
 * shared with auditors and executives, who need the supplier, not the people.
 *
 * Every text cell goes through `neutralise` (formula injection, OWASP "CSV Injection"); XLSX cells are
 * written as values, never formulas. One audit entry per export, with the file's SHA-256.
 */
import ExcelJS from 'exceljs';
import { sha256Hex } from '../crypto/hash.js';
import * as repo from '../db/repo/index.js';
import { encodeCsv } from '../questionnaire/spreadsheet/csv-records.js';
import { neutralise } from '../questionnaire/spreadsheet/formula-guard.js';
import type { VendorActor } from './vendors.js';

export const REGISTER_COLUMNS = [
  'vendor_id',
  'name',
  'legal_entity',
  'country',
  'website',
  'status',
  'tier',
  'tier_basis',
  'tier_reason',
  'services',
  'data_access',
  'system_access',
  'locations',
  'sub_processors',
  'contract_start',
  'contract_end',
  'renewal_date',
  'next_review_date',
  'last_assessment_date',
  'last_assessment_questionnaire',
  'last_assessment_score',
  'last_assessment_rating',
  'open_risks',
  'open_risks_by_rating',
] as const;

type Cell = string | number;

async function registerRows(a: VendorActor): Promise<Cell[][]> {
  const { vendors, last, risks } = await a.store.tenant(a.tenantId).read(async (ctx) => {
    const [vendors, last, risks] = await Promise.all([
      repo.listVendors(ctx),
      repo.lastSubmittedAssessments(ctx),
      repo.openRiskCounts(ctx),
    ]);
    return { vendors, last, risks };
  });
  return vendors.map((v) => {
    const l = last.get(v.id);
    const r = risks.get(v.id) ?? {};
    const total = Object.values(r).reduce((s, n) => s + n, 0);
    return [
      v.id,
      v.name,
      v.legalEntity ?? '',
      v.country ?? '',
      v.website ?? '',
      v.status,
      v.tier,
      v.tierOverridden ? 'override' : v.intake ? 'intake' : 'default',
      v.tierReason ?? '',
      v.services ?? '',
      v.dataAccess.join('; '),
      v.systemAccess.join('; '),
      v.locations.join('; '),
      v.subProcessors.map((s) => `${s.name} | ${s.country} | ${s.service}`).join('; '),
      v.contractStart ?? '',
      v.contractEnd ?? '',
      v.renewalDate ?? '',
      v.nextReviewDate ?? '',
      l?.submittedAt ? l.submittedAt.toISOString().slice(0, 10) : '',
      l?.questionnaire ?? '',
      l && l.scorePermille !== null ? l.scorePermille / 10 : '',
      l?.rating ?? '',
      total,
      Object.entries(r)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([rating, n]) => `${rating}: ${n}`)
        .join('; '),
    ];
  });
}

const text = (c: Cell) => (typeof c === 'number' ? String(c) : neutralise(c));

export interface RegisterFile {
  bytes: Uint8Array;
  contentType: string;
  fileName: string;
}

export async function exportRegister(a: VendorActor, format: 'csv' | 'xlsx'): Promise<RegisterFile> {
  const rows = await registerRows(a);
  let bytes: Uint8Array;
  if (format === 'csv') {
    bytes = new TextEncoder().encode(encodeCsv([[...REGISTER_COLUMNS], ...rows.map((r) => r.map(text))]));
  } else {
    const wb = new ExcelJS.Workbook();
    wb.created = a.now;
    const ws = wb.addWorksheet('Supplier register');
    ws.addRow([...REGISTER_COLUMNS]).font = { bold: true };
    for (const r of rows) ws.addRow(r.map((c) => (typeof c === 'number' ? c : neutralise(c))));
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    bytes = new Uint8Array(await wb.xlsx.writeBuffer());
  }
  const day = a.now.toISOString().slice(0, 10);
  await a.store.tenant(a.tenantId).write((tx) => {
    tx.audit(
      {
        actor: `user:${a.userId}`,
        action: 'register.exported',
        target: `tenant:${a.tenantId}`,
        data: { format, vendors: rows.length, sha256: sha256Hex(bytes) },
      },
      a.now,
    );
  });
  return {
    bytes,
    contentType:
      format === 'csv'
        ? 'text/csv; charset=utf-8'
        : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    fileName: `supplier-register-${day}.${format}`,
  };
}
