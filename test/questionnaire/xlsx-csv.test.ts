import { beforeAll, describe, expect, it } from 'vitest';
import { compileQuestionnaire, evaluate } from '../../src/questionnaire/index.js';
import { exportAnswersCsv, importAnswersCsv } from '../../src/questionnaire/spreadsheet/csv.js';
import { decodeCsv, encodeCsv } from '../../src/questionnaire/spreadsheet/csv-records.js';
import type { ImportResult } from '../../src/questionnaire/spreadsheet/xlsx.js';
import type { Answers, Questionnaire } from '../../src/questionnaire/types.js';
import { EVIDENCE, FULL_ANSWERS, IMPORTABLE_ANSWERS, SPREADSHEET_YAML, TODAY } from './xlsx-fixtures.js';

function compile(source: string): Questionnaire {
  const { questionnaire, problems } = compileQuestionnaire(source);
  if (!questionnaire) throw new Error(problems.map((p) => p.message).join('\n'));
  return questionnaire;
}

let q: Questionnaire;
beforeAll(() => {
  q = compile(SPREADSHEET_YAML);
});

const exportOf = (answers: Answers, locale = 'en') =>
  exportAnswersCsv(q, answers, evaluate(q, answers, TODAY), { locale, evidence: EVIDENCE });

const limits = { maxRows: 10_000, maxCells: 1_000_000 };
const records = (csv: string) => decodeCsv(csv.replace(/^\uFEFF/, ''), ',', limits);

/** Edits the export like a vendor in a text editor: `set(questionId, column, value)` on the parsed records. */
function fillIn(
  edit: (set: (id: string, column: string, value: string) => void, rows: string[][]) => void,
  base: Answers = {},
) {
  const rows = records(exportOf(base));
  const header = rows.findIndex((r) => r[0] === 'section_id');
  const columns = rows[header]!;
  const set = (id: string, column: string, value: string) => {
    const row = rows.find((r, i) => i > header && r[columns.indexOf('question_id')] === id);
    if (!row) throw new Error(`no row for ${id}`);
    row[columns.indexOf(column)] = value;
  };
  edit(set, rows);
  return encodeCsv(rows);
}

function report(result: ImportResult) {
  if (!result.ok) throw new Error(`expected a report, got ${result.error.code}: ${result.error.message}`);
  return result;
}

function failure(result: ImportResult) {
  if (result.ok) throw new Error('expected a file-level error');
  return result.error;
}

