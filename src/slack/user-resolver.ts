import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { slackZoneName } from '../core/time-zone.js';
import type { DmsClient } from '../dms/client.js';
import type { UserMap } from './user-map.js';

/** A Slack user matched (or not) to a DMS user. */
export interface ResolvedUser {
  slackId: string;
  /** Display name for messages and modal errors. */
  name: string;
  email?: string;
  /** The Slack profile's zone name, as given (short, single line): possibly one this runtime does not know. */
  tz?: string;
  dmsUserId?: string;
  /** Why there is no DMS user, in words for the person. */
  problem?: string;
  /** How it was matched: `map` (USER_MAP_FILE) or `email`. */
  via?: 'map' | 'email';
}

interface CacheEntry {
  value: ResolvedUser;
  expiresAt: number;
}

const HIT_TTL_MS = 60 * 60 * 1000;
const MISS_TTL_MS = 5 * 60 * 1000;

/** Maps Slack users to DMS users: USER_MAP_FILE first, then Slack profile email -> DMS ListUsers. Cached. */
export class UserResolver {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly deps: { slack: WebClient; dms: DmsClient; userMap: UserMap; clock: Clock; logger: Logger },
  ) {}

  /** Resolves one Slack user; never throws for "not found" (see `problem`), throws only on outages. */
  async resolve(slackId: string): Promise<ResolvedUser> {
    const now = this.deps.clock.now();
    const cached = this.cache.get(slackId);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = await this.lookup(slackId);
    this.cache.set(slackId, { value, expiresAt: now + (value.dmsUserId ? HIT_TTL_MS : MISS_TTL_MS) });
    return value;
  }

  /** Resolves several users concurrently. */
  resolveAll(slackIds: string[]): Promise<ResolvedUser[]> {
    return Promise.all(slackIds.map((id) => this.resolve(id)));
  }

  private async lookup(slackId: string): Promise<ResolvedUser> {
    const mapped = this.deps.userMap.get(slackId);
    let info: Awaited<ReturnType<WebClient['users']['info']>>;
    try {
      info = await this.deps.slack.users.info({ user: slackId });
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code === 'user_not_found')
        return { slackId, name: slackId, problem: `${slackId} is not a user of this workspace.` };
      throw err;
    }
    const user = info.user;
    const name = user?.profile?.real_name || user?.real_name || user?.name || slackId;
    const email = user?.profile?.email || undefined;
    // Untrusted: may be missing, blank, not a string, or a zone Intl does not know; time-zone.ts decides how to show it.
    const tz = slackZoneName(user?.tz);
    if (mapped) return { slackId, name, email, tz, dmsUserId: mapped, via: 'map' };
    if (user?.is_bot) return { slackId, name, tz, problem: `${name} is a bot, not a person with a DMS account.` };
    if (email) {
      const byEmail = this.deps.userMap.get(email.toLowerCase());
      if (byEmail) return { slackId, name, email, tz, dmsUserId: byEmail, via: 'map' };
      const candidates = await this.deps.dms.listUsers(email);
      const exact = candidates.filter((u) => u.email?.toLowerCase() === email.toLowerCase());
      if (exact.length === 1) return { slackId, name, email, tz, dmsUserId: exact[0]!.userId, via: 'email' };
      if (exact.length > 1)
        return {
          slackId,
          name,
          email,
          tz,
          problem: `${name} matches ${exact.length} DMS users with the same email; map them in USER_MAP_FILE.`,
        };
      return {
        slackId,
        name,
        email,
        tz,
        problem: `${name} has no DMS account (no DMS user has their Slack email). Ask a DMS admin to add them, or map them in USER_MAP_FILE.`,
      };
    }
    return {
      slackId,
      name,
      tz,
      problem: `${name} has no email the bot can see, so they cannot be matched to a DMS user; map them in USER_MAP_FILE.`,
    };
  }
}
