import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/questionnaire/expr/ast.js';
import { compileExpression } from '../../src/questionnaire/expr/compile.js';
import { ExpressionError } from '../../src/questionnaire/expr/errors.js';
import { parseExpression } from '../../src/questionnaire/expr/parser.js';
import { compileQuestionnaire, evaluate } from '../../src/questionnaire/index.js';
import { baseline, SAMPLE_ANSWERS } from './evaluate-helpers.js';

const HOSTILE = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'prototype',
  'process',
  'globalThis',
];
const REFS = ['a.x', 'a.y', 'b.z', ...HOSTILE];
const FUNCS: Array<[string, number, number]> = [
  ['answered', 1, 1],
  ['count', 1, 3],
  ['iif', 3, 3],
  ['today', 0, 0],
  ['days_between', 2, 2],
  ['min', 1, 3],
  ['max', 1, 3],
  ['len', 1, 1],
  ['coalesce', 1, 3],
];

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const literal = fc.oneof(
  fc.constantFrom('true', 'false', 'null', "'2025-01-01'", "'yes'", '0', '1', '-2.5'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...HOSTILE)).map(quote),
);
const list = fc.array(literal, { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`);

/** Random well-formed expressions over the grammar, references included. */
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    list,
    fc.constantFrom(...REFS),
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('e').map((a) => `not (${a})`),
    fc
      .tuple(tie('e'), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'in', 'contains'), tie('e'))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    fc
      .tuple(fc.constantFrom(...FUNCS), fc.array(tie('e'), { minLength: 3, maxLength: 3 }))
      .map(
        ([[name, min, max], args]) =>
          `${name}(${args.slice(0, Math.min(max, Math.max(min, args.length))).join(', ')})`,
      ),
  ),
})).e;

const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...HOSTILE, '2025-06-20', '2024-02-29', 'yes', 'no'),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...HOSTILE)), { maxLength: 4 }),
);

const isValue = (v: unknown): boolean =>
  v === null ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && !Number.isNaN(v)) ||
  typeof v === 'string' ||
  (Array.isArray(v) && v.every((x) => x === null || ['boolean', 'number', 'string'].includes(typeof x)));

const objectProtoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();

describe('properties: expressions', () => {
  it('random text never crashes the parser: it parses or fails with a positioned ExpressionError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ unit: 'binary', maxLength: 30 }),
          expr.map((e) => e.slice(0, 40)),
        ),
        (src) => {
          try {
            parseExpression(src);
          } catch (e) {
            expect(e).toBeInstanceOf(ExpressionError);
            const err = e as ExpressionError;
            expect(err.column).toBeGreaterThanOrEqual(1);
            expect(err.column).toBeLessThanOrEqual(Math.max(src.length, 2000) + 1);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random well-formed expressions evaluate to a plain value without escaping the sandbox', () => {
    const before = objectProtoKeys();
    fc.assert(
      fc.property(expr, fc.array(value, { minLength: REFS.length, maxLength: REFS.length }), (src, vals) => {
        let ast: ReturnType<typeof parseExpression>;
        try {
          ast = parseExpression(src);
        } catch (e) {
          // Only the depth/length limits can reject generated expressions.
          expect((e as Error).message).toMatch(/nested more than|characters long/);
          return;
        }
        const slots = new Map(REFS.map((r, i) => [r, i] as const));
        const fn = compileExpression(ast, (n) => slots.get(n));
        const a = fn({ vals, today: '2025-06-20' });
        expect(isValue(a)).toBe(true);
        expect(typeof a).not.toBe('function');
        // Deterministic.
        expect(fn({ vals, today: '2025-06-20' })).toEqual(a);
      }),
      { numRuns: 400 },
    );
    expect(objectProtoKeys()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('properties: evaluate', () => {
  const q = baseline();
  const ids = [...q.questions.keys()];
  const keys = [
    ...ids,
    ...ids.map((id) => `${id}#comment`),
    ...ids.map((id) => `${id}#evidence`),
    ...HOSTILE,
  ];
  const answerValue = fc.oneof(
    value,
    fc.constantFrom('yes', 'no', 'na', 'mfa', 'password', 'critical', 'normal', '2025-07-01', '1999-01-01'),
    fc.constantFrom(
      ['iso27001'],
      ['none'],
      ['iso27001', 'none'],
      ['personal', 'financial'],
      ['ev_1', 'ev_2'],
    ),
    fc.integer({ min: -10, max: 1000 }),
  );
  // Start from the sample so many visibility paths are taken, then overwrite random keys.
  const answers = fc
    .dictionary(fc.constantFrom(...keys), answerValue, { maxKeys: 20 })
    .map((d) => ({ ...SAMPLE_ANSWERS, ...d }));
  const today = fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));

  it('never crashes, keeps scores in range and is deterministic', () => {
    const before = objectProtoKeys();
    fc.assert(
      fc.property(answers, today, (a, t) => {
        const e = evaluate(q, a as never, t);
        if (e.score !== null) {
          expect(e.score).toBeGreaterThanOrEqual(0);
          expect(e.score).toBeLessThanOrEqual(100);
          expect(Math.round(e.score * 10) / 10).toBe(e.score);
          expect(e.band).not.toBeNull();
        } else {
          expect(e.band).toBeNull();
        }
        for (const s of e.sections) {
          if (s.score !== null) expect(s.score >= 0 && s.score <= 100).toBe(true);
        }
        for (const [id, r] of Object.entries(e.questions)) {
          expect(ids).toContain(id);
          if (r.score !== null) expect(r.score >= 0 && r.score <= 1).toBe(true);
          // A hidden question is never required or answered; it drops out of the score, or counts as failed
          // (hidden_zero_if, or hidden while its gate is unanswered) at its full weight.
          if (!r.visible) {
            expect([r.required, r.answered]).toEqual([false, false]);
            if (r.score === null) expect(r.weight).toBe(0);
            else expect([r.score, r.weight > 0]).toEqual([0, true]);
          }
        }
        for (const f of e.findings) {
          expect(e.questions[f.questionId]!.visible).toBe(true);
          expect(f.riskScore).toBe(f.likelihood * f.impact);
          expect(f.impact).toBeLessThanOrEqual(5);
        }
        expect(e.canSubmit).toBe(e.issues.length === 0);
        expect(JSON.parse(JSON.stringify(e))).toEqual(e);
        expect(evaluate(q, a as never, t)).toEqual(e);
      }),
      { numRuns: 300 },
    );
    expect(objectProtoKeys()).toEqual(before);
  });

  it('does not change the answers it is given', () => {
    fc.assert(
      fc.property(answers, (a) => {
        const copy = structuredClone(a);
        evaluate(q, a as never, '2025-06-20');
        expect(a).toEqual(copy);
      }),
      { numRuns: 100 },
    );
  });
});

describe('properties: the loader', () => {
  const source = readFileSync(new URL('./fixtures/vendor-baseline.yaml', import.meta.url), 'utf8');

  it('never throws on mangled questionnaire files, and an error always means no questionnaire', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: source.length - 1 }),
        fc.integer({ min: 0, max: 40 }),
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom(
            ': ',
            '- ',
            '{',
            '}',
            '[',
            ']',
            '"',
            "'",
            '&a ',
            '*a',
            '\n  ',
            '#',
            '!!',
            'visble_if',
            '__proto__',
          ),
        ),
        (at, cut, insert) => {
          const mangled = source.slice(0, at) + insert + source.slice(at + cut);
          const { questionnaire, problems } = compileQuestionnaire(mangled);
          const errors = problems.filter((p) => p.severity === 'error');
          expect(questionnaire === null).toBe(errors.length > 0);
          for (const p of problems) {
            expect(p.line).toBeGreaterThanOrEqual(1);
            expect(p.column).toBeGreaterThanOrEqual(1);
            expect(p.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
            expect(p.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
