import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { TicketActionId } from '../../blocks/tickets/controls.js';
import { askLine } from '../../blocks/tickets/waiting.js';
import type { ApproverEntry } from '../config.js';
import type { Clock } from '../core/clock.js';
import { currentApprovers } from '../dms/approval.js';
import type { DmsClient } from '../dms/client.js';
import type { UserMap } from '../slack/user-map.js';
import type { ChannelHears, Store, Ticket, TicketWait, WaitNeed } from '../store/types.js';

/** What a ticket in this state waits for, from the actions that apply to it now (none for a final state). */
export function needOf(actions: readonly TicketActionId[]): WaitNeed | undefined {
  if (actions.includes('approve')) return 'approval';
  if (actions.includes('submit')) return 'submit';
  if (actions.includes('run')) return 'run';
  return undefined;
}

/** Whether a channel that hears `hears` (its `/dms settings`) gets the thread reply for a status change. */
export function channelHears(hears: ChannelHears, change: { final: boolean; waits: boolean }): boolean {
  return hears === 'all' || change.final || (hears === 'waits_and_final' && change.waits);
}

/** What the watcher does with a status change: post its reply or not, and the lines it adds (already-safe mrkdwn). */
export interface WaitOutcome {
  post: boolean;
  extra: string[];
  /** User groups the reply may mention (APPROVERS' groups asked to approve). */
  groups: string[];
}

const DMS_KINDS = new Set<string>(['dms_export', 'dms_change', 'dms_order', 'dms_track']);

/**
 * The first half of the approval loop: when a ticket reaches a state that waits for someone, works out exactly who
 * can act (DMS's approvers for the current approval step mapped to Slack, else APPROVERS; the requester to submit or
 * run), records it for reminders and the digest, and gives the thread reply a line that mentions them. Never throws:
 * a lookup that fails falls back to APPROVERS, so the status change is never held back by it.
 */
export class WaitingTickets {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      dms: DmsClient;
      slack: WebClient;
      userMap: UserMap;
      approvers: readonly ApproverEntry[];
    },
  ) {}

  /**
   * Called once per status change, before the thread hears of it: records (or clears) what the ticket waits for and
   * says whether the channel hears this change. The reply is posted once per change, so the ask is too.
   */
  async reached(ticket: Ticket, actions: readonly TicketActionId[], final: boolean): Promise<WaitOutcome> {
    const need = final ? undefined : needOf(actions);
    const hears = /^D/.test(ticket.channelId) ? 'all' : await this.hearsIn(ticket.channelId);
    if (!need || !ticket.status) {
      await this.deps.store.clearWait(ticket.id);
      return { post: channelHears(hears, { final, waits: false }), extra: [], groups: [] };
    }
    const who = await this.whoCan(ticket, need);
    const wait: TicketWait = {
      ticketId: ticket.id,
      status: ticket.status,
      need,
      since: this.deps.clock.now(),
      ...who.people,
    };
    await this.deps.store.setWait(wait);
    return { post: channelHears(hears, { final, waits: true }), extra: [askLine(wait, who.node)], groups: wait.groups };
  }

  /** The ticket no longer waits (stopped, ended): reminders stop. */
  async ended(ticketId: number): Promise<void> {
    await this.deps.store.clearWait(ticketId);
  }

  private async hearsIn(channelId: string): Promise<ChannelHears> {
    return (await this.deps.store.getChannelSettings(channelId).catch(() => undefined))?.hears ?? 'all';
  }

  /** Who can act on the ticket now. */
  async whoCan(
    ticket: Ticket,
    need: WaitNeed,
  ): Promise<{ people: Pick<TicketWait, 'people' | 'groups' | 'others'>; node?: string }> {
    if (need !== 'approval') return { people: { people: [ticket.requesterSlackId], groups: [], others: [] } };
    if (DMS_KINDS.has(ticket.kind)) {
      try {
        const fromDms = await this.dmsApprovers(ticket);
        if (fromDms) return fromDms;
      } catch (err) {
        this.deps.logger.warn(
          { ticketId: ticket.id, err: String((err as Error).message ?? err).slice(0, 200) },
          'approvers not read from DMS; asking APPROVERS',
        );
      }
    }
    return { people: await this.configuredApprovers() };
  }

  /** DMS's approvers for the current approval step, mapped to Slack; undefined when DMS names nobody. */
  private async dmsApprovers(
    ticket: Ticket,
  ): Promise<{ people: Pick<TicketWait, 'people' | 'groups' | 'others'>; node?: string } | undefined> {
    const base = await this.deps.dms.getOrderBaseInfo(ticket.externalId);
    const workflow = base.WorkflowInstanceId;
    if (workflow === null || workflow === undefined || !/^\d+$/.test(String(workflow))) return undefined;
    const current = currentApprovers(await this.deps.dms.getApprovalDetail(String(workflow)));
    if (current.users.length === 0) return undefined;
    const people: string[] = [];
    const others: string[] = [];
    for (const u of current.users) {
      const slackId = (await this.slackIdOf(u.dmsId)) ?? (await this.slackIdByDmsEmail(u.dmsId, u.nickName));
      if (slackId) people.push(slackId);
      else others.push(u.nickName ? `${u.nickName} (DMS user ${u.dmsId})` : `DMS user ${u.dmsId}`);
    }
    return {
      people: { people: [...new Set(people)], groups: [], others },
      ...(current.node ? { node: current.node } : {}),
    };
  }

  /** APPROVERS as Slack users and groups (emails looked up in Slack; one not found is named as written). */
  private async configuredApprovers(): Promise<Pick<TicketWait, 'people' | 'groups' | 'others'>> {
    const people: string[] = [];
    const groups: string[] = [];
    const others: string[] = [];
    for (const e of this.deps.approvers) {
      if (e.kind === 'user') people.push(e.id);
      else if (e.kind === 'group') groups.push(e.id);
      else {
        const id = await this.slackIdByEmail(e.id);
        if (id) people.push(id);
        else others.push(e.id);
      }
    }
    return { people: [...new Set(people)], groups, others };
  }

  /** The Slack user USER_MAP_FILE gives this DMS user (by Slack id, or by an email Slack knows), if any. */
  private async slackIdOf(dmsId: string): Promise<string | undefined> {
    const keys = [...this.deps.userMap].filter(([, v]) => v === dmsId).map(([k]) => k);
    const direct = keys.find((k) => !k.includes('@'));
    if (direct) return direct;
    for (const email of keys) {
      const id = await this.slackIdByEmail(email);
      if (id) return id;
    }
    return undefined;
  }

  /** The resolver's email match in reverse: the DMS user's email (found by their nickname) -> the Slack user with it. */
  private async slackIdByDmsEmail(dmsId: string, nickName: string | undefined): Promise<string | undefined> {
    if (!nickName) return undefined;
    const users = await this.deps.dms.listUsers(nickName).catch(() => []);
    const email = users.find((u) => u.userId === dmsId)?.email;
    return email ? this.slackIdByEmail(email) : undefined;
  }

  private async slackIdByEmail(email: string): Promise<string | undefined> {
    try {
      const r = await this.deps.slack.users.lookupByEmail({ email });
      const id = r.user?.id;
      return typeof id === 'string' && /^[UW][A-Z0-9]{2,}$/.test(id) && r.user?.deleted !== true ? id : undefined;
    } catch {
      // users_not_found, or no users:read.email: the person is named as written instead.
      return undefined;
    }
  }
}
