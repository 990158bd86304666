import type { TicketKindId } from '../../store/types.js';

/**
 * How often tickets are checked while pushes arrive. A push is a hint, so polling stays on as reconciliation; while
 * pushes for a kind of ticket keep arriving (one within `quietMs`), its routine checks slow to `reconcileMs`, so a
 * lost push delays an update by at most that. When they stop (none for `quietMs`), the normal cadence returns.
 * Per kind, because DMS may push for some modules and not others (push.md): a kind never heard from is never slowed.
 */
export class PushCadence {
  private readonly lastHeard = new Map<TicketKindId, number>();

  constructor(private readonly settings: { reconcileMs: number; quietMs: number }) {}

  /** A push for a followed ticket of this kind arrived at `now`. */
  heard(kind: TicketKindId, now: number): void {
    this.lastHeard.set(kind, Math.max(now, this.lastHeard.get(kind) ?? now));
  }

  /** Whether pushes for this kind are arriving now. */
  live(kind: TicketKindId, now: number): boolean {
    const at = this.lastHeard.get(kind);
    return at !== undefined && now - at <= this.settings.quietMs;
  }

  /** The least time until a routine check of a ticket of this kind: the reconcile interval while pushes arrive, else 0. */
  floorMs(kind: TicketKindId, now: number): number {
    return this.live(kind, now) ? this.settings.reconcileMs : 0;
  }
}
