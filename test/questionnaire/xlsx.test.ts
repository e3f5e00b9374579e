import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeZipArchive } from '../../src/platform/node/questionnaire-zip.js';
import { compileQuestionnaire, evaluate } from '../../src/questionnaire/index.js';
import { exportAnswersCsv, importAnswersCsv } from '../../src/questionnaire/spreadsheet/csv.js';
import {
  type ExportOptions,
  exportAnswersXlsx,
  type ImportResult,
  importAnswersXlsx as importXlsx,
  type XlsxImportOptions,
} from '../../src/questionnaire/spreadsheet/xlsx.js';
import type { Answers, Questionnaire } from '../../src/questionnaire/types.js';
import {
  buildZip,
  EVIDENCE,
  FULL_ANSWERS,
  IMPORTABLE_ANSWERS,
  SPREADSHEET_YAML,
  skeletonEntries,
  TODAY,
  tamper,
} from './xlsx-fixtures.js';

/** Import as the Node server does: with the yauzl-based archive reader. */
const importAnswersXlsx = (
  questionnaire: Questionnaire,
  data: Uint8Array,
  opts: Omit<XlsxImportOptions, 'archive'> = {},
): Promise<ImportResult> => importXlsx(questionnaire, data, { archive: nodeZipArchive, ...opts });

function compile(source: string): Questionnaire {
  const { questionnaire, problems } = compileQuestionnaire(source);
  if (!questionnaire) throw new Error(problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return questionnaire;
}

let q: Questionnaire;
beforeAll(() => {
  q = compile(SPREADSHEET_YAML);
});

async function exportOf(
  answers: Answers,
  locale = 'en',
  extra: Partial<Parameters<typeof exportAnswersXlsx>[3]> = {},
) {
  return exportAnswersXlsx(q, answers, evaluate(q, answers, TODAY), { locale, evidence: EVIDENCE, ...extra });
}

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as never);
  return workbook;
}

