import type { Logger } from 'pino';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import { reminderMessage } from '../../blocks/tickets/waiting.js';
import type { QuietHours } from '../config.js';
import type { Clock } from '../core/clock.js';
import { knownTimeZone, UTC } from '../core/time-zone.js';
import { wallTime } from '../core/wall-clock.js';
import type { Messenger } from '../slack/messenger.js';
import type { Store, Ticket, TicketWait } from '../store/types.js';

export interface ReminderSettings {
  /** How long a ticket waits before its first reminder (REMIND_AFTER_MINUTES). */
  afterMs: number;
  /** The least time between two reminders to one person about one ticket state (REMIND_EVERY_HOURS). */
  everyMs: number;
  /** Hours when nobody is reminded, in their own zone (QUIET_HOURS); null: any hour. */
  quiet: QuietHours | null;
}

/** Whether `hour` (0-23) falls in the quiet hours (which may wrap past midnight, as 22-08 does). */
export function isQuietHour(hour: number, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  return quiet.from < quiet.to ? hour >= quiet.from && hour < quiet.to : hour >= quiet.from || hour < quiet.to;
}

/** Which reminder is due `waitedMs` after a ticket began waiting (0 the first), or -1 when none is due yet. */
export function reminderSlot(waitedMs: number, s: Pick<ReminderSettings, 'afterMs' | 'everyMs'>): number {
  return waitedMs < s.afterMs ? -1 : Math.floor((waitedMs - s.afterMs) / s.everyMs);
}

/** Waits looked at per pass (longest-waiting first). */
const MAX_WAITS = 500;

/**
 * Reminds the people a ticket still waits for, by DM with the ticket's buttons: first after `afterMs`, then at most once
 * per `everyMs`, never in their quiet hours, and not once the ticket's state changed. The store decides who sends
 * each reminder (one claim per ticket state, person and slot), so replicas and restarts never send one twice; a
 * reminder claimed by a replica that then dies is skipped, not repeated.
 */
export class Reminders {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      settings: ReminderSettings;
      /** A person's Slack time zone as their profile gives it (untrusted). */
      zoneOf: (slackId: string) => Promise<string | undefined>;
      /** A Slack user group's members. */
      membersOf: (groupId: string) => Promise<string[]>;
      /** The ticket's name and the buttons that apply to it now. */
      describe: (ticket: Ticket) => { title: string; actions: readonly TicketActionId[] };
    },
  ) {}

  /** Sends the reminders due now; returns how many were sent. */
  async runDue(): Promise<number> {
    const now = this.deps.clock.now();
    let sent = 0;
    for (const wait of await this.deps.store.listWaits(MAX_WAITS)) {
      const slot = reminderSlot(now - wait.since, this.deps.settings);
      if (slot < 0) continue;
      const ticket = await this.deps.store.getTicket(wait.ticketId);
      if (!ticket || ticket.done) {
        // The ticket ended without the wait being cleared (it aged out): nothing is due for it any more.
        await this.deps.store.clearWait(wait.ticketId);
        continue;
      }
      // Its state moved on (its next wait replaces this one), or the change is being recorded right now: nobody is due.
      if (ticket.status !== wait.status) continue;
      sent += await this.remind(ticket, wait, slot, now);
    }
    return sent;
  }

  private async remind(ticket: Ticket, wait: TicketWait, slot: number, now: number): Promise<number> {
    const people = new Set(wait.people);
    for (const g of wait.groups) for (const m of await this.deps.membersOf(g).catch(() => [])) people.add(m);
    const { title, actions } = this.deps.describe(ticket);
    let sent = 0;
    for (const person of people) {
      if (await this.isQuietFor(person, now)) continue;
      const scope = `remind:${ticket.id}:${wait.since}:${wait.status}:${person}`;
      if (!(await this.deps.store.claimSlot({ scope, slot, now, minGapMs: this.deps.settings.everyMs }))) continue;
      const body = reminderMessage({
        ticketId: ticket.id,
        title,
        channelId: ticket.channelId,
        need: wait.need,
        waitedMs: now - wait.since,
        actions: actions.filter((a) => a !== 'stop'),
      });
      try {
        await this.deps.messenger.dm(person, body);
        sent += 1;
        this.deps.logger.info({ ticketId: ticket.id, to: person, slot, need: wait.need }, 'reminder sent');
      } catch (err) {
        // Claimed, so never repeated: a reminder lost to Slack is better than two.
        this.deps.logger.warn(
          { ticketId: ticket.id, to: person, err: String((err as Error).message ?? err).slice(0, 200) },
          'reminder not delivered',
        );
      }
    }
    return sent;
  }

  private async isQuietFor(slackId: string, now: number): Promise<boolean> {
    if (!this.deps.settings.quiet) return false;
    const zone = knownTimeZone(await this.deps.zoneOf(slackId).catch(() => undefined)) ?? UTC;
    return isQuietHour(Number(wallTime(Math.floor(now / 1000), zone, false).hour), this.deps.settings.quiet);
  }
}
