import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ApproverEntry } from './config.js';
import type { ResolvedUser } from './user-resolver.js';

const GROUP_TTL_MS = 5 * 60 * 1000;

/** Whether a person may approve, and by which entry of APPROVERS (or why not). */
export type ApproverVerdict = { ok: true; rule: string } | { ok: false; reason: string };

/**
 * The people who may approve or reject tickets from Slack (APPROVERS: Slack user ids, user-group ids, emails).
 * The bot approves with its own cloud identity, so this check is the only gate: it must be right.
 */
export class ApproverPolicy {
  private readonly groups = new Map<string, { members: Set<string>; expiresAt: number }>();

  constructor(private readonly deps: { entries: readonly ApproverEntry[]; slack: WebClient; clock: Clock; logger: Logger }) {}

  get configured(): boolean {
    return this.deps.entries.length > 0;
  }

  /** Checks one person (already resolved, for their email). User-group lookups are cached for five minutes. */
  async check(user: ResolvedUser): Promise<ApproverVerdict> {
    if (!this.configured) return { ok: false, reason: 'No approvers are configured for this bot (APPROVERS is empty), so tickets are approved in the DMS console.' };
    for (const e of this.deps.entries) {
      if (e.kind === 'user' && e.id === user.slackId) return { ok: true, rule: `approvers:user` };
      if (e.kind === 'email' && user.email && e.id === user.email.toLowerCase()) return { ok: true, rule: `approvers:email` };
    }
    for (const e of this.deps.entries) {
      if (e.kind !== 'group') continue;
      const members = await this.members(e.id);
      if (members?.has(user.slackId)) return { ok: true, rule: `approvers:group:${e.id}` };
    }
    return { ok: false, reason: 'Only the approvers configured for this bot (APPROVERS) can approve or reject tickets from Slack.' };
  }

  private async members(groupId: string): Promise<Set<string> | undefined> {
    const now = this.deps.clock.now();
    const cached = this.groups.get(groupId);
    if (cached && cached.expiresAt > now) return cached.members;
    try {
      const r = await this.deps.slack.usergroups.users.list({ usergroup: groupId });
      const members = new Set(r.users ?? []);
      this.groups.set(groupId, { members, expiresAt: now + GROUP_TTL_MS });
      return members;
    } catch (err) {
      // A group we cannot read grants nothing (fail closed); a stale answer is better than none.
      this.deps.logger.warn({ groupId, slackError: (err as { data?: { error?: string } }).data?.error }, 'could not read approver user group');
      return cached?.members;
    }
  }
}
