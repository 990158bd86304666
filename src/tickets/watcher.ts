import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type TicketActionId,
  type TicketActivity,
  type TicketHome,
  withTicketControls,
} from '../../blocks/tickets/controls.js';
import type { TicketCard } from '../../blocks/tickets/home.js';
import type { Clock } from '../core/clock.js';
import { CloudApiError } from '../core/errors.js';
import { SlidingWindowLimiter } from '../core/rate-limit.js';
import type { StatusInfo } from '../dms/statuses.js';
import { cannotPostIn, cannotUpdate, type MessageBody, type Messenger } from '../slack/messenger.js';
import type { Store, ThreadMode, Ticket, TicketKind } from '../store/types.js';

/** What the watcher needs to know about one kind of ticket. */
export interface TicketTracker {
  /** "Data export", "Data tracking", ... */
  kindLabel: string;
  /** How a ticket is named to people (plain text); defaults to `<kindLabel> ticket <externalId>` (see ticketTitle). */
  title?(ticket: Ticket): string;
  /** Where the ticket lives on once no longer followed here ("DMS" when unset), and how to follow it again. */
  home?: TicketHome;
  /** Asks the cloud for the current status (`calls`: how many cloud calls it took, default 1). Throws CloudApiError on failure. */
  poll(ticket: Ticket): Promise<{ status: string; details?: Record<string, unknown>; calls?: number }>;
  statusInfo(status: string | null): StatusInfo;
  /** The root message for the ticket as it is now (`details.note` explains an unusual location such as a DM). */
  renderRoot(ticket: Ticket, now: number): MessageBody;
  /** The thread reply for a status change; `extra` (from onStatus, already-safe mrkdwn) belongs in its body. */
  renderReply(ticket: Ticket, status: string, previous: string | null, extra?: string[]): MessageBody;
  /** The final note when the bot stops following a ticket that never ended (null: stop quietly). */
  renderGiveUp(ticket: Ticket, hours: number): MessageBody | null;
  /** How long to follow this kind of ticket; defaults to the watcher's maxAgeMs. */
  maxAgeMs?: number;
  /** Lifecycle actions that apply to the ticket as it is now (Refresh and Stop are added for open tickets). */
  actionsFor?(ticket: Ticket): TicketActionId[];
  /**
   * Work to do when the ticket reaches `ticket.status` (e.g. deliver an export's result), before the thread hears of
   * it; returns extra already-safe mrkdwn lines for the reply. Throwing delays the change to a later pass.
   */
  onStatus?(ticket: Ticket): Promise<{ extra?: string[]; details?: Record<string, unknown>; calls?: number }>;
}

