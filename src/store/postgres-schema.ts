import pg from 'pg';
import { CTS_EVENTS_POSTGRES_MIGRATION } from './cts-events-postgres.js';
import { POSTGRES_NUDGES_MIGRATION } from './postgres-nudges.js';
import * as Rows from './rows.js';
import type { StoredAuditEntry, Ticket } from './types.js';

/**
 * Ordered schema migrations; all pending ones run at start-up in one transaction that holds an advisory lock, so two
 * replicas starting at once apply each migration exactly once (the second waits, then finds nothing left to do).
 *
 * Times are epoch milliseconds (BIGINT). `details`/`detail` are `json` (an exact copy of the text, like SQLite's TEXT:
 * unlike `jsonb` it accepts the `\u0000` escape, and `->>` still reads single fields).
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE tickets (
     id BIGSERIAL PRIMARY KEY,
     kind TEXT NOT NULL,
     external_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     root_ts TEXT,
     requester_slack_id TEXT NOT NULL,
     requester_dms_id TEXT,
     status TEXT,
     details JSON NOT NULL,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     next_poll_at BIGINT NOT NULL,
     poll_interval_ms BIGINT NOT NULL,
     done BOOLEAN NOT NULL DEFAULT FALSE,
     lease_owner TEXT,
     lease_until BIGINT,
     UNIQUE (kind, external_id)
   );
   CREATE INDEX tickets_due ON tickets (done, next_poll_at);
   CREATE INDEX tickets_requester ON tickets (requester_slack_id, done, updated_at);
   CREATE INDEX tickets_lease_owner ON tickets (lease_owner) WHERE lease_owner IS NOT NULL;
   CREATE TABLE ticket_updates (
     id BIGSERIAL PRIMARY KEY,
     ticket_id BIGINT NOT NULL REFERENCES tickets(id),
     status TEXT NOT NULL,
     thread_ts TEXT,
     posted_at BIGINT NOT NULL
   );
   CREATE INDEX ticket_updates_ticket ON ticket_updates (ticket_id, id);
   CREATE TABLE submissions (
     key TEXT PRIMARY KEY,
     created_at BIGINT NOT NULL,
     ticket_id BIGINT
   );
   CREATE TABLE channel_settings (
     channel_id TEXT PRIMARY KEY,
     thread_mode TEXT NOT NULL,
     updated_by TEXT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE TABLE home_viewers (
     slack_id TEXT PRIMARY KEY,
     first_seen_at BIGINT NOT NULL
   );
   CREATE TABLE audit_log (
     id BIGSERIAL PRIMARY KEY,
     at BIGINT NOT NULL,
     actor_slack_id TEXT NOT NULL,
     actor_dms_id TEXT,
     channel_id TEXT,
     action TEXT NOT NULL,
     decision TEXT NOT NULL,
     rule TEXT,
     ticket_id BIGINT,
     external_id TEXT,
     cloud_request_id TEXT,
     detail JSON NOT NULL DEFAULT '{}'
   );
   CREATE INDEX audit_log_at ON audit_log (at);
   -- Append-only: the trail cannot be edited or pruned through the application's connection.
   CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'audit_log is append-only';
   END
   $$;
   CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
   CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();`,
  `CREATE TABLE pending_creates (
     marker TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     requester_slack_id TEXT NOT NULL,
     requester_dms_id TEXT,
     details JSON NOT NULL,
     created_at BIGINT NOT NULL
   );`,
  // The per-person creation ledger behind RATE_LIMIT_PER_USER_PER_HOUR; tickets filed so far count as taken slots.
  `CREATE TABLE create_slots (
     key TEXT PRIMARY KEY,
     slack_id TEXT NOT NULL,
     taken_at BIGINT NOT NULL
   );
   CREATE INDEX create_slots_user ON create_slots (slack_id, taken_at);
   INSERT INTO create_slots (key, slack_id, taken_at)
     SELECT 'ticket:' || id, requester_slack_id, created_at FROM tickets WHERE details ->> 'followed' IS NULL;`,
  CTS_EVENTS_POSTGRES_MIGRATION,
  POSTGRES_NUDGES_MIGRATION,
];

/** Advisory lock namespace for migrations (any constant; the second key is the schema's hash). */
const MIGRATION_LOCK = 0x4d49_4752; // "MIGR"

/** BIGINT/BIGSERIAL (oid 20) come back as JS numbers: ids and epoch-millisecond times stay far below 2^53. */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresStoreOptions {
  /**
   * A schema to keep the tables in (created if missing; every pooled connection's search_path is set to it). Lets
   * tests isolate themselves on one server. Lower-case letters, digits and underscores.
   */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); the next query reconnects. */
  onError?: (err: Error) => void;
}

/**
 * Connects a pool and brings the schema up to date. The URL is never put into an error message (it holds a password).
 */
export async function openPool(url: string, opts: PostgresStoreOptions = {}): Promise<pg.Pool> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('PostgreSQL schema name must be lower-case letters, digits and underscores');
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A query waits at most this long for a connection, so an unreachable server fails readiness instead of hanging.
    connectionTimeoutMillis: 10_000,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', (err) => opts.onError?.(err));
  try {
    await migrate(pool, schema);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return pool;
}

/** Applies the migrations not yet applied, under an advisory lock (one replica at a time). */
async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  await inTransaction(pool, async (c) => {
    // Held until commit: a second replica starting now waits here, then sees the migrations already applied.
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema ?? '']);
    if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set(
      (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const [i, sql] of MIGRATIONS.entries()) {
      const version = i + 1;
      if (applied.has(version)) continue;
      await c.query(sql);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
    }
  });
}

/** Runs `fn` in a transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** A tickets row as `pg` returns it (json and boolean columns already decoded). */
export type TicketRow = Rows.TicketRow<Record<string, unknown>, boolean>;
/** An audit_log row as `pg` returns it. */
export type AuditRow = Rows.AuditRow<Record<string, unknown>>;
/** A tickets row as a Ticket. */
export const toTicket = (r: TicketRow): Ticket =>
  Rows.ticketFromRow(
    r,
    (d) => d,
    (b) => b,
  );
/** An audit_log row as a StoredAuditEntry. */
export const toAudit = (r: AuditRow): StoredAuditEntry => Rows.auditFromRow(r, (d) => d);
