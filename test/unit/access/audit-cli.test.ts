import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatAudit, parseAuditArgs, runAuditCli } from '../../../src/access/audit-cli.js';
import { SqliteStore } from '../../../src/store/sqlite.js';

const dbPath = join(mkdtempSync(join(tmpdir(), 'audit-')), 'a.db');
const T = (iso: string) => Date.parse(iso);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAuditCli(
    args,
    { DATABASE_URL: `sqlite:${dbPath}` },
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

describe('npm run audit', () => {
  beforeAll(async () => {
    const store = new SqliteStore(dbPath);
    await store.appendAudit({
      at: T('2025-12-31T23:59:59Z'),
      actorSlackId: 'U0OLD',
      action: 'dms.export',
      decision: 'allowed',
      rule: 'default',
    });
    await store.appendAudit({
      at: T('2026-01-01T00:00:00Z'),
      actorSlackId: 'U0ALICE',
      actorDmsId: '51',
      channelId: 'C1',
      action: 'dms.export.create',
      decision: 'done',
      ticketId: 7,
      externalId: '100001',
      cloudRequestId: 'REQ-1',
    });
    await store.appendAudit({
      at: T('2026-03-02T10:00:00Z'),
      actorSlackId: 'U0BOB',
      channelId: 'C1',
      action: 'ticket.approve',
      decision: 'denied',
      rule: 'no-prod',
      detail: { note: 'said "no", then =SUM(A1)' },
    });
    await store.close();
  });

  it('exports JSON from a date on (UTC midnight), oldest first, with every column', async () => {
    const r = await run(['--since', '2026-01-01', '--format', 'json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows.map((x) => x['actor_slack_id'])).toEqual(['U0ALICE', 'U0BOB']);
    expect(rows[0]).toEqual({
      id: 2,
      at: '2026-01-01T00:00:00.000Z',
      actor_slack_id: 'U0ALICE',
      actor_dms_id: '51',
      channel_id: 'C1',
      action: 'dms.export.create',
      decision: 'done',
      rule: null,
      ticket_id: 7,
      external_id: '100001',
      cloud_request_id: 'REQ-1',
      detail: {},
    });
  });

  it('exports CSV with quoting and spreadsheet-formula protection, and honours --until', async () => {
    const r = await run(['--since=2026-01-01', '--until', '2026-03-01', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.out.split('\r\n')).toEqual([
      'id,at,actor_slack_id,actor_dms_id,channel_id,action,decision,rule,ticket_id,external_id,cloud_request_id,detail',
      '2,2026-01-01T00:00:00.000Z,U0ALICE,51,C1,dms.export.create,done,,7,100001,REQ-1,{}',
      '',
    ]);
    const all = await run(['--format', 'csv']);
    const lines = all.out.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      '3,2026-03-02T10:00:00.000Z,U0BOB,,C1,ticket.approve,denied,no-prod,,,,"{""note"":""said \\""no\\"", then =SUM(A1)""}"',
    );
    expect(
      formatAudit([{ id: 1, at: 0, actorSlackId: '=cmd', action: 'a', decision: 'done' }], 'csv').split('\r\n')[1],
    ).toMatch(/^1,1970-01-01T00:00:00.000Z,"'=cmd",/);
  });

  it('refuses bad arguments with the usage, exit code 2', async () => {
    for (const args of [
      ['--since', 'yesterday'],
      ['--format', 'xml'],
      ['--since'],
      ['--verbose', 'x'],
      ['--since', '2026-13-45'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain('usage: npm run audit');
      expect(r.out).toBe('');
    }
    expect(parseAuditArgs([])).toEqual({ format: 'json' });
  });

  it('the audit table is append-only', async () => {
    const store = new SqliteStore(dbPath);
    const db = (store as unknown as { db: { prepare(sql: string): { run(): unknown } } }).db;
    expect(() => db.prepare("UPDATE audit_log SET decision = 'allowed'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    await store.close();
  });
});