/** A ticket's name for people (plain text): its kind's own title, else "<kindLabel> ticket <externalId>". */
export function ticketTitle(tracker: TicketTracker | undefined, ticket: Ticket): string {
  return tracker?.title?.(ticket) ?? `${tracker?.kindLabel ?? ticket.kind} ticket ${ticket.externalId}`;
}

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
 * Follows open tickets: polls each when due, posts exactly one thread reply per status change, updates the root
 * message in place, backs off while nothing changes, and stops at a final status. State lives in the store, so a
 * restart resumes where the last process left off.
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
  /** This replica's name on the leases it takes. */
  readonly owner: string;
  private readonly leaseMs: number;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      trackers: Partial<Record<TicketKind, TicketTracker>>;
      settings: WatcherSettings;
    },
  ) {
    this.owner = deps.settings.owner ?? `replica-${randomBytes(6).toString('hex')}`;
    this.leaseMs = deps.settings.leaseMs ?? 120_000;
    const rate = deps.settings.pollsPerSecond;
    this.bucket = rate ? new SlidingWindowLimiter(Math.max(1, Math.floor(rate))) : undefined;
  }

  /** Keeps status checks under the cloud's query quota. */
  private readonly bucket: SlidingWindowLimiter | undefined;
  /**
   * The shortest interval the quota can pay for when every open ticket is checked in turn (open tickets / quota,
   * capped at the back-off ceiling): no ticket is planned sooner, so quick re-checks never crowd out the queue.
   */
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
        return await this.processUnlocked(ticket, manual);
      } finally {
        await this.deps.store.releaseLease(ticket.id, this.owner).catch(() => undefined);
      }
    });
  }

  private async processUnlocked(ticket: Ticket, manual: boolean): Promise<boolean> {
    try {
      return await this.process(ticket, manual);
    } catch (err) {
      // Slack or store failure: try again soon; nothing is recorded, so nothing is lost.
      const now = this.deps.clock.now();
      this.deps.logger.warn({ ticketId: ticket.id, err: describe(err) }, 'ticket update failed; will retry');
      const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      await this.deps.store.schedule(ticket.id, now + next, next, now).catch(() => undefined);
      return false;
    }
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

  /** Re-renders a ticket's root message from the stored truth (after an action, a stop, a settings change). */
  async redraw(ticketId: number): Promise<void> {
    await this.withLock(ticketId, async () => {
      const ticket = await this.deps.store.getTicket(ticketId);
      const tracker = ticket && this.deps.trackers[ticket.kind];
      if (!ticket?.rootTs || !tracker) return;
      await this.deps.messenger.update(
        ticket.channelId,
        ticket.rootTs,
        await this.render(tracker, ticket, this.deps.clock.now()),
      );
      this.changed(ticket);
    });
  }

  /** Stops following a ticket at someone's request; the root message says so and loses its buttons. */
  async stopFollowing(ticketId: number, by: string): Promise<Ticket | undefined> {
    return this.withLock(ticketId, async () => {
      const ticket = await this.deps.store.getTicket(ticketId);
      if (!ticket || ticket.done) return undefined;
      const now = this.deps.clock.now();
      const details = { ...ticket.details, stopped: { by, at: now } };
      await this.deps.store.updateDetails(ticket.id, details, now);
      await this.deps.store.finish(ticket.id, now);
      return { ...ticket, details, done: true };
    });
  }

  /** Changes a ticket's details under its lock (e.g. to record an action taken from Slack). */
  async amend(ticketId: number, change: (t: Ticket) => Record<string, unknown>): Promise<Ticket | undefined> {
    return this.withLock(ticketId, async () => {
      const ticket = await this.deps.store.getTicket(ticketId);
      if (!ticket) return undefined;
      const details = change(ticket);
      await this.deps.store.updateDetails(ticket.id, details, this.deps.clock.now());
      return { ...ticket, details };
    });
  }

  /** Which actions apply to a ticket now: its kind's lifecycle actions, plus Refresh and Stop while it is followed. */
  actionsFor(ticket: Ticket): TicketActionId[] {
    const tracker = this.deps.trackers[ticket.kind];
    const own = tracker?.actionsFor?.(ticket) ?? [];
    return ticket.done ? own.filter((a) => a === 'download') : [...own, 'refresh', 'stop'];
  }

  /** A ticket as listed in the Home tab and `/dms list`. */
  card(ticket: Ticket): TicketCard {
    const tracker = this.deps.trackers[ticket.kind];
    const info = tracker
      ? tracker.statusInfo(ticket.status)
      : { emoji: ':grey_question:', label: ticket.status ?? 'unknown', final: false };
    return {
      ticketId: ticket.id,
      title: ticketTitle(tracker, ticket),
      ...(tracker?.home ? { home: tracker.home } : {}),
      statusInfo: info,
      channelId: ticket.channelId,
      updatedAt: ticket.updatedAt,
      actions: this.actionsFor(ticket),
      done: ticket.done,
    };
  }

  /** A ticket's root message: its kind's body plus recent actions, where updates go, and the buttons. */
  private async render(tracker: TicketTracker, ticket: Ticket, now: number, mode?: ThreadMode): Promise<MessageBody> {
    const body = tracker.renderRoot(ticket, now);
    const threadMode = mode ?? (await this.threadModeFor(ticket));
    const activity = Array.isArray(ticket.details['activity']) ? (ticket.details['activity'] as TicketActivity[]) : [];
    const stopped = ticket.details['stopped'] as { by: string; at: number } | undefined;
    return {
      text: body.text,
      blocks: withTicketControls(body.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: body.text } }], {
        ticketId: ticket.id,
        summary: ticketTitle(tracker, ticket),
        home: tracker.home,
        done: ticket.done,
        actions: this.actionsFor(ticket),
        activity,
        threadMode,
        stopped,
        notes: Array.isArray(ticket.details['rootNotes']) ? (ticket.details['rootNotes'] as string[]) : undefined,
      }),
    };
  }

  /** How the ticket's channel wants updates; a root in a DM always threads. */
  async threadModeFor(ticket: Pick<Ticket, 'channelId'>): Promise<ThreadMode> {
    if (/^D/.test(ticket.channelId)) return 'threads';
    return this.deps.store.getThreadMode(ticket.channelId);
  }

  /** `manual`: a click asked for this poll; people are watching, so an unchanged status keeps the short interval. */
  private async process(queued: Ticket, manual = false): Promise<boolean> {
    // The batch was read a moment ago; the create path may have posted the root since. Act on the stored truth.
    const fresh = await this.deps.store.getTicket(queued.id);
    if (!fresh || fresh.done) return false;
    let ticket = fresh;
    const tracker = this.deps.trackers[ticket.kind];
    const now = this.deps.clock.now();
    const log = this.deps.logger.child({ ticketId: ticket.id, kind: ticket.kind, externalId: ticket.externalId });
    if (!tracker) {
      log.error('no tracker for this ticket kind; pausing it');
      await this.deps.store.schedule(
        ticket.id,
        now + this.deps.settings.maxIntervalMs,
        this.deps.settings.maxIntervalMs,
        now,
      );
      return false;
    }
    if (this.publishing.has(ticket.id)) {
      await this.deps.store.schedule(ticket.id, now + this.deps.settings.intervalMs, ticket.pollIntervalMs, now);
      return false;
    }

    // Checked first, so a ticket whose root can never be posted still ends.
    const maxAgeMs = tracker.maxAgeMs ?? this.deps.settings.maxAgeMs;
    if (now - ticket.createdAt > maxAgeMs) {
      const note = tracker.renderGiveUp(ticket, Math.round(maxAgeMs / 3_600_000));
      if (ticket.rootTs && note)
        await this.deps.messenger.reply(ticket.channelId, ticket.rootTs, note).catch(() => undefined);
      await this.deps.store.finish(ticket.id, now);
      log.info({ lastStatus: ticket.status }, 'stopped following: maximum age reached');
      const ended = { ...ticket, done: true };
      // The buttons go: nobody follows the ticket here any more.
      if (ticket.rootTs)
        await this.deps.messenger
          .update(ticket.channelId, ticket.rootTs, await this.render(tracker, ended, now))
          .catch(() => undefined);
      this.changed(ended);
      return false;
    }
    if (!ticket.rootTs) ticket = await this.publishRoot(ticket);

    let result: { status: string; details?: Record<string, unknown>; calls?: number };
    try {
      result = await tracker.poll(ticket);
      if (this.bucket && (result.calls ?? 1) > 1) this.bucket.debit(now, (result.calls ?? 1) - 1);
    } catch (err) {
      // Throttling or an outage delays the update; the ticket stays due with a back-off and is never dropped.
      const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      const retryAfter = err instanceof CloudApiError ? (err.details.retryAfterMs ?? 0) : 0;
      await this.deps.store.schedule(ticket.id, now + Math.max(next, retryAfter), next, now);
      log.warn({ err: describe(err) }, 'status poll failed; will retry');
      return false;
    }

    if (result.status === ticket.status) {
      if (tracker.statusInfo(ticket.status).final) {
        // The final status is recorded but the ticket not done (a crash, or its root could not be redrawn): draw the
        // root as ended, then finish; if Slack still refuses, try again later.
        const ended = { ...ticket, done: true };
        if (ticket.rootTs) {
          try {
            await this.deps.messenger.update(ticket.channelId, ticket.rootTs, await this.render(tracker, ended, now));
          } catch (err) {
            if (!cannotUpdate(err)) {
              const next = Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
              await this.deps.store.schedule(ticket.id, now + next, next, now);
              log.warn({ err: describe(err) }, 'final root update failed again; will retry');
              return false;
            }
          }
        }
        await this.deps.store.finish(ticket.id, now);
        this.changed(ended);
        log.info({ status: ticket.status }, 'finished a ticket left open at its final status');
        return false;
      }
      const next = manual
        ? this.deps.settings.intervalMs
        : Math.min(ticket.pollIntervalMs * 2, this.deps.settings.maxIntervalMs);
      await this.deps.store.schedule(ticket.id, now + (manual ? next : Math.max(next, this.floorMs)), next, now);
      return false;
    }

    let details = result.details ? { ...ticket.details, ...result.details } : ticket.details;
    const info = tracker.statusInfo(result.status);
    const updated: Ticket = { ...ticket, status: result.status, details, updatedAt: now, done: info.final };
    // Side effects of reaching the status (result delivery) come before the thread hears of it, so it can say so.
    const effects = tracker.onStatus ? await tracker.onStatus(updated) : {};
    if (this.bucket && effects.calls) this.bucket.debit(now, effects.calls);
    if (effects.details) details = { ...details, ...effects.details };
    const mode = await this.threadModeFor(ticket);
    const withExtra = tracker.renderReply({ ...updated, details }, result.status, ticket.status, effects.extra);
    let threadTs: string | null = null;
    if (ticket.rootTs && mode !== 'root_only') {
      // Post first, then record: a crash in between repeats at most this one reply; the reverse could lose it.
      try {
        threadTs =
          (await this.deps.messenger.reply(ticket.channelId, ticket.rootTs, withExtra, {
            broadcast: mode === 'broadcast_final' && info.final,
          })) ?? null;
      } catch (err) {
        // A thread that can never take a reply (archived channel, bot removed) must not hold the ticket back forever.
        if (!cannotPostIn(err)) throw err;
        log.warn({ err: describe(err) }, 'thread reply impossible; recording the change without it');
      }
    }
    // Root-only channels read the whole reply (status, hint, pre-check problems, delivery note) on the root message.
    const rootDetails = mode === 'root_only' ? { ...details, rootNotes: [replyText(withExtra)] } : details;
    const rendered: Ticket = { ...updated, details: rootDetails };
    await this.deps.store.recordStatus(
      ticket.id,
      result.status,
      threadTs,
      now,
      result.details || rootDetails !== ticket.details ? rootDetails : undefined,
    );
    log.info({ from: ticket.status, to: result.status }, 'status changed');
    if (!info.final)
      await this.deps.store.schedule(
        ticket.id,
        now + Math.max(this.deps.settings.intervalMs, this.floorMs),
        this.deps.settings.intervalMs,
        now,
      );
    const rootShown = ticket.rootTs
      ? await this.deps.messenger
          .update(ticket.channelId, ticket.rootTs, await this.render(tracker, rendered, now, mode))
          .then(
            () => true,
            (err: unknown) => {
              log.warn({ err: describe(err) }, 'root message update failed');
              return cannotUpdate(err);
            },
          )
      : true;
    // A final status ends the ticket only once its root shows it; otherwise the next check redraws it, then ends it.
    if (info.final) {
      if (rootShown) await this.deps.store.finish(ticket.id, now);
      else
        await this.deps.store.schedule(
          ticket.id,
          now + this.deps.settings.intervalMs,
          this.deps.settings.intervalMs,
          now,
        );
    }
    this.changed(rendered);
    return true;
  }

  /** Posts a ticket's root message (in its channel, or the requester's DM when the bot cannot post there). */
  async publishRoot(ticket: Ticket): Promise<Ticket> {
    const tracker = this.deps.trackers[ticket.kind];
    if (!tracker) throw new Error(`no tracker for ${ticket.kind}`);
    const now = this.deps.clock.now();
    const withNote = (note?: string): Ticket => (note ? { ...ticket, details: { ...ticket.details, note } } : ticket);
    this.publishing.add(ticket.id);
    try {
      const inChannel = await this.render(tracker, ticket, now);
      const inDm = (note: string) => this.render(tracker, withNote(note), now, 'threads');
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
    const published = await this.publishRoot(ticket).catch((err: unknown) => {
      this.deps.logger.warn(
        { ticketId: ticket.id, err: describe(err) },
        'root message not posted yet; the watcher will retry',
      );
      return ticket;
    });
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
    const wait = next === undefined ? 5_000 : Math.max(next, this.nextAllowedAt(now)) - now;
    this.arm(Math.min(Math.max(wait, 20), 5_000));
  }

  /**
   * Stops the loop: no new tickets are claimed, the tickets in hand are finished (bounded by `timeoutMs`), and every
   * lease this replica holds is given back so another replica takes over at once.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    this.draining = true;
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

  /** Tickets being worked on right now (for the metrics). */
  get inFlight(): number {
    return this.locks.size;
  }
}

/** The mrkdwn of a message's sections (or its fallback text), for showing a reply on the root message. */
function replyText(body: MessageBody): string {
  const sections = (body.blocks ?? []).flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
  return (sections.length ? sections.join('\n') : body.text).slice(0, 2900);
}

/** Adds already-safe mrkdwn lines to a message (as a section after its blocks, and to its fallback text). */
/** Log-safe description of an error (code and message, no request config). */
export function describe(err: unknown): Record<string, unknown> {
  if (err instanceof CloudApiError)
    return {
      code: err.details.errorCode,
      requestId: err.details.requestId,
      httpStatus: err.details.httpStatus,
      action: err.details.action,
    };
  const e = err as { code?: unknown; message?: unknown; data?: { error?: unknown } };
  return {
    code: e.data?.error ?? e.code,
    message: typeof e.message === 'string' ? e.message.slice(0, 300) : String(err),
  };
}
