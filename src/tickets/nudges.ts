/**
 * Tickets asked to be checked ahead of the polling queue (a push said they moved), in the order asked, each once:
 * asking again before the check only adds a waiter. Each waiter learns whether the check found a change.
 */
export class NudgeQueue {
  private readonly waiting = new Map<number, ((changed: boolean) => void)[]>();

  /** `onAdd`: told whenever a ticket is queued (the watcher wakes its loop). */
  constructor(private readonly onAdd: () => void = () => undefined) {}

  /** Queues a ticket (once); resolves with whether its check found a change. */
  add(ticketId: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(ticketId);
      if (waiters) waiters.push(resolve);
      else this.waiting.set(ticketId, [resolve]);
      this.onAdd();
    });
  }

  /** The oldest queued ticket, taken off the queue with its waiters (undefined when empty). */
  take(): { ticketId: number; settle(changed: boolean): void } | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [ticketId, waiters] = first.value;
    this.waiting.delete(ticketId);
    return {
      ticketId,
      settle: (changed) => {
        for (const w of waiters) w(changed);
      },
    };
  }

  /** Tickets queued now. */
  get size(): number {
    return this.waiting.size;
  }

  /** Empties the queue; every waiter hears "no change" (a stop: the next replica's checks take over). */
  clear(): void {
    for (const waiters of this.waiting.values()) for (const w of waiters) w(false);
    this.waiting.clear();
  }

  /**
   * Checks queued tickets, `concurrency` at a time, each after `tryTake` granted a quota slot; false when a slot was
   * refused (the rest stay queued); each ticket taken joins `seen`. `check` says whether the ticket changed (a finished ticket, or one another replica
   * holds, is "no change": its own check is on the way).
   */
  async drain(
    concurrency: number,
    seen: Set<number>,
    q: { tryTake(): boolean; check(ticketId: number): Promise<boolean> },
  ): Promise<boolean> {
    let quotaLeft = true;
    const worker = async (): Promise<void> => {
      while (quotaLeft && this.waiting.size > 0) {
        if (!q.tryTake()) {
          quotaLeft = false;
          return;
        }
        const next = this.take();
        if (!next) return;
        seen.add(next.ticketId);
        next.settle(await q.check(next.ticketId));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return quotaLeft;
  }
}
