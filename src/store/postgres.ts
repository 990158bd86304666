import type pg from 'pg';
import { PostgresCtsEvents } from './cts-events-postgres.js';
import { PostgresNudges } from './postgres-nudges.js';
import {
  type AuditRow,
  inTransaction,
  openPool,
  type PostgresStoreOptions,
  type TicketRow,
  toAudit,
  toTicket,
} from './postgres-schema.js';
import { type PendingRow, pendingFromRow } from './rows.js';
import type {
  AuditEntry,
  NewTicket,
  PendingCreate,
  Store,
  StoredAuditEntry,
  Ticket,
  TicketKindId,
  TicketUpdate,
} from './types.js';

export type { PostgresStoreOptions } from './postgres-schema.js';

/** Advisory lock namespace for one person's creation slots (the second key is the Slack id's hash). */
const SLOT_LOCK = 0x534c_4f54; // "SLOT"

const byDue = (a: Ticket, b: Ticket): number => a.nextPollAt - b.nextPollAt || a.id - b.id;

/** The shared store for several replicas: a PostgreSQL database through a `pg` pool. */
export class PostgresStore implements Store {
  private closed = false;

  readonly ctsEvents: PostgresCtsEvents;

  private readonly nudges: PostgresNudges;

  private constructor(private readonly pool: pg.Pool) {
    this.ctsEvents = new PostgresCtsEvents(pool);
    this.nudges = new PostgresNudges(pool, (fn) => inTransaction(this.pool, fn));
  }

