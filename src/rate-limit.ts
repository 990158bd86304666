/**
 * A token bucket on an injectable clock: `ratePerSecond` tokens a second, at most `burst` saved up. Used to keep the
 * status watcher's cloud calls under the provider's query quota.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }

  /** Takes one token if one is there. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Charges calls already made (a check that needed more than one call); the bucket may go below zero. */
  debit(now: number, n: number): void {
    this.refill(now);
    this.tokens -= n;
  }

  /** When the next token is there (now, if one is). */
  nextAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? now : now + Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}
