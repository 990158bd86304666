import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { errorFields } from '../core/errors.js';

const GROUP_TTL_MS = 5 * 60 * 1000;
// When Slack keeps failing, an old answer is used for at most this long; after that the group grants nothing.
const STALE_LIMIT_MS = 60 * 60 * 1000;

/** Slack user-group membership (`usergroups.users.list`), cached for five minutes; an unreadable group has no members. */
export class SlackGroups {
  private readonly groups = new Map<string, { members: Set<string>; expiresAt: number; fetchedAt: number }>();

  constructor(private readonly deps: { slack: WebClient; clock: Clock; logger: Logger }) {}

  async has(groupId: string, userId: string): Promise<boolean> {
    return (await this.members(groupId))?.has(userId) ?? false;
  }

  /** A group's members (none when the group cannot be read). */
  async membersOf(groupId: string): Promise<string[]> {
    return [...((await this.members(groupId)) ?? [])];
  }

  private async members(groupId: string): Promise<Set<string> | undefined> {
    const now = this.deps.clock.now();
    const cached = this.groups.get(groupId);
    if (cached && cached.expiresAt > now) return cached.members;
    try {
      const r = await this.deps.slack.usergroups.users.list({ usergroup: groupId });
      const members = new Set(r.users ?? []);
      this.groups.set(groupId, { members, expiresAt: now + GROUP_TTL_MS, fetchedAt: now });
      return members;
    } catch (err) {
      // A group we cannot read grants nothing (fail closed); a stale answer is better than none.
      this.deps.logger.warn({ groupId, err: errorFields(err) }, 'could not read Slack user group');
      return cached && now - cached.fetchedAt < STALE_LIMIT_MS ? cached.members : undefined;
    }
  }
}
