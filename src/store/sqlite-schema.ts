/** The SQLite store's schema: ordered migrations, each applied once (in a transaction) and recorded. */
import type Database from 'better-sqlite3';
import { CTS_EVENTS_SQLITE_MIGRATION } from './cts-events-sqlite.js';
import { SQLITE_NUDGES_MIGRATION } from './sqlite-nudges.js';

/** Ordered schema migrations; each runs once, in a transaction, recorded in schema_migrations. */
const MIGRATIONS: string[] = [
  `CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     external_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     root_ts TEXT,
     requester_slack_id TEXT NOT NULL,
     requester_dms_id TEXT,
     status TEXT,
     details TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     next_poll_at INTEGER NOT NULL,
     poll_interval_ms INTEGER NOT NULL,
     done INTEGER NOT NULL DEFAULT 0,
     UNIQUE (kind, external_id)
   );
   CREATE INDEX tickets_due ON tickets (done, next_poll_at);
   CREATE TABLE ticket_updates (
     ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     status TEXT NOT NULL,
     thread_ts TEXT,
     posted_at INTEGER NOT NULL
   );
   CREATE INDEX ticket_updates_ticket ON ticket_updates (ticket_id);
   CREATE TABLE submissions (
     key TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     ticket_id INTEGER
   );`,
  `CREATE INDEX tickets_requester ON tickets (requester_slack_id, done, updated_at);
   CREATE TABLE channel_settings (
     channel_id TEXT PRIMARY KEY,
     thread_mode TEXT NOT NULL,
     updated_by TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE home_viewers (
     slack_id TEXT PRIMARY KEY,
     first_seen_at INTEGER NOT NULL
   );
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor_slack_id TEXT NOT NULL,
     actor_dms_id TEXT,
     channel_id TEXT,
     action TEXT NOT NULL,
     decision TEXT NOT NULL,
     rule TEXT,
     ticket_id INTEGER,
     external_id TEXT,
     cloud_request_id TEXT,
     detail TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX audit_log_at ON audit_log (at);
   -- Append-only: the trail cannot be edited or pruned through the application's connection.
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
  `ALTER TABLE tickets ADD COLUMN lease_owner TEXT;
   ALTER TABLE tickets ADD COLUMN lease_until INTEGER;`,
  `CREATE TABLE pending_creates (
     marker TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     requester_slack_id TEXT NOT NULL,
     requester_dms_id TEXT,
     details TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  // The per-person creation ledger behind RATE_LIMIT_PER_USER_PER_HOUR; tickets filed so far count as taken slots.
  `CREATE TABLE create_slots (
     key TEXT PRIMARY KEY,
     slack_id TEXT NOT NULL,
     taken_at INTEGER NOT NULL
   );
   CREATE INDEX create_slots_user ON create_slots (slack_id, taken_at);
   INSERT INTO create_slots (key, slack_id, taken_at)
     SELECT 'ticket:' || id, requester_slack_id, created_at FROM tickets WHERE json_extract(details, '$.followed') IS NULL;`,
  CTS_EVENTS_SQLITE_MIGRATION,
  SQLITE_NUDGES_MIGRATION,
];

/** Applies the migrations this database has not had yet, in order. */
export function migrateSqlite(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  MIGRATIONS.forEach((sql, i) => {
    const version = i + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      record.run(version, Date.now());
    })();
  });
}
