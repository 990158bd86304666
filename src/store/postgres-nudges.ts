import type pg from 'pg';
import { digestFrom, type SettingsRow, settingsFromRow, type WaitRow, waitFromRow } from './nudge-rows.js';
import type { ChannelSettings, DigestSetting, ThreadMode, TicketWait } from './types.js';

/** Advisory lock namespace for one claim scope (the second key is the scope's hash). */
const CLAIM_LOCK = 0x4e55_4447; // "NUDG"

/** The PostgreSQL half of the approval loop's storage: channel settings, waits and claims (PostgresStore delegates here). */
export class PostgresNudges {
  constructor(
    private readonly pool: pg.Pool,
    private readonly tx: <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>,
  ) {}

  /** See Store.getChannelSettings. */
  async getChannelSettings(channelId: string): Promise<ChannelSettings> {
    const r = await this.pool.query<SettingsRow>(
      'SELECT thread_mode, hears, digest_at, digest_zone FROM channel_settings WHERE channel_id = $1',
      [channelId],
    );
    return settingsFromRow(r.rows[0]);
  }

  /** See Store.setThreadMode (what the channel hears and its digest stay). */
  async setThreadMode(channelId: string, mode: ThreadMode, by: string, now: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO channel_settings (channel_id, thread_mode, updated_by, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel_id) DO UPDATE SET thread_mode = excluded.thread_mode, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [channelId, mode, by, now],
    );
  }

  /** See Store.setChannelSettings. */
  async setChannelSettings(channelId: string, s: ChannelSettings, by: string, now: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO channel_settings (channel_id, thread_mode, hears, digest_at, digest_zone, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (channel_id) DO UPDATE SET thread_mode = excluded.thread_mode, hears = excluded.hears, digest_at = excluded.digest_at,
         digest_zone = excluded.digest_zone, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [channelId, s.threadMode, s.hears, s.digest?.at ?? null, s.digest?.zone ?? null, by, now],
    );
  }

  /** See Store.digestChannels. */
  async digestChannels(): Promise<{ channelId: string; digest: DigestSetting }[]> {
    const r = await this.pool.query<Pick<SettingsRow, 'digest_at' | 'digest_zone'> & { channel_id: string }>(
      'SELECT channel_id, digest_at, digest_zone FROM channel_settings WHERE digest_at IS NOT NULL ORDER BY channel_id',
    );
    return r.rows.flatMap((row) => {
      const digest = digestFrom(row);
      return digest ? [{ channelId: row.channel_id, digest }] : [];
    });
  }

  /** See Store.setWait. */
  async setWait(w: TicketWait): Promise<void> {
    await this.pool.query(
      `INSERT INTO ticket_waits (ticket_id, status, need, since, people, groups_, others) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (ticket_id) DO UPDATE SET status = excluded.status, need = excluded.need, since = excluded.since,
         people = excluded.people, groups_ = excluded.groups_, others = excluded.others`,
      [
        w.ticketId,
        w.status,
        w.need,
        w.since,
        JSON.stringify(w.people),
        JSON.stringify(w.groups),
        JSON.stringify(w.others),
      ],
    );
  }

  /** See Store.getWait. */
  async getWait(ticketId: number): Promise<TicketWait | undefined> {
    const r = await this.pool.query<WaitRow<unknown>>('SELECT * FROM ticket_waits WHERE ticket_id = $1', [ticketId]);
    return r.rows[0] && waitFromRow(r.rows[0], (l) => l);
  }

  /** See Store.clearWait. */
  async clearWait(ticketId: number): Promise<void> {
    await this.pool.query('DELETE FROM ticket_waits WHERE ticket_id = $1', [ticketId]);
  }

  /** See Store.listWaits. */
  async listWaits(limit: number): Promise<TicketWait[]> {
    const r = await this.pool.query<WaitRow<unknown>>('SELECT * FROM ticket_waits ORDER BY since, ticket_id LIMIT $1', [
      limit,
    ]);
    return r.rows.map((row) => waitFromRow(row, (l) => l));
  }

  /** See Store.claimSlot: claims of one scope run one at a time across replicas (the lock is held until COMMIT). */
  async claimSlot(c: { scope: string; slot: number; now: number; minGapMs: number }): Promise<boolean> {
    return this.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CLAIM_LOCK, c.scope]);
      if (
        c.minGapMs > 0 &&
        (
          await client.query('SELECT 1 FROM nudge_claims WHERE scope = $1 AND claimed_at > $2', [
            c.scope,
            c.now - c.minGapMs,
          ])
        ).rowCount
      )
        return false;
      const r = await client.query(
        'INSERT INTO nudge_claims (scope, slot, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [c.scope, c.slot, c.now],
      );
      return r.rowCount === 1;
    });
  }
}

/** The schema the approval loop adds (one PostgreSQL migration). */
export const POSTGRES_NUDGES_MIGRATION = `ALTER TABLE channel_settings ADD COLUMN hears TEXT;
   ALTER TABLE channel_settings ADD COLUMN digest_at TEXT;
   ALTER TABLE channel_settings ADD COLUMN digest_zone TEXT;
   CREATE TABLE ticket_waits (
     ticket_id BIGINT PRIMARY KEY,
     status TEXT NOT NULL,
     need TEXT NOT NULL,
     since BIGINT NOT NULL,
     people JSON NOT NULL,
     groups_ JSON NOT NULL,
     others JSON NOT NULL
   );
   CREATE INDEX ticket_waits_since ON ticket_waits (since);
   CREATE TABLE nudge_claims (
     scope TEXT NOT NULL,
     slot BIGINT NOT NULL,
     claimed_at BIGINT NOT NULL,
     PRIMARY KEY (scope, slot)
   );
   CREATE INDEX nudge_claims_at ON nudge_claims (scope, claimed_at);`;
