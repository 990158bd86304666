import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { SlidingWindowLimiter } from '../core/rate-limit.js';
import type { Messenger } from '../slack/messenger.js';
import type { Store, Ticket } from '../store/types.js';
import { describe } from './describe.js';
import type { CommonDetails } from './details.js';
import type { TicketKind } from './kind.js';
import type { TicketKinds } from './kinds.js';
import { NudgeQueue } from './nudges.js';
import { RootMessages } from './root-message.js';
import { StatusCheck, type Waiting } from './status-check.js';

export { describe } from './describe.js';

/** Called after a ticket's messages changed (status, action, stop), e.g. to refresh its requester's Home tab. */
export type TicketChangeListener = (ticket: Ticket) => void;

export interface WatcherSettings {
  intervalMs: number;
  maxIntervalMs: number;
  maxAgeMs: number;
  concurrency: number;
  /** How long a claimed ticket stays this replica's; a replica that dies loses its tickets after this. */
  leaseMs?: number;
  /** This replica's name in the store's leases (default: a random one). */
  owner?: string;
  /** Cloud calls per second the watcher may make (the provider's query quota); unlimited when absent. */
  pollsPerSecond?: number;
}

/**
 * Follows open tickets: claims each when due (leases shared with other replicas, under the cloud's query quota),
 * runs its status check (status-check.ts) under a per-ticket lock, and is the one writer of a ticket's details after
 * filing. State lives in the store, so a restart resumes where the last process left off.
 */
