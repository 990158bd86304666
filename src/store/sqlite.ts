import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteCtsEvents } from './cts-events-sqlite.js';
import * as Rows from './rows.js';
import { type PendingRow, pendingFromRow } from './rows.js';
import { SqliteNudges } from './sqlite-nudges.js';
import { migrateSqlite } from './sqlite-schema.js';
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

type TicketRow = Rows.TicketRow<string, number>;
type AuditRow = Rows.AuditRow<string>;
const toTicket = (r: TicketRow): Ticket =>
  Rows.ticketFromRow(
    r,
    (d) => JSON.parse(d) as Record<string, unknown>,
    (b) => b === 1,
  );
const toAudit = (r: AuditRow): StoredAuditEntry =>
  Rows.auditFromRow(r, (d) => JSON.parse(d) as Record<string, unknown>);

/** The embedded default store: one SQLite file through better-sqlite3 (WAL mode). */
export class SqliteStore implements Store {
  private readonly db: Database.Database;

  private readonly nudges: SqliteNudges;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL cannot corrupt the file; a power cut may lose the last transactions, not order.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    this.ctsEvents = new SqliteCtsEvents(this.db);
    this.nudges = new SqliteNudges(this.db);
  }

  readonly ctsEvents: SqliteCtsEvents;

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per SQL text. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  async claimSubmission(key: string, now: number): Promise<boolean> {
    const r = this.stmt('INSERT OR IGNORE INTO submissions (key, created_at) VALUES (?, ?)').run(key, now);
    return r.changes === 1;
  }

  async completeSubmission(key: string, ticketId: number): Promise<void> {
    this.stmt('UPDATE submissions SET ticket_id = ? WHERE key = ?').run(ticketId, key);
  }

  async createTicket(t: NewTicket, now: number): Promise<Ticket> {
    const r = this.db
      .prepare(
        `INSERT INTO tickets (kind, external_id, channel_id, root_ts, requester_slack_id, requester_dms_id, status, details,
                              created_at, updated_at, next_poll_at, poll_interval_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.kind,
        t.externalId,
        t.channelId,
        t.rootTs,
        t.requesterSlackId,
        t.requesterDmsId,
        t.status,
        JSON.stringify(t.details),
        now,
        now,
        t.nextPollAt,
        t.pollIntervalMs,
      );
    return (await this.getTicket(Number(r.lastInsertRowid)))!;
  }

  async beginCreate(p: PendingCreate): Promise<void> {
    this.stmt(
      'INSERT INTO pending_creates (marker, kind, channel_id, requester_slack_id, requester_dms_id, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(p.marker, p.kind, p.channelId, p.requesterSlackId, p.requesterDmsId, JSON.stringify(p.details), p.createdAt);
  }

  async endCreate(marker: string): Promise<void> {
    this.stmt('DELETE FROM pending_creates WHERE marker = ?').run(marker);
  }

  async pendingCreates(before: number): Promise<PendingCreate[]> {
    const rows = this.stmt('SELECT * FROM pending_creates WHERE created_at < ? ORDER BY created_at, marker').all(
      before,
    ) as PendingRow<string>[];
    return rows.map((r) => pendingFromRow(r, (d) => JSON.parse(d) as Record<string, unknown>));
  }

  async getTicket(id: number): Promise<Ticket | undefined> {
    const r = this.stmt('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
    return r && toTicket(r);
  }

  async findTicketByExternalId(kind: TicketKindId, externalId: string): Promise<Ticket | undefined> {
    const r = this.stmt('SELECT * FROM tickets WHERE kind = ? AND external_id = ?').get(kind, externalId) as
      | TicketRow
      | undefined;
    return r && toTicket(r);
  }

  async dueTickets(now: number, limit: number): Promise<Ticket[]> {
    const rows = this.db
      .prepare('SELECT * FROM tickets WHERE done = 0 AND next_poll_at <= ? ORDER BY next_poll_at, id LIMIT ?')
      .all(now, limit) as TicketRow[];
    return rows.map(toTicket);
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<Ticket[]> {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(
            `SELECT * FROM tickets WHERE done = 0 AND next_poll_at <= ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
           ORDER BY next_poll_at, id LIMIT ?`,
          )
          .all(now, now, owner, limit) as TicketRow[];
        const lease = this.stmt('UPDATE tickets SET lease_owner = ?, lease_until = ? WHERE id = ?');
        for (const r of rows) lease.run(owner, now + leaseMs, r.id);
        return rows.map(toTicket);
      })
      .immediate();
  }

  async claimTicket(id: number, now: number, owner: string, leaseMs: number): Promise<Ticket | undefined> {
    const r = this.db
      .prepare(
        'UPDATE tickets SET lease_owner = ?, lease_until = ? WHERE id = ? AND done = 0 AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)',
      )
      .run(owner, now + leaseMs, id, now, owner);
    return r.changes === 1 ? this.getTicket(id) : undefined;
  }

  async releaseLease(id: number, owner: string): Promise<void> {
    this.stmt('UPDATE tickets SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?').run(
      id,
      owner,
    );
  }

  async releaseAll(owner: string): Promise<void> {
    this.stmt('UPDATE tickets SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?').run(owner);
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async countOpen(): Promise<number> {
    return (this.stmt('SELECT COUNT(*) AS n FROM tickets WHERE done = 0').get() as { n: number }).n;
  }

  async nextDueAt(): Promise<number | undefined> {
    const r = this.stmt('SELECT MIN(next_poll_at) AS t FROM tickets WHERE done = 0').get() as { t: number | null };
    return r.t ?? undefined;
  }

  async setMessageLocation(
    id: number,
    channelId: string,
    rootTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void> {
    this.db
      .prepare(
        'UPDATE tickets SET channel_id = ?, root_ts = ?, details = COALESCE(?, details), updated_at = ? WHERE id = ?',
      )
      .run(channelId, rootTs, details ? JSON.stringify(details) : null, now, id);
  }

  async recordStatus(
    id: number,
    status: string,
    threadTs: string | null,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<void> {
    this.db.transaction(() => {
      this.stmt('INSERT INTO ticket_updates (ticket_id, status, thread_ts, posted_at) VALUES (?, ?, ?, ?)').run(
        id,
        status,
        threadTs,
        now,
      );
      if (details) {
        this.stmt('UPDATE tickets SET status = ?, details = ?, updated_at = ? WHERE id = ?').run(
          status,
          JSON.stringify(details),
          now,
          id,
        );
      } else {
        this.stmt('UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?').run(status, now, id);
      }
    })();
  }

  async schedule(id: number, nextPollAt: number, pollIntervalMs: number, now: number): Promise<void> {
    this.stmt('UPDATE tickets SET next_poll_at = ?, poll_interval_ms = ?, updated_at = ? WHERE id = ?').run(
      nextPollAt,
      pollIntervalMs,
      now,
      id,
    );
  }

  async finish(id: number, now: number): Promise<void> {
    this.stmt('UPDATE tickets SET done = 1, updated_at = ? WHERE id = ?').run(now, id);
  }

  async listUpdates(ticketId: number): Promise<TicketUpdate[]> {
    const rows = this.db
      .prepare('SELECT ticket_id, status, thread_ts, posted_at FROM ticket_updates WHERE ticket_id = ? ORDER BY rowid')
      .all(ticketId) as { ticket_id: number; status: string; thread_ts: string | null; posted_at: number }[];
    return rows.map((r) => ({ ticketId: r.ticket_id, status: r.status, threadTs: r.thread_ts, postedAt: r.posted_at }));
  }

  async updateDetails(id: number, details: Record<string, unknown>, now: number): Promise<void> {
    this.stmt('UPDATE tickets SET details = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(details), now, id);
  }

  async reopenTicket(
    id: number,
    t: Pick<
      NewTicket,
      'channelId' | 'requesterSlackId' | 'requesterDmsId' | 'status' | 'details' | 'nextPollAt' | 'pollIntervalMs'
    >,
    now: number,
  ): Promise<Ticket> {
    this.db
      .prepare(
        `UPDATE tickets SET channel_id = ?, root_ts = NULL, requester_slack_id = ?, requester_dms_id = ?, status = ?, details = ?,
                            created_at = ?, updated_at = ?, next_poll_at = ?, poll_interval_ms = ?, done = 0 WHERE id = ?`,
      )
      .run(
        t.channelId,
        t.requesterSlackId,
        t.requesterDmsId,
        t.status,
        JSON.stringify(t.details),
        now,
        now,
        t.nextPollAt,
        t.pollIntervalMs,
        id,
      );
    return (await this.getTicket(id))!;
  }

  async ticketsOf(
    slackId: string,
    opts: { openLimit: number; doneLimit: number; openOffset?: number },
  ): Promise<{ open: Ticket[]; done: Ticket[]; openTotal: number }> {
    const open = this.db
      .prepare(
        'SELECT * FROM tickets WHERE requester_slack_id = ? AND done = 0 ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
      )
      .all(slackId, opts.openLimit, opts.openOffset ?? 0) as TicketRow[];
    const done = this.db
      .prepare(
        'SELECT * FROM tickets WHERE requester_slack_id = ? AND done = 1 ORDER BY updated_at DESC, id DESC LIMIT ?',
      )
      .all(slackId, opts.doneLimit) as TicketRow[];
    const total = this.stmt('SELECT COUNT(*) AS n FROM tickets WHERE requester_slack_id = ? AND done = 0').get(
      slackId,
    ) as { n: number };
    return { open: open.map(toTicket), done: done.map(toTicket), openTotal: total.n };
  }

  async openTicketsIn(channelId: string, limit: number): Promise<Ticket[]> {
    return (
      this.stmt('SELECT * FROM tickets WHERE channel_id = ? AND done = 0 ORDER BY created_at, id LIMIT ?').all(
        channelId,
        limit,
      ) as TicketRow[]
    ).map(toTicket);
  }

  async reserveCreateSlot(r: {
    key: string;
    slackId: string;
    now: number;
    windowMs: number;
    limit: number;
  }): Promise<{ ok: true } | { ok: false; takenAt: number[] }> {
    // IMMEDIATE takes the write lock before the count: another process on the same file waits (busy_timeout).
    const take = this.db.transaction((): { ok: true } | { ok: false; takenAt: number[] } => {
      if (this.stmt('SELECT 1 FROM create_slots WHERE key = ?').get(r.key)) return { ok: true };
      this.stmt('DELETE FROM create_slots WHERE slack_id = ? AND taken_at <= ?').run(r.slackId, r.now - r.windowMs);
      const held = (
        this.stmt('SELECT taken_at FROM create_slots WHERE slack_id = ? AND taken_at > ?').all(
          r.slackId,
          r.now - r.windowMs,
        ) as { taken_at: number }[]
      ).map((x) => x.taken_at);
      if (held.length >= r.limit) return { ok: false, takenAt: held };
      this.stmt('INSERT INTO create_slots (key, slack_id, taken_at) VALUES (?, ?, ?)').run(r.key, r.slackId, r.now);
      return { ok: true };
    });
    return take.immediate();
  }

  async releaseCreateSlot(key: string): Promise<void> {
    this.stmt('DELETE FROM create_slots WHERE key = ?').run(key);
  }

  async createdSince(slackId: string, since: number): Promise<number[]> {
    const rows = this.stmt('SELECT taken_at FROM create_slots WHERE slack_id = ? AND taken_at >= ?').all(
      slackId,
      since,
    ) as { taken_at: number }[];
    return rows.map((r) => r.taken_at);
  }

  // Channel settings, what tickets wait for and the reminder/digest claims live in sqlite-nudges.ts.
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
    this.stmt('INSERT OR IGNORE INTO home_viewers (slack_id, first_seen_at) VALUES (?, ?)').run(slackId, now);
  }

  async isHomeViewer(slackId: string): Promise<boolean> {
    return this.stmt('SELECT 1 FROM home_viewers WHERE slack_id = ?').get(slackId) !== undefined;
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    this.stmt(
      `INSERT INTO audit_log (at, actor_slack_id, actor_dms_id, channel_id, action, decision, rule, ticket_id, external_id, cloud_request_id, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    );
  }

  async listAudit(opts: { since?: number; limit?: number }): Promise<StoredAuditEntry[]> {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE at >= ? ORDER BY id LIMIT ?')
      .all(opts.since ?? 0, opts.limit ?? 1_000_000) as AuditRow[];
    return rows.map(toAudit);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
