import { describe, expect, it } from 'vitest';
import {
  finalChangeFloor,
  formatSlackCheck,
  formatWatcherScale,
  runSlackRateLimitCheck,
  runWatcherScale,
  theory,
} from '../../bench/watcher-scale.js';

// The watcher scale benchmark (bench/watcher-scale.ts), run tiny: structure and invariants only, no timing.
describe('watcher scale bench', () => {
  it('a small simulated run keeps every invariant: quota, each change reaches its thread once and in order, two Slack calls per change', async () => {
    const report = await runWatcherScale({
      sizes: [200],
      quota: 20,
      simulatedSeconds: 600,
      store: 'memory',
      logLevel: 'silent',
    });
    expect(report.results).toHaveLength(1);
    const [r] = report.results;
    expect(r!.n).toBe(200);
    const p = r!.product;

    // Changes were measured, and every one reached its thread before the run stopped.
    expect(p.reflect.count).toBeGreaterThan(100);
    expect(p.unreflected).toBe(0);
    // Each change is either posted as its own reply or overtaken by a later status before the next check.
    expect(p.posted.count + p.superseded).toBe(p.reflect.count);
    // Never posted twice, never out of order, never a status the cloud no longer had.
    expect(p.invariants).toEqual({ duplicates: 0, outOfOrder: 0, stale: 0 });
    expect(p.reflect.p95).toBeGreaterThanOrEqual(p.reflect.p50);
    expect(p.reflect.max).toBeGreaterThanOrEqual(p.reflect.p95);

    // Never above the quota, in any aligned second or any sliding one-second window.
    expect(p.calls.total).toBeGreaterThan(0);
    expect(p.calls.maxInAlignedSecond).toBeLessThanOrEqual(20);
    expect(p.calls.maxInAnyWindow).toBeLessThanOrEqual(20);
    expect(p.calls.secondsOverQuota).toBe(0);

    // Slack: one reply and one root update per posted change, nothing else; fewer per change when changes merge.
    expect(p.slack.replies).toBeGreaterThan(0);
    expect(p.slack.updates).toBe(p.slack.replies);
    expect(p.slack.other).toBe(0);
    expect(p.slack.perPostedChange).toBeLessThanOrEqual(2);
    expect(p.slack.perChange).toBeLessThanOrEqual(2);

    // Baselines on the same workload: the naive timers call N/I per second, far over the quota.
    expect(r!.naive.calls.perSecondMean).toBeCloseTo(200 / 5, 0);
    expect(r!.naive.unreflected).toBe(0);
    expect(r!.naiveThrottled.calls.maxInAnyWindow).toBeLessThanOrEqual(20);
    expect(r!.naiveThrottled.unreflected).toBe(0);

    const md = formatWatcherScale(report);
    expect(md).toContain('| 200 |');
    expect(md).toContain('bound N/(2Q)');
  });

  it('theory: the round-robin bound and the back-off demand', () => {
    const t = theory(10_000, {
      quota: 20,
      intervalMs: 5_000,
      maxIntervalMs: 60_000,
      meanChangeSeconds: 300,
      minChanges: 4,
      maxChanges: 5,
    });
    expect(t.roundRobinBound).toBe(250);
    expect(t.saturated).toBe(true);
    // With no quota, changes every 5 min and checks backing off to 60 s, a change waits under half the cap on average.
    expect(t.backoffImplied).toBeGreaterThan(15);
    expect(t.backoffImplied).toBeLessThan(30);
    expect(
      theory(100, {
        quota: 20,
        intervalMs: 5_000,
        maxIntervalMs: 60_000,
        meanChangeSeconds: 300,
        minChanges: 4,
        maxChanges: 5,
      }).saturated,
    ).toBe(false);
  });

  // Tickets whose whole life is shorter than one polling cycle (N/Q): the single-check floor N/Q − life is above
  // N/(2Q), no scheduler gets under it, and the watcher stays close to it.
  it('short-lived tickets: final changes wait at least the single-check floor, and the watcher stays near it', async () => {
    const report = await runWatcherScale({
      sizes: [600],
      quota: 2,
      simulatedSeconds: 1800,
      meanChangeSeconds: 20,
      store: 'memory',
      logLevel: 'silent',
    });
    const r = report.results[0]!;
    const p = r.product;
    const floor = finalChangeFloor(600, 2, p.finalLifeMean);
    expect(p.finalChange.count).toBeGreaterThan(100);
    expect(p.finalLifeMean).toBeGreaterThan(60);
    expect(floor).toBeGreaterThan(r.theory.roundRobinBound);
    // A floor up to sampling noise (the measured tickets are those whose final change fell in the window).
    expect(p.finalChange.mean).toBeGreaterThan(0.9 * floor);
    expect(p.finalChange.mean).toBeLessThan(1.3 * floor);
    expect(p.unreflected).toBe(0);
    expect(p.calls.maxInAnyWindow).toBeLessThanOrEqual(2);
    expect(formatWatcherScale(report)).toContain('single-check floor');
  });

  // A backlog at start (e.g. after a restart) must not get more than Q checks in any second, aligned or not.
  it('with a backlog at start, the watcher stays within the quota in every second', async () => {
    const report = await runWatcherScale({
      sizes: [2_000],
      quota: 20,
      simulatedSeconds: 30,
      store: 'memory',
      logLevel: 'silent',
    });
    const calls = report.results[0]!.product.calls;
    expect(calls.total).toBeGreaterThan(500);
    expect(calls.maxInAlignedSecond).toBeLessThanOrEqual(20);
    expect(calls.maxInAnyWindow).toBeLessThanOrEqual(20);
  });

  it('real app under Slack 429s with Retry-After (client retries on): no status lost, threads in order, roots end final', async () => {
    const r = await runSlackRateLimitCheck({ tickets: 3, retries: 'fast', retryAfterSeconds: 0, burstRounds: [1, 3] });
    expect(r.problems).toEqual([]);
    expect(r.rateLimited).toBeGreaterThan(0);
    expect(r.threadsComplete).toBe(3);
    expect(r.threadsInOrder).toBe(3);
    expect(r.rootsFinal).toBe(3);
    expect(r.duplicateReplies).toBe(0);
    // One reply and one root update per change.
    expect(r.threadCallsPerChange).toBe(2);
    expect(formatSlackCheck([r], 0)).toContain('| fast |');
  });
});
