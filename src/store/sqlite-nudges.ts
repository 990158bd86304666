import type Database from 'better-sqlite3';
import { digestFrom, type SettingsRow, settingsFromRow, type WaitRow, waitFromRow } from './nudge-rows.js';
import type { ChannelSettings, DigestSetting, ThreadMode, TicketWait } from './types.js';

/** The SQLite half of the approval loop's storage: channel settings, waits and claims (SqliteStore delegates here). */
export class SqliteNudges {
  constructor(private readonly db: Database.Database) {}

  /** See Store.getChannelSettings. */
  getChannelSettings(channelId: string): ChannelSettings {
    return settingsFromRow(
      this.db
        .prepare('SELECT thread_mode, hears, digest_at, digest_zone FROM channel_settings WHERE channel_id = ?')
        .get(channelId) as SettingsRow | undefined,
    );
  }

  /** See Store.setThreadMode (what the channel hears and its digest stay). */
  setThreadMode(channelId: string, mode: ThreadMode, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO channel_settings (channel_id, thread_mode, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET thread_mode = excluded.thread_mode, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(channelId, mode, by, now);
  }

  /** See Store.setChannelSettings. */
  setChannelSettings(channelId: string, s: ChannelSettings, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO channel_settings (channel_id, thread_mode, hears, digest_at, digest_zone, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET thread_mode = excluded.thread_mode, hears = excluded.hears, digest_at = excluded.digest_at,
           digest_zone = excluded.digest_zone, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(channelId, s.threadMode, s.hears, s.digest?.at ?? null, s.digest?.zone ?? null, by, now);
  }

  /** See Store.digestChannels. */
  digestChannels(): { channelId: string; digest: DigestSetting }[] {
    const rows = this.db
      .prepare(
        'SELECT channel_id, digest_at, digest_zone FROM channel_settings WHERE digest_at IS NOT NULL ORDER BY channel_id',
      )
      .all() as (Pick<SettingsRow, 'digest_at' | 'digest_zone'> & { channel_id: string })[];
    return rows.flatMap((r) => {
      const digest = digestFrom(r);
      return digest ? [{ channelId: r.channel_id, digest }] : [];
    });
  }

  /** See Store.setWait. */
  setWait(w: TicketWait): void {
    this.db
      .prepare(
        `INSERT INTO ticket_waits (ticket_id, status, need, since, people, groups_, others) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ticket_id) DO UPDATE SET status = excluded.status, need = excluded.need, since = excluded.since,
           people = excluded.people, groups_ = excluded.groups_, others = excluded.others`,
      )
      .run(
        w.ticketId,
        w.status,
        w.need,
        w.since,
        JSON.stringify(w.people),
        JSON.stringify(w.groups),
        JSON.stringify(w.others),
      );
  }

  /** See Store.getWait. */
  getWait(ticketId: number): TicketWait | undefined {
    const r = this.db.prepare('SELECT * FROM ticket_waits WHERE ticket_id = ?').get(ticketId) as
      | WaitRow<string>
      | undefined;
    return r && waitFromRow(r, parse);
  }

  /** See Store.clearWait. */
  clearWait(ticketId: number): void {
    this.db.prepare('DELETE FROM ticket_waits WHERE ticket_id = ?').run(ticketId);
  }

  /** See Store.listWaits. */
  listWaits(limit: number): TicketWait[] {
    return (
      this.db.prepare('SELECT * FROM ticket_waits ORDER BY since, ticket_id LIMIT ?').all(limit) as WaitRow<string>[]
    ).map((r) => waitFromRow(r, parse));
  }

  /** See Store.claimSlot: IMMEDIATE takes the write lock first, so another process on the file waits its turn. */
  claimSlot(c: { scope: string; slot: number; now: number; minGapMs: number }): boolean {
    return this.db
      .transaction(() => {
        if (
          c.minGapMs > 0 &&
          this.db
            .prepare('SELECT 1 FROM nudge_claims WHERE scope = ? AND claimed_at > ?')
            .get(c.scope, c.now - c.minGapMs)
        )
          return false;
        return (
          this.db
            .prepare('INSERT OR IGNORE INTO nudge_claims (scope, slot, claimed_at) VALUES (?, ?, ?)')
            .run(c.scope, c.slot, c.now).changes === 1
        );
      })
      .immediate();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return [];
  }
}

/** The schema the approval loop adds (one SQLite migration). */
export const SQLITE_NUDGES_MIGRATION = `ALTER TABLE channel_settings ADD COLUMN hears TEXT;
   ALTER TABLE channel_settings ADD COLUMN digest_at TEXT;
   ALTER TABLE channel_settings ADD COLUMN digest_zone TEXT;
   CREATE TABLE ticket_waits (
     ticket_id INTEGER PRIMARY KEY,
     status TEXT NOT NULL,
     need TEXT NOT NULL,
     since INTEGER NOT NULL,
     people TEXT NOT NULL,
     groups_ TEXT NOT NULL,
     others TEXT NOT NULL
   );
   CREATE INDEX ticket_waits_since ON ticket_waits (since);
   CREATE TABLE nudge_claims (
     scope TEXT NOT NULL,
     slot INTEGER NOT NULL,
     claimed_at INTEGER NOT NULL,
     PRIMARY KEY (scope, slot)
   );
   CREATE INDEX nudge_claims_at ON nudge_claims (scope, claimed_at);`;
