import type { Logger } from 'pino';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import type { Clock } from '../core/clock.js';
import { CloudApiError } from '../core/errors.js';
import { cannotPostIn, cannotUpdate, type Messenger } from '../slack/messenger.js';
import type { Store, Ticket } from '../store/types.js';
import { describe } from './describe.js';
import type { CommonDetails } from './details.js';
import type { TicketKind } from './kind.js';
import type { TicketKinds } from './kinds.js';
import { type RootMessages, replyText } from './root-message.js';
import type { WaitOutcome } from './waiting.js';

/** The watcher's timing settings a check needs. */
export interface CheckSettings {
  intervalMs: number;
  maxIntervalMs: number;
  maxAgeMs: number;
}

/** The approval loop as a check uses it (tickets/waiting.ts). */
export interface Waiting {
  reached(ticket: Ticket, actions: TicketActionId[], final: boolean): Promise<WaitOutcome>;
  ended(ticketId: number): Promise<void>;
}

/** A change that asks nobody: the reply is posted as the channel's thread mode says. */
const NOBODY_ASKED: WaitOutcome = { post: true, extra: [], groups: [] };

/** What a check asks of the watcher that runs it (its queue, quota and listeners). */
export interface CheckHost {
  /** The root message is being posted right now (by the create path or a pass). */
  isPublishing(ticketId: number): boolean;
  publishRoot(ticket: Ticket<CommonDetails>): Promise<Ticket<CommonDetails>>;
  /** Counts cloud calls beyond the one the queue paid for. */
  debit(now: number, calls: number): void;
  /** The shortest interval until a ticket's next routine check: what the quota can pay for, slower while pushes arrive. */
  floorMs(ticket: Ticket, now: number): number;
  changed(ticket: Ticket): void;
}

/**
 * One status check of one ticket, under the watcher's lock: gives up on a ticket followed too long, asks the cloud
 * for its status, and on a change does the kind's work, posts exactly one thread reply, records it, and redraws the
 * root; a final status ends the ticket once its root shows it. Unchanged: backs off.
 */
