import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { errorFields } from '../core/errors.js';
import { type DbId, dbIdOrUndefined } from '../core/ids.js';
import type { DatabaseSummary, DmsClient } from '../dms/client.js';
import type { SlackGroups } from '../slack/user-groups.js';
import type { UserResolver } from '../slack/user-resolver.js';
import type { Store, Ticket } from '../store/types.js';
import type { AuditTrail } from './audit.js';
import { decide, type Policy, type PolicyCommand, type PolicyDecision } from './policy.js';

/** How a command reads in messages. */
const COMMAND_WORDS: Record<PolicyCommand, string> = {
  'dms.export': '`/dms export`',
  'dms.track': '`/dms track`',
  'dms.change': '`/dms change`',
  'dms.status': '`/dms status`',
  'dms.settings': 'changing `/dms settings`',
  'cts.tracker': '`/cts tracker`',
  'cts.list': '`/cts list`',
  'cts.subscribe': 'changing `/cts subscribe` mappings',
  'cts.subscriptions': '`/cts subscriptions`',
  approve: 'approving or rejecting tickets',
};

const ENV_TTL_MS = 60 * 60 * 1000;

/** The databases a request is about: canonical ids, or 'unknown' when there is one but the bot could not learn it (fails closed). */
export type RequestDatabases = readonly DbId[] | 'unknown';

export interface GuardVerdict extends PolicyDecision {
  /** Words for the person when refused (mrkdwn-safe). */
  message?: string;
}

/**
 * Applies the policy (POLICY_FILE) and the per-user rate limit, and writes each decision to the audit trail. The
 * bot acts with its own cloud identity, so these checks are what stands between a Slack user and production.
 */
export class Guard {
  private readonly envTypes = new Map<DbId, { envType?: string; expiresAt: number }>();
  private readonly needsEmail: boolean;
  private readonly needsEnv: boolean;

  constructor(
    private readonly deps: {
      policy: Policy;
      groups: SlackGroups;
      resolver: UserResolver;
      dms: DmsClient;
      store: Store;
      audit: AuditTrail;
      clock: Clock;
      logger: Logger;
      ratePerHour: number;
    },
  ) {
    this.needsEmail = deps.policy.rules.some((r) => r.users?.some((u) => u.includes('@')));
    this.needsEnv = deps.policy.rules.some((r) => r.envTypes !== undefined);
  }

  /** Remembers the environment of databases seen in searches (the picker), for the checks that follow. */
  remember(dbs: readonly DatabaseSummary[]): void {
    const expiresAt = this.deps.clock.now() + ENV_TTL_MS;
    for (const db of dbs) this.envTypes.set(db.id, { envType: db.envType, expiresAt });
  }

  /** A database's EnvType: from recent searches, else asked of DMS by id (undefined when unknown: rules fail closed). */
  private async envTypeOf(dbId: DbId): Promise<string | undefined> {
    if (!this.needsEnv) return undefined;
    const cached = this.envTypes.get(dbId);
    if (cached && cached.expiresAt > this.deps.clock.now()) return cached.envType;
    try {
      const found = await this.deps.dms.searchDatabases(dbId, { pageSize: 20, timeoutMs: 1_500 });
      this.remember(found);
      return found.find((d) => d.id === dbId)?.envType;
    } catch (err) {
      this.deps.logger.warn({ dbId, err: errorFields(err) }, 'database environment unknown; policy rules fail closed');
      return undefined;
    }
  }

  /** Decides a request (for every database it touches: all must be allowed), audits and logs it. */
  async check(
    command: PolicyCommand,
    who: { userId: string; channelId?: string; databases?: RequestDatabases },
    audit = true,
  ): Promise<GuardVerdict> {
    const email = this.needsEmail
      ? await this.deps.resolver.resolve(who.userId).then(
          (u) => u.email,
          () => undefined,
        )
      : undefined;
    const base = {
      command,
      userId: who.userId,
      email,
      channelId: who.channelId,
      inGroup: (g: string) => this.deps.groups.has(g, who.userId),
    };
    let verdict: GuardVerdict | undefined;
    if (who.databases === 'unknown') verdict = await decide(this.deps.policy, { ...base, database: { id: null } });
    else if (!who.databases?.length) verdict = await decide(this.deps.policy, base);
    else {
      for (const id of who.databases) {
        const d = await decide(this.deps.policy, { ...base, database: { id, envType: await this.envTypeOf(id) } });
        verdict = d;
        if (!d.allowed) break;
      }
    }
    const v = verdict!;
    if (!v.allowed) {
      v.message = `:no_entry_sign: This bot's policy does not allow ${COMMAND_WORDS[command]} for you here${who.databases?.length ? ' on that database' : ''} (rule *${v.rule}*). Ask the bot's operators if you need it.`;
      this.deps.logger.info(
        { command, user: who.userId, channel: who.channelId, rule: v.rule },
        'request denied by policy',
      );
    }
    if (audit) {
      await this.deps.audit.record({
        actorSlackId: who.userId,
        channelId: who.channelId ?? null,
        action: command,
        decision: v.allowed ? 'allowed' : 'denied',
        rule: v.rule,
        detail: who.databases?.length ? { databases: who.databases } : {},
      });
    }
    return v;
  }

