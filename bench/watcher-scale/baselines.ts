/**
 * The watcher scale bench's baselines on the same seeded workload: one timer per ticket at a fixed interval with no
 * quota, and the same timers with their checks throttled to Q (each re-armed when its check is done).
 */
import { CallLog, Reflector } from './measure.js';
import type { ResolvedOptions, SizeResult } from './types.js';
import { indexAt, type Life, T0, Workload } from './workload.js';

/** One timer per ticket, fixed interval, no quota: each ticket is checked every I from its creation (or its phase). */
export function runNaive(n: number, o: ResolvedOptions, warmupSeconds: number): SizeResult['naive'] {
  const wall0 = performance.now();
  const I = o.baselineIntervalMs;
  const wl = new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges);
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const refl = new Reflector(T0 + warmupSeconds * 1000, windowEnd);
  const calls = new CallLog();
  // Every change is seen within I, so two intervals past the window reflect all measured changes.
  const stopAt = windowEnd + 2 * I;
  for (let slot = 0; slot < n; slot++) {
    let life = wl.initial(slot);
    let shown = indexAt(life, T0);
    // The initial timer fires at T0 + phase, then every I.
    let first = T0 + Math.floor(wl.phase(slot, 2) * I);
    refl.begin(life, shown);
    for (;;) {
      const last = life.times.length - 1;
      let finalSeenAt = Number.NaN;
      // Walk the checks from `first`, jumping to the first check after the next change (those between find nothing).
      for (let t = first; t <= stopAt; ) {
        const i = indexAt(life, t);
        if (i > shown) shown = refl.post(life, shown, i, t);
        if (shown === last) {
          finalSeenAt = t;
          break;
        }
        t += Math.ceil((life.times[shown + 1]! - t) / I) * I || I;
      }
      const end = Number.isNaN(finalSeenAt) ? first + Math.floor((stopAt - first) / I) * I : finalSeenAt;
      if (end >= first) {
        refl.checks += Math.floor((end - first) / I) + 1;
        for (let c = first; c <= end; c += I) calls.addSecond(Math.floor((c - T0) / 1000), 1);
      }
      if (Number.isNaN(finalSeenAt)) break;
      life = wl.life(slot, life.gen + 1, finalSeenAt);
      shown = -1;
      refl.begin(life, shown);
      first = finalSeenAt + I;
    }
  }
  return {
    ...refl.result(calls.rate(o.simulatedSeconds * 1000, o.quota, false)),
    intervalMs: I,
    wallS: (performance.now() - wall0) / 1000,
  };
}

/** The same timers, each re-armed I after its check, checks throttled to Q by a limiter (FIFO, burst 1). */
export function runNaiveThrottled(n: number, o: ResolvedOptions, warmupSeconds: number): SizeResult['naiveThrottled'] {
  const wall0 = performance.now();
  const I = o.baselineIntervalMs;
  const wl = new Workload(o.seed, o.meanChangeSeconds * 1000, o.minChanges, o.maxChanges);
  const windowEnd = T0 + o.simulatedSeconds * 1000;
  const refl = new Reflector(T0 + warmupSeconds * 1000, windowEnd);
  const calls = new CallLog();
  const stopAt = windowEnd + o.maxDrainSeconds * 1000;
  const lives: Life[] = new Array<Life>(n);
  const shown = new Int32Array(n);
  // A ring buffer of (slot, readyAt); every slot is in it exactly once, readyAt non-decreasing.
  const qSlot = new Int32Array(n);
  const qReady = new Float64Array(n);
  const order = Array.from({ length: n }, (_, slot) => ({ slot, at: T0 + Math.floor(wl.phase(slot, 2) * I) })).sort(
    (a, b) => a.at - b.at,
  );
  order.forEach((e, i) => {
    qSlot[i] = e.slot;
    qReady[i] = e.at;
    const life = wl.initial(e.slot);
    lives[e.slot] = life;
    shown[e.slot] = indexAt(life, T0);
    refl.begin(life, shown[e.slot]!);
  });
  let head = 0;
  let tail = 0; // next write position (== head when full)
  let size = n;
  const spacing = 1000 / o.quota;
  let lastServe = -Infinity;
  while (size > 0) {
    const slot = qSlot[head]!;
    const t = Math.max(qReady[head]!, lastServe + spacing);
    if (t > stopAt || (t > windowEnd && refl.pending === 0)) break;
    head = (head + 1) % n;
    size--;
    lastServe = t;
    calls.add(t);
    refl.checks++;
    let life = lives[slot]!;
    const i = indexAt(life, t);
    if (i > shown[slot]!) shown[slot] = refl.post(life, shown[slot]!, i, t);
    if (shown[slot] === life.times.length - 1) {
      life = wl.life(slot, life.gen + 1, t);
      lives[slot] = life;
      shown[slot] = -1;
      refl.begin(life, -1);
    }
    qSlot[tail] = slot;
    qReady[tail] = t + I;
    tail = (tail + 1) % n;
    size++;
  }
  return { ...refl.result(calls.rate(o.simulatedSeconds * 1000, o.quota)), wallS: (performance.now() - wall0) / 1000 };
}
