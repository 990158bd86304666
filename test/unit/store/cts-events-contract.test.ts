import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NewCtsSubscription } from '../../../src/store/cts-events.js';
import { PostgresStore } from '../../../src/store/postgres.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/types.js';

// The store contract for the CTS key-event tables (the rest is in contract.test.ts), on both backends: stores opened
// on one database share its data, as replicas do.
interface Db {
  open(): Promise<Store>;
  drop(): Promise<void>;
}

const pgUrl = inject('pgUrl');
const backends: { name: string; missing?: string; fresh(): Db }[] = [
  {
    name: 'sqlite',
    fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'cts-events-contract-'));
      return {
        open: async () => new SqliteStore(join(dir, 'c.db')),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    missing: pgUrl ? undefined : (inject('pgMissing') ?? 'no PostgreSQL'),
    fresh() {
      const schema = `cts_events_${randomBytes(6).toString('hex')}`;
      return {
        open: () => PostgresStore.open(pgUrl!, { schema, max: 4 }),
        async drop() {
          const c = new pg.Client({ connectionString: pgUrl });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
        },
      };
    },
  },
];

const T0 = Date.UTC(2026, 11, 3, 20, 0, 0);
const TOPIC = 'urn:smn:cn-north-4:0123456789abcdef:cts-events';

function sub(over: Partial<NewCtsSubscription> = {}): NewCtsSubscription {
  return {
    topicUrn: TOPIC,
    channelId: 'C0OPS',
    filters: { serviceTypes: ['ECS'], resourceTypes: [], traceNames: ['deleteServer'] },
    createdBy: 'U0ALICE',
    createdAt: T0,
    ...over,
  };
}

for (const backend of backends)
  describe.skipIf(backend.missing !== undefined)(`CTS event store contract: ${backend.name}`, () => {
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
    const another = async () => {
      const s = await db.open();
      extra.push(s);
      return s;
    };

    it('saves a subscription once per topic and channel, replacing its filters, and lists by topic or channel', async () => {
      const first = await store.ctsEvents.saveSubscription(sub());
      expect(first.replaced).toBe(false);
      expect(first.subscription).toMatchObject({ ...sub(), id: expect.any(Number) });
      const again = await store.ctsEvents.saveSubscription(
        sub({ filters: { serviceTypes: [], resourceTypes: ['vpc'], traceNames: [] }, createdBy: 'U0BOB' }),
      );
      expect(again.replaced).toBe(true);
      expect(again.subscription.id).toBe(first.subscription.id);
      await store.ctsEvents.saveSubscription(sub({ channelId: 'C0OTHER' }));
      await store.ctsEvents.saveSubscription(sub({ topicUrn: `${TOPIC}-2` }));
      const byTopic = await store.ctsEvents.subscriptions({ topicUrn: TOPIC });
      expect(byTopic.map((s) => s.channelId)).toEqual(['C0OPS', 'C0OTHER']);
      expect(byTopic[0]!.filters).toEqual({ serviceTypes: [], resourceTypes: ['vpc'], traceNames: [] });
      expect(byTopic[0]!.createdBy).toBe('U0BOB');
      const byChannel = await (await another()).ctsEvents.subscriptions({ channelId: 'C0OPS' });
      expect(byChannel.map((s) => s.topicUrn)).toEqual([TOPIC, `${TOPIC}-2`]);
    });

    it('deletes a subscription once, returning it', async () => {
      const { subscription } = await store.ctsEvents.saveSubscription(sub());
      expect(await store.ctsEvents.deleteSubscription(subscription.id)).toEqual(subscription);
      expect(await store.ctsEvents.deleteSubscription(subscription.id)).toBeUndefined();
      expect(await store.ctsEvents.subscriptions({ topicUrn: TOPIC })).toEqual([]);
    });

    it('claims an SMN message id once across stores, and forgets ids older than asked', async () => {
      const other = await another();
      const claims = await Promise.all([
        store.ctsEvents.claimMessage('m1', T0, T0 - 1),
        other.ctsEvents.claimMessage('m1', T0, T0 - 1),
        store.ctsEvents.claimMessage('m1', T0 + 1, T0 - 1),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.ctsEvents.claimMessage('m2', T0, T0 - 1)).toBe(true);
      // Forgotten once older than forgetBefore (by then a message carrying it is refused as stale).
      expect(await store.ctsEvents.claimMessage('m1', T0 + 10, T0 + 5)).toBe(true);
    });

    it('starts one thread per resource and channel within the window, across stores, and a new one after it', async () => {
      const other = await another();
      const W = 60_000;
      const claims = await Promise.all([
        store.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0, W),
        other.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0, W),
        other.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0 + 5, W),
      ]);
      const roots = claims.filter((c) => c.role === 'root');
      expect(roots).toEqual([{ role: 'root', startedAt: T0 }]);
      expect(claims.filter((c) => c.role === 'reply')).toEqual([
        { role: 'reply', rootTs: null },
        { role: 'reply', rootTs: null },
      ]);
      await store.ctsEvents.setThreadRoot('C0OPS', 'ecs|server|web-1', T0, '111.222');
      expect(await other.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0 + W - 1, W)).toEqual({
        role: 'reply',
        rootTs: '111.222',
      });
      // Another channel, another resource: threads of their own.
      expect((await store.ctsEvents.claimThread('C0OTHER', 'ecs|server|web-1', T0, W)).role).toBe('root');
      expect((await store.ctsEvents.claimThread('C0OPS', 'ecs|server|web-2', T0, W)).role).toBe('root');
      // After the window: a new thread, and a late root of the old one does not overwrite it.
      expect(await other.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0 + W, W)).toEqual({
        role: 'root',
        startedAt: T0 + W,
      });
      await store.ctsEvents.setThreadRoot('C0OPS', 'ecs|server|web-1', T0, '999.999');
      expect(await store.ctsEvents.claimThread('C0OPS', 'ecs|server|web-1', T0 + W + 1, W)).toEqual({
        role: 'reply',
        rootTs: null,
      });
    });
  });
