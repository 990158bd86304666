/** The watcher scale bench's bookkeeping: delay samples, call rates, and which changes reached their thread when. */
import type { CallRate, DelayStats, ModelResult } from './types.js';
import { indexAt, type Life, T0 } from './workload.js';

/** A growable list of numbers with nearest-rank statistics. */
export class Samples {
  private a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  stats(scale = 1 / 1000): DelayStats {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
    const s = this.a.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < s.length; i++) sum += s[i]!;
    const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! * scale;
    return { count: this.n, mean: (sum / this.n) * scale, p50: q(0.5), p95: q(0.95), max: s[s.length - 1]! * scale };
  }
  /** The raw values (call times). */
  values(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

/** Calls over time: per aligned second, and the times themselves for sliding windows. */
export class CallLog {
  readonly times = new Samples();
  private perSecond: number[] = [];
  add(t: number, n = 1): void {
    for (let i = 0; i < n; i++) this.times.push(t);
    const s = Math.floor((t - T0) / 1000);
    while (this.perSecond.length <= s) this.perSecond.push(0);
    this.perSecond[s] = (this.perSecond[s] ?? 0) + n;
  }
  /** Aggregate counts for a model that only needs per-second counts (the unthrottled baseline). */
  addSecond(s: number, n: number): void {
    while (this.perSecond.length <= s) this.perSecond.push(0);
    this.perSecond[s] = (this.perSecond[s] ?? 0) + n;
  }
  rate(windowMs: number, quota: number, withTimes = true): CallRate {
    const secs = Math.floor(windowMs / 1000);
    let total = 0;
    let maxAligned = 0;
    let over = 0;
    for (let s = 0; s < this.perSecond.length; s++) {
      const c = this.perSecond[s]!;
      if (s < secs) total += c;
      maxAligned = Math.max(maxAligned, c);
      if (c > quota) over++;
    }
    let maxWindow = 0;
    if (withTimes) {
      const t = this.times.values();
      for (let i = 0, j = 0; i < t.length; i++) {
        while (j < t.length && t[j]! < t[i]! + 1000) j++;
        maxWindow = Math.max(maxWindow, j - i);
      }
    } else {
      maxWindow = Number.NaN;
    }
    return {
      total,
      perMinute: total / (windowMs / 60_000),
      perSecondMean: total / (windowMs / 1000),
      maxInAlignedSecond: maxAligned,
      maxInAnyWindow: maxWindow,
      secondsOverQuota: over,
    };
  }
}

/** Per-model bookkeeping of which changes reached the thread, and when. */
export class Reflector {
  /** Changes after the first status (i >= 1). */
  readonly reflect = new Samples();
  readonly posted = new Samples();
  /** The first status of a new ticket (there at filing; the thread learns it at the first check). */
  readonly first = new Samples();
  readonly finalDelay = new Samples();
  private lifeSum = 0;
  superseded = 0;
  pending = 0;
  checks = 0;
  /** Posts (own replies) and changes shown, over the whole run (measured or not). */
  posts = 0;
  shownChanges = 0;
  duplicates = 0;
  outOfOrder = 0;
  stale = 0;
  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  private measured(t: number): boolean {
    return t >= this.from && t <= this.to;
  }

  /** A life starts being followed with status `known` already in its thread (-1: none). */
  begin(life: Life, known: number): void {
    for (let i = known + 1; i < life.times.length; i++) if (this.measured(life.times[i]!)) this.pending++;
  }

  /** The thread of `life` (showing `shown`) gets status index `k` at time `p`; returns the new shown index. */
  post(life: Life, shown: number, k: number, p: number): number {
    if (k === shown) {
      this.duplicates++;
      return shown;
    }
    if (k < shown) {
      this.outOfOrder++;
      return shown;
    }
    if (indexAt(life, p) !== k) this.stale++;
    this.posts++;
    this.shownChanges += k - shown;
    for (let i = shown + 1; i <= k; i++) {
      const t = life.times[i]!;
      if (!this.measured(t)) continue;
      this.pending--;
      if (i === 0) {
        this.first.push(p - t);
        continue;
      }
      this.reflect.push(p - t);
      if (i === life.times.length - 1) {
        this.finalDelay.push(p - t);
        this.lifeSum += t - life.times[0]!;
      }
      if (i === k) this.posted.push(p - t);
      else this.superseded++;
    }
    return k;
  }

  result(calls: CallRate): ModelResult {
    return {
      reflect: this.reflect.stats(),
      posted: this.posted.stats(),
      firstStatus: this.first.stats(),
      finalChange: this.finalDelay.stats(),
      finalLifeMean: this.finalDelay.n ? this.lifeSum / this.finalDelay.n / 1000 : 0,
      superseded: this.superseded,
      unreflected: this.pending,
      calls,
      idleCheckShare: this.checks ? (this.checks - this.posts) / this.checks : 0,
    };
  }
}
