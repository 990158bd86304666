import type Database from 'better-sqlite3';
import {
  type CtsEventStore,
  type CtsSubscription,
  type EventThreadClaim,
  type NewCtsSubscription,
  type SubscriptionRow,
  subscriptionFromRow,
  THREAD_RETENTION_MS,
} from './cts-events.js';

/** The SQLite migration for the CTS key-event tables. */
export const CTS_EVENTS_SQLITE_MIGRATION = `CREATE TABLE cts_subscriptions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     topic_urn TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     filters TEXT NOT NULL,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     UNIQUE (topic_urn, channel_id)
   );
   CREATE INDEX cts_subscriptions_channel ON cts_subscriptions (channel_id);
   CREATE TABLE smn_messages (
     message_id TEXT PRIMARY KEY,
     seen_at INTEGER NOT NULL
   );
   CREATE INDEX smn_messages_seen ON smn_messages (seen_at);
   CREATE TABLE cts_event_threads (
     channel_id TEXT NOT NULL,
     resource_key TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     root_ts TEXT,
     PRIMARY KEY (channel_id, resource_key)
   );
   CREATE INDEX cts_event_threads_started ON cts_event_threads (started_at);`;

const COLUMNS = 'id, topic_urn, channel_id, filters, created_by, created_at';

/** CtsEventStore on the SQLite file of SqliteStore. */
export class SqliteCtsEvents implements CtsEventStore {
  constructor(private readonly db: Database.Database) {}

  async saveSubscription(s: NewCtsSubscription): Promise<{ subscription: CtsSubscription; replaced: boolean }> {
    return this.db.transaction(() => {
      const before = this.db
        .prepare('SELECT id FROM cts_subscriptions WHERE topic_urn = ? AND channel_id = ?')
        .get(s.topicUrn, s.channelId) as { id: number } | undefined;
      const row = this.db
        .prepare(
          `INSERT INTO cts_subscriptions (topic_urn, channel_id, filters, created_by, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (topic_urn, channel_id) DO UPDATE SET filters = excluded.filters, created_by = excluded.created_by,
             created_at = excluded.created_at
           RETURNING ${COLUMNS}`,
        )
        .get(s.topicUrn, s.channelId, JSON.stringify(s.filters), s.createdBy, s.createdAt) as SubscriptionRow;
      return { subscription: subscriptionFromRow(row), replaced: before !== undefined };
    })();
  }

  async subscriptions(q: { topicUrn?: string; channelId?: string }): Promise<CtsSubscription[]> {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM cts_subscriptions
         WHERE (@topic IS NULL OR topic_urn = @topic) AND (@channel IS NULL OR channel_id = @channel)
         ORDER BY id LIMIT 200`,
      )
      .all({ topic: q.topicUrn ?? null, channel: q.channelId ?? null }) as SubscriptionRow[];
    return rows.map(subscriptionFromRow);
  }

  async deleteSubscription(id: number): Promise<CtsSubscription | undefined> {
    const row = this.db.prepare(`DELETE FROM cts_subscriptions WHERE id = ? RETURNING ${COLUMNS}`).get(id) as
      | SubscriptionRow
      | undefined;
    return row && subscriptionFromRow(row);
  }

  async claimMessage(messageId: string, now: number, forgetBefore: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM smn_messages WHERE seen_at < ?').run(forgetBefore);
      return (
        this.db.prepare('INSERT OR IGNORE INTO smn_messages (message_id, seen_at) VALUES (?, ?)').run(messageId, now)
          .changes === 1
      );
    })();
  }

  async claimThread(channelId: string, resourceKey: string, now: number, windowMs: number): Promise<EventThreadClaim> {
    return this.db.transaction((): EventThreadClaim => {
      this.db.prepare('DELETE FROM cts_event_threads WHERE started_at < ?').run(now - THREAD_RETENTION_MS);
      const row = this.db
        .prepare('SELECT started_at, root_ts FROM cts_event_threads WHERE channel_id = ? AND resource_key = ?')
        .get(channelId, resourceKey) as { started_at: number; root_ts: string | null } | undefined;
      if (row && row.started_at > now - windowMs) return { role: 'reply', rootTs: row.root_ts };
      this.db
        .prepare(
          `INSERT INTO cts_event_threads (channel_id, resource_key, started_at, root_ts) VALUES (?, ?, ?, NULL)
           ON CONFLICT (channel_id, resource_key) DO UPDATE SET started_at = excluded.started_at, root_ts = NULL`,
        )
        .run(channelId, resourceKey, now);
      return { role: 'root', startedAt: now };
    })();
  }

  async setThreadRoot(channelId: string, resourceKey: string, startedAt: number, rootTs: string): Promise<void> {
    this.db
      .prepare('UPDATE cts_event_threads SET root_ts = ? WHERE channel_id = ? AND resource_key = ? AND started_at = ?')
      .run(rootTs, channelId, resourceKey, startedAt);
  }
}
