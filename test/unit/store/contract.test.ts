import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigError, readConfig } from '../../../src/config.js';
import { openStore } from '../../../src/store/open.js';
import { PostgresStore } from '../../../src/store/postgres.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import type { NewTicket, Store } from '../../../src/store/types.js';

/** One empty database of a backend: stores opened on it share its data. */
interface Db {
  open(): Promise<Store>;
  /** Runs SQL past the store (rows for a query, [] otherwise). */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

interface Backend {
  name: string;
  /** The version of the migration that made the creation-slot ledger (later ones add other tables). */
  ledgerMigration: number;
  fresh(): Db;
}

const sqlite: Backend = {
  name: 'sqlite',
  ledgerMigration: 5,
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    const path = join(dir, 'contract.db');
    return {
      async open() {
        return new SqliteStore(path);
      },
      async raw(sql) {
        const db = new Database(path);
        try {
          const stmt = db.prepare(sql);
          if (stmt.reader) return stmt.all() as Record<string, unknown>[];
          stmt.run();
          return [];
        } finally {
          db.close();
        }
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

// The PostgreSQL of test/support/postgres-setup.ts: TEST_DATABASE_URL, or a throwaway local cluster.
const pgUrl = inject('pgUrl');

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    ledgerMigration: 3,
    fresh() {
      // A fresh schema per database, created by the first store that opens it (so concurrent opens race for it).
      const schema = `contract_${randomBytes(6).toString('hex')}`;
      const raw = async (sql: string): Promise<Record<string, unknown>[]> => {
        const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
        await client.connect();
        try {
          return (await client.query(sql)).rows as Record<string, unknown>[];
        } finally {
          await client.end();
        }
      };
      return {
        open: () => PostgresStore.open(url, { schema, max: 4 }),
        raw,
        async drop() {
          await raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      };
    },
  };
}

// Skipped only where no PostgreSQL exists at all (never in CI, where the setup fails instead), saying what is missing.
const backends: (Backend & { missing?: string })[] = [
  sqlite,
  pgUrl ? postgres(pgUrl) : { ...postgres(''), missing: inject('pgMissing') ?? 'no PostgreSQL' },
];

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const LEASE = 60_000;

function ticket(over: Partial<NewTicket> = {}): NewTicket {
  return {
    kind: 'dms_export',
    externalId: `ext-${randomBytes(4).toString('hex')}`,
    channelId: 'C0EXPORTS',
    rootTs: null,
    requesterSlackId: 'U0ALICE',
    requesterDmsId: '51',
    status: null,
    details: { database: 'orders', sql: 'SELECT 1' },
    nextPollAt: T0,
    pollIntervalMs: 1_000,
    ...over,
  };
}

for (const backend of backends)
  describe.skipIf(backend.missing !== undefined)(
    `Store contract: ${backend.name}${backend.missing ? ` (not run: ${backend.missing})` : ''}`,
    () => {
      let db: Db;
      let store: Store;
      const extra: Store[] = [];

      beforeEach(async () => {
        db = backend.fresh();
        store = await db.open();
      });

      afterEach(async () => {
        await Promise.all([store, ...extra.splice(0)].map((s) => s.close()));
        await db.drop();
      });

      async function another(): Promise<Store> {
        const s = await db.open();
        extra.push(s);
        return s;
      }

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('creates, gets and finds tickets, with numeric ids and times and details as stored', async () => {
        const details = {
          database: 'orders',
          sql: "SELECT 'x' -- ü ✓",
          nested: { n: 1.5, list: [1, 'two', null], ok: true },
          nul: 'a\u0000b',
        };
        const t = await store.createTicket(
          ticket({
            externalId: '100001',
            rootTs: '1700000000.000100',
            status: 'new',
            details,
            nextPollAt: T0 + 5,
            pollIntervalMs: 2_500,
          }),
          T0,
        );
        expect(t).toEqual({
          id: expect.any(Number),
          kind: 'dms_export',
          externalId: '100001',
          channelId: 'C0EXPORTS',
          rootTs: '1700000000.000100',
          requesterSlackId: 'U0ALICE',
          requesterDmsId: '51',
          status: 'new',
          details,
          createdAt: T0,
          updatedAt: T0,
          nextPollAt: T0 + 5,
          pollIntervalMs: 2_500,
          done: false,
        });
        expect(await store.getTicket(t.id)).toEqual(t);
        expect(await store.findTicketByExternalId('dms_export', '100001')).toEqual(t);
        expect(await store.findTicketByExternalId('dms_track', '100001')).toBeUndefined();
        expect(await store.getTicket(t.id + 1000)).toBeUndefined();

        const second = await store.createTicket(
          ticket({ kind: 'dms_track', externalId: '100001', requesterDmsId: null }),
          T0,
        );
        expect(second.id).toBeGreaterThan(t.id);
        expect(second.requesterDmsId).toBeNull();
        // The same cloud ticket cannot be stored twice under one kind.
        await expect(store.createTicket(ticket({ externalId: '100001' }), T0)).rejects.toThrow();
      });

      it('claims a submission once and links it to its ticket', async () => {
        expect(await store.claimSubmission('V0VIEW1', T0)).toBe(true);
        expect(await store.claimSubmission('V0VIEW1', T0 + 1)).toBe(false);
        expect(await store.claimSubmission('V0VIEW2', T0 + 2)).toBe(true);
        const t = await store.createTicket(ticket(), T0);
        await store.completeSubmission('V0VIEW1', t.id);
        const rows = await db.raw('SELECT key, ticket_id FROM submissions ORDER BY key');
        expect(rows.map((r) => [r['key'], r['ticket_id'] === null ? null : Number(r['ticket_id'])])).toEqual([
          ['V0VIEW1', t.id],
          ['V0VIEW2', null],
        ]);
      });

      it('lists due tickets oldest first without taking leases, leaving out future and finished ones', async () => {
        const late = await store.createTicket(ticket({ nextPollAt: T0 - 10 }), T0);
        const early = await store.createTicket(ticket({ nextPollAt: T0 - 20 }), T0);
        const sameAsLate = await store.createTicket(ticket({ nextPollAt: T0 - 10 }), T0);
        await store.createTicket(ticket({ nextPollAt: T0 + 1 }), T0);
        const finished = await store.createTicket(ticket({ nextPollAt: T0 - 30 }), T0);
        await store.finish(finished.id, T0);
        expect((await store.dueTickets(T0, 10)).map((t) => t.id)).toEqual([early.id, late.id, sameAsLate.id]);
        expect((await store.dueTickets(T0, 2)).map((t) => t.id)).toEqual([early.id, late.id]);
        await store.claimDue(T0, 10, 'A', LEASE);
        expect((await store.dueTickets(T0, 10)).map((t) => t.id)).toEqual([early.id, late.id, sameAsLate.id]);
      });

      it('leases due tickets to one owner at a time; expired leases pass to another owner', async () => {
        const a1 = await store.createTicket(ticket({ nextPollAt: T0 - 30 }), T0);
        const a2 = await store.createTicket(ticket({ nextPollAt: T0 - 20 }), T0);
        const b1 = await store.createTicket(ticket({ nextPollAt: T0 - 10 }), T0);
        await store.createTicket(ticket({ nextPollAt: T0 + 100 * LEASE }), T0);
        const ids = (ts: { id: number }[]) => ts.map((t) => t.id);

        expect(ids(await store.claimDue(T0, 2, 'A', LEASE))).toEqual([a1.id, a2.id]);
        // B gets none of A's live leases, only what is left.
        expect(ids(await store.claimDue(T0, 10, 'B', LEASE))).toEqual([b1.id]);
        expect(await store.claimDue(T0 + 1, 10, 'B', LEASE)).toEqual(
          [b1].map((t) => expect.objectContaining({ id: t.id })),
        );
        // An owner renews its own leases.
        expect(ids(await store.claimDue(T0 + LEASE - 1, 10, 'A', LEASE))).toEqual([a1.id, a2.id]);
        // A dies: once its leases (renewed at T0 + LEASE - 1) expire, B takes them over, oldest due first.
        expect(ids(await store.claimDue(T0 + 2 * LEASE - 2, 10, 'B', LEASE))).toEqual([b1.id]);
        const takeover = T0 + 2 * LEASE;
        expect(ids(await store.claimDue(takeover, 10, 'B', LEASE))).toEqual([a1.id, a2.id, b1.id]);
        expect(await store.claimDue(takeover, 10, 'A', LEASE)).toEqual([]);

        // Releasing: only the owner's release counts.
        await store.releaseLease(a1.id, 'A');
        expect(await store.claimDue(takeover, 10, 'A', LEASE)).toEqual([]);
        await store.releaseLease(a1.id, 'B');
        expect(ids(await store.claimDue(takeover, 10, 'A', LEASE))).toEqual([a1.id]);
        await store.releaseAll('B');
        expect(ids(await store.claimDue(takeover, 10, 'C', LEASE))).toEqual([a2.id, b1.id]);
        await store.releaseAll('A');
        await store.releaseAll('C');
        expect(ids(await store.claimDue(takeover, 10, 'D', LEASE))).toEqual([a1.id, a2.id, b1.id]);

        // Finished tickets are never claimed.
        await store.finish(a1.id, takeover);
        await store.releaseAll('D');
        expect(ids(await store.claimDue(takeover, 10, 'E', LEASE))).toEqual([a2.id, b1.id]);
      });

      it('splits due tickets between replicas claiming at the same moment (two connections)', async () => {
        const other = await another();
        const created = [];
        for (let i = 0; i < 30; i++) created.push(await store.createTicket(ticket({ nextPollAt: T0 - 100 + i }), T0));
        const rounds = await Promise.all([
          store.claimDue(T0, 20, 'A', LEASE),
          other.claimDue(T0, 20, 'B', LEASE),
          store.claimDue(T0, 20, 'C', LEASE),
          other.claimDue(T0, 20, 'D', LEASE),
        ]);
        const claimed = rounds.flat().map((t) => t.id);
        expect(new Set(claimed).size).toBe(claimed.length);
        expect(claimed.sort((x, y) => x - y)).toEqual(created.map((t) => t.id));
        for (const round of rounds) {
          expect(round.map((t) => t.nextPollAt)).toEqual([...round.map((t) => t.nextPollAt)].sort((x, y) => x - y));
        }
      });

      it('claims one ticket for a click unless another owner holds a live lease or it is finished', async () => {
        const t = await store.createTicket(ticket({ nextPollAt: T0 + 10 * LEASE }), T0);
        const claimed = await store.claimTicket(t.id, T0, 'A', LEASE);
        expect(claimed?.id).toBe(t.id);
        expect(claimed?.details).toEqual(t.details);
        expect(await store.claimTicket(t.id, T0 + 1, 'B', LEASE)).toBeUndefined();
        expect((await store.claimTicket(t.id, T0 + 1, 'A', LEASE))?.id).toBe(t.id);
        // A's renewed lease runs to T0 + 1 + LEASE.
        expect(await store.claimTicket(t.id, T0 + LEASE, 'B', LEASE)).toBeUndefined();
        expect((await store.claimTicket(t.id, T0 + LEASE + 2, 'B', LEASE))?.id).toBe(t.id);
        // B's click lease also keeps the watcher of A away from it.
        await store.schedule(t.id, T0, 1_000, T0);
        expect(await store.claimDue(T0 + LEASE + 3, 10, 'A', LEASE)).toEqual([]);
        await store.releaseLease(t.id, 'B');
        expect((await store.claimTicket(t.id, T0 + LEASE + 3, 'A', LEASE))?.id).toBe(t.id);
        await store.finish(t.id, T0 + LEASE + 4);
        await store.releaseAll('A');
        expect(await store.claimTicket(t.id, T0 + LEASE + 5, 'A', LEASE)).toBeUndefined();
        expect(await store.claimTicket(t.id + 1000, T0, 'A', LEASE)).toBeUndefined();
      });

      it('schedules polls and reports the earliest open one', async () => {
        expect(await store.nextDueAt()).toBeUndefined();
        const a = await store.createTicket(ticket({ nextPollAt: T0 + 500 }), T0);
        const b = await store.createTicket(ticket({ nextPollAt: T0 + 900 }), T0);
        expect(await store.nextDueAt()).toBe(T0 + 500);
        await store.schedule(a.id, T0 + 2_000, 4_000, T0 + 100);
        expect(await store.nextDueAt()).toBe(T0 + 900);
        expect(await store.getTicket(a.id)).toMatchObject({
          nextPollAt: T0 + 2_000,
          pollIntervalMs: 4_000,
          updatedAt: T0 + 100,
        });
        await store.finish(b.id, T0 + 200);
        expect(await store.nextDueAt()).toBe(T0 + 2_000);
        await store.finish(a.id, T0 + 300);
        expect(await store.nextDueAt()).toBeUndefined();
      });

      it('records status changes atomically and lists them in order', async () => {
        const t = await store.createTicket(ticket({ details: { step: 0 } }), T0);
        await store.recordStatus(t.id, 'new', '1.0001', T0 + 1);
        await store.recordStatus(t.id, 'approved', null, T0 + 2, { step: 2 });
        await store.recordStatus(t.id, 'success', '1.0003', T0 + 2);
        expect(await store.listUpdates(t.id)).toEqual([
          { ticketId: t.id, status: 'new', threadTs: '1.0001', postedAt: T0 + 1 },
          { ticketId: t.id, status: 'approved', threadTs: null, postedAt: T0 + 2 },
          { ticketId: t.id, status: 'success', threadTs: '1.0003', postedAt: T0 + 2 },
        ]);
        expect(await store.getTicket(t.id)).toMatchObject({
          status: 'success',
          details: { step: 2 },
          updatedAt: T0 + 2,
        });
        expect(await store.listUpdates(t.id + 1000)).toEqual([]);
        // A status for a ticket that does not exist is refused as a whole (nothing half-written).
        await expect(store.recordStatus(t.id + 1000, 'x', null, T0 + 3)).rejects.toThrow();
        expect(await store.listUpdates(t.id + 1000)).toEqual([]);
      });

      it('finishes tickets, replaces details and moves messages', async () => {
        const t = await store.createTicket(ticket({ details: { a: 1 } }), T0);
        await store.updateDetails(t.id, { b: 2, lastAction: { by: 'U0BOB', what: 'approve' } }, T0 + 1);
        expect(await store.getTicket(t.id)).toMatchObject({
          details: { b: 2, lastAction: { by: 'U0BOB', what: 'approve' } },
          updatedAt: T0 + 1,
        });
        await store.setMessageLocation(t.id, 'C0OTHER', '1700.1', T0 + 2);
        expect(await store.getTicket(t.id)).toMatchObject({
          channelId: 'C0OTHER',
          rootTs: '1700.1',
          details: { b: 2 },
          updatedAt: T0 + 2,
        });
        await store.setMessageLocation(t.id, 'C0THIRD', null, T0 + 3, { c: 3 });
        expect(await store.getTicket(t.id)).toMatchObject({
          channelId: 'C0THIRD',
          rootTs: null,
          details: { c: 3 },
          updatedAt: T0 + 3,
        });
        await store.finish(t.id, T0 + 4);
        expect(await store.getTicket(t.id)).toMatchObject({ done: true, updatedAt: T0 + 4 });
      });

      it('reopens a finished ticket for a new channel and requester', async () => {
        const t = await store.createTicket(ticket({ rootTs: '1.1', status: 'success' }), T0);
        await store.finish(t.id, T0 + 1);
        const r = await store.reopenTicket(
          t.id,
          {
            channelId: 'C0NEW',
            requesterSlackId: 'U0BOB',
            requesterDmsId: null,
            status: 'approving',
            details: { followed: true },
            nextPollAt: T0 + 50,
            pollIntervalMs: 7_000,
          },
          T0 + 10,
        );
        expect(r).toEqual({
          ...t,
          channelId: 'C0NEW',
          rootTs: null,
          requesterSlackId: 'U0BOB',
          requesterDmsId: null,
          status: 'approving',
          details: { followed: true },
          createdAt: T0 + 10,
          updatedAt: T0 + 10,
          nextPollAt: T0 + 50,
          pollIntervalMs: 7_000,
          done: false,
        });
        expect(await store.getTicket(t.id)).toEqual(r);
      });

      it("lists a person's tickets: open newest first, then finished most recently changed first", async () => {
        const o1 = await store.createTicket(ticket(), T0 + 1);
        const o2 = await store.createTicket(ticket(), T0 + 3);
        const o3 = await store.createTicket(ticket(), T0 + 3);
        const d1 = await store.createTicket(ticket(), T0);
        const d2 = await store.createTicket(ticket(), T0);
        const d3 = await store.createTicket(ticket(), T0);
        await store.createTicket(ticket({ requesterSlackId: 'U0BOB' }), T0 + 9);
        await store.finish(d1.id, T0 + 20);
        await store.finish(d2.id, T0 + 30);
        await store.finish(d3.id, T0 + 10);
        const all = await store.ticketsOf('U0ALICE', { openLimit: 10, doneLimit: 10 });
        expect(all.open.map((t) => t.id)).toEqual([o3.id, o2.id, o1.id]);
        expect(all.done.map((t) => t.id)).toEqual([d2.id, d1.id, d3.id]);
        expect(all.openTotal).toBe(3);
        const few = await store.ticketsOf('U0ALICE', { openLimit: 1, doneLimit: 2 });
        expect(few.open.map((t) => t.id)).toEqual([o3.id]);
        expect(few.done.map((t) => t.id)).toEqual([d2.id, d1.id]);
        expect(few.openTotal).toBe(3);
        expect(await store.ticketsOf('U0NOBODY', { openLimit: 5, doneLimit: 5 })).toEqual({
          open: [],
          done: [],
          openTotal: 0,
        });
      });

      it('lists the open tickets whose messages are in a channel, oldest first, up to a limit', async () => {
        const a = await store.createTicket(ticket({ channelId: 'C0ONE' }), T0 + 2);
        const b = await store.createTicket(ticket({ channelId: 'C0ONE', requesterSlackId: 'U0BOB' }), T0 + 1);
        const done = await store.createTicket(ticket({ channelId: 'C0ONE' }), T0);
        await store.createTicket(ticket({ channelId: 'C0TWO' }), T0);
        await store.finish(done.id, T0 + 5);
        expect((await store.openTicketsIn('C0ONE', 10)).map((t) => t.id)).toEqual([b.id, a.id]);
        expect((await store.openTicketsIn('C0ONE', 1)).map((t) => t.id)).toEqual([b.id]);
        expect(await store.openTicketsIn('C0NONE', 10)).toEqual([]);
      });

      it('reserves creation slots up to the limit per person and window, idempotent per key; a released slot is free again', async () => {
        const take = (key: string, now = T0, slackId = 'U0ALICE') =>
          store.reserveCreateSlot({ key, slackId, now, windowMs: 3_600_000, limit: 2 });
        expect(await take('a')).toEqual({ ok: true });
        expect(await take('a')).toEqual({ ok: true }); // the same submission again holds one slot
        expect(await take('b', T0 + 1)).toEqual({ ok: true });
        expect(await take('c', T0 + 2)).toEqual({ ok: false, takenAt: expect.arrayContaining([T0, T0 + 1]) });
        expect(await take('x', T0 + 2, 'U0BOB')).toEqual({ ok: true }); // per person
        expect((await store.createdSince('U0ALICE', T0)).sort((x, y) => x - y)).toEqual([T0, T0 + 1]);
        await store.releaseCreateSlot('b');
        expect(await take('c', T0 + 3)).toEqual({ ok: true });
        expect((await take('d', T0 + 4)).ok).toBe(false);
        // A slot counts for the whole window, then frees up.
        expect(await take('d', T0 + 3_600_000)).toEqual({ ok: true });
        expect((await store.createdSince('U0ALICE', T0)).sort((x, y) => x - y)).toEqual([T0 + 3, T0 + 3_600_000]);
      });

      it('gives exactly `limit` of many concurrent reservations, from two connections (replicas) at once', async () => {
        const other = await another();
        for (const [limit, n] of [
          [3, 16],
          [1, 8],
          [5, 24],
        ] as const) {
          const who = `U0RACE${limit}`;
          const results = await Promise.all(
            Array.from({ length: n }, (_, i) =>
              (i % 2 ? other : store).reserveCreateSlot({
                key: `race-${limit}-${i}`,
                slackId: who,
                now: T0 + i,
                windowMs: 3_600_000,
                limit,
              }),
            ),
          );
          expect(results.filter((r) => r.ok)).toHaveLength(limit);
          expect(await store.createdSince(who, 0)).toHaveLength(limit);
        }
      });

      it('counts tickets filed before the slot ledger existed (the migration carries them over), not ones only followed', async () => {
        await store.createTicket(ticket(), T0 - 1);
        await store.createTicket(ticket(), T0);
        await store.createTicket(ticket({ details: { followed: true } }), T0 + 1);
        await store.createTicket(ticket({ details: { followed: null, other: 'x' } }), T0 + 2);
        await store.createTicket(ticket({ requesterSlackId: 'U0BOB' }), T0 + 3);
        await store.close();
        // Back to the schema before the ledger: its migration runs again on the next open.
        await db.raw('DROP TABLE create_slots');
        await db.raw(`DELETE FROM schema_migrations WHERE version = ${backend.ledgerMigration}`);
        store = await db.open();
        expect((await store.createdSince('U0ALICE', T0)).sort((a, b) => a - b)).toEqual([T0, T0 + 2]);
        expect(await store.createdSince('U0ALICE', T0 + 10)).toEqual([]);
        expect(
          (await store.reserveCreateSlot({ key: 'k', slackId: 'U0ALICE', now: T0 + 5, windowMs: 3_600_000, limit: 3 }))
            .ok,
        ).toBe(false);
      });

      it('keeps a thread mode per channel: threads by default, then the last one set', async () => {
        expect(await store.getThreadMode('C1')).toBe('threads');
        await store.setThreadMode('C1', 'root_only', 'U0ADMIN', T0);
        await store.setThreadMode('C2', 'broadcast_final', 'U0ADMIN', T0);
        expect(await store.getThreadMode('C1')).toBe('root_only');
        await store.setThreadMode('C1', 'broadcast_final', 'U0OTHER', T0 + 1);
        expect(await store.getThreadMode('C1')).toBe('broadcast_final');
        expect(await store.getThreadMode('C2')).toBe('broadcast_final');
        const rows = await db.raw("SELECT updated_by, updated_at FROM channel_settings WHERE channel_id = 'C1'");
        expect(rows.map((r) => [r['updated_by'], Number(r['updated_at'])])).toEqual([['U0OTHER', T0 + 1]]);
        // A value this version does not know reads as the default.
        await db.raw("UPDATE channel_settings SET thread_mode = 'carrier_pigeon' WHERE channel_id = 'C2'");
        expect(await store.getThreadMode('C2')).toBe('threads');
      });

      it('remembers Home viewers', async () => {
        expect(await store.isHomeViewer('U0ALICE')).toBe(false);
        await store.markHomeViewer('U0ALICE', T0);
        await store.markHomeViewer('U0ALICE', T0 + 1);
        expect(await store.isHomeViewer('U0ALICE')).toBe(true);
        expect(await store.isHomeViewer('U0BOB')).toBe(false);
        const rows = await db.raw('SELECT first_seen_at FROM home_viewers');
        expect(rows.map((r) => Number(r['first_seen_at']))).toEqual([T0]);
      });

      it('appends audit entries, lists them since a time in order, and refuses to change or delete them', async () => {
        await store.appendAudit({ at: T0 - 1, actorSlackId: 'U0OLD', action: 'dms.export', decision: 'allowed' });
        await store.appendAudit({
          at: T0,
          actorSlackId: 'U0ALICE',
          actorDmsId: '51',
          channelId: 'C1',
          action: 'dms.export.create',
          decision: 'done',
          rule: 'default',
          ticketId: 7,
          externalId: '100001',
          cloudRequestId: 'REQ-1',
          detail: { note: 'said "no"', n: 2 },
        });
        await store.appendAudit({
          at: T0 + 1,
          actorSlackId: 'U0BOB',
          action: 'ticket.approve',
          decision: 'denied',
          rule: 'self_approval',
        });
        const all = await store.listAudit({});
        expect(all.map((e) => e.actorSlackId)).toEqual(['U0OLD', 'U0ALICE', 'U0BOB']);
        expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
        expect(all[0]).toEqual({
          id: expect.any(Number),
          at: T0 - 1,
          actorSlackId: 'U0OLD',
          actorDmsId: null,
          channelId: null,
          action: 'dms.export',
          decision: 'allowed',
          rule: null,
          ticketId: null,
          externalId: null,
          cloudRequestId: null,
          detail: {},
        });
        const since = await store.listAudit({ since: T0 });
        expect(since).toHaveLength(2);
        expect(since[0]).toEqual({
          id: all[1]!.id,
          at: T0,
          actorSlackId: 'U0ALICE',
          actorDmsId: '51',
          channelId: 'C1',
          action: 'dms.export.create',
          decision: 'done',
          rule: 'default',
          ticketId: 7,
          externalId: '100001',
          cloudRequestId: 'REQ-1',
          detail: { note: 'said "no"', n: 2 },
        });
        expect((await store.listAudit({ since: T0, limit: 1 })).map((e) => e.actorSlackId)).toEqual(['U0ALICE']);

        await expect(db.raw("UPDATE audit_log SET decision = 'allowed'")).rejects.toThrow(/append-only/);
        await expect(db.raw('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
        expect(await store.listAudit({})).toEqual(all);
      });

      it('runs migrations once: reopening keeps the data and the schema version', async () => {
        const t = await store.createTicket(ticket(), T0);
        const versions = await db.raw('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.length).toBeGreaterThan(0);
        await store.close();
        store = await db.open();
        const again = await another();
        expect(await store.getTicket(t.id)).toEqual(t);
        expect(await again.getTicket(t.id)).toEqual(t);
        expect(await db.raw('SELECT version FROM schema_migrations ORDER BY version')).toEqual(versions);
      });

      it('runs migrations safely when several replicas start at once on an empty database', async () => {
        const empty = backend.fresh();
        try {
          const stores = await Promise.all([empty.open(), empty.open(), empty.open(), empty.open()]);
          try {
            const t = await stores[0]!.createTicket(ticket(), T0);
            for (const s of stores) expect(await s.getTicket(t.id)).toEqual(t);
            const versions = (await empty.raw('SELECT version FROM schema_migrations')).map((r) =>
              Number(r['version']),
            );
            expect(new Set(versions).size).toBe(versions.length);
          } finally {
            await Promise.all(stores.map((s) => s.close()));
          }
        } finally {
          await empty.drop();
        }
      });

      it("keeps a channel's settings: thread mode, what it hears and its digest; defaults when never set", async () => {
        expect(await store.getChannelSettings('C0NEW')).toEqual({ threadMode: 'threads', hears: 'all', digest: null });
        await store.setChannelSettings(
          'C0A',
          { threadMode: 'root_only', hears: 'final', digest: { at: '09:30', zone: 'Asia/Shanghai' } },
          'U0ALICE',
          T0,
        );
        await store.setChannelSettings(
          'C0B',
          { threadMode: 'threads', hears: 'waits_and_final', digest: null },
          'U0BOB',
          T0,
        );
        expect(await (await another()).getChannelSettings('C0A')).toEqual({
          threadMode: 'root_only',
          hears: 'final',
          digest: { at: '09:30', zone: 'Asia/Shanghai' },
        });
        expect(await store.getThreadMode('C0A')).toBe('root_only');
        expect(await store.digestChannels()).toEqual([
          { channelId: 'C0A', digest: { at: '09:30', zone: 'Asia/Shanghai' } },
        ]);
        // The thread mode alone (older callers) keeps what the channel hears and its digest.
        await store.setThreadMode('C0A', 'threads', 'U0ALICE', T0 + 1);
        expect(await store.getChannelSettings('C0A')).toEqual({
          threadMode: 'threads',
          hears: 'final',
          digest: { at: '09:30', zone: 'Asia/Shanghai' },
        });
      });

      it('records, replaces, lists (longest waiting first) and clears what tickets wait for', async () => {
        const a = await store.createTicket(ticket(), T0);
        const b = await store.createTicket(ticket(), T0);
        await store.setWait({
          ticketId: b.id,
          status: 'APPLY_AUDIT_SUCCESS',
          need: 'approval',
          since: T0 + 5,
          people: ['U0BOB'],
          groups: ['S0DBAS'],
          others: ['zhang (DMS user 56)'],
        });
        await store.setWait({
          ticketId: a.id,
          status: 'PRE_CHECK_SUCCESS',
          need: 'submit',
          since: T0 + 9,
          people: ['U0ALICE'],
          groups: [],
          others: [],
        });
        await store.setWait({
          ticketId: a.id,
          status: 'ENABLE_EXPORT',
          need: 'run',
          since: T0 + 1,
          people: ['U0ALICE'],
          groups: [],
          others: [],
        });
        expect((await store.listWaits(10)).map((w) => [w.ticketId, w.need, w.since])).toEqual([
          [a.id, 'run', T0 + 1],
          [b.id, 'approval', T0 + 5],
        ]);
        expect(await (await another()).getWait(b.id)).toEqual({
          ticketId: b.id,
          status: 'APPLY_AUDIT_SUCCESS',
          need: 'approval',
          since: T0 + 5,
          people: ['U0BOB'],
          groups: ['S0DBAS'],
          others: ['zhang (DMS user 56)'],
        });
        await store.clearWait(a.id);
        expect((await store.listWaits(10)).map((w) => w.ticketId)).toEqual([b.id]);
        expect(await store.getWait(a.id)).toBeUndefined();
      });

      it('claims each slot of a scope once, across stores sharing the database, and never within the gap', async () => {
        const other = await another();
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? other : store).claimSlot({ scope: 'remind:1:x:U0BOB', slot: 0, now: T0, minGapMs: 3_600_000 }),
          ),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        // The next slot is refused while the last claim is younger than the gap, and taken once it is not.
        expect(
          await store.claimSlot({ scope: 'remind:1:x:U0BOB', slot: 1, now: T0 + 3_599_999, minGapMs: 3_600_000 }),
        ).toBe(false);
        expect(
          await other.claimSlot({ scope: 'remind:1:x:U0BOB', slot: 1, now: T0 + 3_600_000, minGapMs: 3_600_000 }),
        ).toBe(true);
        expect(
          await store.claimSlot({ scope: 'remind:1:x:U0BOB', slot: 1, now: T0 + 9_000_000, minGapMs: 3_600_000 }),
        ).toBe(false);
        // Scopes are independent; without a gap only the slot counts.
        expect(await store.claimSlot({ scope: 'remind:1:x:U0DAVE', slot: 0, now: T0, minGapMs: 3_600_000 })).toBe(true);
        expect(await store.claimSlot({ scope: 'digest:C0A', slot: 20260105, now: T0, minGapMs: 0 })).toBe(true);
        expect(await other.claimSlot({ scope: 'digest:C0A', slot: 20260105, now: T0, minGapMs: 0 })).toBe(false);
        expect(await other.claimSlot({ scope: 'digest:C0A', slot: 20260106, now: T0 + 1, minGapMs: 0 })).toBe(true);
      });
    },
  );

describe('DATABASE_URL picks the store', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-secret-token-value', SLACK_SIGNING_SECRET: 'signing-secret-value-123' };

  it('accepts sqlite: and postgres:// URLs and refuses others without quoting them', () => {
    for (const url of [
      'sqlite:./data/chatops.db',
      'postgres://bot:pw@db.internal:5432/chatops',
      'postgresql://bot@10.0.0.5/chatops?sslmode=require',
    ]) {
      expect(readConfig({ ...base, DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    let message = '';
    try {
      readConfig({ ...base, DATABASE_URL: 'mysql://bot:hunter2-secret@db/chatops' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('DATABASE_URL must be sqlite:<path>');
    expect(message).toContain('postgres://');
    expect(message).not.toContain('hunter2-secret');
  });

  it('opens SQLite for sqlite: and PostgreSQL for postgres://, never quoting the password when it fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-open-'));
    const s = await openStore(`sqlite:${join(dir, 'x.db')}`);
    expect(s).toBeInstanceOf(SqliteStore);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
    // Port 1 on loopback: refused at once, before any password is sent.
    const err = await openStore('postgres://bot:hunter2-secret@127.0.0.1:1/chatops').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(`${err?.message} ${err?.stack}`).not.toContain('hunter2-secret');
    await expect(openStore('mysql://bot:hunter2-secret@db/chatops')).rejects.toThrow(
      /^DATABASE_URL must be sqlite:<path> or postgres:/,
    );
  });
});
