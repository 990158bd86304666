import { describe, expect, it } from 'vitest';
import type { DbId } from '../../src/core/ids.js';
import { SlidingWindowLimiter } from '../../src/core/rate-limit.js';
import { seedPeople } from '../support/flows.js';
import { startHarness } from '../support/harness.js';

describe('the cloud query quota (WATCH_MAX_CALLS_PER_SECOND)', () => {
  it('sliding window: never more than the limit in any second, debts, and when the next call fits', () => {
    const b = new SlidingWindowLimiter(2);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, false]);
    expect(b.nextAt(0)).toBe(1000);
    expect(b.tryTake(999)).toBe(false);
    expect(b.tryTake(1000)).toBe(true);
    expect(b.available(1000)).toBe(1);
    b.debit(1000, 2); // a check that needed three calls in all
    expect(b.available(1000)).toBe(0);
    expect(b.nextAt(1000)).toBe(2000);
    // Idle time saves nothing up: after a long pause the window still allows only the limit.
    expect([b.tryTake(10_000), b.tryTake(10_000), b.tryTake(10_000)]).toEqual([true, true, false]);
  });

  it('the watcher never checks faster than the quota, and the tickets it could not check stay first in line', async () => {
    const h = await startHarness({ env: { WATCH_MAX_CALLS_PER_SECOND: '3', WATCH_CONCURRENCY: '4' } });
    try {
      seedPeople(h);
      const store = h.app.services.store;
      const now = h.clock.now();
      for (let i = 0; i < 10; i++) {
        const { orderId } = await h.app.services.dms.createDataExportOrder({
          dbId: '1001' as DbId,
          logic: false,
          sql: 'SELECT 1',
          classify: 'q',
          affectRows: 1,
          ignoreAffectRows: false,
          ignoreAffectRowsReason: '',
          comment: `t${i}`,
          relatedUserIds: [],
        });
        await store.createTicket(
          {
            kind: 'dms_export',
            externalId: orderId,
            channelId: 'C0EXPORTS',
            rootTs: '1700000000.000001',
            requesterSlackId: 'U0ALICE',
            requesterDmsId: '51',
            status: null,
            details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] },
            nextPollAt: now,
            pollIntervalMs: 1000,
          },
          now + i,
        );
      }
      const polls = () => h.dms.calls('GetDataExportOrderDetail').length;
      expect(await h.app.watcher.runDue()).toBe(3);
      expect(polls()).toBe(3); // the quota for this second
      // The unchecked ones were never claimed: nothing is leased, and they are still due.
      expect(await store.claimDue(h.clock.now(), 20, 'someone-else', 1)).toHaveLength(7);
      await store.releaseAll('someone-else');
      expect(h.app.watcher.nextAllowedAt(h.clock.now())).toBe(h.clock.now() + 1000);
      for (let round = 0; round < 3; round++) {
        const before = polls();
        h.clock.advance(1_000);
        await h.app.watcher.runDue();
        expect(polls() - before).toBeLessThanOrEqual(3); // never more than the quota in a second
      }
      expect(polls()).toBe(10);
      // Every ticket had its first check before any ticket had a second one: the ones left over go first.
      const checked = h.dms.calls('GetDataExportOrderDetail').map((c) => c.body['OrderId']);
      expect(new Set(checked.slice(0, 10)).size).toBe(10);
    } finally {
      await h.close();
    }
  });
});
