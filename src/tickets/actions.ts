import type { Logger } from 'pino';
import { escapeMrkdwn, mention, truncate } from '../../blocks/kit/text.js';
import { ACTION_WORDS, type TicketActionId } from '../../blocks/tickets/controls.js';
import type { ApproverPolicy } from '../access/approvers.js';
import type { Guard } from '../access/request-check.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { CloudApiError, sendOutcome } from '../core/errors.js';
import { userMessageFor } from '../core/user-message.js';
import type { DmsClient } from '../dms/client.js';
import { exportDetailsSchema } from '../dms/export/details.js';
import type { ExportService } from '../dms/export/service.js';
import type { Messenger } from '../slack/messenger.js';
import type { ResolvedUser, UserResolver } from '../slack/user-resolver.js';
import type { Store, Ticket } from '../store/types.js';
import { ActionRecords } from './action-records.js';
import { ActionRules } from './action-rules.js';
import { type CommonDetails, checkDetails } from './details.js';
import { prepareDmsCall } from './dms-call.js';
import { type TicketKind, ticketTitle } from './kind.js';
import type { TicketKinds } from './kinds.js';
import type { StatusWatcher } from './watcher.js';

export { isSubmitter } from './action-rules.js';

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

/** A ticket whose details were read through its kind. */
type Checked = Ticket<CommonDetails>;

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
export class TicketActions {
  /** Tickets with a state-changing click being handled: a double click or a second approver waits for the first. */
  private readonly busy = new Set<number>();

