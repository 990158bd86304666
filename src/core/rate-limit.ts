/**
 * At most `limit` calls in any window of `windowMs` (a sliding window over the times of the calls), on an
 * injectable clock. Keeps the status watcher's cloud calls under the provider's query quota: unlike a token bucket,
 * it never lets a saved-up burst push one second over the quota.
 */
export class SlidingWindowLimiter {
  /** Times of the calls still inside the window, oldest first. */
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  private prune(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
  }

  /** Takes one call if the window has room. */
  tryTake(now: number): boolean {
    this.prune(now);
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }

  /** Charges calls already made (a check that needed more than one call). */
  debit(now: number, n: number): void {
    for (let i = 0; i < n; i++) this.times.push(now);
  }

  /** How many calls the window has room for now. */
  available(now: number): number {
    this.prune(now);
    return Math.max(0, this.limit - this.times.length);
  }

  /** When the next call fits (now, if one does). */
  nextAt(now: number): number {
    this.prune(now);
    return this.times.length < this.limit ? now : this.times[this.times.length - this.limit]! + this.windowMs;
  }
}
