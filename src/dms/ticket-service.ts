import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { cloudCode, cloudText, mention } from '../../blocks/kit/text.js';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import { buildGiveUpReply, buildStatusReply, cloudField } from '../../blocks/tickets/root.js';
import type { Clock } from '../core/clock.js';
import { BotError, CloudApiError, errorFields, sendOutcome } from '../core/errors.js';
import type { MessageBody, Messenger } from '../slack/messenger.js';
import type { ResolvedUser } from '../slack/user-resolver.js';
import type { PendingCreate, Store, Ticket, TicketKindId } from '../store/types.js';
import type { CommonDetails } from '../tickets/details.js';
import type { TicketKind } from '../tickets/kind.js';
import type { StatusWatcher } from '../tickets/watcher.js';
import type { DmsClient } from './client.js';
import { ORDER_STATUS_PREFIX, type StatusInfo } from './statuses.js';

/** What every DMS ticket service needs. */
export interface DmsTicketDeps {
  dms: DmsClient;
  store: Store;
  clock: Clock;
  logger: Logger;
  watcher: () => StatusWatcher;
  messenger: Messenger;
  intervalMs: number;
}

/** GetOrderBaseInfo's answer as the client returns it. */
export type OrderBaseInfo = Awaited<ReturnType<DmsClient['getOrderBaseInfo']>>;

/** Where a pending create remembers its rate-limit slot (not kept on the ticket). */
export const CREATE_SLOT = 'createSlot';

function withoutSlot(details: Record<string, unknown>): Record<string, unknown> {
  const { [CREATE_SLOT]: _slot, ...rest } = details;
  return rest;
}

/** A unique marker put in the DMS comment so a ticket can be found again (e.g. after a lost create response). */
export function newMarker(): string {
  return `chatops-${randomBytes(6).toString('hex')}`;
}

/** The comment DMS records: the person's words plus who asked from Slack and the marker. */
export function dmsComment(text: string, requester: ResolvedUser, marker: string): string {
  const who = `${requester.name}${requester.email ? ` <${requester.email}>` : ''} (Slack ${requester.slackId}${requester.dmsUserId ? `, DMS user ${requester.dmsUserId}` : ', no DMS account matched'})`;
  return `${text}\n— Requested from Slack by ${who} [${marker}]`;
}

/**
 * The part every DMS ticket kind shares: filing (create once, store, post the root, start watching), thread
 * replies and the give-up note. Subclasses say how to poll and how the root message looks.
 */
export abstract class DmsTicketService<D extends CommonDetails = CommonDetails> implements TicketKind<D> {
  abstract readonly kind: TicketKindId;
  abstract readonly kindLabel: string;
  /** The schema of this kind's stored details. */
  abstract readonly details: z.ZodType<D>;

  constructor(protected readonly deps: DmsTicketDeps) {}

  abstract poll(ticket: Ticket<D>): Promise<{ status: string; details?: Partial<D>; calls?: number }>;
  abstract statusInfo(status: string | null): StatusInfo;
  abstract renderRoot(ticket: Ticket<D>, now: number): MessageBody;
  /** Details for the root message of a ticket filed elsewhere and followed with `/dms status`. */
  abstract describeExisting(orderId: string, base: OrderBaseInfo): Promise<Record<string, unknown>>;

  /** For a followed ticket, who filed it in DMS and who follows it here (replaces the Requester field). */
  protected whoField(ticket: Ticket<D>): [string, string] | undefined {
    if (ticket.details.followed !== true) return undefined;
    // The committer's name is DMS's text: cloud text.
    const committer =
      ticket.details.committerName !== undefined ? cloudField(ticket.details.committerName, 100) : '_unknown_';
    return ['Filed in DMS by', `${committer} · followed here by ${mention(ticket.requesterSlackId)}`];
  }

  /**
   * While a ticket waits for approval its own job status does not move when an approver rejects it or someone
   * closes it: that shows only on the general ticket. Returns the `order:<code>` status in that case.
   */
  protected async endedOnGeneralTicket(orderId: string): Promise<string | undefined> {
    const code = (await this.deps.dms.getOrderBaseInfo(orderId)).StatusCode.toLowerCase();
    return code === 'reject' || code === 'closed' || code === 'cancel' ? ORDER_STATUS_PREFIX + code : undefined;
  }

  /** Lifecycle buttons for the ticket's status; every kind can be approved or rejected while DMS waits for approval. */
  actionsFor(ticket: Ticket<D>): TicketActionId[] {
    return ticket.status === `${ORDER_STATUS_PREFIX}toaudit` ? ['approve', 'reject'] : [];
  }

  /** Extra thread lines for a status (e.g. failed precheck tips); already-safe mrkdwn. */
  protected replyExtras(_ticket: Ticket<D>, _status: string): string[] {
    return [];
  }

  /** "Data export ticket 123". */
  summary(ticket: Ticket): string {
    return `${this.kindLabel} ticket ${ticket.externalId}`;
  }

  renderReply(ticket: Ticket<D>, status: string, previous: string | null, extra: string[] = []): MessageBody {
    return buildStatusReply({
      summary: this.summary(ticket),
      status,
      info: this.replyInfo(status, extra),
      previous: previous === null ? null : this.statusInfo(previous),
      extra: this.replyExtras(ticket, status),
      outcome: extra,
    });
  }

