import { describe, expect, it } from 'vitest';
import { formatAckBench, runAckBench, type Distribution, type VariantResult } from '../bench/ack.js';

// Structure and sanity only: the bench's timing targets are for `bench/ack.ts` runs, never asserted in tests.
describe('ack bench (issue 8, parts 1 and 2)', () => {
  it('drives the floor and our app side by side and matches every request to its views.open', async () => {
    const result = await runAckBench({ concurrency: [10], requestsPerLevel: 100, warmup: 10 });

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
    // One views.open per measured request of ours, found by its trigger_id.
    for (const t of [level.trigger, level.triggerInfo!]) {
      expect(t).toMatchObject({ requests: 100, matched: 100, missing: 0, duplicates: 0 });
      finitePositive(t.distribution, 100, true);
    }
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.machine.node).toBe(process.version);

    const table = formatAckBench(result);
    expect(table).toContain('| c | app |');
    expect(table).toContain('floor (bare Bolt)');
    expect(table).toContain('ours (warn)');
    expect(table).toContain('Trigger budget');
  });
});
