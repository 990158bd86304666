import type { ApproverEntry } from '../config.js';
import type { SlackGroups } from '../slack/user-groups.js';
import type { ResolvedUser } from '../slack/user-resolver.js';

/** Whether a person may approve, and by which entry of APPROVERS (or why not). */
export type ApproverVerdict = { ok: true; rule: string } | { ok: false; reason: string };

/**
 * The people who may approve or reject tickets from Slack (APPROVERS: Slack user ids, user-group ids, emails).
 * The bot approves with its own cloud identity, so this check is the only gate: it must be right.
 */
export class ApproverPolicy {
  constructor(private readonly deps: { entries: readonly ApproverEntry[]; groups: SlackGroups }) {}

  get configured(): boolean {
    return this.deps.entries.length > 0;
  }

  /** Checks one person (already resolved, for their email). */
  async check(user: ResolvedUser): Promise<ApproverVerdict> {
    if (!this.configured)
      return {
        ok: false,
        reason:
          'No approvers are configured for this bot (APPROVERS is empty), so tickets are approved in the DMS console.',
      };
    for (const e of this.deps.entries) {
      if (e.kind === 'user' && e.id === user.slackId) return { ok: true, rule: `approvers:user` };
      if (e.kind === 'email' && user.email && e.id === user.email.toLowerCase())
        return { ok: true, rule: `approvers:email` };
    }
    for (const e of this.deps.entries) {
      if (e.kind === 'group' && (await this.deps.groups.has(e.id, user.slackId)))
        return { ok: true, rule: `approvers:group:${e.id}` };
    }
    return {
      ok: false,
      reason: 'Only the approvers configured for this bot (APPROVERS) can approve or reject tickets from Slack.',
    };
  }
}
