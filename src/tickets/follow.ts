import type { Logger } from 'pino';
import { withoutLinks } from '../../blocks/kit/text.js';
import type { ApproverPolicy } from '../access/approvers.js';
import { type Guard, ticketDatabases } from '../access/request-check.js';
import type { Clock } from '../core/clock.js';
import { BotError, CloudApiError } from '../core/errors.js';
import type { OrderId } from '../core/ids.js';
import type { DmsClient } from '../dms/client.js';
import type { ResolvedUser } from '../slack/user-resolver.js';
import type { Store, Ticket } from '../store/types.js';
import { commonDetails } from './details.js';
import type { DmsKindId, TicketKinds } from './kinds.js';
import type { StatusWatcher } from './watcher.js';

/** DMS PluginType → the kind of ticket the bot follows it as; anything else is followed on its general status. */
const KIND_BY_PLUGIN: Record<string, DmsKindId> = {
  DATA_EXPORT: 'dms_export',
  DATA_TRACK: 'dms_track',
  FREE_LOCK_CORRECT: 'dms_change',
};

/**
 * The one refusal for a ticket the person may not follow: DMS has no such ticket (or the bot cannot see it), or the
 * person is neither involved nor an approver. Same words, and the same single DMS call, whether or not the ticket
 * exists or is already followed somewhere, so the answer reveals nothing about it.
 */
export function notVisibleMessage(orderId: OrderId): string {
  return `:no_entry_sign: I can't follow DMS ticket ${orderId} for you. Either DMS has no such ticket (or the bot's DMS account cannot see it), or you are not one of its people (who filed it, its related users) nor an approver: following it here would show its SQL and reason to this channel.`;
}

