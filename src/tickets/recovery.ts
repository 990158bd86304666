import type { Logger } from 'pino';
import { escapeMrkdwn } from '../../blocks/kit/text.js';
import type { Clock } from '../core/clock.js';
import type { DmsClient } from '../dms/client.js';
import { CREATE_SLOT } from '../dms/ticket-service.js';
import type { Messenger } from '../slack/messenger.js';
import type { Store } from '../store/types.js';
import type { TicketKinds } from './kinds.js';
import type { StatusWatcher } from './watcher.js';

/**
 * Settles creates whose outcome was never stored: the process died while DMS was creating the ticket, or DMS never
 * answered and the ticket could not be found yet. Looks for each one's marker with ListOrders; follows the ticket
 * when it exists and tells the requester; gives up (and says so) after `giveUpMs`.
 */
export class CreateRecovery {
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      dms: DmsClient;
      clock: Clock;
      logger: Logger;
      messenger: Messenger;
      watcher: StatusWatcher;
      kinds: TicketKinds;
      /** A create younger than this may still be in flight: leave it alone. */
      graceMs: number;
      giveUpMs: number;
    },
  ) {}

  /** One pass over the pending creates; returns how many were settled. Passes never overlap. */
  run(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.deps.clock.now();
    let settled = 0;
    for (const p of await this.deps.store.pendingCreates(now - this.deps.graceMs)) {
      const service = this.deps.kinds.dms(p.kind);
      if (!service) {
        await this.deps.store.endCreate(p.marker);
        continue;
      }
      let match: { orderId: string } | undefined;
      try {
        match = (await this.deps.dms.findOrdersByComment(p.marker)).find((o) => o.comment?.includes(p.marker));
      } catch (err) {
        this.deps.logger.warn(
          { marker: p.marker, err: String(err) },
          'could not look for a pending create; will retry',
        );
        continue;
      }
      const tell = (text: string) =>
        this.deps.messenger.tellUser(p.channelId, p.requesterSlackId, { text }).catch(() => undefined);
      if (match) {
        const known = await this.deps.store.findTicketByExternalId(p.kind, match.orderId);
        const ticket = known ?? (await service.storeCreated(p, match.orderId));
        if (known) await this.deps.store.endCreate(p.marker);
        else {
          await this.deps.watcher.follow(ticket);
          await tell(
            `:white_check_mark: Your ${service.kindLabel.toLowerCase()} ticket was filed after all: DMS ticket *${escapeMrkdwn(match.orderId)}* (marker \`${p.marker}\`). I'm following it in <#${p.channelId}> now.`,
          );
        }
        this.deps.logger.info(
          { marker: p.marker, orderId: match.orderId, recovered: !known },
          'pending create settled: the ticket exists',
        );
        settled += 1;
      } else if (now - p.createdAt > this.deps.giveUpMs) {
        await this.deps.store.endCreate(p.marker);
        // Certainly not created: its rate-limit slot is given back.
        const slot = p.details[CREATE_SLOT];
        if (typeof slot === 'string') await this.deps.store.releaseCreateSlot(slot);
        await tell(
          `:x: Your ${service.kindLabel.toLowerCase()} request (marker \`${p.marker}\`) never reached DMS: no ticket carries its marker. Nothing was filed; you can submit it again.`,
        );
        this.deps.logger.warn({ marker: p.marker }, 'pending create settled: no ticket was created');
        settled += 1;
      }
    }
    return settled;
  }
}
