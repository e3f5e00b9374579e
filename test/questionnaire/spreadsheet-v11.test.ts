import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { nodeZipArchive } from '../../src/platform/node/questionnaire-zip.js';
import { evaluate } from '../../src/questionnaire/index.js';
import { decodeCsv } from '../../src/questionnaire/spreadsheet/csv-records.js';
import {
  exportAnswersCsv,
  exportAnswersXlsx,
  importAnswersCsv,
  importAnswersXlsx,
} from '../../src/questionnaire/spreadsheet/index.js';
import { compileOk } from './evaluate-helpers.js';

/* The headline rating and the context facts in the answers spreadsheets (vrq/1.1). */

const q = compileOk(`schema: vrq/1.1
id: sheet-v11
version: 1.0.0
status: published
default_locale: en
title: Sheet
scoring:
  bands: [ {min: 50, rating: low}, {min: 0, rating: high} ]
risk:
  rating: [ {min: 15, rating: critical}, {min: 1, rating: low} ]
rating:
  floors: [ { finding: critical, rating: high } ]
sections:
  - id: s
    title: S
    questions:
      - { id: s.tier, type: single, text: Tier, context: true, weight: 0, options: [ { value: critical, label: Critical }, { value: other, label: Other } ] }
      - id: s.mfa
        type: yes_no_na
        text: MFA
        scores: { yes: 1, no: 0 }
        findings: [ { id: S-1, when: "s.mfa == 'no'", title: T, likelihood: 4, impact: 4, remediation: R } ]
      - { id: s.backup, type: yes_no_na, text: Backup, weight: 5, scores: { yes: 1, no: 0 } }
`);
const TODAY = '2026-02-01';
const answers = { 's.mfa': 'no', 's.backup': 'yes' };
const context = { 's.tier': 'critical' };
const evaluation = evaluate(q, answers, TODAY, { context });

describe('spreadsheets and vrq/1.1', () => {
  it('the overview shows the headline rating next to the band', () => {
    const rows = decodeCsv(
      exportAnswersCsv(q, answers, evaluation, { locale: 'en', evidence: {} }).slice(1),
      ',',
      {
        maxRows: 100,
        maxCells: 10_000,
      },
    );
    const overview = Object.fromEntries(rows.slice(0, 12).map((r) => [r[0], r[1]]));
    expect([evaluation.band, evaluation.rating]).toEqual(['low', 'high']);
    expect(overview).toMatchObject({ score: '83.3', band: 'low', rating: 'high' });
  });

  it("shows the requester's context values, locked, and never imports a change to them", async () => {
    const opts = { locale: 'en', evidence: {}, context };
    const csv = exportAnswersCsv(q, answers, evaluation, opts);
    const tier = decodeCsv(csv.slice(1), ',', { maxRows: 100, maxCells: 10_000 }).find(
      (r) => r[2] === 's.tier',
    )!;
    expect(tier[6]).toBe('Critical');

    const edited = csv.replace('"Critical","critical"', '"Other","other"');
    expect(edited).not.toBe(csv);
    const result = importAnswersCsv(q, edited);
    expect(result.ok && result.rejected).toEqual([
      {
        row: expect.any(Number),
        questionId: 's.tier',
        column: 'answer',
        value: 'Other',
        reason: 's.tier is set by the requester and cannot be changed here; the answer was skipped.',
        said: { key: 'import.contextAnswerSkipped', params: { id: 's.tier' } },
      },
    ]);
    expect(result.ok && result.answers).toEqual({ 's.mfa': 'no', 's.backup': 'yes' });

    const xlsx = await exportAnswersXlsx(q, answers, evaluation, opts);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(xlsx) as never);
    const sheet = workbook.worksheets[1]!;
    let locked: ExcelJS.Cell | null = null;
    sheet.eachRow((row) => {
      if (row.getCell(1).value === 's.tier') locked = row.getCell(8);
    });
    expect(locked!.value).toBe('Critical');
    expect(locked!.dataValidation).toMatchObject({
      prompt: 'Set by the requester; it cannot be changed here',
    });
    const back = await importAnswersXlsx(q, xlsx, { archive: nodeZipArchive });
    expect(back.ok && back.answers).toEqual({ 's.mfa': 'no', 's.backup': 'yes' });
  });
});

describe('spreadsheet import and the N/A policy', () => {
  it("refuses N/A for a question whose policy forbids it, with the engine's reason", () => {
    const strict = compileOk(`schema: vrq/1.1
id: sheet-na
version: 1.0.0
status: published
default_locale: en
title: Sheet
sections:
  - id: s
    title: S
    questions:
      - { id: s.dpa, type: yes_no_na, text: DPA signed?, na: forbidden, scores: { yes: 1, no: 0 } }
`);
    const csv = exportAnswersCsv(strict, { 's.dpa': 'yes' }, evaluate(strict, { 's.dpa': 'yes' }, TODAY), {
      locale: 'en',
      evidence: {},
    }).replace('"Yes","yes"', '"N/A",""');
    expect(csv).toContain('"Yes\nNo"');
    const result = importAnswersCsv(strict, csv);
    expect(result.ok && result.rejected.map((r) => r.reason)).toEqual([
      'Not applicable is not accepted for this question; answer yes or no.',
    ]);
  });
});
