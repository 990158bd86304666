import type { Logger } from 'pino';
import { escapeMrkdwn } from '../../blocks/kit/text.js';
import { ACTION_WORDS, activityLine, type TicketActivity } from '../../blocks/tickets/controls.js';
import type { Clock } from '../core/clock.js';
import type { Messenger } from '../slack/messenger.js';
import type { AuditEntry, Store, Ticket } from '../store/types.js';
import type { ActionOutcome, ActionRequest } from './actions.js';
import type { CommonDetails } from './details.js';
import type { TicketKind } from './kind.js';
import type { StatusWatcher } from './watcher.js';

/**
 * What a click leaves behind: the audit trail, a line in the ticket's thread, the action in the ticket's details
 * (written through the watcher, the one writer after filing), and the answer when the ticket moved on.
 */
export class ActionRecords {
  constructor(
    private readonly deps: {
      store: Store;
      watcher: StatusWatcher;
      messenger: Messenger;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** After a successful action: remember it, tell the thread who did what, then let the ticket's new status show. */
  async recordDone(
    req: ActionRequest,
    ticket: Ticket<CommonDetails>,
    note?: string,
    message?: string,
  ): Promise<ActionOutcome> {
    const activity: TicketActivity = {
      action: req.action,
      by: req.actorSlackId,
      at: this.deps.clock.now(),
      ...(note ? { note } : {}),
    };
    const updated = await this.deps.watcher.amend(ticket.id, (t) => ({
      ...t.details,
      activity: [...(t.details.activity ?? []), activity].slice(-10),
      // On a followed ticket, the filer recognised by their DMS account is who gets the result.
      ...(t.details.followed === true &&
      !t.details.submitterSlackId &&
      (req.action === 'submit' || req.action === 'run')
        ? { submitterSlackId: req.actorSlackId }
        : {}),
    }));
    await this.tellThread(updated ?? ticket, `:ballot_box_with_check: ${activityLine(activity)}`);
    const changed = await this.deps.watcher.refreshNow(ticket.id);
    if (!changed)
      await this.deps.watcher
        .redraw(ticket.id)
        .catch((err: unknown) =>
          this.deps.logger.warn({ ticketId: ticket.id, err: String(err) }, 'root redraw failed'),
        );
    return {
      result: 'done',
      message: message ?? `:white_check_mark: Done: you ${ACTION_WORDS[req.action].done}.`,
      ticket: updated,
    };
  }

  /** The answer for a click its ticket has moved past: the root is redrawn with the buttons that apply now. */
  async stale(
    req: ActionRequest,
    ticket: Ticket,
    kind: TicketKind,
    summary: string,
    dmsCode?: string,
  ): Promise<ActionOutcome> {
    await this.audit(req, ticket, {
      decision: 'failed',
      rule: 'stale',
      detail: { status: ticket.status, ...(dmsCode ? { dmsCode } : {}) },
    });
    await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
    const label = escapeMrkdwn(kind.statusInfo(ticket.status).label);
    const ended = ticket.done ? ' and is no longer followed here' : '';
    return {
      result: 'stale',
      message: `:information_source: ${summary} has moved on: it is *${label}*${ended}, so "${ACTION_WORDS[req.action].button}" no longer applies. The message's buttons now show what you can do.`,
    };
  }

  /** A line in the ticket's thread, unless the channel asked for root-message updates only. */
  async tellThread(ticket: Ticket, text: string): Promise<void> {
    if (!ticket.rootTs) return;
    if ((await this.deps.watcher.threadModeFor(ticket)) === 'root_only') return;
    await this.deps.messenger
      .reply(ticket.channelId, ticket.rootTs, { text })
      .catch((err: unknown) => this.deps.logger.warn({ ticketId: ticket.id, err: String(err) }, 'thread note failed'));
  }

  /** Appends to the audit trail; a failed write is logged, never thrown. */
  async audit(
    req: ActionRequest,
    ticket: Ticket | undefined,
    e: Pick<AuditEntry, 'decision'> & Partial<AuditEntry>,
  ): Promise<void> {
    await this.deps.store
      .appendAudit({
        at: this.deps.clock.now(),
        actorSlackId: req.actorSlackId,
        channelId: req.channelId ?? ticket?.channelId ?? null,
        action: `ticket.${req.action}`,
        ticketId: req.ticketId,
        externalId: ticket?.externalId ?? null,
        ...e,
      })
      .catch((err: unknown) => this.deps.logger.error({ err: String(err) }, 'audit write failed'));
  }
}
