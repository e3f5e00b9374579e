import { describe, expect, it } from 'vitest';
import { MAX_ENTRY_NAME, portableName, UniqueNames } from '../../src/privacy/zip-names.js';

describe('portable zip entry names', () => {
  it.each([
    ['"><svg onload=alert(1)>.pdf', '_svg onload=alert(1)_.pdf'],
    ['CON.pdf', '_CON.pdf'],
    ['con', '_con'],
    ['Lpt9.tar.gz', '_Lpt9.tar.gz'],
    ['COM¹.docx', '_COM¹.docx'],
    ['console.pdf', 'console.pdf'],
    ['report. .', 'report'],
    ['report.pdf. ', 'report.pdf'],
    ['...hidden.pdf', 'hidden.pdf'],
    ['a/b\\c:d*e?f"g<h>i|j.pdf', 'a_b_c_d_e_f_g_h_i_j.pdf'],
    ['tab\there\u0001.pdf', 'tab_here_.pdf'],
    ['Prüfbericht ISO 27001 (2025).pdf', 'Prüfbericht ISO 27001 (2025).pdf'],
    ['e\u0301t\u00e9.pdf', 'été.pdf'],
    ['', 'file'],
    ['...', 'file'],
    ['.pdf', 'pdf'],
  ])('%j becomes %j', (raw, want) => {
    expect(portableName(raw)).toBe(want);
  });

  it('caps the length and keeps the extension', () => {
    const long = portableName(`${'x'.repeat(500)}.pdf`);
    expect([...long].length).toBe(MAX_ENTRY_NAME);
    expect(long.endsWith('.pdf')).toBe(true);
    // Cut before a trailing dot or space: none is left at the cut.
    expect(portableName(`${'y'.repeat(115)} . z.pdf`)).toBe(`${'y'.repeat(115)}.pdf`);
  });

  it('keeps names unique per folder, ignoring case', () => {
    const u = new UniqueNames();
    expect(u.take('evidence/1', 'Report.pdf')).toBe('Report.pdf');
    expect(u.take('evidence/1', 'report.PDF')).toBe('report (2).PDF');
    expect(u.take('evidence/1', 'Report.pdf')).toBe('Report (3).pdf');
    expect(u.take('evidence/2', 'Report.pdf')).toBe('Report.pdf');
  });

  it('keeps a renamed name within MAX_ENTRY_NAME: the suffix takes its room from the base', () => {
    const u = new UniqueNames();
    const long = portableName(`${'é'.repeat(200)}.pdf`);
    expect([...long].length).toBe(MAX_ENTRY_NAME);
    expect(u.take('e', long)).toBe(long);
    for (let n = 2; n <= 12; n++) {
      const renamed = u.take('e', long);
      expect([...renamed].length, renamed).toBeLessThanOrEqual(MAX_ENTRY_NAME);
      expect(renamed.endsWith(` (${n}).pdf`), renamed).toBe(true);
    }
    // A cut that would end in a dot or a space (which Windows refuses) drops it.
    const dotted = new UniqueNames(13);
    dotted.take('e', 'abcd. x.txt');
    expect(dotted.take('e', 'abcd. x.txt')).toBe('abcd (2).txt');
  });
});
