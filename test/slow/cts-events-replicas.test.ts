import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { SmnEmulator } from '../../src/sandbox/smn/emulator.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { CHANNEL, endpoint, posts, roots, textOf, trace } from '../support/cts-events.js';
import { DmsEmulator } from '../support/dms-emulator.js';
import { FakeSlack } from '../support/fake-slack.js';
import { threadReplies, tsOf } from '../support/flows.js';
import { FakeClock, type Harness, startHarness } from '../support/harness.js';

const pgUrl = inject('pgUrl') ?? '';
const pgMissing = pgUrl ? '' : ` (not run: ${inject('pgMissing') ?? 'no PostgreSQL'})`;

describe.skipIf(!pgUrl)(`CTS key events on two replicas sharing PostgreSQL${pgMissing}`, () => {
  it('a burst split across replicas threads under one root, and a message delivered to both is posted once', async () => {
    const schema = `cts_events_rep_${randomBytes(5).toString('hex')}`;
    const [slack, dms, smn] = await Promise.all([FakeSlack.start(), DmsEmulator.start(), SmnEmulator.start()]);
    const clock = new FakeClock();
    const stores = await Promise.all([0, 1].map(() => PostgresStore.open(pgUrl, { schema })));
    const replicas: Harness[] = [];
    try {
      for (const [i, store] of stores.entries())
        replicas.push(
          await startHarness({
            slack,
            dms,
            clock,
            store,
            owner: `r${i}`,
            smnFetch: smn.fetch,
            env: { CTS_EVENTS_REGIONS: smn.region },
          }),
        );
      const [a, b] = replicas as [Harness, Harness];
      const topic = smn.topicUrn('cts-events');
      await a.app.services.ctsSubscriptions.subscribe(
        { userId: 'U0ALICE', channelId: CHANNEL },
        { topicUrn: topic, filters: { serviceTypes: [], resourceTypes: [], traceNames: [] } },
      );
      const burst = Array.from({ length: 10 }, (_, i) => smn.notification(topic, trace({ trace_id: `burst-${i}` })));
      const answers = await Promise.all(burst.map((m, i) => smn.send(endpoint(i % 2 ? b : a), m)));
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      // The same message reaching both replicas (SMN retried, a load balancer split it): one post.
      const twice = smn.notification(topic, trace({ trace_id: 'twice', resource_id: 'other', resource_name: 'db-1' }));
      const both = await Promise.all([smn.send(endpoint(a), twice), smn.send(endpoint(b), twice)]);
      expect((await Promise.all(both.map((r) => r.text()))).sort()).toEqual(['accepted', 'duplicate']);
      await Promise.all(replicas.map((r) => r.app.services.ctsEvents.settle()));
      const [root, other] = roots(a);
      expect(roots(a)).toHaveLength(2);
      expect(textOf(other!)).toContain('twice');
      expect(threadReplies(a, tsOf(root!))).toHaveLength(9);
      expect(posts(a)).toHaveLength(11);
    } finally {
      for (const r of replicas) await r.stop().catch(() => undefined);
      for (const s of stores) await s.close().catch(() => undefined);
      const sql = new pg.Client({ connectionString: pgUrl });
      await sql.connect();
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => sql.end());
      await Promise.all([slack.close(), dms.close(), smn.close()]);
    }
  });
});
