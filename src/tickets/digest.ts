import type { Logger } from 'pino';
import { type DigestItem, digestMessage } from '../../blocks/tickets/waiting.js';
import type { Clock } from '../core/clock.js';
import { knownTimeZone, UTC } from '../core/time-zone.js';
import { wallTime } from '../core/wall-clock.js';
import type { StatusInfo } from '../dms/statuses.js';
import type { Messenger } from '../slack/messenger.js';
import type { DigestSetting, Store, Ticket } from '../store/types.js';

/** Open tickets a digest lists at most (oldest first); `/dms list` shows the rest. */
const MAX_TICKETS = 200;

/** The local day a digest is for, if it is due at `now`: a working day (Monday to Friday) at or after its time. */
export function digestDay(now: number, digest: DigestSetting): { day: number; label: string } | undefined {
  const zone = knownTimeZone(digest.zone) ?? UTC;
  const w = wallTime(Math.floor(now / 1000), zone, false);
  // The weekday of a calendar date does not depend on the zone: computed in UTC from the local date.
  const weekday = new Date(Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day))).getUTCDay();
  if (weekday === 0 || weekday === 6) return undefined;
  if (`${w.hour}:${w.minute}` < digest.at) return undefined;
  return { day: Number(`${w.year}${w.month}${w.day}`), label: `${w.year}-${w.month}-${w.day}` };
}

/**
 * Each opted-in channel's daily digest (`/dms settings`): at its chosen local time on working days, one message listing
 * the channel's open tickets by state and age, with what each waits for and from whom. The store decides which
 * replica posts a day's digest (one claim per channel and day); a day with no open tickets posts nothing.
 */
export class Digest {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      /** A ticket's name and status as people read them. */
      describe: (ticket: Ticket) => { title: string; statusInfo: StatusInfo };
    },
  ) {}

  /** Posts the digests due now; returns how many were posted. */
  async runDue(): Promise<number> {
    const now = this.deps.clock.now();
    let posted = 0;
    for (const { channelId, digest } of await this.deps.store.digestChannels()) {
      const due = digestDay(now, digest);
      if (!due) continue;
      const open = await this.deps.store.openTicketsIn(channelId, MAX_TICKETS);
      // Claimed even when empty: the day's digest is settled, and a ticket filed later that day waits for tomorrow's.
      if (!(await this.deps.store.claimSlot({ scope: `digest:${channelId}`, slot: due.day, now, minGapMs: 0 })))
        continue;
      if (open.length === 0) continue;
      const items: DigestItem[] = [];
      for (const t of open) {
        const { title, statusInfo } = this.deps.describe(t);
        const wait = await this.deps.store.getWait(t.id);
        items.push({
          title,
          statusEmoji: statusInfo.emoji,
          statusLabel: statusInfo.label,
          ageMs: now - t.createdAt,
          ...(wait && wait.status === t.status ? { wait } : {}),
        });
      }
      try {
        const groups = [...new Set(items.flatMap((i) => i.wait?.groups ?? []))];
        await this.deps.messenger.post(channelId, digestMessage(items, due.label), { groups });
        posted += 1;
        this.deps.logger.info({ channelId, tickets: items.length }, 'digest posted');
      } catch (err) {
        this.deps.logger.warn(
          { channelId, err: String((err as Error).message ?? err).slice(0, 200) },
          'digest not posted',
        );
      }
    }
    return posted;
  }
}
