import { describe, expect, it } from 'vitest';
import { DEFAULTS, formatPushBurst, formatPushScale, runPushBurst, runPushScale } from '../../bench/push-scale.js';

// The push bench (bench/push-scale.ts), run small: its properties, not its timings.
describe('push bench', () => {
  it('simulated: every change reaches its thread, lost pushes within the reconcile interval, never above the quota', async () => {
    const o = { ...DEFAULTS, sizes: [300], simulatedSeconds: 3_600, warmupSeconds: 600, meanChangeSeconds: 1_800 };
    const rows = await runPushScale(o);
    expect(rows.map((r) => r.mode)).toEqual(['poll', 'push', 'push-drop']);
    for (const r of rows) {
      expect(r.changes).toBeGreaterThan(50);
      expect(r.shown).toBe(r.changes);
      expect(r.maxCallsInAnySecond).toBeLessThanOrEqual(o.quota);
    }
    const [poll, push, drop] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    // Pushes are checked ahead of the queue: a change reaches its thread within the push delay and a quota slot.
    expect(push.max).toBeLessThanOrEqual(o.pushDelayMs[1] / 1000 + 1);
    expect(push.p50).toBeLessThan(poll.p50);
    // ... and the routine checks slow to reconciling: fewer DMS calls than polling alone.
    expect(push.callsPerMin).toBeLessThan(poll.callsPerMin / 2);
    // A lost push is caught by the reconciling check, within its interval (plus a quota slot).
    expect(drop.lost).toBeGreaterThan(0);
    expect(drop.lostMax).toBeLessThanOrEqual(o.reconcileSeconds + 1);
    expect(formatPushScale(rows, o)).toContain('| 300 | push-drop |');
  }, 120_000);

  it('a burst against the real HTTP server: every push answered 2xx, none lost, never above the quota', async () => {
    const r = await runPushBurst({ pushes: 60, quota: 20 });
    expect(r.answered2xx).toBe(60);
    expect(r.lost).toBe(0);
    expect(r.posted).toBe(60);
    expect(r.checks).toBeGreaterThanOrEqual(60);
    expect(r.maxChecksInAnySecond).toBeLessThanOrEqual(20);
    expect(formatPushBurst(r)).toContain('| 60 |');
  }, 120_000);
});
