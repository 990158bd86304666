/** Push arrivals in time order: a binary min-heap on `at`. */
export class Arrivals<T extends { at: number }> {
  private readonly h: T[] = [];

  /** Adds one arrival. */
  push(e: T): void {
    const h = this.h;
    h.push(e);
    for (let c = h.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (h[p]!.at <= h[c]!.at) break;
      [h[p], h[c]] = [h[c]!, h[p]!];
      c = p;
    }
  }

  /** When the next arrival is (infinity when none). */
  peek(): number {
    return this.h[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Takes the next arrival. */
  pop(): T | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let p = 0; ; ) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === p) break;
        [h[p], h[m]] = [h[m]!, h[p]!];
        p = m;
      }
    }
    return top;
  }
}
