import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../src/access/audit.js';
import type { AuditEntry, Store } from '../../../src/store/types.js';

describe('AuditTrail (the one audit writer)', () => {
  it("stamps the clock's time unless a time is given, and writes the row as given", async () => {
    const rows: AuditEntry[] = [];
    const store = { appendAudit: async (e: AuditEntry) => void rows.push(e) } as Pick<Store, 'appendAudit'>;
    const trail = new AuditTrail({
      store: store as Store,
      clock: { now: () => 1_000 },
      logger: pino({ level: 'silent' }),
    });
    await trail.record({ actorSlackId: 'U1', action: 'dms.status', decision: 'done', externalId: '42' });
    await trail.record({ at: 5, actorSlackId: 'U2', action: 'ticket.create', decision: 'denied', rule: 'rate_limit' });
    expect(rows).toEqual([
      { at: 1_000, actorSlackId: 'U1', action: 'dms.status', decision: 'done', externalId: '42' },
      { at: 5, actorSlackId: 'U2', action: 'ticket.create', decision: 'denied', rule: 'rate_limit' },
    ]);
  });

  it('logs a failed write (with the action) and never throws', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const store = { appendAudit: async () => Promise.reject(new Error('disk full')) } as Pick<Store, 'appendAudit'>;
    const trail = new AuditTrail({ store: store as Store, clock: { now: () => 1 }, logger });
    await expect(trail.record({ actorSlackId: 'U1', action: 'dms.status', decision: 'done' })).resolves.toBeUndefined();
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'audit write failed', action: 'dms.status', err: { message: 'disk full' } });
  });
});
