import { escapeMrkdwn, mention } from '../../blocks/kit/text.js';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import type { ApproverPolicy } from '../access/approvers.js';
import { type Guard, ticketCommand, ticketDatabases } from '../access/request-check.js';
import type { Config } from '../config.js';
import type { ResolvedUser } from '../slack/user-resolver.js';
import type { Ticket } from '../store/types.js';
import type { ActionRequest } from './actions.js';
import type { CommonDetails } from './details.js';

/** Whether a person may do something, and by which rule. */
export type Verdict = { ok: true; rule: string } | { ok: false; rule: string; reason: string };

/** The Slack user who filed the ticket, as far as DMS is concerned (null: someone outside Slack filed it). */
export function isSubmitter(ticket: Ticket<CommonDetails>, who: ResolvedUser): boolean {
  const d = ticket.details;
  if (d.followed === true) {
    if (d.submitterSlackId === who.slackId) return true;
    return d.committerDmsId !== undefined && who.dmsUserId !== undefined && who.dmsUserId === d.committerDmsId;
  }
  return who.slackId === ticket.requesterSlackId;
}

/**
 * Who may click what on a ticket: the bot's policy against the ticket's real databases, then the person's part in
 * the ticket (submitter, requester, approver). The bot acts with its own cloud identity, so this is the only check.
 */
export class ActionRules {
  constructor(private readonly deps: { approvers: ApproverPolicy; guard: Guard; config: Config }) {}

  /**
   * The policy, checked against the ticket's real databases (from its details; unknown databases fail closed):
   * approvals under `approve`, every other button under the command the ticket came to Slack with.
   */
  async policyFor(
    req: Pick<ActionRequest, 'action' | 'actorSlackId'>,
    ticket: Ticket<CommonDetails>,
  ): Promise<Verdict | undefined> {
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

  /** Who may do what: a DMS account for everything; the submitter for submit/run/download; approvers approve. */
  async authorize(action: TicketActionId, ticket: Ticket<CommonDetails>, who: ResolvedUser): Promise<Verdict> {
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
      ticket.details.followed === true ? 'the person who filed it in DMS' : mention(ticket.requesterSlackId);
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
        if (
          (ticket.details.activity ?? []).some(
            (a) => (a.action === 'approve' || a.action === 'reject') && a.by === who.slackId,
          )
        ) {
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
}
