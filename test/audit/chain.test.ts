/** The fast canonical form of an entry is exactly RFC 8785 (the canonicalize library's output). */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type AuditEntry, canonicalEntry, referenceCanonicalEntry } from '../../src/audit/chain.js';

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

it('canonicalEntry equals RFC 8785 for any entry', () => {
  fc.assert(
    fc.property(
      fc.record({
        tenant_id: fc.uuid(),
        seq: fc.integer({ min: 1 }),
        ts: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        actor: fc.string({ unit: 'binary' }),
        action: fc.string({ unit: 'binary' }),
        target: fc.string({ unit: 'binary' }),
        data: fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), json, { maxKeys: 5 }),
        prev_hash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
        ip: fc.option(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }),
          { nil: undefined },
        ),
        ua: fc.option(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }),
          { nil: undefined },
        ),
      }),
      (raw) => {
        const e = Object.fromEntries(
          Object.entries(raw).filter(([, v]) => v !== undefined),
        ) as unknown as AuditEntry;
        expect(canonicalEntry(e)).toBe(referenceCanonicalEntry(e));
      },
    ),
    { numRuns: 300 },
  );
});
