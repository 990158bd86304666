import type { Logger } from 'pino';
import { escapeMrkdwn, mention, truncate } from '../../blocks/kit/text.js';
import { ACTION_WORDS, activityLine, type TicketActionId, type TicketActivity } from '../../blocks/tickets/controls.js';
import type { ApproverPolicy } from '../access/approvers.js';
import { type Guard, ticketCommand, ticketDatabases } from '../access/request-check.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { CloudApiError, sendOutcome } from '../core/errors.js';
import { userMessageFor } from '../core/user-message.js';
import type { DmsClient } from '../dms/client.js';
import type { ExportService } from '../dms/export/service.js';
import type { Messenger } from '../slack/messenger.js';
import type { ResolvedUser, UserResolver } from '../slack/user-resolver.js';
import type { AuditEntry, Store, Ticket } from '../store/types.js';
import { type StatusWatcher, type TicketTracker, ticketTitle } from './watcher.js';

/**
 * Where a click came from. A button's value is only the ticket's small internal number, so the click is bound to
 * its container: a channel message must be that ticket's root message; the Home tab and `/dms list` (which only the
 * person sees) list only their own tickets.
 */
export type ClickOrigin = { kind: 'message'; channelId: string; messageTs: string } | { kind: 'own' };

/**
 * The one answer for a click whose ticket is missing, or is not the ticket of the message or Home card it came
 * from: it names no ticket, status, requester or channel, so a forged click learns nothing.
 */
export const NO_SUCH_TICKET =
  ":grey_question: That button doesn't lead to a ticket I can act on. Use the buttons on the ticket's own message (or press *Refresh* there), or `/dms list`.";

/** A click (or a modal submitted from a click) on one of a ticket's buttons. */
export interface ActionRequest {
  action: TicketActionId;
  ticketId: number;
  actorSlackId: string;
  /** The message or view the click came from; the ticket must belong to it. */
  origin: ClickOrigin;
  /** Channel the click came from (absent from the Home tab), for the audit trail. */
  channelId?: string;
  /** Rejection reason. */
  reason?: string;
  /** Run export: file type and encoding. */
  fileType?: string;
  encoding?: string;
}

/** What became of a request, in words for the person who clicked (already-safe mrkdwn). */
export interface ActionOutcome {
  result: 'done' | 'denied' | 'stale' | 'failed' | 'unknown';
  message: string;
  ticket?: Ticket;
}

/** Whether a person may do something, and by which rule. */
type Verdict = { ok: true; rule: string } | { ok: false; rule: string; reason: string };

/** The Slack user who filed the ticket, as far as DMS is concerned (null: someone outside Slack filed it). */
export function isSubmitter(ticket: Ticket, who: ResolvedUser): boolean {
  if (ticket.details['followed'] === true) {
    if (ticket.details['submitterSlackId'] === who.slackId) return true;
    const committer = ticket.details['committerDmsId'];
    return typeof committer === 'string' && who.dmsUserId !== undefined && who.dmsUserId === committer;
  }
  return who.slackId === ticket.requesterSlackId;
}

/**
 * Carries a ticket through its lifecycle from Slack: submit for approval, approve/reject, run an export, send the
 * result, refresh, stop following. The bot acts with its own cloud identity, so every click is checked here first
 * (who the person is in DMS, whether they filed the ticket or are an approver), and the real person is recorded in
 * the DMS comment where DMS has one, in the thread, and in the audit trail.
 */
export class TicketActions {
  /** Tickets with a state-changing click being handled: a double click or a second approver waits for the first. */
  private readonly busy = new Set<number>();

  constructor(
    private readonly deps: {
      store: Store;
      watcher: StatusWatcher;
      trackers: Partial<Record<Ticket['kind'], TicketTracker>>;
      dms: DmsClient;
      exports: ExportService;
      resolver: UserResolver;
      approvers: ApproverPolicy;
      guard: Guard;
      messenger: Messenger;
      clock: Clock;
      config: Config;
      logger: Logger;
    },
  ) {}

