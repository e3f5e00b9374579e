import { describe, expect, it } from 'vitest';
import type { Questionnaire } from '../../src/questionnaire/index.js';
import { withEvidence } from '../../src/vendor/evidence-answers.js';

// The two question shapes withEvidence looks at: a file question and one with an evidence rule.
const q = {
  questions: new Map([
    ['q.file', { id: 'q.file', type: 'file' }],
    ['q.text', { id: 'q.text', type: 'text' }],
    ['q.other', { id: 'q.other', type: 'text' }],
  ]),
} as unknown as Questionnaire;

describe('withEvidence: the file keys come from the evidence rows only', () => {
  it('sets each question file key from its files, in order', () => {
    const out = withEvidence(q, { 'q.text': 'yes' }, [
      { id: 'f1', questionId: 'q.file' },
      { id: 'f2', questionId: 'q.text' },
      { id: 'f3', questionId: 'q.file' },
    ]);
    expect(out).toEqual({ 'q.text': 'yes', 'q.file': ['f1', 'f3'], 'q.text#evidence': ['f2'] });
  });

  it('drops a stored value under a file key that has no file, keeps every other answer', () => {
    const answers = { 'q.file': ['stale'], 'q.other#evidence': ['stale'], 'q.other': 'kept' };
    const out = withEvidence(q, answers, [{ id: 'f9', questionId: 'q.gone' }]);
    expect(out).toEqual({ 'q.other': 'kept' });
    // The caller's object is left as it was.
    expect(answers['q.file']).toEqual(['stale']);
  });

  it('replaces a stored value under a file key by the files, never appending to it', () => {
    const stored = ['stale'];
    const out = withEvidence(q, { 'q.file': stored }, [{ id: 'f1', questionId: 'q.file' }]);
    expect(out['q.file']).toEqual(['f1']);
    expect(stored).toEqual(['stale']);
  });
});