async function save(workbook: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** The Answers sheet of an export with helpers to find a question's row and a column by its machine id. */
function answersSheet(workbook: ExcelJS.Workbook) {
  const sheet = workbook.worksheets[1]!;
  const columns = new Map<string, number>();
  sheet.getRow(1).eachCell((cell, c) => {
    columns.set(String(cell.value), c);
  });
  const col = (id: string) => {
    const c = columns.get(id);
    if (c === undefined) throw new Error(`no column ${id}`);
    return c;
  };
  const rowOf = (questionId: string) => {
    for (let r = 3; r <= sheet.rowCount; r++) {
      if (sheet.getRow(r).getCell(col('key')).value === questionId) return sheet.getRow(r);
    }
    throw new Error(`no row for ${questionId}`);
  };
  const cell = (questionId: string, column: string) => rowOf(questionId).getCell(col(column));
  return { sheet, col, rowOf, cell };
}

/** Loads an export, lets the test fill it in like a vendor would, and imports the result. */
async function fillIn(
  edit: (s: ReturnType<typeof answersSheet>, workbook: ExcelJS.Workbook) => void,
  opts: { base?: Answers; locale?: string } = {},
): Promise<ImportResult> {
  const workbook = await load(await exportOf(opts.base ?? {}, opts.locale ?? 'en'));
  edit(answersSheet(workbook), workbook);
  return importAnswersXlsx(q, await save(workbook), opts.locale ? { locale: opts.locale } : {});
}

function report(result: ImportResult) {
  if (!result.ok)
    throw new Error(`expected an import report, got ${result.error.code}: ${result.error.message}`);
  return result;
}

function failure(result: ImportResult) {
  if (result.ok) throw new Error('expected a file-level error');
  return result.error;
}

describe('round trip', () => {
  for (const locale of ['en', 'de']) {
    it(`export → import gives the same answers for every importable type (${locale})`, async () => {
      const bytes = await exportOf(FULL_ANSWERS, locale);
      const result = report(await importAnswersXlsx(q, bytes));
      expect(result.rejected).toEqual([]);
      expect(result.answers).toEqual(IMPORTABLE_ANSWERS);
      expect(result.accepted).toBe(Object.keys(IMPORTABLE_ANSWERS).length);
    });
  }

  it('round-trips a full response to the vendor-baseline fixture, in XLSX and CSV', async () => {
    const baseline = compile(
      readFileSync(new URL('./fixtures/vendor-baseline.yaml', import.meta.url), 'utf8'),
    );
    const importable = {
      'scope.service_type': 'saas',
      'scope.data_types': ['personal', 'special'],
      'scope.criticality': 'critical',
      'gov.isms': 'yes',
      'gov.certification': ['iso27001', 'soc2t1'],
      'gov.cert_expiry': '2025-07-01',
      'sup.subprocessors': 'yes',
      'sup.flowdown': 'no',
      'sup.flowdown#comment': 'Annual audits of our two hosting providers.',
      'ops.mfa': 'mfa',
      'ops.pentest_date': '2024-03-15',
      'ops.rto_hours': 8,
      'ops.incident_notice_hours': 96,
      'ops.notes': '-- see attached --',
    };
    const answers = { ...importable, 'gov.isms#evidence': ['ev_1'], 'sup.subprocessor_list': ['ev_2'] };
    const evaluation = evaluate(baseline, answers, TODAY);
    const opts = { locale: 'de', evidence: { ev_1: { name: 'isms.pdf', sha256: 'd'.repeat(64) } } };
    const xlsx = report(
      await importAnswersXlsx(baseline, await exportAnswersXlsx(baseline, answers, evaluation, opts)),
    );
    expect(xlsx).toMatchObject({ answers: importable, rejected: [] });
    const csv = report(importAnswersCsv(baseline, exportAnswersCsv(baseline, answers, evaluation, opts)));
    expect(csv).toMatchObject({ answers: importable, rejected: [] });
  });

  it('writes labels in the export language and reads them back', async () => {
    const { cell } = answersSheet(await load(await exportOf(FULL_ANSWERS, 'de')));
    expect(cell('gov.isms', 'answer').value).toBe('Nein');
    expect(cell('gov.mfa', 'answer').value).toBe("'=Nur Passwort");
    expect(cell('gov.certs', 'answer').value).toBe('ISO 27001; mit SoA; Sonstige');
    expect(cell('gov.certs', 'answer_value').value).toBe('iso; other');
    expect(cell('gov.isms', 'question').value).toBe('Betreiben Sie ein ISMS?');
  });

  it('round-trips yes and N/A, the other choices and an empty response', async () => {
    const answers = { 'gov.isms': 'na', 'gov.mfa': 'strong', 'gov.certs': ['none'], 'ops.rto': 0 };
    for (const locale of ['en', 'de']) {
      expect(report(await importAnswersXlsx(q, await exportOf(answers, locale))).answers).toEqual(answers);
    }
    const yes = { 'gov.isms': 'yes', 'gov.mfa': 'other', 'gov.certs': ['soc2'] };
    expect(report(await importAnswersXlsx(q, await exportOf(yes))).answers).toEqual(yes);
    const empty = report(await importAnswersXlsx(q, await exportOf({})));
    expect(empty).toMatchObject({ answers: {}, accepted: 0, rejected: [] });
  });

  it('does not depend on the order of rows or columns', async () => {
    const workbook = await load(await exportOf(FULL_ANSWERS));
    const sheet = workbook.worksheets[1]!;
    const width = sheet.columnCount;
    const cellsOf = (row: ExcelJS.Row) => Array.from({ length: width }, (_, c) => row.getCell(c + 1).value);
    const rows: unknown[][] = [];
    for (let r = 1; r <= sheet.rowCount; r++) rows.push(cellsOf(sheet.getRow(r)));
    const reordered = new ExcelJS.Workbook();
    const overview = reordered.addWorksheet('Overview');
    workbook.worksheets[0]!.eachRow((row) => {
      overview.addRow(cellsOf(row).slice(0, 3));
    });
    const target = reordered.addWorksheet('Answers');
    // Columns reversed, data rows reversed, header rows kept on top.
    const [machine, header, ...data] = rows.map((r) => [...r].reverse());
    for (const row of [machine!, header!, ...data.reverse()]) target.addRow(row);
    const result = report(await importAnswersXlsx(q, await save(reordered)));
    expect(result.rejected).toEqual([]);
    expect(result.answers).toEqual(IMPORTABLE_ANSWERS);
  });
});

describe('export content', () => {
  it('has an overview with the questionnaire ref, score, band and the metadata', async () => {
    const answers = FULL_ANSWERS;
    const evaluation = evaluate(q, answers, TODAY);
    const bytes = await exportAnswersXlsx(q, answers, evaluation, {
      locale: 'en',
      evidence: EVIDENCE,
      meta: { vendor: 'ACME GmbH', assessmentId: 'as_123', exportedAt: new Date('2025-06-20T10:00:00Z') },
    });
    const overview = new Map<string, unknown>();
    (await load(bytes)).worksheets[0]!.eachRow((row) => {
      overview.set(String(row.getCell(1).value), row.getCell(3).value);
    });
    expect(Object.fromEntries(overview)).toMatchObject({
      format: 'assay-answers/1',
      questionnaire: 'spreadsheet-test@1.2.0',
      title: 'Spreadsheet test',
      locale: 'en',
      vendor: 'ACME GmbH',
      assessment_id: 'as_123',
      exported_at: '2025-06-20T10:00:00.000Z',
      score: evaluation.score,
      band: evaluation.band,
      complete: evaluation.canSubmit ? 'yes' : 'no',
      findings: 1,
    });
  });

  it('has one row per question with evidence, hashes, scores, weights and findings', async () => {
    const evaluation = evaluate(q, FULL_ANSWERS, TODAY);
    const { sheet, cell } = answersSheet(await load(await exportOf(FULL_ANSWERS)));
    expect(sheet.rowCount).toBe(2 + q.questions.size);
    expect(cell('gov.isms', 'section_id').value).toBe('gov');
    expect(cell('gov.isms', 'section_title').value).toBe('Governance');
    expect(cell('gov.isms', 'question_id').value).toBe('gov.isms');
    expect(cell('gov.isms', 'type').value).toBe('Yes / No / N/A');
    expect(cell('gov.isms', 'allowed_values').value).toBe('Yes\nNo\nN/A');
    expect(cell('gov.isms', 'answer').value).toBe('No');
    expect(cell('gov.isms', 'answer_value').value).toBe('no');
    expect(cell('gov.isms', 'comment').value).toBe('Planned for 2026; board approved.');
    expect(cell('gov.isms', 'evidence_names').value).toBe('ISMS policy.pdf');
    expect(cell('gov.isms', 'evidence_sha256').value).toBe('a'.repeat(64));
    expect(cell('gov.isms', 'visible').value).toBe('yes');
    expect(cell('gov.isms', 'required').value).toBe('yes');
    expect(cell('gov.isms', 'score').value).toBe(0);
    expect(cell('gov.isms', 'weight').value).toBe(evaluation.questions['gov.isms']!.weight);
    expect(cell('gov.isms', 'findings').value).toBe('GOV-001: No ISMS');
    expect(cell('gov.mfa', 'allowed_values').value).toBe(
      'Phishing-resistant MFA\nOther MFA (TOTP, push)\n=Password only',
    );
    expect(cell('ops.rto', 'answer').value).toBe(4.5);
    expect(cell('ops.rto', 'allowed_values').value).toBe('A number from 0 to 720');
    expect(cell('ops.rto', 'score').value).toBe(1);
    // File answers: names and hashes line up; a missing file record is called out, not dropped.
    expect(cell('ops.subprocessors', 'answer').value).toBeNull();
    expect(cell('ops.subprocessors', 'answer_value').value).toBe('ev_subs; ev_gone');
    expect(cell('ops.subprocessors', 'evidence_names').value).toBe(
      "'@subprocessors.csv\nev_gone (file record not found)",
    );
    expect(cell('ops.subprocessors', 'evidence_sha256').value).toBe(`${'b'.repeat(64)}\n`);
    expect(cell('ops.contact', 'visible').value).toBe('yes');
    expect(cell('ops.contact', 'required').value).toBe('no');
  });

  it('freezes the header, hides the key column and the machine row, and sets column widths', async () => {
    const workbook = await load(await exportOf(FULL_ANSWERS));
    const { sheet, col } = answersSheet(workbook);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(sheet.getColumn(col('key')).hidden).toBe(true);
    expect(sheet.getRow(1).hidden).toBe(true);
    expect(sheet.getRow(2).getCell(col('answer')).value).toBe('Answer');
    expect(sheet.getColumn(col('question')).width).toBeGreaterThanOrEqual(40);
    expect(workbook.getWorksheet('Lists')?.state).toBe('hidden');
    expect(workbook.worksheets[0]!.getColumn(1).hidden).toBe(true);
    const protectedSheet = (s: ExcelJS.Worksheet) =>
      (s as unknown as { sheetProtection?: { sheet?: boolean } }).sheetProtection?.sheet;
    expect(protectedSheet(workbook.worksheets[0]!)).toBe(true);
  });

  it('locks everything but the answer and comment cells, and never the file answers', async () => {
    const { sheet, cell } = answersSheet(await load(await exportOf(FULL_ANSWERS)));
    expect((sheet as unknown as { sheetProtection?: { sheet?: boolean } }).sheetProtection?.sheet).toBe(true);
    expect(cell('gov.isms', 'answer').protection?.locked).toBe(false);
    expect(cell('gov.isms', 'comment').protection?.locked).toBe(false);
    expect(cell('gov.isms', 'key').protection?.locked).not.toBe(false);
    expect(cell('gov.isms', 'question').protection?.locked).not.toBe(false);
    expect(cell('ops.subprocessors', 'answer').protection?.locked).not.toBe(false);
  });

  it('offers drop-down lists of the option labels for single-answer choices', async () => {
    const workbook = await load(await exportOf({}, 'de'));
    const { cell } = answersSheet(workbook);
    const lists = workbook.getWorksheet('Lists')!;
    const listValues = (formula: string) => {
      const m = /^Lists!\$([A-Z]+)\$1:\$\1\$(\d+)$/.exec(formula);
      if (!m) throw new Error(`unexpected list formula ${formula}`);
      return Array.from({ length: Number(m[2]) }, (_, i) => lists.getCell(`${m[1]}${i + 1}`).value);
    };
    const isms = cell('gov.isms', 'answer').dataValidation;
    expect(isms.type).toBe('list');
    expect(listValues(isms.formulae[0])).toEqual(['Ja', 'Nein', 'Nicht zutreffend']);
    const mfa = cell('gov.mfa', 'answer').dataValidation;
    expect(listValues(mfa.formulae[0])).toEqual([
      'Phishing-resistente MFA',
      'Andere MFA (TOTP, Push)',
      "'=Nur Passwort",
    ]);
    expect(cell('ops.rto', 'answer').dataValidation).toMatchObject({
      type: 'decimal',
      operator: 'between',
      formulae: [0, 720],
    });
    expect(cell('ops.notes', 'answer').dataValidation).toMatchObject({ type: 'textLength', formulae: [100] });
    expect(cell('gov.certs', 'answer').dataValidation.prompt).toMatch(/Mehrere möglich/);
  });

  it('writes no formula anywhere and neutralises every text that starts like one', async () => {
    const triggers = ['=', '+', '-', '@', '\t', '\r'];
    for (const t of triggers) {
      const answers = {
        'ops.notes': `${t}HYPERLINK("http://evil.example")`,
        'ops.contact': `${t}cmd|' /C calc'!A0`,
        'gov.isms#comment': `${t}1+1`,
        'ops.subprocessors': ['ev_x'],
      };
      const bytes = await exportAnswersXlsx(q, answers, evaluate(q, answers, TODAY), {
        locale: 'en',
        evidence: { ev_x: { name: `${t}evil.pdf`, sha256: 'c'.repeat(64) } },
        meta: { vendor: `${t}Vendor`, assessmentId: `${t}id` },
      });
      const workbook = await load(bytes);
      const texts: string[] = [];
      for (const sheet of workbook.worksheets) {
        sheet.eachRow((row) => {
          row.eachCell((c) => {
            expect(c.type).not.toBe(ExcelJS.ValueType.Formula);
            if (typeof c.value === 'string') texts.push(c.value);
          });
        });
      }
      for (const text of texts) expect(triggers).not.toContain(text.charAt(0));
      const { cell } = answersSheet(workbook);
      expect(cell('ops.notes', 'answer').value).toBe(`'${t}HYPERLINK("http://evil.example")`);
      expect(cell('ops.contact', 'answer_value').value).toBe(`'${t}cmd|' /C calc'!A0`);
      expect(cell('gov.isms', 'comment').value).toBe(`'${t}1+1`);
      expect(cell('ops.subprocessors', 'evidence_names').value).toBe(`'${t}evil.pdf`);
      expect(texts).toContain(`'${t}Vendor`);
      // The quote is exactly what import strips again (single-line text cannot hold tab/CR-only issues).
      const back = report(await importAnswersXlsx(q, bytes));
      expect(back.answers['gov.isms#comment']).toBe(`${t}1+1`);
      expect(back.answers['ops.notes']).toBe(`${t}HYPERLINK("http://evil.example")`);
    }
  });

  it('carries CR, control characters and literal _xHHHH_ text through the file unchanged', async () => {
    const answers = {
      'ops.notes': 'a\r\nb\rc\u0001d\u001fe _x003D_ f _x00ab_ g _x005F_',
      'gov.isms#comment': '_x003D_1+1',
    };
    const bytes = await exportOf(answers);
    const back = report(await importAnswersXlsx(q, bytes));
    expect(back.answers).toEqual(answers);
    // A spreadsheet program decodes _x003D_ as "="; escaped, the cell shows the literal text instead.
    const raw = (await load(bytes)).worksheets[1]!;
    const texts: string[] = [];
    raw.eachRow((row) => {
      row.eachCell((c) => {
        if (typeof c.value === 'string') texts.push(c.value);
      });
    });
    expect(texts).toContain('_x003D_1+1');
  });

  it('cuts text longer than an Excel cell, marks it, and refuses to import the cut text', async () => {
    const long = compile(SPREADSHEET_YAML.replace('max_length: 100\n', 'max_length: 50000\n'));
    const answers = { 'ops.notes': 'x'.repeat(40_000), 'ops.contact': 'kept' };
    const bytes = await exportAnswersXlsx(long, answers, evaluate(long, answers, TODAY), {
      locale: 'en',
      evidence: {},
    });
    const cellText = answersSheet(await load(bytes)).cell('ops.notes', 'answer').value as string;
    expect(cellText).toHaveLength(32_767);
    expect(cellText.endsWith('[… cut to fit a spreadsheet cell; the full text is in the portal]')).toBe(true);
    const result = report(await importAnswersXlsx(long, bytes));
    expect(result.answers).toEqual({ 'ops.contact': 'kept' });
    expect(result.rejected).toEqual([
      expect.objectContaining({
        questionId: 'ops.notes',
        reason: expect.stringMatching(/cut on export; change it in the portal/),
      }),
    ]);
  });

  it('refuses an evaluation of another questionnaire and a missing locale', async () => {
    const other = compile(SPREADSHEET_YAML.replace('id: ops.contact', 'id: ops.contact2'));
    const evaluation = evaluate(other, {}, TODAY);
    await expect(exportAnswersXlsx(q, {}, evaluation, { locale: 'en', evidence: {} })).rejects.toThrow(
      /no result for ops.contact/,
    );
    await expect(
      exportAnswersXlsx(q, {}, evaluate(q, {}, TODAY), { evidence: {} } as unknown as ExportOptions),
    ).rejects.toThrow(/opts.locale must be a string/);
  });

  it('falls back to the default language for a locale the questionnaire lacks', async () => {
    const { cell } = answersSheet(await load(await exportOf({ 'gov.isms': 'yes' }, 'fr')));
    expect(cell('gov.isms', 'answer').value).toBe('Yes');
    expect(
      answersSheet(await load(await exportOf({ 'gov.isms': 'yes' }, 'de-AT'))).cell('gov.isms', 'answer')
        .value,
    ).toBe('Ja');
  });
});

describe('import of a filled-in export', () => {
  it('accepts labels and stored values case-insensitively, in any of the questionnaire languages', async () => {
    const result = report(
      await fillIn(({ cell }) => {
        cell('gov.isms', 'answer').value = 'JA';
        cell('gov.mfa', 'answer').value = 'andere mfa (totp, push)';
        cell('gov.certs', 'answer').value = 'soc2;  ISO 27001; mit SoA \n sonstige';
        cell('ops.rto', 'answer').value = '12';
        cell('ops.contact', 'answer').value = 'ciso@example.com';
      }),
    );
    expect(result.rejected).toEqual([]);
    expect(result.answers).toEqual({
      'gov.isms': 'yes',
      'gov.mfa': 'other',
      'gov.certs': ['soc2', 'iso', 'other'],
      'ops.rto': 12,
      'ops.contact': 'ciso@example.com',
    });
  });

  it('accepts yes/no/N/A in every language the spreadsheet speaks', async () => {
    for (const [typed, stored] of [
      ['Oui', 'yes'],
      ['nein', 'no'],
      ['Sans objet', 'na'],
      ['not applicable', 'na'],
      ['Nicht zutreffend', 'na'],
      ['n/a', 'na'],
    ]) {
      const result = report(await fillIn(({ cell }) => (cell('gov.isms', 'answer').value = typed)));
      expect(result.answers).toEqual({ 'gov.isms': stored });
    }
  });

  it('accepts yes/no as TRUE/FALSE cells, Excel date cells and number cells', async () => {
    const result = report(
      await fillIn(({ cell }) => {
        cell('gov.isms', 'answer').value = true;
        cell('ops.pentest', 'answer').value = new Date(Date.UTC(2025, 1, 28));
        // As Excel formats a typed date; a fresh style object, since exceljs shares one per loaded style.
        cell('ops.pentest', 'answer').style = {
          ...cell('ops.pentest', 'answer').style,
          numFmt: 'dd.mm.yyyy',
        };
        cell('ops.rto', 'answer').value = 720;
        cell('ops.notes', 'answer').value = 42;
      }),
    );
    expect(result.rejected).toEqual([]);
    expect(result.answers).toEqual({
      'gov.isms': 'yes',
      'ops.pentest': '2025-02-28',
      'ops.rto': 720,
      'ops.notes': '42',
    });
  });

  it('strips the neutralising quote a vendor leaves in place, and keeps other leading quotes', async () => {
    const result = report(
      await fillIn(({ cell }) => {
        cell('ops.notes', 'answer').value = "'=SUM(A1:A9)";
        cell('ops.contact', 'answer').value = "'Team Sec'";
        cell('gov.mfa', 'answer').value = "'=Password only";
      }),
    );
    expect(result.answers).toEqual({
      'ops.notes': '=SUM(A1:A9)',
      'ops.contact': "'Team Sec'",
      'gov.mfa': 'password',
    });
  });

  it('ignores blank rows and rows that only repeat the translated header', async () => {
    const result = report(
      await fillIn(({ sheet }) => {
        sheet.addRow([]);
        sheet.addRow(['', '', '', '', '', '', '', '', '   ']);
      }),
    );
    expect(result).toMatchObject({ answers: {}, accepted: 0, rejected: [] });
  });

  type Case = [
    name: string,
    edit: (s: ReturnType<typeof answersSheet>) => void,
    column: string,
    reason: RegExp,
  ];
  const rejections: Case[] = [
    [
      'an option that does not exist',
      (s) => (s.cell('gov.mfa', 'answer').value = 'Smart card'),
      'answer',
      /"Smart card" is not one of the allowed values\. Allowed: "Phishing-resistant MFA" \(strong\)/,
    ],
    [
      'a yes/no answer that is neither',
      (s) => (s.cell('gov.isms', 'answer').value = 'maybe'),
      'answer',
      /"maybe" is not one of the allowed values\. Allowed: yes, no, na/,
    ],
    [
      'a boolean for a single choice',
      (s) => (s.cell('gov.mfa', 'answer').value = true),
      'answer',
      /Expected one of/,
    ],
    [
      'text in a number question',
      (s) => (s.cell('ops.rto', 'answer').value = 'four'),
      'answer',
      /"four" is not a number/,
    ],
    [
      'a number below the minimum',
      (s) => (s.cell('ops.rto', 'answer').value = -1),
      'answer',
      /-1 is below the minimum of 0/,
    ],
    [
      'a number above the maximum',
      (s) => (s.cell('ops.rto', 'answer').value = '721'),
      'answer',
      /721 is above the maximum of 720/,
    ],
    [
      'a number with a thousands separator',
      (s) => (s.cell('ops.rto', 'answer').value = '1,500'),
      'answer',
      /ambiguous; write the number without thousands separators/,
    ],
    [
      'a decimal comma in an English file',
      (s) => (s.cell('ops.rto', 'answer').value = '4,25'),
      'answer',
      /use a decimal point/,
    ],
    [
      'an impossible date',
      (s) => (s.cell('ops.pentest', 'answer').value = '2025-02-30'),
      'answer',
      /2025-02-30 is not a valid calendar date/,
    ],
    [
      'a date in another format',
      (s) => (s.cell('ops.pentest', 'answer').value = '20.06.2025'),
      'answer',
      /not a date; write it as YYYY-MM-DD/,
    ],
    [
      'a plain number in a date question',
      (s) => (s.cell('ops.pentest', 'answer').value = 45658),
      'answer',
      /Expected a date as YYYY-MM-DD/,
    ],
    [
      'text over max_length',
      (s) => (s.cell('ops.notes', 'answer').value = 'x'.repeat(101)),
      'answer',
      /101 characters; at most 100/,
    ],
    [
      'line breaks in a single-line text',
      (s) => (s.cell('ops.contact', 'answer').value = 'a\nb'),
      'answer',
      /single line of text/,
    ],
    [
      'an unknown choice among several',
      (s) => (s.cell('gov.certs', 'answer').value = 'SOC 2; PCI DSS'),
      'answer',
      /"PCI DSS" is not one of the allowed values/,
    ],
    [
      'an exclusive choice combined with others',
      (s) => (s.cell('gov.certs', 'answer').value = 'None\nSOC 2'),
      'answer',
      /"None" cannot be combined with other choices/,
    ],
    [
      'a file answer',
      (s) => (s.cell('ops.subprocessors', 'answer').value = 'subs.pdf'),
      'answer',
      /File answers cannot be imported from a spreadsheet; upload the files in the portal/,
    ],
    [
      'a formula in the answer',
      (s) => (s.cell('ops.rto', 'answer').value = { formula: '2*3', result: 6 }),
      'answer',
      /Formula cells are not accepted and were not evaluated/,
    ],
    [
      'a shared formula',
      (s) => (s.cell('ops.notes', 'answer').value = { formula: 'A1&"x"', result: 'x' }),
      'answer',
      /Formula cells are not accepted/,
    ],
    [
      'an error cell',
      (s) => (s.cell('ops.rto', 'answer').value = { error: '#N/A' }),
      'answer',
      /spreadsheet error #N\/A/,
    ],
    [
      'a comment over its limit',
      (s) => (s.cell('gov.isms', 'comment').value = 'y'.repeat(61)),
      'comment',
      /61 characters; at most 60/,
    ],
    [
      'a formula in the comment',
      (s) => (s.cell('gov.isms', 'comment').value = { formula: 'NOW()', result: 1 }),
      'comment',
      /Formula cells/,
    ],
  ];
  it.each(rejections)(
    'rejects %s with a clear reason and imports nothing from that cell',
    async (_name, edit, column, reason) => {
      const result = report(await fillIn(edit));
      expect(result.rejected).toHaveLength(1);
      expect(result.rejected[0]).toMatchObject({ column });
      expect(result.rejected[0]!.reason).toMatch(reason);
      expect(result.answers).toEqual({});
      expect(result.accepted).toBe(0);
    },
  );

  it('reports the row, question id and the value as read', async () => {
    const result = report(await fillIn((s) => (s.cell('ops.rto', 'answer').value = 'lots')));
    const row = (await load(await exportOf({}))).worksheets[1]!;
    let expectedRow = 0;
    row.eachRow((r, n) => {
      if (r.getCell(1).value === 'ops.rto') expectedRow = n;
    });
    expect(result.rejected).toEqual([
      {
        row: expectedRow,
        questionId: 'ops.rto',
        column: 'answer',
        value: 'lots',
        reason: expect.any(String),
        // The same reason by key, for the portal to say in the vendor's language.
        said: { key: 'import.notNumber', params: { text: 'lots' } },
      },
    ]);
  });

  it('keeps the good cells of a file that also has bad ones', async () => {
    const result = report(
      await fillIn(({ cell }) => {
        cell('gov.isms', 'answer').value = 'Yes';
        cell('ops.rto', 'answer').value = 'soon';
        cell('ops.rto', 'comment').value = 'We are working on it';
      }),
    );
    expect(result.answers).toEqual({ 'gov.isms': 'yes', 'ops.rto#comment': 'We are working on it' });
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => r.questionId)).toEqual(['ops.rto']);
  });

  it('reads a decimal comma in a German file and refuses German thousands separators', async () => {
    const comma = report(await fillIn((s) => (s.cell('ops.rto', 'answer').value = '4,5'), { locale: 'de' }));
    expect(comma.answers).toEqual({ 'ops.rto': 4.5 });
    const grouped = report(
      await fillIn((s) => (s.cell('ops.rto', 'answer').value = '1.500'), { locale: 'de' }),
    );
    expect(grouped.rejected[0]!.reason).toMatch(/ambiguous/);
  });

  it('rejects every row of a question that appears twice', async () => {
    const result = report(
      await fillIn(({ sheet, rowOf, col }) => {
        rowOf('gov.isms').getCell(col('answer')).value = 'Yes';
        const copy = sheet.addRow([]);
        copy.getCell(col('key')).value = 'gov.isms';
        copy.getCell(col('answer')).value = 'No';
      }),
    );
    expect(result.answers).toEqual({});
    expect(result.rejected).toHaveLength(2);
    for (const r of result.rejected) {
      expect(r).toMatchObject({ questionId: 'gov.isms', column: 'question_id' });
      expect(r.reason).toMatch(/appears in more than one row \(\d+, \d+\); none of them was imported/);
    }
  });

  it('ignores rows that carry no answer or comment, even with an unknown or repeated id', async () => {
    const result = report(
      await fillIn(({ sheet, col, cell }) => {
        cell('gov.isms', 'answer').value = 'Yes';
        for (const id of ['gov.isms', 'gov.unknown']) {
          const row = sheet.addRow([]);
          row.getCell(col('key')).value = id;
          row.getCell(col('question')).value = 'copied text';
        }
      }),
    );
    expect(result).toMatchObject({ answers: { 'gov.isms': 'yes' }, rejected: [] });
  });

  it('rejects a row for an unknown question and a row without a question id', async () => {
    const result = report(
      await fillIn(({ sheet, col }) => {
        const unknown = sheet.addRow([]);
        unknown.getCell(col('key')).value = 'gov.unknown';
        unknown.getCell(col('answer')).value = 'Yes';
        const anonymous = sheet.addRow([]);
        anonymous.getCell(col('answer')).value = 'Yes';
      }),
    );
    expect(result.answers).toEqual({});
    expect(result.rejected.map((r) => [r.questionId, r.column, r.reason])).toEqual([
      [
        'gov.unknown',
        'question_id',
        'gov.unknown is not a question of spreadsheet-test@1.2.0; the row was ignored.',
      ],
      [null, 'question_id', 'The row has an answer or comment but no question id.'],
    ]);
  });

  it('uses the visible question id when the hidden key was cleared, and refuses a formula key', async () => {
    const viaVisible = report(
      await fillIn(({ cell }) => {
        cell('gov.isms', 'answer').value = 'yes';
        cell('gov.isms', 'key').value = null;
      }),
    );
    expect(viaVisible.answers).toEqual({ 'gov.isms': 'yes' });
    const formulaKey = report(
      await fillIn(({ cell }) => {
        cell('gov.mfa', 'answer').value = 'Other MFA (TOTP, push)';
        cell('gov.mfa', 'key').value = { formula: 'B5', result: 'gov.mfa' };
      }),
    );
    expect(formulaKey.answers).toEqual({});
    expect(formulaKey.rejected[0]).toMatchObject({ questionId: null, column: 'question_id', value: '=B5' });
  });

  it('refuses merged answer cells instead of answering two questions with one value', async () => {
    const result = report(
      await fillIn(({ sheet, cell }) => {
        cell('ops.notes', 'answer').value = 'shared';
        sheet.mergeCells(`${cell('ops.notes', 'answer').address}:${cell('ops.contact', 'answer').address}`);
      }),
    );
    expect(result.answers).toEqual({ 'ops.notes': 'shared' });
    expect(result.rejected).toEqual([
      expect.objectContaining({
        questionId: 'ops.contact',
        column: 'answer',
        reason: expect.stringMatching(/merged/),
      }),
    ]);
  });

  it('reports an ambiguous label that names different options in two other languages', async () => {
    const trilingual = compile(`
schema: vrq/1
id: ambiguous
version: 1.0.0
status: published
default_locale: en
locales: [en, de, fr]
title: Ambiguous
sections:
  - id: s
    title: S
    questions:
      - id: s.q
        type: single
        text: Q
        options:
          - { value: a, label: { en: Alpha, de: Gemeinsam, fr: Alpha } }
          - { value: b, label: { en: Beta, de: Beta, fr: Gemeinsam } }
`);
    const bytes = await exportAnswersXlsx(trilingual, {}, evaluate(trilingual, {}, TODAY), {
      locale: 'en',
      evidence: {},
    });
    const workbook = await load(bytes);
    const sheet = workbook.worksheets[1]!;
    sheet.getRow(3).getCell(8).value = 'gemeinsam';
    expect(sheet.getRow(1).getCell(8).value).toBe('answer');
    const result = report(await importAnswersXlsx(trilingual, await save(workbook)));
    expect(result.rejected[0]!.reason).toMatch(/"gemeinsam" is ambiguous: it matches "Alpha" and "Beta"/);
    const preferred = report(await importAnswersXlsx(trilingual, await save(workbook), { locale: 'fr' }));
    expect(preferred.answers).toEqual({ 's.q': 'b' });
  });
});

