import { type DestinationStream, type Logger, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { trackerDetailsSchema } from '../../../src/cts/tracker-details.js';
import { changeDetailsSchema } from '../../../src/dms/change/details.js';
import { exportDetailsSchema } from '../../../src/dms/export/details.js';
import { orderDetailsSchema } from '../../../src/dms/order/details.js';
import { trackDetailsSchema } from '../../../src/dms/track/details.js';
import type { Ticket } from '../../../src/store/types.js';
import { checkDetails, commonDetails } from '../../../src/tickets/details.js';

/** A stored row as the previous version wrote it (JSON text, as both stores keep it). */
function row(kind: Ticket['kind'], details: Record<string, unknown>): Ticket {
  return {
    id: 7,
    kind,
    externalId: '123',
    channelId: 'C1',
    rootTs: '1.1',
    requesterSlackId: 'U1',
    requesterDmsId: '51',
    status: null,
    details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
    createdAt: 0,
    updatedAt: 0,
    nextPollAt: 0,
    pollIntervalMs: 1000,
    done: false,
  };
}

/** A logger whose lines the test reads. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream: DestinationStream = { write: (s: string) => void lines.push(JSON.parse(s)) };
  return { logger: pino({ level: 'info' }, stream), lines };
}

const watcherFields = {
  marker: 'chatops-0123456789ab',
  createRequestId: 'req-1',
  activity: [
    { action: 'submit', by: 'U1', at: 5 },
    { action: 'reject', by: 'U2', at: 6, note: 'no' },
  ],
  stopped: { by: 'U1', at: 9 },
  rootNotes: ['*Approved*'],
  note: 'I could not post in that channel, so this is in your DMs.',
};

describe('ticket details schemas', () => {
  it('parse rows the previous version stored, for every kind, keeping keys they do not know', () => {
    const rows: [Parameters<typeof checkDetails>[0], Ticket][] = [
      [
        exportDetailsSchema,
        row('dms_export', {
          database: 'orders_prod · product · mysql',
          dbIds: ['1001'],
          reason: 'audit',
          sql: 'SELECT 1',
          affectRows: 10,
          relatedSlackIds: ['U2'],
          envType: 'product',
          delivery: ':lock: Result delivered privately to <@U1>.',
          ...watcherFields,
          futureField: { kept: true },
        }),
      ],
      // Followed with /dms status: DMS's numbers for db ids, no estimate, filer fields.
      [
        exportDetailsSchema,
        row('dms_export', {
          database: 'unknown',
          dbIds: [1001],
          reason: '',
          sql: '',
          relatedSlackIds: [],
          followed: true,
          committerDmsId: '51',
          committerName: 'first.last',
          submitterSlackId: 'U1',
        }),
      ],
      [
        trackDetailsSchema,
        row('dms_track', {
          database: 'db',
          dbIds: ['7'],
          tables: ['t'],
          trackTypes: ['INSERT'],
          startSeconds: 1,
          endSeconds: 2,
          windowNote: 'wider',
          dmsZone: 'Asia/Shanghai',
          userZone: 'Europe/Paris',
          reason: 'r',
          relatedSlackIds: [],
        }),
      ],
      [
        changeDetailsSchema,
        row('dms_change', {
          databases: ['db'],
          sql: 'UPDATE t SET a = 1 WHERE id = 2',
          reason: 'r',
          execMode: 'COMMITOR',
          summary: '1 UPDATE',
          warnings: [],
          reviewChecked: true,
          relatedSlackIds: [],
          precheckProblems: [{ step: 'syntax', tip: 'fix it' }],
        }),
      ],
      [orderDetailsSchema, row('dms_order', { pluginType: 'PERMISSION', comment: 'c', followed: true })],
      // A tracker stored before statusAtCreate was kept.
      [trackerDetailsSchema, row('cts_tracker', { tracker: { name: 'system', type: 'system' }, createNote: 'listed' })],
    ];
    for (const [schema, ticket] of rows) {
      const read = checkDetails(schema, ticket);
      expect(read.ok, ticket.kind).toBe(true);
      if (read.ok) expect(read.ticket.details).toMatchObject(ticket.details);
    }
    const tracker = checkDetails(trackerDetailsSchema, rows[5]![1]);
    expect(tracker.ok && tracker.ticket.details.statusAtCreate).toBe('unknown');
  });

  it('refuse a malformed row and report where, without its values', () => {
    const { logger, lines } = capture();
    const bad = row('dms_export', {
      database: 'db',
      reason: 'SECRET REASON',
      sql: 42,
      activity: [{ action: 'explode' }],
    });
    const read = checkDetails(exportDetailsSchema, bad, logger);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.ticketId).toBe(7);
    expect(read.error.paths).toEqual(expect.arrayContaining(['sql', 'activity.0.action', 'activity.0.by']));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ ticketId: 7, kind: 'dms_export', paths: read.error.paths });
    expect(JSON.stringify(lines)).not.toContain('SECRET REASON');
  });

  it('refuse a row of another kind', () => {
    expect(checkDetails(trackDetailsSchema, row('dms_track', { pluginType: 'X', comment: '' })).ok).toBe(false);
    expect(checkDetails(trackerDetailsSchema, row('cts_tracker', { tracker: { name: 1 } })).ok).toBe(false);
  });

  it('read the shared fields of any row, a malformed one as empty', () => {
    expect(commonDetails(row('dms_order', { followed: true, submitterSlackId: 'U9' }))).toMatchObject({
      followed: true,
      submitterSlackId: 'U9',
    });
    expect(commonDetails(row('dms_order', { followed: 'yes' }))).toEqual({});
  });
});
