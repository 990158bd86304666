/** Options and results of the push workload bench (bench/push-scale.ts). */

/** `poll`: no pushes (today's watcher); `push`: every push arrives; `push-drop`: some are lost. */
export type PushMode = 'poll' | 'push' | 'push-drop';

export interface PushScaleOptions {
  sizes: number[];
  /** DMS query quota Q (calls/s). */
  quota: number;
  /** Simulated window; changes are measured after the warm-up, and the run drains until each reached its thread. */
  simulatedSeconds: number;
  warmupSeconds: number;
  /** Mean time between two changes of one ticket (exponential); 4–5 changes per ticket, then a fresh ticket. */
  meanChangeSeconds: number;
  /** DMS_RECONCILE_INTERVAL_SECONDS. */
  reconcileSeconds: number;
  /** Share of pushes lost in `push-drop`. */
  dropRate: number;
  /** Delivery delay of a push after its change (uniform, ms). */
  pushDelayMs: [number, number];
  modes: PushMode[];
  seed: number;
  /** Watcher settings (the product defaults). */
  intervalMs: number;
  maxIntervalMs: number;
  concurrency: number;
}

export const DEFAULTS: PushScaleOptions = {
  sizes: [1_000, 10_000, 50_000],
  quota: 20,
  simulatedSeconds: 7_200,
  warmupSeconds: 1_800,
  meanChangeSeconds: 14_400,
  reconcileSeconds: 600,
  dropRate: 0.05,
  pushDelayMs: [100, 1_000],
  modes: ['poll', 'push', 'push-drop'],
  seed: 1,
  intervalMs: 5_000,
  maxIntervalMs: 60_000,
  concurrency: 4,
};

/** One size in one mode. */
export interface PushModeResult {
  mode: PushMode;
  n: number;
  /** Changes made in the measured window, and how many reached their thread. */
  changes: number;
  shown: number;
  /** Change → thread post, seconds. */
  p50: number;
  p99: number;
  max: number;
  /** Changes whose push was lost: how many, and their worst change → post delay (s). */
  lost: number;
  lostMax: number;
  /** Per minute over the measured window: status changes, DMS calls, of which checks a push asked for. */
  changesPerMin: number;
  callsPerMin: number;
  pushCallsPerMin: number;
  /** Routine (reconciling) checks per minute, and the polling cycle they make: N / routine calls per second. */
  routinePerMin: number;
  cycleSeconds: number;
  /** Most DMS calls in any 1-s window (never above Q). */
  maxCallsInAnySecond: number;
  wallSeconds: number;
}

/** The `p` quantile of ascending values (0 when empty). */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : 0;
}

/** The most values within any window of `windowMs` (values ascending). */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}