  /** The status as the reply shows it; a kind may drop a hint that `extra` (what actually happened) replaces. */
  protected replyInfo(status: string, _extra: readonly string[]): StatusInfo {
    return this.statusInfo(status);
  }

  renderGiveUp(ticket: Ticket<D>, hours: number): MessageBody {
    return buildGiveUpReply({ summary: this.summary(ticket), hours, lastLabel: this.statusInfo(ticket.status).label });
  }

  /**
   * Files a ticket: calls `create` exactly once (a create is never retried: a lost answer may still have created
   * it), stores the ticket before posting anything, posts the root message, and wakes the watcher.
   */
  protected async file(args: {
    /** The rate-limit slot taken for this create: given back if recovery finds it was never created. */
    slotKey?: string;
    channelId: string;
    requester: ResolvedUser;
    commentText: string;
    create: (comment: string) => Promise<{ orderId: string; requestId?: string }>;
    /** The kind's details as filed (checked against its schema before anything is sent). */
    details: D;
    /** The Slack message the ticket was filed from (a message shortcut): its root links to it. */
    sourcePermalink?: string;
  }): Promise<Ticket> {
    // A filing whose details its own kind would refuse is a bug here: fail before anything reaches DMS.
    this.details.parse(args.details);
    const marker = newMarker();
    const pending: PendingCreate = {
      marker,
      kind: this.kind,
      channelId: args.channelId,
      requesterSlackId: args.requester.slackId,
      requesterDmsId: args.requester.dmsUserId ?? null,
      details: {
        ...args.details,
        ...(args.sourcePermalink ? { sourcePermalink: args.sourcePermalink } : {}),
        marker,
        ...(args.slotKey ? { [CREATE_SLOT]: args.slotKey } : {}),
      },
      createdAt: this.deps.clock.now(),
    };
    // Written before the create is sent: if the process dies before the ticket is stored, recovery finds it by marker.
    await this.deps.store.beginCreate(pending);
    let created: { orderId: string; requestId?: string };
    try {
      created = await args.create(dmsComment(args.commentText, args.requester, marker));
    } catch (err) {
      if (sendOutcome(err) !== 'unknown') {
        // Never sent, or refused by DMS: certainly nothing was created, so nothing stays pending.
        await this.deps.store.endCreate(marker);
        throw err;
      }
      // It may exist: an unknown outcome stays pending (recovery keeps looking) unless the marker finds it now.
      created = await this.reconcile(err, marker);
    }
    const ticket = await this.storeCreated(pending, created.orderId, created.requestId);
    return this.deps.watcher().follow(ticket);
  }

  /** Stores the ticket a create produced and settles its pending record. */
  async storeCreated(pending: PendingCreate, orderId: string, requestId?: string): Promise<Ticket> {
    const now = this.deps.clock.now();
    const ticket =
      (await this.deps.store.findTicketByExternalId(this.kind, orderId)) ??
      (await this.deps.store.createTicket(
        {
          kind: this.kind,
          externalId: orderId,
          channelId: pending.channelId,
          rootTs: null,
          requesterSlackId: pending.requesterSlackId,
          requesterDmsId: pending.requesterDmsId,
          status: null,
          details: { ...withoutSlot(pending.details), ...(requestId ? { createRequestId: requestId } : {}) },
          nextPollAt: now + this.deps.intervalMs,
          pollIntervalMs: this.deps.intervalMs,
        },
        now,
      ));
    await this.deps.store.endCreate(pending.marker);
    this.deps.logger.info(
      { ticketId: ticket.id, kind: this.kind, orderId, requestId, requester: pending.requesterSlackId },
      'ticket created',
    );
    return ticket;
  }

  /**
   * A create that failed after it may have reached DMS (no answer, 5xx, throttled mid-way) may still have made the
   * ticket. Look for our marker before saying anything; never create again blindly.
   */
  private async reconcile(err: unknown, marker: string): Promise<{ orderId: string; requestId?: string }> {
    const d = err instanceof CloudApiError ? err.details : undefined;
    const found = await this.deps.dms.findOrdersByComment(marker).catch((lookupErr: unknown) => {
      this.deps.logger.warn({ marker, err: errorFields(lookupErr) }, 'could not look for a possibly created ticket');
      return [];
    });
    const match = found.find((o) => o.comment?.includes(marker));
    if (match) {
      this.deps.logger.info(
        { marker, orderId: match.orderId, firstError: d?.errorCode },
        'create answer was lost, but the ticket exists: following it',
      );
      return { orderId: match.orderId };
    }
    // The message is mrkdwn and DMS's code and request id are cloud text: built safe here, where it is made.
    const what = d
      ? `${cloudCode(d.errorCode, 80)}${d.requestId ? `, request id ${cloudText(d.requestId, 80)}` : ''}`
      : 'no answer I could use';
    throw new BotError(
      'create_outcome_unknown',
      `DMS did not confirm the ticket (${what}) and I could not find it yet, so it may or may not exist. Before trying again, search DMS tickets for \`${marker}\` (it is in the ticket comment).`,
      { cause: err },
    );
  }
}
