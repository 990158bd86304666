import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { StatusInfo } from './dms/statuses.js';
import { CloudApiError } from './errors.js';
import type { MessageBody, Messenger } from './messenger.js';
import type { Store, Ticket, TicketKind } from './store/types.js';

/** What the watcher needs to know about one kind of ticket. */
export interface TicketTracker {
  /** "Data export", "Data tracking", ... */
  kindLabel: string;
  /** Asks the cloud for the current status. Throws CloudApiError on failure. */
  poll(ticket: Ticket): Promise<{ status: string; details?: Record<string, unknown> }>;
  statusInfo(status: string | null): StatusInfo;
  /** The root message for the ticket as it is now (`details.note` explains an unusual location such as a DM). */
  renderRoot(ticket: Ticket, now: number): MessageBody;
  /** The thread reply for a status change. */
  renderReply(ticket: Ticket, status: string, previous: string | null): MessageBody;
  /** The final note when the bot stops following a ticket that never ended (null: stop quietly). */
  renderGiveUp(ticket: Ticket, hours: number): MessageBody | null;
  /** How long to follow this kind of ticket; defaults to the watcher's maxAgeMs. */
  maxAgeMs?: number;
}

export interface WatcherSettings {
  intervalMs: number;
  maxIntervalMs: number;
  maxAgeMs: number;
  concurrency: number;
}

/**
 * Follows open tickets: polls each when due, posts exactly one thread reply per status change, updates the root
 * message in place, backs off while nothing changes, and stops at a final status. State lives in the store, so a
 * restart resumes where the last process left off.
 */
