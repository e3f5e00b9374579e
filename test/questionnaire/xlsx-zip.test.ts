import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { nodeZipArchive } from '../../src/platform/node/questionnaire-zip.js';
import {
  DEFAULT_SPREADSHEET_LIMITS,
  resolveLimits,
  SpreadsheetError,
  type SpreadsheetErrorCode,
} from '../../src/questionnaire/spreadsheet/errors.js';
import { attributes, inspectXlsx, rangeArea } from '../../src/questionnaire/spreadsheet/xlsx-inspect.js';
import { buildZip, type FixtureEntry, sheetWithRows, skeletonEntries } from './xlsx-fixtures.js';

const limits = resolveLimits({});

const inspectXlsxZip = (bytes: Uint8Array, l: typeof limits) => inspectXlsx(bytes, l, nodeZipArchive);

async function refusal(bytes: Uint8Array, overrides: Partial<typeof limits> = {}): Promise<SpreadsheetError> {
  try {
    await inspectXlsxZip(bytes, { ...limits, ...overrides });
  } catch (error) {
    if (error instanceof SpreadsheetError) return error;
    throw error;
  }
  throw new Error('expected the archive to be refused');
}

async function expectRefused(bytes: Uint8Array, code: SpreadsheetErrorCode, message: RegExp, overrides = {}) {
  const error = await refusal(bytes, overrides);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

const withEntry = (entry: Partial<FixtureEntry> & { name: string; data: string | Buffer }) =>
  buildZip({ entries: [...skeletonEntries(), entry] });

describe('inspectXlsxZip accepts real workbooks', () => {
  it('passes an exceljs workbook and lists its worksheets', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('One').addRow(['a', 1]);
    workbook.addWorksheet('Two').addRow(['b', 2]);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const inspected = await inspectXlsxZip(bytes, limits);
    expect(inspected.worksheets.sort()).toEqual(['xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml']);
    expect(inspected.entries.length).toBeGreaterThan(5);
  });

  it('passes a hand-built archive with stored and deflated entries and a comment', async () => {
    const bytes = buildZip({
      entries: [...skeletonEntries(), { name: 'docProps/app.xml', data: '<Properties/>', method: 0 }],
      comment: 'made by a test',
    });
    expect((await inspectXlsxZip(bytes, limits)).entries.map((e) => e.name)).toContain('docProps/app.xml');
  });

  it('works on a Uint8Array view into a larger buffer', async () => {
    const zip = buildZip({ entries: skeletonEntries() });
    const padded = new Uint8Array(zip.length + 10);
    padded.set(zip, 5);
    expect((await inspectXlsxZip(padded.subarray(5, 5 + zip.length), limits)).worksheets).toHaveLength(1);
  });
});

