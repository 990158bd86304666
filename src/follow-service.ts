import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { DmsClient } from './dms/client.js';
import type { DmsTicketService } from './dms-ticket-service.js';
import { BotError, CloudApiError } from './errors.js';
import type { Store, Ticket, TicketKind } from './store/types.js';
import type { ResolvedUser } from './user-resolver.js';
import type { StatusWatcher } from './watcher.js';

/** DMS PluginType → the kind of ticket the bot follows it as; anything else is followed on its general status. */
const KIND_BY_PLUGIN: Record<string, TicketKind> = {
  DATA_EXPORT: 'dms_export',
  DATA_TRACK: 'dms_track',
  FREE_LOCK_CORRECT: 'dms_change',
};

/** A ticket id as typed after `/dms status`: digits only, and within DMS's Long. */
export function parseOrderId(text: string): string | undefined {
  const t = text.trim().replace(/^#/, '');
  if (!/^\d{1,19}$/.test(t)) return undefined;
  const n = BigInt(t);
  return n > 0n && n <= 9_223_372_036_854_775_807n ? n.toString() : undefined;
}

// The bot's own comment names the Slack requester: "(Slack U123, DMS user 51) [chatops-…]".
const OUR_COMMENT = /Requested from Slack by .*\(Slack ([UW][A-Z0-9]{2,})[,)].*\[chatops-[0-9a-f]{12}\]/;

/**
 * `/dms status <id>`: follows an existing DMS ticket of any kind in a channel. The kind comes from
 * GetOrderBaseInfo.PluginType; the root message and thread then behave as for a ticket filed here.
 */
export class FollowService {
  constructor(
    private readonly deps: {
      dms: DmsClient;
      store: Store;
      clock: Clock;
      logger: Logger;
      watcher: StatusWatcher;
      services: Record<'dms_export' | 'dms_track' | 'dms_change' | 'dms_order', DmsTicketService>;
      intervalMs: number;
    },
  ) {}

  async follow(args: { orderId: string; channelId: string; caller: ResolvedUser }): Promise<{ ticket: Ticket; already: boolean; kindLabel: string }> {
    const { orderId, channelId, caller } = args;
    let base;
    try {
      base = await this.deps.dms.getOrderBaseInfo(orderId);
    } catch (err) {
      if (err instanceof CloudApiError && err.details.httpStatus === 200 && /order|ticket|notexist|not.?found|invalid/i.test(err.details.errorCode)) {
        throw new BotError('unknown_ticket', `DMS has no ticket ${orderId}, or the bot's DMS account cannot see it (${err.details.errorCode}).`, { cause: err });
      }
      throw err;
    }
    const kind = KIND_BY_PLUGIN[base.PluginType] ?? 'dms_order';
    const service = this.deps.services[kind as keyof typeof this.deps.services];
    const existing = await this.deps.store.findTicketByExternalId(kind, orderId);
    if (existing && !existing.done) return { ticket: existing, already: true, kindLabel: service.kindLabel };

    const described = await service.describeExisting(orderId, base);
    const committerDmsId = base.CommitterId === undefined || base.CommitterId === null ? undefined : String(base.CommitterId);
    // Who filed it, in Slack terms: the bot's own comment names them; otherwise the caller if they are the committer.
    const namedInComment = base.Comment ? OUR_COMMENT.exec(base.Comment)?.[1] : undefined;
    const submitterSlackId = namedInComment ?? (caller.dmsUserId !== undefined && caller.dmsUserId === committerDmsId ? caller.slackId : undefined);
    const details: Record<string, unknown> = {
      ...described,
      followed: true,
      committerDmsId,
      committerName: base.Committer,
      ...(submitterSlackId ? { submitterSlackId } : {}),
    };
    const now = this.deps.clock.now();
    const probe: Ticket = { id: 0, kind, externalId: orderId, channelId, rootTs: null, requesterSlackId: caller.slackId, requesterDmsId: caller.dmsUserId ?? null, status: null, details, createdAt: now, updatedAt: now, nextPollAt: now, pollIntervalMs: this.deps.intervalMs, done: false };
    const { status } = await service.poll(probe);
    const fields = { channelId, requesterSlackId: caller.slackId, requesterDmsId: caller.dmsUserId ?? null, status, details, nextPollAt: now + this.deps.intervalMs, pollIntervalMs: this.deps.intervalMs };
    let ticket = existing ? await this.deps.store.reopenTicket(existing.id, fields, now) : await this.deps.store.createTicket({ kind, externalId: orderId, rootTs: null, ...fields }, now);
    // A ticket that already ended gets its message (with the result button, if any), and is not polled.
    if (service.statusInfo(status).final) {
      await this.deps.store.finish(ticket.id, now);
      ticket = { ...ticket, done: true };
    }
    this.deps.logger.info({ ticketId: ticket.id, kind, orderId, status, by: caller.slackId, refollow: !!existing }, 'following an existing DMS ticket');
    ticket = await this.deps.watcher.follow(ticket);
    return { ticket, already: false, kindLabel: service.kindLabel };
  }
}
