import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/questionnaire/index.js';
import { compileOk } from './evaluate-helpers.js';

/*
 * Properties of the vrq/1.1 scoring features over random responses to a small questionnaire that uses all of
 * them: the headline rating is never better than the band, hidden_zero_if never raises a total, and a
 * context fact follows the requester's value whatever the vendor stored under its key.
 */

const SOURCE = `schema: vrq/1.1
id: props
version: 1.0.0
status: draft
default_locale: en
title: Props
scoring:
  bands: [ {min: 80, rating: low}, {min: 50, rating: medium}, {min: 25, rating: high}, {min: 0, rating: critical} ]
risk:
  rating: [ {min: 15, rating: critical}, {min: 10, rating: high}, {min: 5, rating: medium}, {min: 1, rating: low} ]
rating:
  floors: [ { finding: critical, rating: high }, { finding: high, rating: medium } ]
  knockout: critical
sections:
  - id: ctx
    title: Context
    weight: 0
    questions:
      - { id: ctx.tier, type: single, text: Tier, context: true, options: [ { value: critical, label: C }, { value: other, label: O } ] }
  - id: s
    title: S
    questions:
      - id: s.mfa
        type: yes_no_na
        text: MFA
        must_have: true
        weight: 3
        scores: { yes: 1, no: 0 }
        findings: [ { id: S-1, when: "s.mfa == 'no'", title: T, likelihood: 4, impact: 4, remediation: R, knockout: true } ]
      - id: s.backups
        type: single
        text: Backups
        weight: 3
        options: [ { value: daily, label: D, score: 1 }, { value: weekly, label: W, score: 0.25 }, { value: none, label: N, score: 0 } ]
        findings: [ { id: S-2, when: "s.backups == 'none'", title: T, likelihood: 3, impact: 4, remediation: R, escalate_if: "ctx.tier == 'critical'" } ]
      - id: s.restore
        type: yes_no_na
        text: Restore tested
        weight: 2
        na: justify
        visible_if: "s.backups != 'none'"
        HIDDEN_ZERO
        scores: { yes: 1, no: 0 }
      - id: s.rto
        type: number
        text: RTO
        visible_if: "ctx.tier == 'critical'"
        score_expr: "iif(s.rto <= 24, 1, 0)"
`;
const withHiddenZero = compileOk(SOURCE.replace('HIDDEN_ZERO', `hidden_zero_if: "s.backups == 'none'"`));
const without = compileOk(SOURCE.replace('        HIDDEN_ZERO\n', ''));
const ORDER = ['low', 'medium', 'high', 'critical'];
const TODAY = '2026-03-01';

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const response = fc.record(
  {
    's.mfa': maybe(fc.constantFrom('yes', 'no', 'na', 'maybe')),
    's.backups': maybe(fc.constantFrom('daily', 'weekly', 'none')),
    's.restore': maybe(fc.constantFrom('yes', 'no', 'na')),
    's.restore#comment': maybe(fc.constantFrom('', 'No data kept.')),
    's.rto': maybe(fc.integer({ min: 0, max: 100 })),
    'ctx.tier': maybe(fc.constantFrom('critical', 'other')),
  },
  { requiredKeys: [] },
);
const context = fc.record(
  { 'ctx.tier': maybe(fc.constantFrom('critical', 'other', 'bogus')) },
  { requiredKeys: [] },
);

describe('properties: vrq/1.1 scoring', () => {
  it('the headline rating is never better than the band, and is the band when no finding forces it', () => {
    fc.assert(
      fc.property(response, context, (answers, ctx) => {
        const e = evaluate(withHiddenZero, answers, TODAY, { context: ctx });
        if (e.band === null) return;
        expect(ORDER.indexOf(e.rating!)).toBeGreaterThanOrEqual(ORDER.indexOf(e.band));
        if (e.ratingDrivers.length === 0) expect(e.rating).toBe(e.band);
        for (const id of e.ratingDrivers) expect(e.findings.some((f) => f.id === id)).toBe(true);
      }),
    );
  });

  it('hidden_zero_if never raises a total: it only adds failed weight', () => {
    fc.assert(
      fc.property(response, context, (answers, ctx) => {
        const a = evaluate(withHiddenZero, answers, TODAY, { context: ctx }).score;
        const b = evaluate(without, answers, TODAY, { context: ctx }).score;
        if (a !== null && b !== null) expect(a).toBeLessThanOrEqual(b);
      }),
    );
  });

  it('no backups never scores above any backups, with the restore test at its worst', () => {
    fc.assert(
      fc.property(response, context, fc.constantFrom('daily', 'weekly'), (answers, ctx, some) => {
        const none = evaluate(withHiddenZero, { ...answers, 's.backups': 'none' }, TODAY, {
          context: ctx,
        }).score;
        const weak = evaluate(withHiddenZero, { ...answers, 's.backups': some, 's.restore': 'no' }, TODAY, {
          context: ctx,
        }).score;
        if (none !== null && weak !== null) expect(none).toBeLessThanOrEqual(weak);
      }),
    );
  });

  it('a context fact follows the requester, whatever the vendor stored under its key', () => {
    fc.assert(
      fc.property(response, fc.constantFrom('critical', 'other'), (answers, tier) => {
        const e = evaluate(withHiddenZero, answers, TODAY, { context: { 'ctx.tier': tier } });
        const same = evaluate(
          withHiddenZero,
          { ...answers, 'ctx.tier': tier === 'critical' ? 'other' : 'critical' },
          TODAY,
          {
            context: { 'ctx.tier': tier },
          },
        );
        expect(same).toEqual(e);
        expect(e.questions['s.rto']!.visible).toBe(tier === 'critical');
      }),
    );
  });
});