describe('inspectXlsxZip refuses what is not a plain zip', () => {
  it('refuses text, an empty file and a PDF as not an xlsx', async () => {
    for (const bytes of [
      Buffer.from('section_id,question_id\n'),
      Buffer.alloc(0),
      Buffer.from('%PDF-1.7\n%âãÏÓ'),
    ]) {
      await expectRefused(bytes, 'not-xlsx', /not an Excel workbook/);
    }
  });

  it('names password-protected workbooks and .xls files (OLE compound files) as such', async () => {
    const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
    await expectRefused(ole, 'not-xlsx', /password-protected workbook or an old \.xls file/);
  });

  it('refuses a zip whose directory is missing (truncated download)', async () => {
    const zip = buildZip({ entries: skeletonEntries() });
    await expectRefused(zip.subarray(0, zip.length - 30), 'not-xlsx', /not an Excel workbook/);
  });

  it('refuses bytes prepended to the archive (JSZip would silently shift offsets)', async () => {
    const bytes = buildZip({ entries: skeletonEntries(), prefix: Buffer.from('#!/bin/sh\n') });
    await expectRefused(bytes, 'not-xlsx', /not an Excel workbook/);
  });

  it('refuses a directory offset that does not match the layout', async () => {
    const bytes = buildZip({ entries: skeletonEntries(), eocdOverrides: { centralOffset: 3 } });
    await expectRefused(bytes, 'corrupt-zip', /does not match the file layout/);
  });

  it('refuses an entry count that disagrees with the directory', async () => {
    const bytes = buildZip({ entries: skeletonEntries(), eocdOverrides: { entryCount: 2 } });
    await expectRefused(bytes, 'corrupt-zip', /trailing bytes/);
    const more = buildZip({ entries: skeletonEntries(), eocdOverrides: { entryCount: 4 } });
    await expectRefused(more, 'corrupt-zip', /truncated/);
  });

  it('refuses ZIP64 markers and spanned archives', async () => {
    await expectRefused(
      buildZip({ entries: skeletonEntries(), eocdOverrides: { entryCount: 0xffff } }),
      'unsupported-zip',
      /ZIP64/,
    );
    await expectRefused(
      buildZip({ entries: skeletonEntries(), eocdOverrides: { disk: 1 } }),
      'unsupported-zip',
      /spanned/,
    );
    await expectRefused(
      withEntry({ name: 'xl/big.bin', data: 'x', declaredSize: 0xffffffff }),
      'unsupported-zip',
      /ZIP64/,
    );
  });

  it('refuses encrypted entries and unknown compression methods', async () => {
    await expectRefused(
      withEntry({ name: 'xl/a.xml', data: '<a/>', flags: 1 }),
      'unsupported-zip',
      /encrypted/,
    );
    await expectRefused(
      withEntry({ name: 'xl/a.xml', data: '<a/>', method: 12 }),
      'unsupported-zip',
      /method \(12\)/,
    );
  });

  it('refuses unsafe entry names (zip slip) and symbolic links', async () => {
    for (const name of ['../../etc/passwd', '/abs/path.xml', 'xl\\worksheets\\sheet2.xml', 'xl/./a.xml']) {
      await expectRefused(withEntry({ name, data: 'x' }), 'unsafe-entry', /unsafe name/);
    }
    const link = withEntry({
      name: 'xl/link.xml',
      data: '/etc/passwd',
      madeBy: (3 << 8) | 20,
      externalAttributes: (0o120777 << 16) >>> 0,
    });
    await expectRefused(link, 'unsafe-entry', /symbolic link/);
  });

  it('refuses duplicate entry names', async () => {
    await expectRefused(withEntry({ name: 'xl/workbook.xml', data: '<workbook/>' }), 'unsafe-entry', /twice/);
  });

  it('refuses a local header that disagrees with its directory entry', async () => {
    await expectRefused(
      withEntry({ name: 'xl/a.xml', localName: 'xl/b.xml', data: '<a/>' }),
      'corrupt-zip',
      /does not match its directory entry/,
    );
  });

  it('refuses a stored entry whose sizes disagree', async () => {
    await expectRefused(
      withEntry({ name: 'xl/a.xml', data: '<a/>', method: 0, declaredSize: 3 }),
      'corrupt-zip',
      /inconsistent sizes/,
    );
  });

  it('refuses a damaged checksum and a damaged deflate stream', async () => {
    await expectRefused(withEntry({ name: 'xl/a.xml', data: '<a/>', crc: 1234 }), 'corrupt-zip', /checksum/);
    const zip = buildZip({ entries: [{ name: 'xl/a.xml', data: 'hello hello hello hello' }] });
    zip[30 + 'xl/a.xml'.length] = 0xff; // corrupt the first byte of the deflate stream (reserved block type)
    await expectRefused(zip, 'corrupt-zip', /cannot be unpacked|declared size|checksum/);
  });
});