export class StatusWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  /** Tickets whose root message is being posted right now (by the create path or a pass). */
  private readonly publishing = new Set<number>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      trackers: Partial<Record<TicketKind, TicketTracker>>;
      settings: WatcherSettings;
    },
  ) {}

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
    const { concurrency } = this.deps.settings;
    for (;;) {
      const due = (await this.deps.store.dueTickets(this.deps.clock.now(), concurrency * 4)).filter((t) => !seen.has(t.id));
      if (due.length === 0) return seen.size;
      for (const t of due) seen.add(t.id);
      // Tickets are independent; each ticket's own updates stay in order because one ticket is handled by one task.
      const queue = [...due];
      await Promise.all(
        Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) await this.processSafely(t);
        }),
      );
    }
  }

  private async processSafely(ticket: Ticket): Promise<void> {
    try {
      await this.process(ticket);
    } catch (err) {
      // Slack or store failure: try again soon; nothing is recorded, so nothing is lost.
      const now = this.deps.clock.now();
      this.deps.logger.warn({ ticketId: ticket.id, err: describe(err) }, 'ticket update failed; will retry');
      const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      await this.deps.store.schedule(ticket.id, now + next, next, now).catch(() => undefined);
    }
  }

  private async process(queued: Ticket): Promise<void> {
    // The batch was read a moment ago; the create path may have posted the root since. Act on the stored truth.
    const fresh = await this.deps.store.getTicket(queued.id);
    if (!fresh || fresh.done) return;
    let ticket = fresh;
    const tracker = this.deps.trackers[ticket.kind];
    const now = this.deps.clock.now();
    const log = this.deps.logger.child({ ticketId: ticket.id, kind: ticket.kind, externalId: ticket.externalId });
    if (!tracker) {
      log.error('no tracker for this ticket kind; pausing it');
      await this.deps.store.schedule(ticket.id, now + this.deps.settings.maxIntervalMs, this.deps.settings.maxIntervalMs, now);
      return;
    }
    if (this.publishing.has(ticket.id)) {
      await this.deps.store.schedule(ticket.id, now + this.deps.settings.intervalMs, ticket.pollIntervalMs, now);
      return;
    }

    // Checked first, so a ticket whose root can never be posted still ends.
    const maxAgeMs = tracker.maxAgeMs ?? this.deps.settings.maxAgeMs;
    if (now - ticket.createdAt > maxAgeMs) {
      const note = tracker.renderGiveUp(ticket, Math.round(maxAgeMs / 3_600_000));
      if (ticket.rootTs && note) await this.deps.messenger.reply(ticket.channelId, ticket.rootTs, note).catch(() => undefined);
      await this.deps.store.finish(ticket.id, now);
      log.info({ lastStatus: ticket.status }, 'stopped following: maximum age reached');
      return;
    }
    if (!ticket.rootTs) ticket = await this.publishRoot(ticket);

    let result: { status: string; details?: Record<string, unknown> };
    try {
      result = await tracker.poll(ticket);
    } catch (err) {
      // Throttling or an outage delays the update; the ticket stays due with a back-off and is never dropped.
      const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      const retryAfter = err instanceof CloudApiError ? (err.details.retryAfterMs ?? 0) : 0;
      await this.deps.store.schedule(ticket.id, now + Math.max(next, retryAfter), next, now);
      log.warn({ err: describe(err) }, 'status poll failed; will retry');
      return;
    }

    if (result.status === ticket.status) {
      const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      await this.deps.store.schedule(ticket.id, now + next, next, now);
      return;
    }

    const details = result.details ? { ...ticket.details, ...result.details } : ticket.details;
    const updated: Ticket = { ...ticket, status: result.status, details, updatedAt: now };
    const info = tracker.statusInfo(result.status);
    // Post first, then record: a crash in between repeats at most this one reply; the reverse could lose it.
    const threadTs = ticket.rootTs ? ((await this.deps.messenger.reply(ticket.channelId, ticket.rootTs, tracker.renderReply(updated, result.status, ticket.status))) ?? null) : null;
    await this.deps.store.recordStatus(ticket.id, result.status, threadTs, now, result.details ? details : undefined);
    log.info({ from: ticket.status, to: result.status }, 'status changed');
    if (ticket.rootTs) {
      await this.deps.messenger.update(ticket.channelId, ticket.rootTs, tracker.renderRoot(updated, now)).catch((err: unknown) => {
        log.warn({ err: describe(err) }, 'root message update failed');
      });
    }
    if (info.final) {
      await this.deps.store.finish(ticket.id, now);
    } else {
      await this.deps.store.schedule(ticket.id, now + this.deps.settings.intervalMs, this.deps.settings.intervalMs, now);
    }
  }

  /** Posts a ticket's root message (in its channel, or the requester's DM when the bot cannot post there). */
  async publishRoot(ticket: Ticket): Promise<Ticket> {
    const tracker = this.deps.trackers[ticket.kind];
    if (!tracker) throw new Error(`no tracker for ${ticket.kind}`);
    const now = this.deps.clock.now();
    const withNote = (note?: string): Ticket => (note ? { ...ticket, details: { ...ticket.details, note } } : ticket);
    this.publishing.add(ticket.id);
    try {
      const posted = await this.deps.messenger.postRoot(ticket.channelId, ticket.requesterSlackId, (note) => tracker.renderRoot(withNote(note), now));
      const moved = withNote(posted.redirectedBecause && posted.note);
      await this.deps.store.setMessageLocation(ticket.id, posted.channelId, posted.ts, now, posted.redirectedBecause ? moved.details : undefined);
      return { ...moved, channelId: posted.channelId, rootTs: posted.ts };
    } finally {
      this.publishing.delete(ticket.id);
    }
  }

  /** Starts following a just-stored ticket: posts its root now if Slack lets us (else the next pass will), and wakes the loop. */
  async follow(ticket: Ticket): Promise<Ticket> {
    const published = await this.publishRoot(ticket).catch((err: unknown) => {
      this.deps.logger.warn({ ticketId: ticket.id, err: describe(err) }, 'root message not posted yet; the watcher will retry');
      return ticket;
    });
    this.wake();
    return published;
  }

  /** Starts the background loop (real timers). */
  start(): void {
    this.stopped = false;
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
    const next = await this.deps.store.nextDueAt().catch(() => undefined);
    const wait = next === undefined ? 5_000 : next - this.deps.clock.now();
    this.arm(Math.min(Math.max(wait, 20), 5_000));
  }

  /** Stops the loop and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}

/** Log-safe description of an error (code and message, no request config). */
export function describe(err: unknown): Record<string, unknown> {
  if (err instanceof CloudApiError) return { code: err.details.errorCode, requestId: err.details.requestId, httpStatus: err.details.httpStatus, action: err.details.action };
  const e = err as { code?: unknown; message?: unknown; data?: { error?: unknown } };
  return { code: e.data?.error ?? e.code, message: typeof e.message === 'string' ? e.message.slice(0, 300) : String(err) };
}
