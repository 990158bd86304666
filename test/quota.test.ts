import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/rate-limit.js';
import { seedPeople } from './support/flows.js';
import { startHarness } from './support/harness.js';

describe('the cloud query quota (WATCH_MAX_CALLS_PER_SECOND)', () => {
  it('token bucket: rate, burst, debts and the time of the next token', () => {
    const b = new TokenBucket(2, 2, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, false]);
    expect(b.nextAt(0)).toBe(500);
    expect(b.tryTake(499)).toBe(false);
    expect(b.tryTake(500)).toBe(true);
    b.debit(500, 2); // a check that needed three calls in all
    expect(b.nextAt(500)).toBe(2000); // three tokens short at 2 a second
    expect(b.tryTake(10_000)).toBe(true);
    expect(b.tryTake(10_000)).toBe(true);
    expect(b.tryTake(10_000)).toBe(false); // the burst caps what is saved up
  });

  it('the watcher never checks faster than the quota, and the tickets it could not check stay first in line', async () => {
    const h = await startHarness({ env: { WATCH_MAX_CALLS_PER_SECOND: '3', WATCH_CONCURRENCY: '4' } });
    try {
      seedPeople(h);
      const store = h.app.services.store;
      const now = h.clock.now();
      for (let i = 0; i < 10; i++) {
        const { orderId } = await h.app.services.dms.createDataExportOrder({ dbId: '1001', logic: false, sql: 'SELECT 1', classify: 'q', affectRows: 1, ignoreAffectRows: false, ignoreAffectRowsReason: '', comment: `t${i}`, relatedUserIds: [] });
        await store.createTicket({ kind: 'dms_export', externalId: orderId, channelId: 'C0EXPORTS', rootTs: '1700000000.000001', requesterSlackId: 'U0ALICE', requesterDmsId: '51', status: null, details: { database: 'orders_prod', reason: 'q', sql: 'SELECT 1', relatedSlackIds: [] }, nextPollAt: now, pollIntervalMs: 1000 }, now + i);
      }
      const polls = () => h.dms.calls('GetDataExportOrderDetail').length;
      expect(await h.app.watcher.runDue()).toBe(10);
      expect(polls()).toBe(3); // the burst
      // The unchecked ones were handed back: nothing is leased, and they are still due.
      expect(await store.claimDue(h.clock.now(), 20, 'someone-else', 1)).toHaveLength(7);
      await store.releaseAll('someone-else');
      expect(h.app.watcher.nextAllowedAt(h.clock.now())).toBe(h.clock.now() + 334);
      for (let round = 0; round < 3; round++) {
        const before = polls();
        h.clock.advance(1_000);
        await h.app.watcher.runDue();
        expect(polls() - before).toBe(3); // never more than the quota in a second
      }
      // Every ticket had its first check before any ticket had a second one: the ones left over go first.
      const checked = h.dms.calls('GetDataExportOrderDetail').map((c) => c.body['OrderId']);
      expect(new Set(checked.slice(0, 10)).size).toBe(10);
    } finally {
      await h.close();
    }
  });
});
