import { describe, expect, it } from 'vitest';
import {
  type Distribution,
  formatAckBench,
  type OpenVariantResult,
  runAckBench,
  type VariantResult,
} from '../../bench/ack.js';

// Structure and sanity only: the bench's timing targets are for `bench/ack.ts` runs, never asserted in tests.
describe('ack bench (issue 8, parts 1 and 2)', () => {
  it('drives the floor and our app side by side (closed and open loop) and matches every request to its views.open', async () => {
    const result = await runAckBench({
      concurrency: [10],
      requestsPerLevel: 100,
      warmup: 10,
      openLoop: {
        rates: [100],
        seconds: 0.5,
        warmupSeconds: 0.1,
        arrivals: 'poisson',
        capacity: { start: 100, factor: 2, seconds: 0.3, max: 100 },
      },
    });

    // Trigger times are whole milliseconds (Date.now() at both ends): a fast one may read 0, never less.
    const finitePositive = (d: Distribution, n: number, wholeMs = false) => {
      expect(d.n).toBe(n);
      for (const x of [d.mean, d.p50, d.p90, d.p99]) {
        expect(Number.isFinite(x)).toBe(true);
        if (wholeMs) expect(x).toBeGreaterThanOrEqual(0);
        else expect(x).toBeGreaterThan(0);
      }
      expect(Number.isFinite(d.max) && d.max > 0).toBe(true);
      expect(d.p50).toBeLessThanOrEqual(d.p90);
      expect(d.p90).toBeLessThanOrEqual(d.p99);
      expect(d.p99).toBeLessThanOrEqual(d.max);
    };
    const allAnswered = (v: VariantResult) => {
      expect(v.statuses).toEqual({ '200': 100 });
      finitePositive(v.latency, 100);
      expect(Number.isFinite(v.requestsPerSecond) && v.requestsPerSecond > 0).toBe(true);
    };

    expect(result.levels).toHaveLength(1);
    const level = result.levels[0]!;
    expect(level.concurrency).toBe(10);
    allAnswered(level.floor);
    allAnswered(level.ours);
    allAnswered(level.oursInfo!);
    for (const r of [level.ratio, level.ratioInfo!]) {
      expect(Number.isFinite(r.p50) && r.p50 > 0).toBe(true);
      expect(Number.isFinite(r.p99) && r.p99 > 0).toBe(true);
    }
    // One views.open per measured request of ours, found by its trigger_id (the fake Slack runs in its own thread).
    for (const t of [level.trigger, level.triggerInfo!]) {
      expect(t).toMatchObject({ requests: 100, matched: 100, missing: 0, duplicates: 0, shed: 0 });
      finitePositive(t.distribution, 100, true);
    }

    // Open loop: 50 measured requests per app at 100/s; nothing shed at this rate, every form opened once.
    const open = result.openLoop!;
    expect(open.rates).toHaveLength(1);
    const rate = open.rates[0]!;
    expect(rate.rate).toBe(100);
    const openAnswered = (v: OpenVariantResult) => {
      expect(v.statuses).toEqual({ '200': 50 });
      expect(v.shed).toBe(0);
      finitePositive(v.latency, 50);
      expect(v.ackedPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(v.driverLagP99)).toBe(true);
    };
    openAnswered(rate.floor);
    openAnswered(rate.ours);
    expect(rate.floor.trigger).toBeUndefined();
    expect(rate.ours.trigger).toMatchObject({ requests: 50, matched: 50, missing: 0, duplicates: 0, shed: 0 });
    finitePositive(rate.ours.trigger!.distribution, 50, true);
    expect(Number.isFinite(rate.ratio.p99) && rate.ratio.p99 > 0).toBe(true);
    // Capacity: 100/s, and the next step is past max; only if 100/s was missed (a loaded machine), 50/s is tried too.
    for (const c of [open.capacity!.floor, open.capacity!.ours]) {
      const [first, second] = c.probes;
      expect(first!.rate).toBe(100);
      if (first!.keptUp) expect(c).toMatchObject({ rate: 100, probes: [first] });
      else {
        expect(first!.why).toBeTruthy();
        expect(second!.rate).toBe(50);
        expect(c.rate).toBe(second!.keptUp ? 50 : 0);
      }
    }
    expect(open.capacity!.ours.probes[0]!.triggerP99).toBeDefined();
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.machine.node).toBe(process.version);

    const table = formatAckBench(result);
    expect(table).toContain('| c | app |');
    expect(table).toContain('floor (bare Bolt)');
    expect(table).toContain('ours (warn)');
    expect(table).toContain('Trigger budget');
    expect(table).toContain('Open loop');
    expect(table).toContain('Capacity');
  });
});