  constructor(
    private readonly deps: {
      store: Store;
      watcher: StatusWatcher;
      kinds: TicketKinds;
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
  ) {
    this.rules = new ActionRules(deps);
    this.records = new ActionRecords(deps);
  }

  private readonly rules: ActionRules;
  private readonly records: ActionRecords;

  /** The ticket as stored now, read through its kind; the one in hand when it is gone or unreadable. */
  private async reload(ticket: Checked): Promise<Checked> {
    const stored = await this.deps.store.getTicket(ticket.id);
    const read = stored && this.deps.kinds.read(stored, this.deps.logger.child({ ticketId: ticket.id }));
    return read?.ok ? read.ticket : ticket;
  }

  /** Everything a click does after the ack; never throws (failures come back as an outcome). */
  async perform(req: ActionRequest): Promise<ActionOutcome> {
    const log = this.deps.logger.child({ action: req.action, ticketId: req.ticketId, user: req.actorSlackId });
    try {
      return await this.performUnsafe(req, log);
    } catch (err) {
      await this.records.audit(req, undefined, {
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
      const { ticket, kind } = bound;
      const who = await this.deps.resolver.resolve(req.actorSlackId);
      const verdict =
        (await this.rules.policyFor(req, ticket)) ?? (await this.rules.authorize(req.action, ticket, who));
      if (!verdict.ok) {
        await this.records.audit(req, ticket, { decision: 'denied', rule: verdict.rule, actorDmsId: who.dmsUserId });
        return {
          result: 'denied',
          message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${verdict.reason}`,
        };
      }
      if (ticket.done || !(kind.actionsFor?.(ticket) ?? []).includes(req.action)) {
        return this.records.stale(req, ticket, kind, escapeMrkdwn(ticketTitle(kind, ticket)));
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
    return bound ? ticketTitle(bound.kind, bound.ticket) : undefined;
  }

  /**
   * The ticket a click names, if it is the ticket of the container the click came from (see ClickOrigin). A
   * missing ticket and a mismatched one cost the same (one store read) and get the same answer.
   */
  private async bound(
    req: Pick<ActionRequest, 'ticketId' | 'actorSlackId' | 'origin'>,
  ): Promise<{ ticket: Checked; kind: TicketKind } | undefined> {
    const stored = await this.deps.store.getTicket(req.ticketId);
    const read = stored && this.deps.kinds.read(stored, this.deps.logger.child({ ticketId: req.ticketId }));
    // Unknown kind, or details that do not fit it (logged): no button on it leads anywhere.
    if (!read?.ok) return undefined;
    const { ticket, kind } = read;
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
    return { ticket, kind };
  }

  private async performUnsafe(req: ActionRequest, log: Logger): Promise<ActionOutcome> {
    const bound = await this.bound(req);
    if (!bound) return { result: 'unknown', message: NO_SUCH_TICKET };
    const { ticket, kind } = bound;
    const summary = escapeMrkdwn(ticketTitle(kind, ticket));

    const refusedByPolicy = await this.rules.policyFor(req, ticket);
    if (refusedByPolicy && !refusedByPolicy.ok) {
      log.info({ rule: refusedByPolicy.rule }, 'ticket action refused by policy');
      await this.records.audit(req, ticket, { decision: 'denied', rule: refusedByPolicy.rule });
      return {
        result: 'denied',
        message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${refusedByPolicy.reason}`,
      };
    }
    if (req.action === 'refresh') return this.refresh(ticket, kind, summary);

    const who = await this.deps.resolver.resolve(req.actorSlackId);
    const verdict = await this.rules.authorize(req.action, ticket, who);
    if (!verdict.ok) {
      log.info({ rule: verdict.rule }, 'ticket action refused');
      await this.records.audit(req, ticket, { decision: 'denied', rule: verdict.rule, actorDmsId: who.dmsUserId });
      return {
        result: 'denied',
        message: `:no_entry_sign: You can't ${ACTION_WORDS[req.action].verb}. ${verdict.reason}`,
      };
    }
    await this.records.audit(req, ticket, { decision: 'allowed', rule: verdict.rule, actorDmsId: who.dmsUserId });

    if (req.action === 'stop') return this.stop(req, ticket, kind, summary, verdict.rule);
    if (req.action === 'download') return this.download(req, ticket, who);
    if (ticket.done) return this.records.stale(req, ticket, kind, summary);
    if (this.busy.has(ticket.id)) {
      return {
        result: 'stale',
        message: `:hourglass_flowing_sand: Someone's click on ${summary} is being handled right now; the thread will show the outcome in a moment.`,
      };
    }
    this.busy.add(ticket.id);
    try {
      return await this.act(req, ticket, kind, summary, who, verdict, log);
    } finally {
      this.busy.delete(ticket.id);
    }
  }

  private async act(
    req: ActionRequest,
    ticket: Checked,
    kind: TicketKind,
    summary: string,
    who: ResolvedUser,
    verdict: { rule: string },
    log: Logger,
  ): Promise<ActionOutcome> {
    // Ask DMS where the ticket is now (a button drawn a minute ago may no longer apply): the watcher's own check, which
    // also posts any change it finds. If another replica holds the ticket, DMS still refuses an action out of turn.
    await this.deps.watcher.refreshNow(ticket.id);
    const now = await this.reload(ticket);
    if (!(kind.actionsFor?.(now) ?? []).includes(req.action)) return this.records.stale(req, now, kind, summary);

    let requestId: string | undefined;
    try {
      const send = await prepareDmsCall(this.deps.dms, req, ticket, who);
      try {
        requestId = await send();
      } catch (err) {
        // The answer was lost (or cannot be trusted): DMS may have done it. Check before saying anything.
        if (sendOutcome(err) === 'unknown')
          return this.checkUnconfirmed(req, now, kind, summary, who, verdict, err, log);
        throw err;
      }
    } catch (err) {
      // DMS refusing because of the ticket's state means someone else got there first.
      if (err instanceof CloudApiError && err.details.httpStatus === 200 && /status/i.test(err.details.errorCode)) {
        await this.deps.watcher.refreshNow(ticket.id);
        const fresh = await this.reload(now);
        return this.records.stale(req, fresh, kind, summary, err.details.errorCode);
      }
      throw err;
    }
    log.info({ requestId }, 'ticket action done');
    const note =
      req.action === 'reject' ? req.reason : req.action === 'run' ? `${req.fileType}, ${req.encoding}` : undefined;
    await this.records.audit(req, ticket, {
      decision: 'done',
      rule: verdict.rule,
      actorDmsId: who.dmsUserId,
      cloudRequestId: requestId,
      detail: note ? { note: truncate(note, 300) } : {},
    });
    return this.records.recordDone(req, ticket, note);
  }

  /**
   * An action whose answer was lost (timeout, connection reset, 5xx, an answer without `Success`): not confirmed, so
   * the ticket is checked with the watcher's own check. Moved on: DMS did it, and it is recorded as done. Still
   * waiting for this action: it has not happened (yet), and the person is told exactly that, never "failed".
   */
  private async checkUnconfirmed(
    req: ActionRequest,
    ticket: Checked,
    kind: TicketKind,
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
    const fresh = await this.reload(ticket);
    const label = escapeMrkdwn(kind.statusInfo(fresh.status).label);
    const unconfirmed = `:grey_question: DMS did not confirm that (${escapeMrkdwn(truncate(code, 80))}), so I checked the ticket`;
    const stillApplies =
      fresh.status === ticket.status && !fresh.done && (kind.actionsFor?.(fresh) ?? []).includes(req.action);
    if (!stillApplies) {
      const note =
        req.action === 'reject' ? req.reason : req.action === 'run' ? `${req.fileType}, ${req.encoding}` : undefined;
      await this.records.audit(req, ticket, {
        decision: 'done',
        rule: verdict.rule,
        actorDmsId: who.dmsUserId,
        detail: { confirmedBy: 'check', dmsCode: code, ...(note ? { note: truncate(note, 300) } : {}) },
      });
      return this.records.recordDone(
        req,
        ticket,
        note,
        `${unconfirmed}: it is now *${label}*, so it went through. ${summary} goes on from there.`,
      );
    }
    await this.records.audit(req, ticket, {
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

  private async refresh(ticket: Checked, kind: TicketKind, summary: string): Promise<ActionOutcome> {
    if (ticket.done) {
      await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
      return {
        result: 'stale',
        message: `${summary} is no longer followed here; its last status was *${escapeMrkdwn(kind.statusInfo(ticket.status).label)}*.${kind.home && !kind.home.followAgain ? '' : ` \`/dms status ${escapeMrkdwn(ticket.externalId)}\` follows it again.`}`,
      };
    }
    const changed = await this.deps.watcher.refreshNow(ticket.id);
    const fresh = await this.reload(ticket);
    const label = escapeMrkdwn(kind.statusInfo(fresh.status).label);
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
    ticket: Checked,
    kind: TicketKind,
    summary: string,
    rule: string,
  ): Promise<ActionOutcome> {
    const stopped = await this.deps.watcher.stopFollowing(ticket.id, req.actorSlackId);
    if (!stopped) return { result: 'stale', message: `${summary} is already not followed here.` };
    await this.records.audit(req, ticket, { decision: 'done', rule });
    await this.records.tellThread(
      stopped,
      `:black_square_for_stop: ${mention(req.actorSlackId)} stopped following this ticket here. It goes on in ${kind.home?.cloud ?? 'DMS'}.`,
    );
    await this.deps.watcher.redraw(ticket.id).catch(() => undefined);
    return { result: 'done', message: `:white_check_mark: Stopped following ${summary}.`, ticket: stopped };
  }

  private async download(req: ActionRequest, ticket: Checked, who: ResolvedUser): Promise<ActionOutcome> {
    // The export's own fields, narrowed from the details read on the click (same row, same schema: cannot fail).
    const exported = ticket.kind === 'dms_export' ? checkDetails(exportDetailsSchema, ticket) : undefined;
    if (!exported?.ok || ticket.status !== 'EXPORT_SUCCESS') {
      return { result: 'stale', message: 'There is no finished export to download on this ticket.' };
    }
    const line = await this.deps.exports.deliver(exported.ticket, { askedBy: who.slackId, to: who.slackId });
    await this.records.audit(req, ticket, { decision: 'done', rule: 'submitter' });
    return { result: 'done', message: line };
  }
}