describe('file-level errors', () => {
  it('refuses a file of another version of the questionnaire, naming both versions', async () => {
    const newer = compile(SPREADSHEET_YAML.replace('version: 1.2.0', 'version: 1.3.0'));
    const error = failure(await importAnswersXlsx(newer, await exportOf(FULL_ANSWERS)));
    expect(error.code).toBe('other-version');
    expect(error.message).toBe(
      'This file was exported from spreadsheet-test@1.2.0, but this assessment uses spreadsheet-test@1.3.0. ' +
        'Nothing was imported: download a fresh spreadsheet for this assessment and copy your answers into it.',
    );
  });

  it('refuses a file of another questionnaire', async () => {
    const other = compile(SPREADSHEET_YAML.replace('id: spreadsheet-test', 'id: other-test'));
    const error = failure(await importAnswersXlsx(other, await exportOf(FULL_ANSWERS)));
    expect(error).toMatchObject({ code: 'other-questionnaire' });
    expect(error.message).toMatch(
      /answers to the questionnaire spreadsheet-test@1\.2\.0, not to other-test@1\.2\.0/,
    );
  });

  it('refuses a file whose overview was emptied or removed', async () => {
    const emptied = await load(await exportOf({}));
    emptied.worksheets[0]!.eachRow((row) => {
      if (row.getCell(1).value === 'questionnaire') row.getCell(3).value = null;
    });
    expect(failure(await importAnswersXlsx(q, await save(emptied))).code).toBe('missing-questionnaire-ref');

    const removed = await load(await exportOf({}));
    removed.removeWorksheet(removed.worksheets[0]!.id);
    expect(failure(await importAnswersXlsx(q, await save(removed))).code).toBe('not-an-export');

    const future = await load(await exportOf({}));
    future.worksheets[0]!.getRow(1).getCell(3).value = 'assay-answers/2';
    expect(failure(await importAnswersXlsx(q, await save(future)))).toMatchObject({
      code: 'unsupported-format',
      message: expect.stringMatching(/"assay-answers\/2"/),
    });
  });

  it('refuses a workbook without the answers sheet, or with a duplicated column', async () => {
    const noAnswers = await load(await exportOf({}));
    noAnswers.removeWorksheet(noAnswers.worksheets[1]!.id);
    expect(failure(await importAnswersXlsx(q, await save(noAnswers))).code).toBe('missing-column');

    const duplicated = await load(await exportOf({}));
    const s = answersSheet(duplicated);
    s.sheet.getRow(1).getCell(s.col('findings')).value = 'answer';
    expect(failure(await importAnswersXlsx(q, await save(duplicated)))).toMatchObject({
      code: 'duplicate-column',
      message: expect.stringMatching(/column answer twice/),
    });
  });

  it('refuses a workbook that is not an export at all', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Sheet1').addRow(['question', 'answer']);
    expect(failure(await importAnswersXlsx(q, await save(workbook))).code).toBe('not-an-export');
  });

  it('refuses a file that is not a zip, and a CSV uploaded as XLSX', async () => {
    for (const bytes of [
      new TextEncoder().encode('"section_id","answer"\r\n'),
      new Uint8Array([0x25, 0x50, 0x44, 0x46]),
    ]) {
      const error = failure(await importAnswersXlsx(q, bytes));
      expect(error.code).toBe('not-xlsx');
      expect(error.message).toMatch(/not an Excel workbook/);
    }
  });

  it('refuses a zip bomb before exceljs inflates it', async () => {
    const bomb = buildZip({
      entries: [
        ...skeletonEntries(),
        { name: 'xl/sharedStrings.xml', data: Buffer.alloc(64 * 1024 * 1024, 0x20) },
      ],
    });
    expect(bomb.length).toBeLessThan(200 * 1024);
    const error = failure(await importAnswersXlsx(q, bomb));
    expect(error.code).toBe('zip-bomb');
    const liar = buildZip({
      entries: [
        ...skeletonEntries(),
        { name: 'xl/sharedStrings.xml', data: Buffer.alloc(4 * 1024 * 1024), declaredSize: 10 },
      ],
    });
    expect(failure(await importAnswersXlsx(q, liar)).code).toBe('zip-bomb');
  });

  it('refuses a tampered export that would make exceljs expand millions of merged or validated cells', async () => {
    const bytes = await exportOf({});
    const sheet = 'xl/worksheets/sheet2.xml';
    const merged = tamper(bytes, sheet, (xml) =>
      xml.replace(
        '</sheetData>',
        '</sheetData><mergeCells count="1"><mergeCell ref="A300:XFD1048576"/></mergeCells>',
      ),
    );
    const validated = tamper(bytes, sheet, (xml) =>
      xml.replace(/sqref="([^"]*)"/, 'sqref="$1 A1:XFD1048576"'),
    );
    const named = tamper(bytes, 'xl/workbook.xml', (xml) =>
      xml.replace(
        '</workbook>',
        '<definedNames><definedName name="x">Lists!$A$1:$XFD$1048576</definedName></definedNames></workbook>',
      ),
    );
    for (const file of [merged, validated, named]) {
      expect(failure(await importAnswersXlsx(q, file)).code).toBe('too-many-cells');
    }
    // The untampered file passes through the same checks.
    expect(
      report(
        await importAnswersXlsx(
          q,
          tamper(bytes, sheet, (xml) => xml),
        ),
      ).rejected,
    ).toEqual([]);
  });

  it('refuses a file over the size limit before looking inside', async () => {
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    const error = failure(await importAnswersXlsx(q, big));
    expect(error).toMatchObject({
      code: 'too-large',
      message: 'The file is 5.0 MiB; at most 5.0 MiB is accepted.',
    });
    const small = failure(await importAnswersXlsx(q, await exportOf({}), { limits: { maxBytes: 1000 } }));
    expect(small.code).toBe('too-large');
  });

  it('refuses too many rows and too many sheets', async () => {
    const many = await load(await exportOf({}));
    for (let i = 0; i < 30; i++) many.worksheets[1]!.addRow(['x']);
    expect(failure(await importAnswersXlsx(q, await save(many), { limits: { maxRows: 25 } })).code).toBe(
      'too-many-rows',
    );
    const sheets = await load(await exportOf({}));
    for (let i = 0; i < 5; i++) sheets.addWorksheet(`Extra ${i}`);
    expect(failure(await importAnswersXlsx(q, await save(sheets), { limits: { maxSheets: 4 } })).code).toBe(
      'too-many-sheets',
    );
  });

  it('never throws for bad content: wrong argument types become file-level errors', async () => {
    expect(failure(await importAnswersXlsx(q, 'not bytes' as unknown as Uint8Array)).code).toBe('not-bytes');
    expect(failure(await importAnswersXlsx(q, new Uint8Array(0))).code).toBe('not-xlsx');
  });
});
