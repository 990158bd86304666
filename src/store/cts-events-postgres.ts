import type pg from 'pg';
import {
  type CtsEventStore,
  type CtsSubscription,
  type EventThreadClaim,
  type NewCtsSubscription,
  type SubscriptionRow,
  subscriptionFromRow,
  THREAD_RETENTION_MS,
} from './cts-events.js';

/** The PostgreSQL migration for the CTS key-event tables. */
export const CTS_EVENTS_POSTGRES_MIGRATION = `CREATE TABLE cts_subscriptions (
     id BIGSERIAL PRIMARY KEY,
     topic_urn TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     filters json NOT NULL,
     created_by TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     UNIQUE (topic_urn, channel_id)
   );
   CREATE INDEX cts_subscriptions_channel ON cts_subscriptions (channel_id);
   CREATE TABLE smn_messages (
     message_id TEXT PRIMARY KEY,
     seen_at BIGINT NOT NULL
   );
   CREATE INDEX smn_messages_seen ON smn_messages (seen_at);
   CREATE TABLE cts_event_threads (
     channel_id TEXT NOT NULL,
     resource_key TEXT NOT NULL,
     started_at BIGINT NOT NULL,
     root_ts TEXT,
     PRIMARY KEY (channel_id, resource_key)
   );
   CREATE INDEX cts_event_threads_started ON cts_event_threads (started_at);`;

const COLUMNS = 'id, topic_urn, channel_id, filters, created_by, created_at';

/** CtsEventStore on the pool of PostgresStore. */
export class PostgresCtsEvents implements CtsEventStore {
  constructor(private readonly pool: pg.Pool) {}

  async saveSubscription(s: NewCtsSubscription): Promise<{ subscription: CtsSubscription; replaced: boolean }> {
    // xmax = 0 only for a freshly inserted row: it tells an insert from an update in one statement.
    const r = await this.pool.query<SubscriptionRow & { inserted: boolean }>(
      `INSERT INTO cts_subscriptions (topic_urn, channel_id, filters, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (topic_urn, channel_id) DO UPDATE SET filters = excluded.filters, created_by = excluded.created_by,
         created_at = excluded.created_at
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [s.topicUrn, s.channelId, JSON.stringify(s.filters), s.createdBy, s.createdAt],
    );
    const row = r.rows[0]!;
    return { subscription: subscriptionFromRow(row), replaced: !row.inserted };
  }

  async subscriptions(q: { topicUrn?: string; channelId?: string }): Promise<CtsSubscription[]> {
    const r = await this.pool.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM cts_subscriptions
       WHERE ($1::text IS NULL OR topic_urn = $1) AND ($2::text IS NULL OR channel_id = $2)
       ORDER BY id LIMIT 200`,
      [q.topicUrn ?? null, q.channelId ?? null],
    );
    return r.rows.map(subscriptionFromRow);
  }

  async deleteSubscription(id: number): Promise<CtsSubscription | undefined> {
    const r = await this.pool.query<SubscriptionRow>(
      `DELETE FROM cts_subscriptions WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    const row = r.rows[0];
    return row && subscriptionFromRow(row);
  }

  async claimMessage(messageId: string, now: number, forgetBefore: number): Promise<boolean> {
    await this.pool.query('DELETE FROM smn_messages WHERE seen_at < $1', [forgetBefore]);
    const r = await this.pool.query(
      'INSERT INTO smn_messages (message_id, seen_at) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING',
      [messageId, now],
    );
    return r.rowCount === 1;
  }

  async claimThread(channelId: string, resourceKey: string, now: number, windowMs: number): Promise<EventThreadClaim> {
    await this.pool.query('DELETE FROM cts_event_threads WHERE started_at < $1', [now - THREAD_RETENTION_MS]);
    // One statement decides under the row's lock: of concurrent claims exactly one starts the thread.
    const started = await this.pool.query(
      `INSERT INTO cts_event_threads (channel_id, resource_key, started_at, root_ts) VALUES ($1, $2, $3, NULL)
       ON CONFLICT (channel_id, resource_key) DO UPDATE SET started_at = excluded.started_at, root_ts = NULL
         WHERE cts_event_threads.started_at <= $4
       RETURNING started_at`,
      [channelId, resourceKey, now, now - windowMs],
    );
    if (started.rowCount === 1) return { role: 'root', startedAt: now };
    const r = await this.pool.query<{ root_ts: string | null }>(
      'SELECT root_ts FROM cts_event_threads WHERE channel_id = $1 AND resource_key = $2',
      [channelId, resourceKey],
    );
    return { role: 'reply', rootTs: r.rows[0]?.root_ts ?? null };
  }

  async setThreadRoot(channelId: string, resourceKey: string, startedAt: number, rootTs: string): Promise<void> {
    await this.pool.query(
      'UPDATE cts_event_threads SET root_ts = $1 WHERE channel_id = $2 AND resource_key = $3 AND started_at = $4',
      [rootTs, channelId, resourceKey, startedAt],
    );
  }
}
