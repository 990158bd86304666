/** What the watcher scale bench expects from first principles: the round-robin bound and the back-off schedule. */
import type { TheoryResult } from './types.js';

/** Poll offsets after a change was seen: interval, then doubling up to the cap (5, 15, 35, 75, 135, 195, ... s). */
function backoffOffsets(intervalMs: number, maxIntervalMs: number, horizonMs: number): number[] {
  const out: number[] = [];
  let t = 0;
  let step = intervalMs;
  while (t < horizonMs) {
    t += step;
    out.push(t);
    step = Math.min(step * 2, maxIntervalMs);
  }
  return out;
}

/** The expected mean delay for N tickets at quota Q: N/(2Q) when saturated, else what the back-off implies. */
export function theory(
  n: number,
  o: {
    quota: number;
    intervalMs: number;
    maxIntervalMs: number;
    meanChangeSeconds: number;
    minChanges: number;
    maxChanges: number;
  },
): TheoryResult {
  const m = o.meanChangeSeconds * 1000;
  const offs = backoffOffsets(o.intervalMs, o.maxIntervalMs, 30 * m);
  // Next change ~ Exp(m) after the last check that saw a change (memoryless); it is seen at the first offset >= tau.
  let eDelay = 0;
  let ePolls = 0;
  let prev = 0;
  offs.forEach((b, k) => {
    const a = prev;
    // P(a < tau <= b) and E[(b - tau); a < tau <= b] for tau ~ Exp(1/m).
    const pa = Math.exp(-a / m);
    const pb = Math.exp(-b / m);
    eDelay += (b - a) * pa - m * (pa - pb);
    ePolls += (k + 1) * (pa - pb);
    prev = b;
  });
  const k = (o.minChanges + o.maxChanges) / 2;
  // (The first status is seen at the first check, intervalMs after filing: measured apart, not in this mean.)
  const backoffImplied = eDelay / 1000;
  const lifeMs = o.intervalMs + k * (m + eDelay);
  const backoffDemandPerSecond = (n * (1 + k * ePolls)) / (lifeMs / 1000);
  const roundRobinBound = n / (2 * o.quota);
  const saturated = backoffDemandPerSecond >= o.quota;
  return {
    roundRobinBound,
    backoffImplied,
    backoffDemandPerSecond,
    saturated,
    expected: saturated ? Math.max(roundRobinBound, backoffImplied) : backoffImplied,
  };
}

/** Least mean delay of final changes any scheduler can reach: N/Q (mean time followed, at one check per ticket) − mean life, seconds. */
export function finalChangeFloor(n: number, quota: number, lifeMeanS: number): number {
  return n / quota - lifeMeanS;
}
