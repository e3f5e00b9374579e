/**
 * The one AsyncLocalStorage shared by the audit client and the unit trackers (src/db/async-context.ts):
 * each store's tracker sees only its own units, and the request's client stays visible inside units.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AuditClient } from '../../src/audit/client.js';
import { type Frame, sharedAsyncContext } from '../../src/db/async-context.js';
import { Unit } from '../../src/db/unit.js';

const unit = () => new Unit('read', {});

describe('sharedAsyncContext', () => {
  it("gives each tracker its own units, also under another store's unit", async () => {
    const context = sharedAsyncContext(new AsyncLocalStorage<Frame>());
    const a = context.tracker();
    const b = context.tracker();
    const outer = unit();
    const inner = unit();
    await a.run(outer, async () => {
      await Promise.resolve();
      expect(a.current()).toBe(outer);
      expect(b.current()).toBeUndefined();
      await b.run(inner, async () => {
        await Promise.resolve();
        expect(b.current()).toBe(inner);
        // Still inside a's unit: a nested unit of a is still seen as nested.
        expect(a.current()).toBe(outer);
      });
      expect(b.current()).toBeUndefined();
    });
    expect(a.current()).toBeUndefined();
  });

  it("keeps the request's client inside units, and units inside a client's run", async () => {
    const context = sharedAsyncContext(new AsyncLocalStorage<Frame>());
    const tracker = context.tracker();
    const client = new AuditClient(new Uint8Array(32), '192.0.2.1', 'test');
    const u = unit();
    expect(context.auditClients.current()).toBeUndefined();
    await context.auditClients.run(client, async () => {
      await tracker.run(u, async () => {
        await Promise.resolve();
        expect(context.auditClients.current()).toBe(client);
        expect(tracker.current()).toBe(u);
      });
      expect(tracker.current()).toBeUndefined();
      expect(context.auditClients.current()).toBe(client);
    });
    const other = new AuditClient(new Uint8Array(32), '192.0.2.2', null);
    await tracker.run(u, () =>
      context.auditClients.run(other, async () => {
        await Promise.resolve();
        expect(tracker.current()).toBe(u);
        expect(context.auditClients.current()).toBe(other);
      }),
    );
  });
});