  /** Everything a click does after the ack; never throws (failures come back as an outcome). */
  async perform(req: ActionRequest): Promise<ActionOutcome> {
    const log = this.deps.logger.child({ action: req.action, ticketId: req.ticketId, user: req.actorSlackId });
    try {
      return await this.performUnsafe(req, log);
    } catch (err) {
      await this.audit(req, undefined, {
        decision: 'failed',
        detail: { error: err instanceof CloudApiError ? err.details.errorCode : 'error' },
      });
      return {
        result: 'failed',
        message: `:x: I couldn't ${ACTION_WORDS[req.action].verb}. ${userMessageFor(err, log, { step: req.action })}`,
      };
    }
  }

  /**
   * Checks a click that opens a modal (Reject, Run export) before the person fills it in: undefined when they may
   * go on, else the refusal. The submission is checked again in full.
   */
  async precheck(req: ActionRequest): Promise<ActionOutcome | undefined> {
    const log = this.deps.logger.child({ action: req.action, ticketId: req.ticketId, user: req.actorSlackId });
    try {
      const bound = await this.bound(req);
      if (!bound) return { result: 'unknown', message: NO_SUCH_TICKET };
      const { ticket, tracker } = bound;
      const who = await this.deps.resolver.resolve(req.actorSlackId);
      const verdict = (await this.policyFor(req, ticket)) ?? (await this.authorize(req.action, ticket, who));
      if (!verdict.ok) {
        await this.audit(req, ticket, { decision: 'denied', rule: verdict.rule, actorDmsId: who.dmsUserId });
        return {
          result: 'denied',
          message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${verdict.reason}`,
        };
      }
      if (ticket.done || !(tracker.actionsFor?.(ticket) ?? []).includes(req.action)) {
        return this.stale(req, ticket, tracker, escapeMrkdwn(ticketTitle(tracker, ticket)));
      }
      return undefined;
    } catch (err) {
      return {
        result: 'failed',
        message: `:x: I couldn't check that. ${userMessageFor(err, log, { step: 'precheck' })}`,
      };
    }
  }

  /** The one-line summary of the ticket a click is bound to (for modal texts); undefined when it is not bound. */
  async summaryOf(req: Pick<ActionRequest, 'ticketId' | 'actorSlackId' | 'origin'>): Promise<string | undefined> {
    const bound = await this.bound(req);
    return bound ? ticketTitle(bound.tracker, bound.ticket) : undefined;
  }

  /**
   * The ticket a click names, if it is the ticket of the container the click came from (see ClickOrigin). A
   * missing ticket and a mismatched one cost the same (one store read) and get the same answer.
   */
  private async bound(
    req: Pick<ActionRequest, 'ticketId' | 'actorSlackId' | 'origin'>,
  ): Promise<{ ticket: Ticket; tracker: TicketTracker } | undefined> {
    const ticket = await this.deps.store.getTicket(req.ticketId);
    const tracker = ticket && this.deps.trackers[ticket.kind];
    if (!ticket || !tracker) return undefined;
    const o = req.origin;
    const matches =
      o.kind === 'message'
        ? ticket.rootTs !== null && ticket.channelId === o.channelId && ticket.rootTs === o.messageTs
        : ticket.requesterSlackId === req.actorSlackId;
    if (!matches) {
      this.deps.logger.info(
        { ticketId: req.ticketId, user: req.actorSlackId, origin: o.kind },
        'click does not belong to the message or view it came from; refused',
      );
      return undefined;
    }
    return { ticket, tracker };
  }

  /**
   * The policy, checked against the ticket's real databases (from its details; unknown databases fail closed):
   * approvals under `approve`, every other button under the command the ticket came to Slack with.
   */
  private async policyFor(req: ActionRequest, ticket: Ticket): Promise<Verdict | undefined> {
    const command = req.action === 'approve' || req.action === 'reject' ? 'approve' : ticketCommand(ticket);
    if (!command) return undefined;
    const v = await this.deps.guard.check(
      command,
      { userId: req.actorSlackId, channelId: ticket.channelId, databases: ticketDatabases(ticket) },
      false,
    );
    return v.allowed
      ? undefined
      : {
          ok: false,
          rule: `policy:${v.rule}`,
          reason: `This bot's policy does not allow you to do that on this ticket's database (rule *${escapeMrkdwn(v.rule)}*).`,
        };
  }

  private async performUnsafe(req: ActionRequest, log: Logger): Promise<ActionOutcome> {
    const bound = await this.bound(req);
    if (!bound) return { result: 'unknown', message: NO_SUCH_TICKET };
    const { ticket, tracker } = bound;
    const summary = escapeMrkdwn(ticketTitle(tracker, ticket));

    const refusedByPolicy = await this.policyFor(req, ticket);
    if (refusedByPolicy && !refusedByPolicy.ok) {
      log.info({ rule: refusedByPolicy.rule }, 'ticket action refused by policy');
      await this.audit(req, ticket, { decision: 'denied', rule: refusedByPolicy.rule });
      return {
        result: 'denied',
        message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${refusedByPolicy.reason}`,
      };
    }
    if (req.action === 'refresh') return this.refresh(ticket, tracker, summary);

    const who = await this.deps.resolver.resolve(req.actorSlackId);
    const verdict = await this.authorize(req.action, ticket, who);
    if (!verdict.ok) {
      log.info({ rule: verdict.rule }, 'ticket action refused');
      await this.audit(req, ticket, { decision: 'denied', rule: verdict.rule, actorDmsId: who.dmsUserId });
      return {
        result: 'denied',
        message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${verdict.reason}`,
      };
    }
    await this.audit(req, ticket, { decision: 'allowed', rule: verdict.rule, actorDmsId: who.dmsUserId });

    if (req.action === 'stop') return this.stop(req, ticket, tracker, summary, verdict.rule);
    if (req.action === 'download') return this.download(req, ticket, who);
    if (ticket.done) return this.stale(req, ticket, tracker, summary);
    if (this.busy.has(ticket.id)) {
      return {
        result: 'stale',
        message: `:hourglass_flowing_sand: Someone's click on ${summary} is being handled right now; the thread will show the outcome in a moment.`,
      };
    }
    this.busy.add(ticket.id);
    try {
      return await this.act(req, ticket, tracker, summary, who, verdict, log);
    } finally {
      this.busy.delete(ticket.id);
    }
  }

  private async act(
    req: ActionRequest,
    ticket: Ticket,
    tracker: TicketTracker,
    summary: string,
    who: ResolvedUser,
    verdict: { rule: string },
    log: Logger,
  ): Promise<ActionOutcome> {
    // Ask DMS where the ticket is now (a button drawn a minute ago may no longer apply): the watcher's own check, which
    // also posts any change it finds. If another replica holds the ticket, DMS still refuses an action out of turn.
    await this.deps.watcher.refreshNow(ticket.id);
    const now = (await this.deps.store.getTicket(ticket.id)) ?? ticket;
    if (!(tracker.actionsFor?.(now) ?? []).includes(req.action)) return this.stale(req, now, tracker, summary);

    let requestId: string | undefined;
    try {
      const send = await this.prepare(req, ticket, who);
      try {
        requestId = await send();
      } catch (err) {
        // The answer was lost (or cannot be trusted): DMS may have done it. Check before saying anything.
        if (sendOutcome(err) === 'unknown')
          return this.checkUnconfirmed(req, now, tracker, summary, who, verdict, err, log);
        throw err;
      }
    } catch (err) {
      // DMS refusing because of the ticket's state means someone else got there first.
      if (err instanceof CloudApiError && err.details.httpStatus === 200 && /status/i.test(err.details.errorCode)) {
        await this.deps.watcher.refreshNow(ticket.id);
        const fresh = (await this.deps.store.getTicket(ticket.id)) ?? now;
        return this.stale(req, fresh, tracker, summary, err.details.errorCode);
      }
      throw err;
    }
    log.info({ requestId }, 'ticket action done');
    const note =
      req.action === 'reject' ? req.reason : req.action === 'run' ? `${req.fileType}, ${req.encoding}` : undefined;
    await this.audit(req, ticket, {
      decision: 'done',
      rule: verdict.rule,
      actorDmsId: who.dmsUserId,
      cloudRequestId: requestId,
      detail: note ? { note: truncate(note, 300) } : {},
    });
    return this.recordDone(req, ticket, note);
  }

  /** Who may do what: a DMS account for everything; the submitter for submit/run/download; approvers approve. */
  private async authorize(action: TicketActionId, ticket: Ticket, who: ResolvedUser): Promise<Verdict> {
    // A CTS tracker has no DMS side: whoever created or follows it may stop following it.
    if (!ticket.kind.startsWith('dms_')) {
      return action === 'stop' && who.slackId === ticket.requesterSlackId
        ? { ok: true, rule: 'requester' }
        : { ok: false, rule: 'requester', reason: `Only ${mention(ticket.requesterSlackId)} can do that.` };
    }
    if (!who.dmsUserId) {
      return {
        ok: false,
        rule: 'dms_account',
        reason: `Your Slack user is not matched to a DMS user: ${escapeMrkdwn(who.problem ?? 'no DMS account found')}`,
      };
    }
    const submitter = isSubmitter(ticket, who);
    const filer =
      ticket.details['followed'] === true ? 'the person who filed it in DMS' : mention(ticket.requesterSlackId);
    switch (action) {
      case 'submit':
      case 'run':
      case 'download':
        return submitter
          ? { ok: true, rule: 'submitter' }
          : { ok: false, rule: 'submitter', reason: `Only the ticket's requester (${filer}) can do that.` };
      case 'stop': {
        if (submitter || who.slackId === ticket.requesterSlackId) return { ok: true, rule: 'requester' };
        const approver = await this.deps.approvers.check(who);
        return approver.ok
          ? { ok: true, rule: approver.rule }
          : {
              ok: false,
              rule: 'requester',
              reason: `Only ${mention(ticket.requesterSlackId)} (who follows it here) or an approver can stop following it.`,
            };
      }
      case 'approve':
      case 'reject': {
        const approver = await this.deps.approvers.check(who);
        if (!approver.ok) return { ok: false, rule: 'approvers', reason: approver.reason };
        // A workflow with several steps still waits for approval after one: the same person must not clear them all.
        if (activityOf(ticket).some((a) => (a.action === 'approve' || a.action === 'reject') && a.by === who.slackId)) {
          return {
            ok: false,
            rule: 'one_decision_per_person',
            reason: 'You already decided on this ticket; any further approval step needs another approver.',
          };
        }
        if (submitter && !this.deps.config.ALLOW_SELF_APPROVAL) {
          return {
            ok: false,
            rule: 'self_approval',
            reason: 'You filed this ticket, so another approver has to decide on it.',
          };
        }
        // The policy (by channel, group, environment, database) was checked before, against the real databases.
        return { ok: true, rule: approver.rule };
      }
      default:
        return { ok: true, rule: 'anyone' };
    }
  }

  /**
   * Reads what the action needs (the approval workflow) and returns the one call that acts: errors before it (reads)
   * mean nothing was sent; only the returned call's failures can leave the outcome unknown.
   */
  private async prepare(
    req: ActionRequest,
    ticket: Ticket,
    who: ResolvedUser,
  ): Promise<() => Promise<string | undefined>> {
    const dms = this.deps.dms;
    switch (req.action) {
      case 'submit':
        return async () => (await dms.submitOrderApproval(ticket.externalId)).requestId;
      case 'approve':
      case 'reject': {
        const base = await dms.getOrderBaseInfo(ticket.externalId);
        if (base.WorkflowInstanceId === undefined || base.WorkflowInstanceId === null) {
          throw new CloudApiError({
            service: 'DMS',
            action: 'GetOrderBaseInfo',
            errorCode: 'NoWorkflow',
            errorMessage: 'DMS shows no approval workflow for this ticket',
            httpStatus: 200,
            retryable: false,
          });
        }
        if (base.StatusCode.toLowerCase() !== 'toaudit') {
          throw new CloudApiError({
            service: 'DMS',
            action: 'GetOrderBaseInfo',
            errorCode: 'IllegalOrderStatus',
            errorMessage: `the ticket is ${base.StatusCode}`,
            httpStatus: 200,
            retryable: false,
          });
        }
        const verb = req.action === 'approve' ? 'Approved' : 'Rejected';
        const person = `${who.name}${who.email ? ` <${who.email}>` : ''} (Slack ${who.slackId}, DMS user ${who.dmsUserId})`;
        const comment = `${verb} from Slack by ${person}${req.reason ? `: ${req.reason}` : ''}`;
        const input = {
          workflowInstanceId: String(base.WorkflowInstanceId),
          approvalType: req.action === 'approve' ? ('AGREE' as const) : ('REJECT' as const),
          comment: truncate(comment, 1000),
        };
        return async () => (await dms.approveOrder(input)).requestId;
      }
      case 'run':
        return async () =>
          (
            await dms.executeDataExport({
              orderId: ticket.externalId,
              fileType: req.fileType ?? 'CSV',
              encoding: req.encoding ?? 'UTF8',
            })
          ).requestId;
      default:
        return async () => undefined;
    }
  }

  /**
   * An action whose answer was lost (timeout, connection reset, 5xx, an answer without `Success`): not confirmed, so
   * the ticket is checked with the watcher's own check. Moved on: DMS did it, and it is recorded as done. Still
   * waiting for this action: it has not happened (yet), and the person is told exactly that, never "failed".
   */
  private async checkUnconfirmed(
    req: ActionRequest,
    ticket: Ticket,
    tracker: TicketTracker,
    summary: string,
    who: ResolvedUser,
    verdict: { rule: string },
    err: unknown,
    log: Logger,
  ): Promise<ActionOutcome> {
    const code = err instanceof CloudApiError ? err.details.errorCode : 'no answer';
    log.warn({ errorCode: code }, 'ticket action not confirmed by DMS; checking the ticket');
    await this.deps.watcher
      .refreshNow(ticket.id)
      .catch((e: unknown) => log.warn({ err: String(e) }, 'check after an unconfirmed action failed'));
    const fresh = (await this.deps.store.getTicket(ticket.id)) ?? ticket;
    const label = escapeMrkdwn(tracker.statusInfo(fresh.status).label);
    const unconfirmed = `:grey_question: DMS did not confirm that (${escapeMrkdwn(truncate(code, 80))}), so I checked the ticket`;
    const stillApplies =
      fresh.status === ticket.status && !fresh.done && (tracker.actionsFor?.(fresh) ?? []).includes(req.action);
    if (!stillApplies) {
      const note =
        req.action === 'reject' ? req.reason : req.action === 'run' ? `${req.fileType}, ${req.encoding}` : undefined;
      await this.audit(req, ticket, {
        decision: 'done',
        rule: verdict.rule,
        actorDmsId: who.dmsUserId,
        detail: { confirmedBy: 'check', dmsCode: code, ...(note ? { note: truncate(note, 300) } : {}) },
      });
      return this.recordDone(
        req,
        ticket,
        note,
        `${unconfirmed}: it is now *${label}*, so it went through. ${summary} goes on from there.`,
      );
    }
    await this.audit(req, ticket, {
      decision: 'failed',
      rule: 'unconfirmed',
      actorDmsId: who.dmsUserId,
      detail: { dmsCode: code, status: fresh.status },
    });
    return {
      result: 'unknown',
      message: `${unconfirmed}: it still shows *${label}*, so it has not happened, at least not yet. The thread will say so if DMS does it; if the button is still there in a minute, press it again.`,
      ticket: fresh,
    };
  }

  /** After a successful action: remember it, tell the thread who did what, then let the ticket's new status show. */
  private async recordDone(
    req: ActionRequest,
    ticket: Ticket,
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
      activity: [...activityOf(t), activity].slice(-10),
      // On a followed ticket, the filer recognised by their DMS account is who gets the result.
      ...(t.details['followed'] === true &&
      !t.details['submitterSlackId'] &&
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

  private async refresh(ticket: Ticket, tracker: TicketTracker, summary: string): Promise<ActionOutcome> {
    if (ticket.done) {
      await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
      return {
        result: 'stale',
        message: `${summary} is no longer followed here; its last status was *${escapeMrkdwn(tracker.statusInfo(ticket.status).label)}*.${tracker.home && !tracker.home.followAgain ? '' : ` \`/dms status ${escapeMrkdwn(ticket.externalId)}\` follows it again.`}`,
      };
    }
    const changed = await this.deps.watcher.refreshNow(ticket.id);
    const fresh = (await this.deps.store.getTicket(ticket.id)) ?? ticket;
    const label = escapeMrkdwn(tracker.statusInfo(fresh.status).label);
    return {
      result: 'done',
      message: changed
        ? `:arrows_counterclockwise: ${summary} is now *${label}* (see the thread).`
        : `:arrows_counterclockwise: ${summary} is still *${label}* (checked just now).`,
      ticket: fresh,
    };
  }

  private async stop(
    req: ActionRequest,
    ticket: Ticket,
    tracker: TicketTracker,
    summary: string,
    rule: string,
  ): Promise<ActionOutcome> {
    const stopped = await this.deps.watcher.stopFollowing(ticket.id, req.actorSlackId);
    if (!stopped) return { result: 'stale', message: `${summary} is already not followed here.` };
    await this.audit(req, ticket, { decision: 'done', rule });
    await this.tellThread(
      stopped,
      `:black_square_for_stop: ${mention(req.actorSlackId)} stopped following this ticket here. It goes on in ${tracker.home?.cloud ?? 'DMS'}.`,
    );
    await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
    return { result: 'done', message: `:white_check_mark: Stopped following ${summary}.`, ticket: stopped };
  }

  private async download(req: ActionRequest, ticket: Ticket, who: ResolvedUser): Promise<ActionOutcome> {
    if (ticket.kind !== 'dms_export' || ticket.status !== 'EXPORT_SUCCESS') {
      return { result: 'stale', message: 'There is no finished export to download on this ticket.' };
    }
    const line = await this.deps.exports.deliver(ticket, { askedBy: who.slackId, to: who.slackId });
    await this.audit(req, ticket, { decision: 'done', rule: 'submitter' });
    return { result: 'done', message: line };
  }

  private async stale(
    req: ActionRequest,
    ticket: Ticket,
    tracker: TicketTracker,
    summary: string,
    dmsCode?: string,
  ): Promise<ActionOutcome> {
    await this.audit(req, ticket, {
      decision: 'failed',
      rule: 'stale',
      detail: { status: ticket.status, ...(dmsCode ? { dmsCode } : {}) },
    });
    await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
    const label = escapeMrkdwn(tracker.statusInfo(ticket.status).label);
    const ended = ticket.done ? ' and is no longer followed here' : '';
    return {
      result: 'stale',
      message: `:information_source: ${summary} has moved on: it is *${label}*${ended}, so "${ACTION_WORDS[req.action].button}" no longer applies. The message's buttons now show what you can do.`,
    };
  }

  /** A line in the ticket's thread, unless the channel asked for root-message updates only. */
  private async tellThread(ticket: Ticket, text: string): Promise<void> {
    if (!ticket.rootTs) return;
    if ((await this.deps.watcher.threadModeFor(ticket)) === 'root_only') return;
    await this.deps.messenger
      .reply(ticket.channelId, ticket.rootTs, { text })
      .catch((err: unknown) => this.deps.logger.warn({ ticketId: ticket.id, err: String(err) }, 'thread note failed'));
  }

  private async audit(
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

function activityOf(t: Ticket): TicketActivity[] {
  return Array.isArray(t.details['activity']) ? (t.details['activity'] as TicketActivity[]) : [];
}