export class StatusWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  private draining = false;
  /** Tickets whose root message is being posted right now (by the create path or a pass). */
  private readonly publishing = new Set<number>();
  /** One task per ticket at a time: a pass and a Refresh click never post the same change twice. */
  private readonly locks = new Map<number, Promise<unknown>>();
  private readonly listeners: TicketChangeListener[] = [];
  /** Tickets a push asked to check ahead of the queue (see nudge); a new one wakes the loop. */
  readonly nudges = new NudgeQueue(() => this.wake());
  /** This replica's name on the leases it takes. */
  readonly owner: string;
  private readonly leaseMs: number;
  /** How tickets show outside their thread (root message, card, buttons). */
  readonly roots: RootMessages;
  private readonly check: StatusCheck;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      kinds: TicketKinds;
      settings: WatcherSettings;
      /** Least time until a ticket's next routine check (e.g. slower reconciling while pushes arrive); 0 if absent. */
      routineFloorMs?: (ticket: Ticket, now: number) => number;
      waiting?: Waiting; // the approval loop (tickets/waiting.ts)
    },
  ) {
    this.owner = deps.settings.owner ?? `replica-${randomBytes(6).toString('hex')}`;
    this.leaseMs = deps.settings.leaseMs ?? 120_000;
    const rate = deps.settings.pollsPerSecond;
    this.bucket = rate ? new SlidingWindowLimiter(Math.max(1, Math.floor(rate))) : undefined;
    this.roots = new RootMessages({ store: deps.store, kinds: deps.kinds });
    this.check = new StatusCheck({
      ...deps,
      roots: this.roots,
      host: {
        isPublishing: (id) => this.publishing.has(id),
        publishRoot: (t) => this.publish(this.kindOf(t), t),
        debit: (now, calls) => this.bucket?.debit(now, calls),
        floorMs: (ticket, now) => Math.max(this.floorMs, deps.routineFloorMs?.(ticket, now) ?? 0),
        changed: (t) => this.changed(t),
      },
    });
  }

  /** Keeps status checks under the cloud's query quota. */
  private readonly bucket: SlidingWindowLimiter | undefined;
  /** The shortest interval the quota can pay for when every open ticket is checked in turn (open tickets / quota,
   * capped at the back-off ceiling): no ticket is planned sooner, so quick re-checks never crowd out the queue. */
  private floorMs = 0;
  private floorAt = Number.NEGATIVE_INFINITY;

  /** Polls every ticket due now (each at most once) and returns how many were processed. */
  runDue(): Promise<number> {
    // One pass at a time: a timer tick and a manual call share the same pass.
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async pass(): Promise<number> {
    const seen = new Set<number>();
    const rate = this.deps.settings.pollsPerSecond;
    if (rate && this.deps.clock.now() - this.floorAt > 10_000) {
      this.floorAt = this.deps.clock.now();
      const open = await this.deps.store.countOpen().catch(() => 0);
      this.floorMs = Math.min(this.deps.settings.maxIntervalMs, (open / rate) * 1000);
    }
    const { concurrency } = this.deps.settings;
    for (;;) {
      if (this.stopped && this.draining) return seen.size;
      if (this.nudges.size > 0 && !(await this.runNudged(seen))) return seen.size;
      // Claim no more than the quota can pay for now (the rest would only be handed back).
      const budget = this.bucket ? this.bucket.available(this.deps.clock.now()) : concurrency * 4;
      if (budget < 1) return seen.size;
      const due = (
        await this.deps.store.claimDue(
          this.deps.clock.now(),
          Math.min(concurrency * 4, budget),
          this.owner,
          this.leaseMs,
        )
      ).filter((t) => !seen.has(t.id));
      if (this.stopped && this.draining) {
        // A stop began while this claim was on its way: hand the tickets straight back (the stop may have released
        // this replica's leases already, and would not wait for these).
        await Promise.all(due.map((t) => this.deps.store.releaseLease(t.id, this.owner).catch(() => undefined)));
        return seen.size;
      }
      if (due.length === 0) return seen.size;
      for (const t of due) seen.add(t.id);
      // Tickets are independent; each ticket's own updates stay in order because one ticket is handled by one task.
      const queue = [...due];
      let quotaReached = false;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) {
            if (this.bucket && !this.bucket.tryTake(this.deps.clock.now())) {
              // Over the quota: hand the rest back untouched; they stay due and come first next time.
              quotaReached = true;
              await this.deps.store.releaseLease(t.id, this.owner).catch(() => undefined);
              continue;
            }
            await this.processSafely(t);
          }
        }),
      );
      if (quotaReached) return seen.size;
    }
  }

  /** When the watcher may next make a call under the quota (now, without a quota). */
  nextAllowedAt(now: number): number {
    return this.bucket ? this.bucket.nextAt(now) : now;
  }

  /** Runs `fn` once no other task holds the ticket. */
  private withLock<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }

  /** Subscribes to ticket changes. */
  onChange(listener: TicketChangeListener): void {
    this.listeners.push(listener);
  }

  private changed(ticket: Ticket): void {
    for (const l of this.listeners) {
      try {
        l(ticket);
      } catch (err) {
        this.deps.logger.warn({ ticketId: ticket.id, err: describe(err) }, 'change listener failed');
      }
    }
  }

  /** Processes a ticket this replica has claimed, then gives the lease back. */
  private processSafely(ticket: Ticket, manual = false): Promise<boolean> {
    return this.withLock(ticket.id, async () => {
      try {
        return await this.check.run(ticket, manual);
      } catch (err) {
        // Slack or store failure: try again soon; nothing is recorded, so nothing is lost.
        const now = this.deps.clock.now();
        this.deps.logger.warn({ ticketId: ticket.id, err: describe(err) }, 'ticket update failed; will retry');
        const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
        await this.deps.store.schedule(ticket.id, now + next, next, now).catch(() => undefined);
        return false;
      } finally {
        await this.deps.store.releaseLease(ticket.id, this.owner).catch(() => undefined);
      }
    });
  }

  /** Polls one ticket now (a Refresh click, or right after an action); true when its status changed. */
  async refreshNow(ticketId: number): Promise<boolean> {
    // Another replica may be polling it right now: then its reply is on the way and this click need not poll.
    const ticket = await this.deps.store.claimTicket(ticketId, this.deps.clock.now(), this.owner, this.leaseMs);
    if (!ticket) return false;
    // A click is answered now; its call still counts against the quota.
    this.bucket?.debit(this.deps.clock.now(), 1);
    return this.processSafely(ticket, true);
  }

  /** The stored ticket read through its kind (typed details), or undefined when missing, unknown or malformed. */
  private async load(ticketId: number): Promise<{ kind: TicketKind; ticket: Ticket<CommonDetails> } | undefined> {
    const stored = await this.deps.store.getTicket(ticketId);
    const read = stored && this.deps.kinds.read(stored, this.deps.logger.child({ ticketId }));
    return read?.ok ? read : undefined;
  }

  /** Re-renders a ticket's root message from the stored truth (after an action, a stop, a settings change). */
  async redraw(ticketId: number): Promise<void> {
    await this.withLock(ticketId, async () => {
      const read = await this.load(ticketId);
      if (!read?.ticket.rootTs) return;
      const { kind, ticket } = read;
      await this.deps.messenger.update(
        ticket.channelId,
        read.ticket.rootTs,
        await this.roots.render(kind, ticket, this.deps.clock.now()),
      );
      this.changed(ticket);
    });
  }

  /** Stops following a ticket at someone's request; the root message says so and loses its buttons. */
  async stopFollowing(ticketId: number, by: string): Promise<Ticket<CommonDetails> | undefined> {
    return this.withLock(ticketId, async () => {
      const read = await this.load(ticketId);
      if (!read || read.ticket.done) return undefined;
      const now = this.deps.clock.now();
      const details = { ...read.ticket.details, stopped: { by, at: now } };
      await this.deps.store.updateDetails(ticketId, details, now);
      await this.deps.store.finish(ticketId, now);
      return { ...read.ticket, details, done: true };
    });
  }

  /** Changes a ticket's details under its lock (e.g. to record an action taken from Slack). */
  async amend(
    ticketId: number,
    change: (t: Ticket<CommonDetails>) => CommonDetails,
  ): Promise<Ticket<CommonDetails> | undefined> {
    return this.withLock(ticketId, async () => {
      const read = await this.load(ticketId);
      if (!read) return undefined;
      const details = change(read.ticket);
      await this.deps.store.updateDetails(ticketId, details, this.deps.clock.now());
      return { ...read.ticket, details };
    });
  }

  /** A ticket as listed in the Home tab and `/dms list`. */
  card(ticket: Ticket) {
    return this.roots.card(ticket);
  }

  /** How the ticket's channel wants updates; a root in a DM always threads. */
  threadModeFor(ticket: Pick<Ticket, 'channelId'>) {
    return this.roots.threadModeFor(ticket);
  }

  private kindOf(ticket: Ticket): TicketKind {
    const kind = this.deps.kinds.of(ticket.kind);
    if (!kind) throw new Error(`no implementation for ${ticket.kind}`);
    return kind;
  }

  /** Posts a ticket's root message (in its channel, or the requester's DM when the bot cannot post there). */
  private async publish(kind: TicketKind, ticket: Ticket<CommonDetails>): Promise<Ticket<CommonDetails>> {
    const now = this.deps.clock.now();
    const withNote = (note?: string) => (note ? { ...ticket, details: { ...ticket.details, note } } : ticket);
    this.publishing.add(ticket.id);
    try {
      const inChannel = await this.roots.render(kind, ticket, now);
      const inDm = (note: string) => this.roots.render(kind, withNote(note), now, 'threads');
      const posted = await this.deps.messenger.postRoot(ticket.channelId, ticket.requesterSlackId, (note) =>
        note ? inDm(note) : Promise.resolve(inChannel),
      );
      const moved = withNote(posted.redirectedBecause && posted.note);
      await this.deps.store.setMessageLocation(
        ticket.id,
        posted.channelId,
        posted.ts,
        now,
        posted.redirectedBecause ? moved.details : undefined,
      );
      const published = { ...moved, channelId: posted.channelId, rootTs: posted.ts };
      this.changed(published);
      return published;
    } finally {
      this.publishing.delete(ticket.id);
    }
  }

  /** Starts following a just-stored ticket: posts its root now if Slack lets us (else the next pass will), and wakes the loop. */
  async follow(ticket: Ticket): Promise<Ticket> {
    const log = this.deps.logger.child({ ticketId: ticket.id });
    const read = this.deps.kinds.read(ticket, log);
    const published = read.ok
      ? await this.publish(read.kind, read.ticket).catch((err: unknown) => {
          log.warn({ err: describe(err) }, 'root message not posted yet; the watcher will retry');
          return ticket;
        })
      : ticket;
    this.wake();
    return published;
  }

  /** Starts the background loop (real timers). */
  start(): void {
    this.stopped = false;
    this.draining = false;
    this.arm(0);
  }

  /** Makes the loop look again soon (a new ticket was stored). */
  wake(): void {
    if (!this.stopped) this.arm(0);
  }

  private arm(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runDue();
    } catch (err) {
      this.deps.logger.error({ err: describe(err) }, 'watcher pass failed');
    }
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const next = await this.deps.store.nextDueAt().catch(() => undefined);
    const wait = Math.max(this.nudges.size > 0 ? now : (next ?? now + 5_000), this.nextAllowedAt(now)) - now;
    this.arm(Math.min(Math.max(wait, 20), 5_000));
  }

  /**
   * Stops the loop: no new tickets are claimed, the tickets in hand are finished (bounded by `timeoutMs`), and every
   * lease this replica holds is given back so another replica takes over at once.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    this.draining = true;
    this.nudges.clear();
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all([this.running?.catch(() => undefined), ...this.locks.values()]), bounded]);
    clearTimeout(timer);
    await this.deps.store
      .releaseAll(this.owner)
      .catch((err: unknown) => this.deps.logger.warn({ err: describe(err) }, 'could not release leases'));
  }

  /** Checks a ticket ahead of the queue, within the quota (a push said it moved); true when it found a change. */
  readonly nudge = (ticketId: number): Promise<boolean> => this.nudges.add(ticketId);

  /** Checks the nudged tickets first, within the quota; false when the quota ran out. */
  private runNudged(seen: Set<number>): Promise<boolean> {
    return this.nudges.drain(this.deps.settings.concurrency, seen, {
      tryTake: () => !this.bucket || this.bucket.tryTake(this.deps.clock.now()),
      check: async (id) => {
        const now = this.deps.clock.now();
        const ticket = await this.deps.store.claimTicket(id, now, this.owner, this.leaseMs).catch(() => undefined);
        return ticket ? this.processSafely(ticket) : false;
      },
    });
  }

  /** Tickets being worked on right now (for the metrics). */
  get inFlight(): number {
    return this.locks.size;
  }
}