describe('inspectXlsxZip refuses zip bombs before exceljs sees them', () => {
  it('refuses an entry that honestly declares a huge uncompressed size', async () => {
    const bomb = withEntry({ name: 'xl/sharedStrings.xml', data: Buffer.alloc(20 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(100 * 1024); // small on the wire
    await expectRefused(bomb, 'zip-bomb', /unpacks to 20\.0 MiB; at most 16\.0 MiB per part/);
  });

  it('refuses an entry that lies about its size, without inflating past the lie', async () => {
    const liar = withEntry({
      name: 'xl/sharedStrings.xml',
      data: Buffer.alloc(8 * 1024 * 1024),
      declaredSize: 1000,
    });
    await expectRefused(liar, 'zip-bomb', /unpacks to more than the 1000 bytes it declares/);
  });

  it('refuses an archive whose parts together unpack beyond the total limit', async () => {
    const parts = Array.from({ length: 5 }, (_, i) => ({
      name: `xl/media/image${i}.png`,
      data: Buffer.alloc(1000),
    }));
    const bytes = buildZip({ entries: [...skeletonEntries(), ...parts] });
    await expectRefused(bytes, 'zip-bomb', /more than 4\.9 KiB/, { maxTotalBytes: 5000 });
  });

  it('refuses overlapping entries that reuse one compressed stream', async () => {
    const data = Buffer.alloc(1024 * 1024);
    const entries: FixtureEntry[] = [{ name: 'xl/media/a.bin', data }];
    for (let i = 0; i < 10; i++) entries.push({ name: `xl/media/copy${i}.bin`, data, reuseLocalOf: 0 });
    await expectRefused(buildZip({ entries }), 'corrupt-zip', /overlaps another/);
  });

  it('refuses too many entries', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `xl/p${i}.xml`, data: '<p/>' }));
    await expectRefused(buildZip({ entries }), 'too-many-entries', /30 parts; at most 20/, {
      maxEntries: 20,
    });
  });

  it('refuses too many sheets, rows and cells', async () => {
    const sheets = Array.from({ length: 4 }, (_, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: '<worksheet/>',
    }));
    await expectRefused(buildZip({ entries: sheets }), 'too-many-sheets', /4 sheets; at most 3/, {
      maxSheets: 3,
    });
    await expectRefused(
      buildZip({ entries: skeletonEntries(sheetWithRows(101)) }),
      'too-many-rows',
      /101 rows/,
      {
        maxRows: 100,
      },
    );
    await expectRefused(
      buildZip({ entries: skeletonEntries(sheetWithRows(10, 11)) }),
      'too-many-cells',
      /100 cells/,
      {
        maxCells: 100,
      },
    );
  });

  it('counts rows in every part exceljs would read as a worksheet, not only the canonical path', async () => {
    const hidden = { name: 'extra/xl/worksheets/sheet9.xml', data: sheetWithRows(6) };
    await expectRefused(buildZip({ entries: [...skeletonEntries(), hidden] }), 'too-many-rows', /6 rows/, {
      maxRows: 5,
    });
  });

  it('checks parts with any extension for a DTD, except media', async () => {
    const laughs = '<!DOCTYPE x [<!ENTITY a "a">]><x/>';
    await expectRefused(withEntry({ name: 'xl/theme/theme1.xml', data: laughs }), 'unsafe-xml', /DTD/);
    await expectRefused(withEntry({ name: 'customXml/item1.bin', data: laughs }), 'unsafe-xml', /DTD/);
    await expect(
      inspectXlsxZip(withEntry({ name: 'xl/media/image1.png', data: laughs }), limits),
    ).resolves.toBeDefined();
  });

  it('counts namespace-prefixed rows too', async () => {
    const xml = `<x:worksheet><x:sheetData>${'<x:row r="1"><x:c/></x:row>'.repeat(5)}</x:sheetData></x:worksheet>`;
    await expectRefused(buildZip({ entries: skeletonEntries(xml) }), 'too-many-rows', /5 rows/, {
      maxRows: 4,
    });
  });

  it('refuses XML parts with a DTD or entity declarations (billion laughs)', async () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><sst>&lol;</sst>';
    await expectRefused(withEntry({ name: 'xl/sharedStrings.xml', data: laughs }), 'unsafe-xml', /DTD/);
  });

  it('measures the ranges exceljs expands cell by cell', async () => {
    expect(rangeArea('B2')).toBe(1);
    expect(rangeArea('$A$1:$C$3')).toBe(9);
    expect(rangeArea('C3:A1')).toBe(9);
    expect(rangeArea('B:B')).toBe(1_048_576);
    expect(rangeArea('2:3')).toBe(2 * 16_384);
    expect(rangeArea('A1:XFD1048576')).toBe(16_384 * 1_048_576);
    expect(rangeArea('A1:B2:C3')).toBe(Number.POSITIVE_INFINITY);
    expect(rangeArea('#REF!')).toBe(0);
  });

  it.each([
    ['a merged range', '<mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells>'],
    ['a whole-row merge', "<mergeCells><mergeCell ref='1:1048576'/></mergeCells>"],
    [
      'a data-validation range',
      '<dataValidations><dataValidation type="list" sqref="A1 B1:Z40000"/></dataValidations>',
    ],
  ])('refuses %s covering millions of cells (exceljs would visit each)', async (_name, xml) => {
    const sheet = `<worksheet><sheetData/>${xml}</worksheet>`;
    await expectRefused(
      buildZip({ entries: skeletonEntries(sheet) }),
      'too-many-cells',
      /ranges covering more than/,
    );
  });

  it('refuses a defined name over a huge range and a column definition past XFD', async () => {
    const workbook =
      "<workbook><definedNames><definedName name='x'>'S 1'!$A$1:$Z$40000,S!$A$1</definedName></definedNames></workbook>";
    const entries = skeletonEntries().map((e) =>
      e.name === 'xl/workbook.xml' ? { ...e, data: workbook } : e,
    );
    await expectRefused(buildZip({ entries }), 'too-many-cells', /ranges covering more than/);
    const cols = '<worksheet><cols><col min="1" max="100000000" width="9"/></cols><sheetData/></worksheet>';
    await expectRefused(
      buildZip({ entries: skeletonEntries(cols) }),
      'too-many-cells',
      /beyond the last one/,
    );
    const fine = '<worksheet><cols><col min="1" max="16384" width="9"/></cols><sheetData/></worksheet>';
    await expect(inspectXlsxZip(buildZip({ entries: skeletonEntries(fine) }), limits)).resolves.toBeDefined();
  });

  it('reads tag attributes with either quote, spaces around "=" and prefixes', async () => {
    const attrs = attributes(`mergeCell ref = 'A1:B2' x:sqref="C3" broken= other="a>b"`);
    expect(Object.fromEntries(attrs)).toEqual({ ref: 'A1:B2', 'x:sqref': 'C3', other: 'a>b' });
    expect(attributes('c r="A1')).toEqual(new Map());
  });

  it('scans crafted XML in linear time: a part made of unterminated tags is measured, not backtracked over', async () => {
    // 1.4 million "<mergeCell " openings and no ">": a backtracking regular expression needs ~10^12 steps.
    const crafted = `<worksheet><sheetData/>${'<mergeCell ref="A1" '.repeat(700_000)}`;
    await expect(
      inspectXlsxZip(buildZip({ entries: skeletonEntries(crafted) }), limits),
    ).resolves.toBeDefined();
    const opened = `<worksheet><sheetData/>${"<dataValidation sqref='A1:B2 ".repeat(500_000)}`;
    await expect(
      inspectXlsxZip(buildZip({ entries: skeletonEntries(opened) }), limits),
    ).resolves.toBeDefined();
  });

  it('has defaults that fit a 5 MiB upload', async () => {
    expect(DEFAULT_SPREADSHEET_LIMITS.maxBytes).toBe(5 * 1024 * 1024);
    expect(() => resolveLimits({ maxRows: 0 })).toThrow(/maxRows must be a positive integer/);
  });
});
