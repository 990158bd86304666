/**
 * The keys seen within `ttlMs`, at most `capacity` of them (the oldest forgotten first): enough to tell a re-sent
 * push from a new one without growing without bound. A forgotten key only costs one more API read.
 */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 3_600_000,
  ) {}

  /** Records `key` at `now`; false when it was already seen within the ttl. */
  add(key: string, now: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.delete(key);
    this.seen.set(key, now);
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return true;
  }
}