  /** The databases of a search the person may use for `command` here; the rest are hidden from the picker. */
  async filter(
    command: PolicyCommand,
    who: { userId: string; channelId?: string },
    dbs: readonly DatabaseSummary[],
  ): Promise<{ allowed: DatabaseSummary[]; hiddenBy?: string }> {
    this.remember(dbs);
    const allowed: DatabaseSummary[] = [];
    let hiddenBy: string | undefined;
    for (const db of dbs) {
      const v = await this.check(command, { ...who, databases: [db.id] }, false);
      if (v.allowed) allowed.push(db);
      else hiddenBy ??= v.rule;
    }
    return { allowed, hiddenBy };
  }

  /**
   * The per-user limit on ticket creation (RATE_LIMIT_PER_USER_PER_HOUR). Without `reserveKey` a read (the form-open
   * gate); with it, takes a creation slot atomically in the store (replicas included), so concurrent submissions can
   * never file more than the limit. The slot is given back with `store.releaseCreateSlot(reserveKey)` when the create
   * certainly did not happen.
   */
  async rateLimit(
    userId: string,
    channelId?: string,
    reserveKey?: string,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    const now = this.deps.clock.now();
    const windowMs = 3_600_000;
    const limit = this.deps.ratePerHour;
    let held: number[];
    if (reserveKey) {
      const r = await this.deps.store.reserveCreateSlot({ key: reserveKey, slackId: userId, now, windowMs, limit });
      if (r.ok) return { ok: true };
      held = r.takenAt;
    } else {
      held = (await this.deps.store.createdSince(userId, now - windowMs + 1)).filter((t) => t > now - windowMs);
      if (held.length < limit) return { ok: true };
    }
    const freeAt = Math.min(...held) + windowMs;
    const when = `<!date^${Math.floor(freeAt / 1000)}^{time}|${new Date(freeAt).toISOString()}>`;
    this.deps.logger.info({ user: userId, limit }, 'ticket creation rate limit reached');
    await this.deps.audit.record({
      at: now,
      actorSlackId: userId,
      channelId: channelId ?? null,
      action: 'ticket.create',
      decision: 'denied',
      rule: 'rate_limit',
      detail: { limit },
    });
    return {
      ok: false,
      message: `:hourglass: You have filed ${held.length} tickets in the last hour; the limit is ${limit} per hour. You can file the next one at ${when}.`,
    };
  }
}

/**
 * The databases a stored ticket is about, re-parsed (stored details are data, and tickets filed before ids were
 * canonical may spell them with leading zeros): canonical ids, or 'unknown' when the ticket does not name them
 * all (followed tickets of other kinds, DMS details without an id) — policy checks then fail closed.
 */
export function ticketDatabases(ticket: Pick<Ticket, 'details'>): RequestDatabases {
  const raw = ticket.details['dbIds'];
  if (!Array.isArray(raw) || raw.length === 0) return 'unknown';
  const ids = raw.map((v: unknown) => dbIdOrUndefined(v));
  return ids.every((id): id is DbId => id !== undefined) ? ids : 'unknown';
}

const COMMAND_BY_KIND: Partial<Record<Ticket['kind'], PolicyCommand>> = {
  dms_export: 'dms.export',
  dms_track: 'dms.track',
  dms_change: 'dms.change',
  dms_order: 'dms.status',
};

/** The policy command under which a DMS ticket came to Slack: its form's, or `dms.status` when it is followed. */
export function ticketCommand(ticket: Pick<Ticket, 'kind' | 'details'>): PolicyCommand | undefined {
  if (!ticket.kind.startsWith('dms_')) return undefined;
  return ticket.details['followed'] === true ? 'dms.status' : COMMAND_BY_KIND[ticket.kind];
}