export class StatusCheck {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      kinds: TicketKinds;
      roots: RootMessages;
      settings: CheckSettings;
      host: CheckHost;
      /** The approval loop (waiting.ts): asks who can act when a state waits for someone; filters what channels hear. */
      waiting?: Waiting;
    },
  ) {}

  /** `manual`: a click asked for this poll; people are watching, so an unchanged status keeps the short interval. */
  async run(queued: Ticket, manual = false): Promise<boolean> {
    const { store, settings, host } = this.deps;
    // The batch was read a moment ago; the create path may have posted the root since. Act on the stored truth.
    const fresh = await store.getTicket(queued.id);
    if (!fresh || fresh.done) return false;
    const now = this.deps.clock.now();
    const log = this.deps.logger.child({ ticketId: fresh.id, kind: fresh.kind, externalId: fresh.externalId });
    const read = this.deps.kinds.read(fresh, log);
    if (!read.ok) {
      // Unknown here (not configured) or malformed (logged with its paths): paused, never dropped or crashed on.
      if (read.reason === 'unknown_kind') log.error('no implementation for this ticket kind; pausing it');
      else log.error('ticket details do not fit their kind; pausing it');
      await store.schedule(fresh.id, now + settings.maxIntervalMs, settings.maxIntervalMs, now);
      return false;
    }
    const { kind } = read;
    let ticket = read.ticket;
    if (host.isPublishing(ticket.id)) {
      await store.schedule(ticket.id, now + settings.intervalMs, ticket.pollIntervalMs, now);
      return false;
    }
    // Checked first, so a ticket whose root can never be posted still ends.
    const maxAgeMs = kind.maxAgeMs ?? settings.maxAgeMs;
    if (now - ticket.createdAt > maxAgeMs) {
      await this.giveUp(kind, ticket, maxAgeMs, now, log);
      return false;
    }
    if (!ticket.rootTs) ticket = await host.publishRoot(ticket);

    let result: { status: string; details?: Partial<CommonDetails>; calls?: number };
    try {
      result = await kind.poll(ticket);
      if ((result.calls ?? 1) > 1) host.debit(now, (result.calls ?? 1) - 1);
    } catch (err) {
      // Throttling or an outage delays the update; the ticket stays due with a back-off and is never dropped.
      const next = Math.min(ticket.pollIntervalMs * 2, settings.maxIntervalMs);
      const retryAfter = err instanceof CloudApiError ? (err.details.retryAfterMs ?? 0) : 0;
      await store.schedule(ticket.id, now + Math.max(next, retryAfter), next, now);
      log.warn({ err: describe(err) }, 'status poll failed; will retry');
      return false;
    }
    if (result.status === ticket.status) {
      await this.unchanged(kind, ticket, manual, now, log);
      return false;
    }
    await this.apply(kind, ticket, result, now, log);
    return true;
  }

  /** Stops following a ticket older than its kind's follow period, with the kind's note in the thread. */
  private async giveUp(
    kind: TicketKind,
    ticket: Ticket<CommonDetails>,
    maxAgeMs: number,
    now: number,
    log: Logger,
  ): Promise<void> {
    const note = kind.renderGiveUp(ticket, Math.round(maxAgeMs / 3_600_000));
    if (ticket.rootTs && note)
      await this.deps.messenger.reply(ticket.channelId, ticket.rootTs, note).catch(() => undefined);
    await this.deps.store.finish(ticket.id, now);
    log.info({ lastStatus: ticket.status }, 'stopped following: maximum age reached');
    const ended = { ...ticket, done: true };
    // The buttons go: nobody follows the ticket here any more.
    if (ticket.rootTs)
      await this.deps.messenger
        .update(ticket.channelId, ticket.rootTs, await this.deps.roots.render(kind, ended, now))
        .catch(() => undefined);
    this.deps.host.changed(ended);
  }

  /** No change: backs off; a final status recorded but not yet ended (a crash, a refused redraw) ends now. */
  private async unchanged(
    kind: TicketKind,
    ticket: Ticket<CommonDetails>,
    manual: boolean,
    now: number,
    log: Logger,
  ): Promise<void> {
    const { store, settings } = this.deps;
    if (kind.statusInfo(ticket.status).final) {
      // The final status is recorded but the ticket not done (a crash, or its root could not be redrawn): draw the
      // root as ended, then finish; if Slack still refuses, try again later.
      const ended = { ...ticket, done: true };
      if (ticket.rootTs) {
        try {
          await this.deps.messenger.update(
            ticket.channelId,
            ticket.rootTs,
            await this.deps.roots.render(kind, ended, now),
          );
        } catch (err) {
          if (!cannotUpdate(err)) {
            const next = Math.min(ticket.pollIntervalMs * 2, settings.maxIntervalMs);
            await store.schedule(ticket.id, now + next, next, now);
            log.warn({ err: describe(err) }, 'final root update failed again; will retry');
            return;
          }
        }
      }
      await store.finish(ticket.id, now);
      this.deps.host.changed(ended);
      log.info({ status: ticket.status }, 'finished a ticket left open at its final status');
      return;
    }
    const next = manual ? settings.intervalMs : Math.min(ticket.pollIntervalMs * 2, settings.maxIntervalMs);
    await store.schedule(
      ticket.id,
      now + (manual ? next : Math.max(next, this.deps.host.floorMs(ticket, now))),
      next,
      now,
    );
  }

  /** A new status: the kind's work, one thread reply, the record, the root redrawn; a final status ends it. */
  private async apply(
    kind: TicketKind,
    ticket: Ticket<CommonDetails>,
    result: { status: string; details?: Partial<CommonDetails> },
    now: number,
    log: Logger,
  ): Promise<void> {
    const { store, settings, host, messenger } = this.deps;
    let details: CommonDetails = result.details ? { ...ticket.details, ...result.details } : ticket.details;
    const info = kind.statusInfo(result.status);
    const updated = { ...ticket, status: result.status, details, updatedAt: now, done: info.final };
    // Side effects of reaching the status (result delivery) come before the thread hears of it, so it can say so.
    const effects = kind.onStatus ? await kind.onStatus(updated) : {};
    if (effects.calls) host.debit(now, effects.calls);
    if (effects.details) {
      // Stored at once, before the reply: if the reply fails and the change is retried, the work is not done twice.
      await store.updateDetails(ticket.id, { ...ticket.details, ...effects.details }, now);
      details = { ...details, ...effects.details };
    }
    const mode = await this.deps.roots.threadModeFor(ticket);
    // Who the new state waits for (asked in this reply, reminded later), and whether this channel hears the change.
    const asked =
      (await this.deps.waiting?.reached(
        { ...updated, details },
        this.deps.roots.actionsFor(kind, { ...updated, details }),
        info.final,
      )) ?? NOBODY_ASKED;
    const extra = [...(effects.extra ?? []), ...asked.extra];
    const reply = kind.renderReply({ ...updated, details }, result.status, ticket.status, extra);
    let threadTs: string | null = null;
    if (ticket.rootTs && mode !== 'root_only' && asked.post) {
      // Post first, then record: a crash in between repeats at most this one reply; the reverse could lose it.
      try {
        threadTs =
          (await messenger.reply(ticket.channelId, ticket.rootTs, reply, {
            broadcast: mode === 'broadcast_final' && info.final,
            groups: asked.groups,
          })) ?? null;
      } catch (err) {
        // A thread that can never take a reply (archived channel, bot removed) must not hold the ticket back forever.
        if (!cannotPostIn(err)) throw err;
        log.warn({ err: describe(err) }, 'thread reply impossible; recording the change without it');
      }
    }
    // Root-only channels read the whole reply (status, hint, pre-check problems, delivery note) on the root message.
    const rootDetails = mode === 'root_only' ? { ...details, rootNotes: [replyText(reply)] } : details;
    const rendered = { ...updated, details: rootDetails };
    await store.recordStatus(
      ticket.id,
      result.status,
      threadTs,
      now,
      result.details || rootDetails !== ticket.details ? rootDetails : undefined,
    );
    log.info({ from: ticket.status, to: result.status }, 'status changed');
    if (!info.final)
      await store.schedule(
        ticket.id,
        now + Math.max(settings.intervalMs, host.floorMs(ticket, now)),
        settings.intervalMs,
        now,
      );
    const rootShown = ticket.rootTs
      ? await messenger
          .update(ticket.channelId, ticket.rootTs, await this.deps.roots.render(kind, rendered, now, mode))
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
      if (rootShown) await store.finish(ticket.id, now);
      else await store.schedule(ticket.id, now + settings.intervalMs, settings.intervalMs, now);
    }
    host.changed(rendered);
  }
}
