import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { DmsClient } from './dms/client.js';
import type { ApproverPolicy } from './approvers.js';
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

// The bot's own comment ends with a line naming the Slack requester: "… (Slack U123, DMS user 51) [chatops-…]".
// Only the last line counts: text the requester typed above it cannot pose as it.
const OUR_LAST_LINE = /^— Requested from Slack by .*\(Slack ([UW][A-Z0-9]{2,})(?:, DMS user \d+|, no DMS account matched)\) \[chatops-[0-9a-f]{12}\]$/;

/** The Slack user the bot's own comment names as requester, if the comment is the bot's. */
export function requesterInComment(comment: string | undefined): string | undefined {
  const last = comment?.split('\n').at(-1) ?? '';
  return OUR_LAST_LINE.exec(last)?.[1];
}

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
      approvers: ApproverPolicy;
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

    const committerDmsId = base.CommitterId === undefined || base.CommitterId === null ? undefined : String(base.CommitterId);
    // Who filed it, in Slack terms: a ticket this bot filed keeps its requester; else the bot's comment names them;
    // else the caller, if DMS says they are its committer.
    const filedHere = existing && existing.details['followed'] !== true ? existing.requesterSlackId : undefined;
    const isCommitter = caller.dmsUserId !== undefined && caller.dmsUserId === committerDmsId;
    const submitterSlackId = filedHere ?? requesterInComment(base.Comment) ?? (isCommitter ? caller.slackId : undefined);

    // The bot reads with its own cloud identity: only people involved in the ticket may bring its SQL into a channel.
    const related = (base.RelatedUserList?.UserIds ?? []).map(String);
    const involved = isCommitter || submitterSlackId === caller.slackId || (caller.dmsUserId !== undefined && related.includes(caller.dmsUserId)) || (await this.deps.approvers.check(caller)).ok;
    if (!involved) {
      throw new BotError('not_involved', `Only the people on DMS ticket ${orderId} (who filed it, its related users) or an approver can follow it here: it would show its SQL and reason to this channel.`);
    }

    const described = await service.describeExisting(orderId, base);
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