  /** Connects and brings the schema up to date (postgres-schema.ts); errors never quote the URL (a password). */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    return new PostgresStore(await openPool(url, opts));
  }

  private async one(sql: string, params: unknown[]): Promise<Ticket | undefined> {
    const r = await this.pool.query<TicketRow>(sql, params);
    const row = r.rows[0];
    return row && toTicket(row);
  }

  async claimSubmission(key: string, now: number): Promise<boolean> {
    const r = await this.pool.query(
      'INSERT INTO submissions (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [key, now],
    );
    return r.rowCount === 1;
  }

  async completeSubmission(key: string, ticketId: number): Promise<void> {
    await this.pool.query('UPDATE submissions SET ticket_id = $1 WHERE key = $2', [ticketId, key]);
  }

  async beginCreate(p: PendingCreate): Promise<void> {
    await this.pool.query(
      'INSERT INTO pending_creates (marker, kind, channel_id, requester_slack_id, requester_dms_id, details, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [p.marker, p.kind, p.channelId, p.requesterSlackId, p.requesterDmsId, JSON.stringify(p.details), p.createdAt],
    );
  }

  async endCreate(marker: string): Promise<void> {
    await this.pool.query('DELETE FROM pending_creates WHERE marker = $1', [marker]);
  }

  async pendingCreates(before: number): Promise<PendingCreate[]> {
    const r = await this.pool.query<PendingRow<Record<string, unknown>>>(
      'SELECT * FROM pending_creates WHERE created_at < $1 ORDER BY created_at, marker',
      [before],
    );
    return r.rows.map((row) => pendingFromRow(row, (d) => d));
  }

  async createTicket(t: NewTicket, now: number): Promise<Ticket> {
    const ticket = await this.one(
      `INSERT INTO tickets (kind, external_id, channel_id, root_ts, requester_slack_id, requester_dms_id, status, details,
                            created_at, updated_at, next_poll_at, poll_interval_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING *`,
      [
        t.kind,
        t.externalId,
        t.channelId,
        t.rootTs,
        t.requesterSlackId,
        t.requesterDmsId,
        t.status,
        JSON.stringify(t.details),
        now,
        t.nextPollAt,
        t.pollIntervalMs,
      ],
    );
    return ticket!;
  }

  async getTicket(id: number): Promise<Ticket | undefined> {
    return this.one('SELECT * FROM tickets WHERE id = $1', [id]);
  }

  async findTicketByExternalId(kind: TicketKindId, externalId: string): Promise<Ticket | undefined> {
    return this.one('SELECT * FROM tickets WHERE kind = $1 AND external_id = $2', [kind, externalId]);
  }

  async dueTickets(now: number, limit: number): Promise<Ticket[]> {
    const r = await this.pool.query<TicketRow>(
      'SELECT * FROM tickets WHERE NOT done AND next_poll_at <= $1 ORDER BY next_poll_at, id LIMIT $2',
      [now, limit],
    );
    return r.rows.map(toTicket);
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<Ticket[]> {
    // SKIP LOCKED: replicas claiming at the same moment take different rows instead of queueing on each other; a row
    // another replica claimed (and committed) meanwhile is re-checked against the lease condition and left out.
    const r = await this.pool.query<TicketRow>(
      `UPDATE tickets SET lease_owner = $1, lease_until = $2
        WHERE id IN (SELECT id FROM tickets
                      WHERE NOT done AND next_poll_at <= $3 AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1)
                      ORDER BY next_poll_at, id LIMIT $4
                      FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [owner, now + leaseMs, now, limit],
    );
    return r.rows.map(toTicket).sort(byDue);
  }

  async claimTicket(id: number, now: number, owner: string, leaseMs: number): Promise<Ticket | undefined> {
    return this.one(
      `UPDATE tickets SET lease_owner = $1, lease_until = $2
        WHERE id = $3 AND NOT done AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $1)
        RETURNING *`,
      [owner, now + leaseMs, id, now],
    );
  }

  async releaseLease(id: number, owner: string): Promise<void> {
    await this.pool.query(
      'UPDATE tickets SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2',
      [id, owner],
    );
  }

  async releaseAll(owner: string): Promise<void> {
    await this.pool.query('UPDATE tickets SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1', [owner]);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async countOpen(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM tickets WHERE NOT done');
    return r.rows[0]?.n ?? 0;
  }

  async nextDueAt(): Promise<number | undefined> {
    const r = await this.pool.query<{ t: number | null }>('SELECT MIN(next_poll_at) AS t FROM tickets WHERE NOT done');
    return r.rows[0]?.t ?? undefined;
  }

  async setMessageLocation(
    id: number,
    channelId: string,
    rootTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.pool.query(
      'UPDATE tickets SET channel_id = $1, root_ts = $2, details = COALESCE($3::json, details), updated_at = $4 WHERE id = $5',
      [channelId, rootTs, details ? JSON.stringify(details) : null, now, id],
    );
  }

  async recordStatus(
    id: number,
    status: string,
    threadTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('INSERT INTO ticket_updates (ticket_id, status, thread_ts, posted_at) VALUES ($1, $2, $3, $4)', [
        id,
        status,
        threadTs,
        now,
      ]);
      await c.query(
        'UPDATE tickets SET status = $1, details = COALESCE($2::json, details), updated_at = $3 WHERE id = $4',
        [status, details ? JSON.stringify(details) : null, now, id],
      );
    });
  }

  async schedule(id: number, nextPollAt: number, pollIntervalMs: number, now: number): Promise<void> {
    await this.pool.query(
      'UPDATE tickets SET next_poll_at = $1, poll_interval_ms = $2, updated_at = $3 WHERE id = $4',
      [nextPollAt, pollIntervalMs, now, id],
    );
  }

  async finish(id: number, now: number): Promise<void> {
    await this.pool.query('UPDATE tickets SET done = TRUE, updated_at = $1 WHERE id = $2', [now, id]);
  }

  async listUpdates(ticketId: number): Promise<TicketUpdate[]> {
    const r = await this.pool.query<{ ticket_id: number; status: string; thread_ts: string | null; posted_at: number }>(
      'SELECT ticket_id, status, thread_ts, posted_at FROM ticket_updates WHERE ticket_id = $1 ORDER BY id',
      [ticketId],
    );
    return r.rows.map((row) => ({
      ticketId: row.ticket_id,
      status: row.status,
      threadTs: row.thread_ts,
      postedAt: row.posted_at,
    }));
  }

  async updateDetails(id: number, details: Record<string, unknown>, now: number): Promise<void> {
    await this.pool.query('UPDATE tickets SET details = $1, updated_at = $2 WHERE id = $3', [
      JSON.stringify(details),
      now,
      id,
    ]);
  }

  async reopenTicket(
    id: number,
    t: Pick<
      NewTicket,
      'channelId' | 'requesterSlackId' | 'requesterDmsId' | 'status' | 'details' | 'nextPollAt' | 'pollIntervalMs'
    >,
    now: number,
  ): Promise<Ticket> {
    const ticket = await this.one(
      `UPDATE tickets SET channel_id = $1, root_ts = NULL, requester_slack_id = $2, requester_dms_id = $3, status = $4, details = $5,
                          created_at = $6, updated_at = $6, next_poll_at = $7, poll_interval_ms = $8, done = FALSE
        WHERE id = $9 RETURNING *`,
      [
        t.channelId,
        t.requesterSlackId,
        t.requesterDmsId,
        t.status,
        JSON.stringify(t.details),
        now,
        t.nextPollAt,
        t.pollIntervalMs,
        id,
      ],
    );
    return ticket!;
  }

  async ticketsOf(
    slackId: string,
    opts: { openLimit: number; doneLimit: number; openOffset?: number },
  ): Promise<{ open: Ticket[]; done: Ticket[]; openTotal: number }> {
    const [open, done, total] = await Promise.all([
      this.pool.query<TicketRow>(
        'SELECT * FROM tickets WHERE requester_slack_id = $1 AND NOT done ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3',
        [slackId, opts.openLimit, opts.openOffset ?? 0],
      ),
      this.pool.query<TicketRow>(
        'SELECT * FROM tickets WHERE requester_slack_id = $1 AND done ORDER BY updated_at DESC, id DESC LIMIT $2',
        [slackId, opts.doneLimit],
      ),
      this.pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM tickets WHERE requester_slack_id = $1 AND NOT done', [
        slackId,
      ]),
    ]);
    return { open: open.rows.map(toTicket), done: done.rows.map(toTicket), openTotal: total.rows[0]?.n ?? 0 };
  }

  async openTicketsIn(channelId: string, limit: number): Promise<Ticket[]> {
    const r = await this.pool.query<TicketRow>(
      'SELECT * FROM tickets WHERE channel_id = $1 AND NOT done ORDER BY created_at, id LIMIT $2',
      [channelId, limit],
    );
    return r.rows.map(toTicket);
  }

  async reserveCreateSlot(r: {
    key: string;
    slackId: string;
    now: number;
    windowMs: number;
    limit: number;
  }): Promise<{ ok: true } | { ok: false; takenAt: number[] }> {
    return inTransaction(this.pool, async (c) => {
      // One person's reservations run one at a time across every replica: the lock is held until COMMIT, and under
      // READ COMMITTED the count below (a new snapshot per statement) sees every slot committed before it was granted.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SLOT_LOCK, r.slackId]);
      if ((await c.query('SELECT 1 FROM create_slots WHERE key = $1', [r.key])).rowCount) return { ok: true as const };
      await c.query('DELETE FROM create_slots WHERE slack_id = $1 AND taken_at <= $2', [r.slackId, r.now - r.windowMs]);
      const held = (
        await c.query<{ taken_at: number }>('SELECT taken_at FROM create_slots WHERE slack_id = $1 AND taken_at > $2', [
          r.slackId,
          r.now - r.windowMs,
        ])
      ).rows.map((x) => x.taken_at);
      if (held.length >= r.limit) return { ok: false as const, takenAt: held };
      await c.query('INSERT INTO create_slots (key, slack_id, taken_at) VALUES ($1, $2, $3)', [
        r.key,
        r.slackId,
        r.now,
      ]);
      return { ok: true as const };
    });
  }

  async releaseCreateSlot(key: string): Promise<void> {
    await this.pool.query('DELETE FROM create_slots WHERE key = $1', [key]);
  }

  async createdSince(slackId: string, since: number): Promise<number[]> {
    const r = await this.pool.query<{ taken_at: number }>(
      'SELECT taken_at FROM create_slots WHERE slack_id = $1 AND taken_at >= $2',
      [slackId, since],
    );
    return r.rows.map((row) => row.taken_at);
  }

  // Channel settings, what tickets wait for and the reminder/digest claims live in postgres-nudges.ts.
  readonly getThreadMode: Store['getThreadMode'] = async (c) => (await this.nudges.getChannelSettings(c)).threadMode;
  readonly setThreadMode: Store['setThreadMode'] = async (...a) => this.nudges.setThreadMode(...a);
  readonly getChannelSettings: Store['getChannelSettings'] = async (c) => this.nudges.getChannelSettings(c);
  readonly setChannelSettings: Store['setChannelSettings'] = async (...a) => this.nudges.setChannelSettings(...a);
  readonly digestChannels: Store['digestChannels'] = async () => this.nudges.digestChannels();
  readonly setWait: Store['setWait'] = async (w) => this.nudges.setWait(w);
  readonly getWait: Store['getWait'] = async (id) => this.nudges.getWait(id);
  readonly clearWait: Store['clearWait'] = async (id) => this.nudges.clearWait(id);
  readonly listWaits: Store['listWaits'] = async (limit) => this.nudges.listWaits(limit);
  readonly claimSlot: Store['claimSlot'] = async (c) => this.nudges.claimSlot(c);

  async markHomeViewer(slackId: string, now: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO home_viewers (slack_id, first_seen_at) VALUES ($1, $2) ON CONFLICT (slack_id) DO NOTHING',
      [slackId, now],
    );
  }

  async isHomeViewer(slackId: string): Promise<boolean> {
    const r = await this.pool.query('SELECT 1 FROM home_viewers WHERE slack_id = $1', [slackId]);
    return r.rows.length > 0;
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_log (at, actor_slack_id, actor_dms_id, channel_id, action, decision, rule, ticket_id, external_id, cloud_request_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        e.at,
        e.actorSlackId,
        e.actorDmsId ?? null,
        e.channelId ?? null,
        e.action,
        e.decision,
        e.rule ?? null,
        e.ticketId ?? null,
        e.externalId ?? null,
        e.cloudRequestId ?? null,
        JSON.stringify(e.detail ?? {}),
      ],
    );
  }

  async listAudit(opts: { since?: number; limit?: number }): Promise<StoredAuditEntry[]> {
    const r = await this.pool.query<AuditRow>('SELECT * FROM audit_log WHERE at >= $1 ORDER BY id LIMIT $2', [
      opts.since ?? 0,
      opts.limit ?? 1_000_000,
    ]);
    return r.rows.map(toAudit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
