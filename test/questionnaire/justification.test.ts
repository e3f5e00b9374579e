import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuestionnaire, evaluate } from '../../src/questionnaire/index.js';
import { isJustification } from '../../src/questionnaire/justification.js';
import { MESSAGES } from '../../src/questionnaire/messages.js';

/*
 * The N/A justification minimum (na: justify; na-band): only letters and digits of different words count,
 * so padding is refused, and scripts written without spaces are measured by their letters.
 */
const PADDED: Record<string, string> = {
  'spaces between two letters': `x${' '.repeat(13)}y`,
  'no-break spaces': `x${'\u00a0'.repeat(13)}y`,
  'zero-width spaces': `x ${'\u200b'.repeat(13)}x`,
  'zero-width joiners inside a word': `x\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d\u200d y`,
  'one word repeated': 'na na na na na',
  'n/a repeated': 'n/a n/a n/a n/a',
  'markup around two letters': '<b>x</b> <i>y</i>',
  'long tag names around two letters': '<strong>x</strong> <span>y</span>',
  'different entities as padding': '&nbsp;&ensp;&emsp;&thinsp; x y',
  'entities as padding': 'x&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;y',
  'combining marks stacked on two letters':
    'x\u0301\u0301\u0301\u0301\u0301\u0301\u0301 y\u0301\u0301\u0301\u0301\u0301\u0301',
  'emoji and a digit': '👍👍👍👍👍👍👍 1',
  'a short Chinese phrase repeated': '不适用 不适用',
  'one long word': 'Notapplicablehere',
  'punctuation only': '... --- !!! ??? ...',
};
const REAL: Record<string, string> = {
  English: 'Not used for this service.',
  German: 'Wir verarbeiten keine Kartendaten.',
  French: 'Nous ne traitons aucune donnée.',
  'English in markup': '<p>We host <b>no</b> customer data.</p>',
  Chinese: '本服务不处理任何个人数据因此该控制不适用',
  Thai: 'บริการนี้ไม่ได้ประมวลผลข้อมูลส่วนบุคคล',
  Japanese: 'このサービスでは個人データを扱いません',
  'English with a zero-width space inside': 'Not used\u200b for this service.',
};

describe('isJustification', () => {
  for (const [name, text] of Object.entries(PADDED)) {
    it(`refuses padding: ${name}`, () => expect(isJustification(text)).toBe(false));
  }
  for (const [name, text] of Object.entries(REAL)) {
    it(`accepts a real reason: ${name}`, () => expect(isJustification(text)).toBe(true));
  }
  it('gives the same verdicts without Intl.Segmenter (runs of letters; each Han/Kana/Thai letter a word)', () => {
    for (const text of Object.values(PADDED))
      expect(isJustification(text, null), JSON.stringify(text)).toBe(false);
    for (const text of Object.values(REAL))
      expect(isJustification(text, null), JSON.stringify(text)).toBe(true);
  });
  it('counts letters of different words with one space between: 15 accepted, 14 refused', () => {
    // "abcdefg hijklmn": 7 + 7 letters + 1 = 15; "abcdefg hijklm": 14.
    expect(isJustification('abcdefg hijklmn')).toBe(true);
    expect(isJustification('abcdefg hijklm')).toBe(false);
    // Case does not make a word different: "Same same same" is one word.
    expect(isJustification('Samesame SAMESAME samesame')).toBe(false);
  });
});

describe('evaluate() with an N/A comment (nis2-supplier 3.0.0, hyg.malware: na justify)', () => {
  const q = compileQuestionnaire(
    readFileSync(new URL('../../questionnaires/nis2-supplier.yaml', import.meta.url), 'utf8'),
    { file: 'nis2-supplier.yaml' },
  ).questionnaire!;
  const issues = (comment: string) =>
    evaluate(q, { 'hyg.malware': 'na', 'hyg.malware#comment': comment }, '2026-12-02', {}).issues.filter(
      (i) => i.questionId === 'hyg.malware',
    );

  it('refuses padding with the message in English, German and French', () => {
    for (const text of Object.values(PADDED)) {
      expect(issues(text), JSON.stringify(text)).toEqual([
        { questionId: 'hyg.malware', kind: 'invalid', message: MESSAGES.naJustifyTooShort },
      ]);
    }
    expect(Object.keys(MESSAGES.naJustifyTooShort).sort()).toEqual(['de', 'en', 'fr']);
    expect(MESSAGES.naJustifyTooShort.de).toContain('verschiedenen Wörtern');
  });

  it('accepts real reasons, Chinese, Thai and Japanese included', () => {
    for (const text of Object.values(REAL)) expect(issues(text), JSON.stringify(text)).toEqual([]);
  });
});