// The bot's own comment ends with a line naming the Slack requester: "… (Slack U123, DMS user 51) [chatops-…]".
// Only the last line counts: text the requester typed above it cannot pose as it.
const OUR_LAST_LINE =
  /^— Requested from Slack by .*\(Slack ([UW][A-Z0-9]{2,})(?:, DMS user \d+|, no DMS account matched)\) \[chatops-[0-9a-f]{12}\]$/;

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
      kinds: TicketKinds;
      approvers: ApproverPolicy;
      guard: Guard;
      intervalMs: number;
    },
  ) {}

  /**
   * Follows a ticket for `caller` in `channelId`. Throws BotError `not_visible` (notVisibleMessage) for an unknown
   * ticket and for one the caller is not involved in alike, and `policy:<rule>` when the policy keeps the ticket's
   * real database from them.
   */
  async follow(args: {
    orderId: OrderId;
    channelId: string;
    caller: ResolvedUser;
  }): Promise<{ ticket: Ticket; already: boolean; kindLabel: string }> {
    const { orderId, channelId, caller } = args;
    // Asked before DMS, for everyone: whether the ticket exists must not change which calls are made.
    const isApprover = (await this.deps.approvers.check(caller)).ok;
    let base: Awaited<ReturnType<DmsClient['getOrderBaseInfo']>>;
    try {
      base = await this.deps.dms.getOrderBaseInfo(orderId);
    } catch (err) {
      // Any refusal about this ticket (no such ticket, not visible to the bot) reads like "not yours to see".
      if (err instanceof CloudApiError && err.details.httpStatus === 200) {
        this.deps.logger.info({ orderId, errorCode: err.details.errorCode }, 'DMS refused the ticket lookup');
        throw new BotError('not_visible', notVisibleMessage(orderId), { cause: err });
      }
      throw err;
    }
    const kind = KIND_BY_PLUGIN[base.PluginType] ?? 'dms_order';
    const service = this.deps.kinds.dms(kind);
    if (!service) throw new Error(`no DMS service for ${kind}`);
    const existing = await this.deps.store.findTicketByExternalId(kind, orderId);

    const committerDmsId =
      base.CommitterId === undefined || base.CommitterId === null ? undefined : String(base.CommitterId);
    // Who filed it, in Slack terms: a ticket this bot filed keeps its requester; else the bot's comment names them;
    // else the caller, if DMS says they are its committer.
    const filedHere = existing && commonDetails(existing).followed !== true ? existing.requesterSlackId : undefined;
    const isCommitter = caller.dmsUserId !== undefined && caller.dmsUserId === committerDmsId;
    const submitterSlackId =
      filedHere ?? requesterInComment(base.Comment) ?? (isCommitter ? caller.slackId : undefined);

    // The bot reads with its own cloud identity: only people involved in the ticket may bring its SQL into a channel.
    const related = (base.RelatedUserList?.UserIds ?? []).map(String);
    const involved =
      isCommitter ||
      submitterSlackId === caller.slackId ||
      (caller.dmsUserId !== undefined && related.includes(caller.dmsUserId)) ||
      isApprover;
    if (!involved) throw new BotError('not_visible', notVisibleMessage(orderId));

    // Followed already: nothing more to show, but only to someone the policy lets see its database.
    if (existing && !existing.done) {
      await this.mayView(caller, channelId, existing);
      return { ticket: existing, already: true, kindLabel: service.kindLabel };
    }
    // Everything below came from DMS: cloud text, made link-free here, at the edge, whatever kind describes it.
    const described = cloudDetails(await service.describeExisting(orderId, base)) as Record<string, unknown>;
    // The policy is checked against the ticket's real database(s), as DMS names them (unknown: fails closed).
    await this.mayView(caller, channelId, { details: described });
    const details: Record<string, unknown> = {
      ...described,
      followed: true,
      committerDmsId,
      // A person's DMS name is often `first.last`: URLs go, dotted names stay (shown with cloudField).
      committerName:
        base.Committer === undefined ? undefined : withoutLinks(base.Committer, undefined, { keepHosts: true }),
      ...(submitterSlackId ? { submitterSlackId } : {}),
    };
    const now = this.deps.clock.now();
    const probe: Ticket = {
      id: 0,
      kind,
      externalId: orderId,
      channelId,
      rootTs: null,
      requesterSlackId: caller.slackId,
      requesterDmsId: caller.dmsUserId ?? null,
      status: null,
      details,
      createdAt: now,
      updatedAt: now,
      nextPollAt: now,
      pollIntervalMs: this.deps.intervalMs,
      done: false,
    };
    const { status } = await service.poll(probe);
    const fields = {
      channelId,
      requesterSlackId: caller.slackId,
      requesterDmsId: caller.dmsUserId ?? null,
      status,
      details,
      nextPollAt: now + this.deps.intervalMs,
      pollIntervalMs: this.deps.intervalMs,
    };
    let ticket = existing
      ? await this.deps.store.reopenTicket(existing.id, fields, now)
      : await this.deps.store.createTicket({ kind, externalId: orderId, rootTs: null, ...fields }, now);
    // A ticket that already ended gets its message (with the result button, if any), and is not polled.
    if (service.statusInfo(status).final) {
      await this.deps.store.finish(ticket.id, now);
      ticket = { ...ticket, done: true };
    }
    this.deps.logger.info(
      { ticketId: ticket.id, kind, orderId, status, by: caller.slackId, refollow: !!existing },
      'following an existing DMS ticket',
    );
    ticket = await this.deps.watcher.follow(ticket);
    return { ticket, already: false, kindLabel: service.kindLabel };
  }

  /** Throws BotError `policy:<rule>` when the policy keeps this ticket's databases from the caller for `/dms status`. */
  private async mayView(caller: ResolvedUser, channelId: string, ticket: Pick<Ticket, 'details'>): Promise<void> {
    const v = await this.deps.guard.check(
      'dms.status',
      { userId: caller.slackId, channelId, databases: ticketDatabases(ticket) },
      false,
    );
    if (!v.allowed)
      throw new BotError(
        `policy:${v.rule}`,
        v.message ?? `:no_entry_sign: This bot's policy does not allow that (rule *${v.rule}*).`,
      );
  }
}

/**
 * Keys naming databases: a database is often named by its host, so bare host names stay there (URLs go). Table
 * names get no such exception: a `schema.table` spelling reads as a host and is removed (a name is not worth a link).
 */
const NAME_KEYS = new Set(['database', 'databases', 'envType']);
/** Keys holding SQL: shown verbatim in escaped code blocks, so the reviewer reads exactly what will run. */
const SQL_KEYS = new Set(['sql', 'rollbackSql']);

/**
 * A followed ticket's details as DMS described them, with every string made link-free (cloud text): comments,
 * table names, track types, window times, precheck tips, and whatever a kind adds later. Renderers escape them.
 */
export function cloudDetails(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key && SQL_KEYS.has(key)) return value;
    return withoutLinks(value, undefined, { keepHosts: key !== undefined && NAME_KEYS.has(key) });
  }
  if (Array.isArray(value)) return value.map((v) => cloudDetails(v, key));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloudDetails(v, k)]));
  return value;
}
