import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCsv, encodeCsv } from '../../src/questionnaire/spreadsheet/csv-records.js';
import { SpreadsheetError } from '../../src/questionnaire/spreadsheet/errors.js';
import { needsNeutralising, neutralise, restore } from '../../src/questionnaire/spreadsheet/formula-guard.js';

describe('formula neutralising', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")'],
    ['+1+1'],
    ['-2+3'],
    ['@SUM(A1)'],
    ['\t=1+1'],
    ['\r=1+1'],
    ['\n=1+1'],
    ['\0=1'],
  ])('prefixes %j with a single quote', (text) => {
    expect(needsNeutralising(text)).toBe(true);
    expect(neutralise(text)).toBe(`'${text}`);
    expect(restore(neutralise(text))).toBe(text);
  });

  it('leaves harmless text alone, including text with a formula character later on', () => {
    for (const text of ['', 'Yes', 'a=b', ' =1', '1-2', "'quoted", "'", 'ISO 27001']) {
      expect(neutralise(text)).toBe(text);
      expect(restore(text)).toBe(text);
    }
  });

  it('escapes a leading quote in front of a trigger so that the round trip is exact', () => {
    expect(neutralise("'=1")).toBe("''=1");
    expect(restore("''=1")).toBe("'=1");
    expect(neutralise("'''-x")).toBe("''''-x");
  });

  it('round-trips any text (property)', () => {
    fc.assert(fc.property(fc.string(), (text) => restore(neutralise(text)) === text));
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = neutralise(text);
        return !['=', '+', '-', '@', '\t', '\r', '\n', '\0'].includes(out.charAt(0));
      }),
    );
  });
});

const limits = { maxRows: 1000, maxCells: 10_000 };

describe('RFC 4180 codec', () => {
  it('quotes every field, doubles quotes and ends records with CRLF', () => {
    expect(
      encodeCsv([
        ['a', 'b"c', 'd,e'],
        ['line\nbreak', ''],
      ]),
    ).toBe('"a","b""c","d,e"\r\n"line\nbreak",""\r\n');
  });

  it('decodes its own output exactly (property)', () => {
    const record = fc.array(fc.string(), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (records) => {
        expect(decodeCsv(encodeCsv(records), ',', limits)).toEqual(records);
      }),
    );
  });

  it('reads unquoted fields, LF and CR line ends, a missing final line end and semicolons', () => {
    expect(decodeCsv('a,b\nc,d', ',', limits)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(decodeCsv('a;b\r"c;";d\r\n', ';', limits)).toEqual([
      ['a', 'b'],
      ['c;', 'd'],
    ]);
    expect(decodeCsv('a,,\n', ',', limits)).toEqual([['a', '', '']]);
    expect(decodeCsv('"",""', ',', limits)).toEqual([['', '']]);
    expect(decodeCsv('', ',', limits)).toEqual([]);
  });

  it('refuses an unterminated quote, text after a closing quote and a stray quote, naming the row', () => {
    const cases: Array<[string, RegExp]> = [
      ['a,b\n"open,c\n', /row 2: a quoted value is never closed/],
      ['"a"b,c\n', /row 1: text follows the closing quote/],
      ['a,b\nc,d"e\n', /row 2: a quote appears inside an unquoted value/],
    ];
    for (const [text, message] of cases) {
      expect(() => decodeCsv(text, ',', limits)).toThrow(SpreadsheetError);
      expect(() => decodeCsv(text, ',', limits)).toThrow(message);
    }
  });

  it('stops at the row and cell limits', () => {
    const rows = 'a\n'.repeat(11);
    expect(() => decodeCsv(rows, ',', { maxRows: 10, maxCells: 1000 })).toThrow(/more than 10 rows/);
    expect(() => decodeCsv('a,b,c,d\n', ',', { maxRows: 10, maxCells: 3 })).toThrow(/more than 3 cells/);
  });
});