describe('CSV export', () => {
  it('is RFC 4180 with a BOM: CRLF records, every field quoted, the same number of fields everywhere', () => {
    const csv = exportOf(FULL_ANSWERS);
    expect(csv.startsWith('\uFEFF"format","assay-answers/1"')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = records(csv);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    const header = rows.findIndex((r) => r[0] === 'section_id');
    expect(rows[header]).toEqual([
      'section_id',
      'section_title',
      'question_id',
      'question',
      'type',
      'allowed_values',
      'answer',
      'answer_value',
      'comment',
      'evidence_names',
      'evidence_sha256',
      'visible',
      'required',
      'score',
      'weight',
      'findings',
    ]);
    expect(rows.length - header - 1).toBe(q.questions.size);
    expect(rows[header - 1]!.every((f) => f === '')).toBe(true);
    const overview = Object.fromEntries(rows.slice(0, header - 1).map((r) => [r[0], r[1]]));
    const evaluation = evaluate(q, FULL_ANSWERS, TODAY);
    expect(overview).toMatchObject({
      questionnaire: 'spreadsheet-test@1.2.0',
      score: String(evaluation.score),
      band: evaluation.band,
      findings: '1',
    });
    const isms = rows.find((r) => r[2] === 'gov.isms')!;
    expect(isms.slice(6, 16)).toEqual([
      'No',
      'no',
      'Planned for 2026; board approved.',
      'ISMS policy.pdf',
      'a'.repeat(64),
      'yes',
      'yes',
      '0',
      String(evaluation.questions['gov.isms']!.weight),
      'GOV-001: No ISMS',
    ]);
  });

  it('neutralises every field that starts like a formula, numbers included', () => {
    for (const t of ['=', '+', '-', '@', '\t', '\r']) {
      const answers = {
        'ops.notes': `${t}1+1`,
        'gov.isms#comment': `${t}cmd`,
        'ops.subprocessors': ['ev_x'],
      };
      const csv = exportAnswersCsv(q, answers, evaluate(q, answers, TODAY), {
        locale: 'en',
        evidence: { ev_x: { name: `${t}x.pdf`, sha256: '' } },
        meta: { vendor: `${t}v` },
      });
      const fields = records(csv).flat();
      for (const field of fields) expect(['=', '+', '-', '@', '\t', '\r']).not.toContain(field.charAt(0));
      expect(fields).toEqual(expect.arrayContaining([`'${t}1+1`, `'${t}cmd`, `'${t}x.pdf`, `'${t}v`]));
      const back = report(importAnswersCsv(q, csv));
      expect(back.answers).toEqual({ 'ops.notes': `${t}1+1`, 'gov.isms#comment': `${t}cmd` });
    }
  });
});

describe('CSV round trip', () => {
  for (const locale of ['en', 'de']) {
    it(`gives back the same answers (${locale}), from a string and from bytes`, () => {
      const csv = exportOf(FULL_ANSWERS, locale);
      for (const data of [csv, new TextEncoder().encode(csv)]) {
        const result = report(importAnswersCsv(q, data));
        expect(result.rejected).toEqual([]);
        expect(result.answers).toEqual(IMPORTABLE_ANSWERS);
      }
    });
  }

  it('reads the file after Excel re-saved it with semicolons and without quotes', () => {
    const rows = records(exportOf(FULL_ANSWERS, 'de'));
    const resaved = rows
      .map((r) => r.map((f) => (/[;"\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(';'))
      .join('\r\n');
    const result = report(importAnswersCsv(q, resaved));
    expect(result.rejected).toEqual([]);
    expect(result.answers).toEqual(IMPORTABLE_ANSWERS);
  });

  it('does not depend on the order of rows or columns', () => {
    const rows = records(exportOf(FULL_ANSWERS));
    const header = rows.findIndex((r) => r[0] === 'section_id');
    const reordered = [...rows.slice(0, header), ...rows.slice(header).map((r) => [...r].reverse())];
    const data = reordered.splice(header + 1);
    reordered.push(...data.reverse());
    const result = report(importAnswersCsv(q, encodeCsv(reordered)));
    expect(result.answers).toEqual(IMPORTABLE_ANSWERS);
  });
});

describe('CSV import rejections', () => {
  it('reports every bad cell with its row and keeps the good ones', () => {
    const csv = fillIn((set, rows) => {
      set('gov.isms', 'answer', 'Jein');
      set('gov.mfa', 'answer', "'=Password only");
      set('gov.certs', 'answer', 'Keine; SOC 2');
      set('ops.rto', 'answer', '1e3');
      set('ops.pentest', 'answer', '2025-02-30');
      set('ops.notes', 'answer', 'fine');
      set('ops.contact', 'answer', 'x'.repeat(41));
      set('ops.subprocessors', 'answer', 'list.pdf');
      set('gov.isms', 'comment', 'c'.repeat(61));
      const width = rows[0]!.length;
      const extra = Array<string>(width).fill('');
      extra[2] = 'ops.nope';
      extra[6] = 'yes';
      rows.push(extra);
    });
    const result = report(importAnswersCsv(q, csv));
    expect(result.answers).toEqual({ 'gov.mfa': 'password', 'ops.notes': 'fine' });
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.questionId, r.column, r.reason])).toEqual([
      ['gov.isms', 'answer', expect.stringMatching(/"Jein" is not one of the allowed values/)],
      ['gov.isms', 'comment', 'The comment has 61 characters; at most 60 are allowed.'],
      ['gov.certs', 'answer', '"None" cannot be combined with other choices.'],
      ['ops.rto', 'answer', '1000 is above the maximum of 720.'],
      ['ops.pentest', 'answer', '2025-02-30 is not a valid calendar date.'],
      ['ops.contact', 'answer', 'The text has 41 characters; at most 40 are allowed.'],
      ['ops.subprocessors', 'answer', expect.stringMatching(/File answers cannot be imported/)],
      [
        'ops.nope',
        'question_id',
        'ops.nope is not a question of spreadsheet-test@1.2.0; the row was ignored.',
      ],
    ]);
    const header = records(csv).findIndex((r) => r[0] === 'section_id');
    expect(result.rejected[0]!.row).toBe(header + 2);
    expect(result.rejected.at(-1)!.row).toBe(records(csv).length);
  });

  it('rejects duplicate rows of one question', () => {
    const csv = fillIn((set, rows) => {
      set('ops.rto', 'answer', '4');
      const header = rows.findIndex((r) => r[0] === 'section_id');
      rows.push([...rows.find((r, i) => i > header && r[2] === 'ops.rto')!]);
    });
    const result = report(importAnswersCsv(q, csv));
    expect(result.answers).toEqual({});
    expect(result.rejected).toHaveLength(2);
  });

  it('treats a formula typed into a CSV as text, neutralised on the next export', () => {
    const csv = fillIn((set) => set('ops.notes', 'answer', '=HYPERLINK("http://evil.example")'));
    const imported = report(importAnswersCsv(q, csv)).answers;
    expect(imported).toEqual({ 'ops.notes': '=HYPERLINK("http://evil.example")' });
    const again = records(exportOf(imported)).flat();
    expect(again).toContain(`'=HYPERLINK("http://evil.example")`);
  });
});

describe('CSV file-level errors', () => {
  it('refuses another version and another questionnaire', () => {
    const newer = compile(SPREADSHEET_YAML.replace('version: 1.2.0', 'version: 2.0.0'));
    expect(failure(importAnswersCsv(newer, exportOf(FULL_ANSWERS))).code).toBe('other-version');
    const other = compile(SPREADSHEET_YAML.replace('id: spreadsheet-test', 'id: another'));
    expect(failure(importAnswersCsv(other, exportOf(FULL_ANSWERS))).code).toBe('other-questionnaire');
  });

  it('refuses a CSV without the overview or without the header row', () => {
    const rows = records(exportOf({}));
    const header = rows.findIndex((r) => r[0] === 'section_id');
    expect(failure(importAnswersCsv(q, encodeCsv(rows.slice(header)))).code).toBe('not-an-export');
    expect(failure(importAnswersCsv(q, 'question,answer\r\nIs it safe?,yes\r\n')).code).toBe('not-an-export');
    const noRef = rows.filter((r) => r[0] !== 'questionnaire');
    expect(failure(importAnswersCsv(q, encodeCsv(noRef))).code).toBe('missing-questionnaire-ref');
  });

  it('refuses a duplicated column', () => {
    const rows = records(exportOf({}));
    const header = rows.find((r) => r[0] === 'section_id')!;
    header[header.indexOf('findings')] = 'answer';
    expect(failure(importAnswersCsv(q, encodeCsv(rows)))).toMatchObject({
      code: 'duplicate-column',
      message: 'The column answer appears twice in the header row.',
    });
  });

  it('refuses malformed quoting with the row number', () => {
    const csv = `${exportOf({})}"gov.isms,"unterminated\r\n`;
    const error = failure(importAnswersCsv(q, csv));
    expect(error.code).toBe('bad-csv');
    expect(error.message).toMatch(/malformed at row \d+/);
  });

  it('refuses bytes that are not UTF-8, such as an XLSX or a Windows-1252 file', () => {
    const latin1 = new Uint8Array([0x22, 0x66, 0xf6, 0x22, 0x0d, 0x0a]);
    expect(failure(importAnswersCsv(q, latin1))).toMatchObject({
      code: 'bad-encoding',
      message: expect.stringMatching(/CSV UTF-8/),
    });
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0xff, 0xfe]);
    expect(failure(importAnswersCsv(q, zip)).code).toBe('bad-encoding');
  });

  it('refuses a file over the size limit and with too many rows before parsing further', () => {
    expect(failure(importAnswersCsv(q, new Uint8Array(5 * 1024 * 1024 + 1))).code).toBe('too-large');
    expect(failure(importAnswersCsv(q, 'x'.repeat(101), { limits: { maxBytes: 100 } })).code).toBe(
      'too-large',
    );
    expect(failure(importAnswersCsv(q, exportOf({}), { limits: { maxRows: 5 } })).code).toBe('too-many-rows');
    expect(failure(importAnswersCsv(q, exportOf({}), { limits: { maxCells: 50 } })).code).toBe(
      'too-many-cells',
    );
  });

  it('never throws for a wrong argument type', () => {
    expect(failure(importAnswersCsv(q, 42 as unknown as string)).code).toBe('not-bytes');
  });
});
