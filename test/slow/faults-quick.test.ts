import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type FaultResults, runFaults } from '../../bench/faults.js';

/**
 * `npm run faults` in quick mode (bench/faults.ts): 20 tickets under DMS chaos and Slack 429 bursts, 20 tickets
 * through the compiled app killed twice (once while CreateOrder calls are at DMS, once right after Slack accepted a
 * final reply), and a create whose answer is lost. Invariants only: no timing is asserted.
 */
describe('fault injection (quick mode of npm run faults)', () => {
  let r: FaultResults;
  beforeAll(async () => {
    // The compiled app, built once for the run by test/support/build-setup.ts.
    const mainJs = inject('mainJs');
    r = await runFaults({ tickets: 20, kills: 2, seed: 8, quick: true, mainJs });
  }, 120_000);

  it('chaos: every ticket reaches its final thread reply, with no duplicate, while faults are injected', () => {
    const c = r.chaos!;
    expect(c.completed).toBe(true);
    expect(c.filed).toBe(20);
    expect(c.dmsOrders).toBe(20);
    expect(c.unfinished).toEqual([]);
    expect(c.finished).toBe(20);
    expect(c.duplicateReplies).toBe(0);
    expect(c.duplicateRoots).toBe(0);
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.serverErrors).toBeGreaterThan(0);
    expect(c.slack429).toBeGreaterThan(0);
  });

  it('crash: after kill -9 and restarts every followed ticket finishes, nothing is filed twice, and each crash repeats at most one reply', () => {
    const k = r.crash!;
    expect(k.completed).toBe(true);
    expect(k.kills).toBeGreaterThanOrEqual(2);
    // Both kills hit their crash point (not the time fallback), so the run did exercise the two windows.
    expect(k.perKill.map((x) => x.trigger)).toEqual(['create', 'final']);
    expect(k.restarts).toBe(k.kills);
    expect(k.duplicateCreates).toBe(0);
    expect(k.unfinished).toBe(0);
    expect(k.unexplainedDuplicates).toBe(0);
    // At most the reply at the crash point, plus any reply Slack read after the kill (sent before the process died,
    // by a check running concurrently): the bot never saw their answers. Nothing else is repeated.
    for (const kill of k.perKill)
      expect(kill.duplicateReplies, `kill ${kill.kill} (${kill.trigger})`).toBeLessThanOrEqual(
        1 + kill.repliesInFlight,
      );
    // The final reply Slack accepted just before the kill is posted once more, and only once.
    expect(k.perKill[1]!.lastReply).toMatchObject({ status: 'EXPORT_SUCCESS', postedAgain: true });
    expect(k.finalExitCode).toBe(0);
  });

  // A kill while CreateOrder is at DMS: the create was recorded before it was sent, so recovery finds it by marker.
  it('crash: every ticket DMS holds is followed by the bot, even when the kill came while its CreateOrder was at DMS', () => {
    const k = r.crash!;
    expect(k.lostOrders).toEqual([]);
    expect(k.lost).toBe(0);
  });

  it('lost create answer: one ticket in DMS, found by its marker and followed; when ListOrders fails, the person gets the marker', () => {
    const { found, notFound } = r.lostCreate!;
    expect(found.createOrderCalls).toBe(1);
    expect(found.dropped).toBe(true);
    expect(found.dmsOrders).toBe(1);
    expect(found.searchedMarker).toBe(true);
    expect(found.followed).toBe(true);
    expect(found.finalReply).toBe(true);
    expect(found.requesterTold).toBe(true);
    expect(notFound.createOrderCalls).toBe(1);
    expect(notFound.dmsOrders).toBe(1);
    expect(notFound.searchedMarker).toBe(true);
    expect(notFound.followed).toBe(false);
    expect(notFound.requesterTold).toBe(true);
    expect(notFound.modalText).toMatch(/may or may not exist.*`chatops-[0-9a-f]{12}`/s);
  });
});
