import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestMessage } from '../../../blocks/tickets/waiting.js';
import { readConfig } from '../../../src/config.js';
import { approvalDetailFrom, currentApprovers } from '../../../src/dms/approval.js';
import { approvalDetailResponse } from '../../../src/dms/schemas.js';
import { digestDay } from '../../../src/tickets/digest.js';
import { isQuietHour, reminderSlot } from '../../../src/tickets/reminders.js';
import { channelHears, needOf } from '../../../src/tickets/waiting.js';
import { validateSlackPayload } from '../../support/block-kit-rules.js';

const detail = (body: unknown) => approvalDetailFrom(approvalDetailResponse.parse(body));

describe('the current approval step (GetApprovalDetail)', () => {
  it('is the AUDITING node; its approvers are named by the current handlers where DMS gives nicknames', () => {
    const d = detail({
      ApprovalDetail: {
        WorkflowNodes: {
          WorkflowNode: [
            {
              NodeName: 'Submit',
              WorkflowInsCode: 'START',
              OperateTime: '2026-12-02 10:00:00',
              AuditUserIdList: { AuditUserIds: [] },
            },
            {
              NodeName: 'DBA',
              WorkflowInsCode: 'APPROVED',
              OperateTime: '2026-12-02 11:00:00',
              AuditUserIdList: { AuditUserIds: ['52'] },
            },
            {
              NodeName: 'Owner',
              WorkflowInsCode: 'AUDITING',
              AuditUserIdList: { AuditUserIds: ['0054', 56, 'not-an-id'] },
            },
          ],
        },
        CurrentHandlers: { CurrentHandler: [{ Id: 54, NickName: 'dave' }] },
      },
    });
    expect(currentApprovers(d)).toEqual({ node: 'Owner', users: [{ dmsId: '54', nickName: 'dave' }, { dmsId: '56' }] });
  });

  it('without AUDITING: the first node nobody acted on; none once rejected; else the current handlers', () => {
    const nodes = [
      { NodeName: 'DBA', WorkflowInsCode: 'APPROVED', OperateTime: 't', AuditUserIdList: { AuditUserIds: ['52'] } },
      { NodeName: 'Owner', AuditUserIdList: { AuditUserIds: ['51'] } },
    ];
    expect(currentApprovers(detail({ ApprovalDetail: { WorkflowNodes: { WorkflowNode: nodes } } })).users).toEqual([
      { dmsId: '51' },
    ]);
    const rejected = [{ ...nodes[0]!, WorkflowInsCode: 'REJECT' }, nodes[1]!];
    expect(currentApprovers(detail({ ApprovalDetail: { WorkflowNodes: { WorkflowNode: rejected } } })).users).toEqual(
      [],
    );
    expect(
      currentApprovers(detail({ ApprovalDetail: { CurrentHandlers: { CurrentHandler: [{ Id: '7' }] } } })),
    ).toEqual({ users: [{ dmsId: '7' }] });
  });
});

describe('waits, filters, reminder slots, quiet hours, digest days', () => {
  it('reads what a state waits for from its actions, and which changes each channel setting hears', () => {
    expect(needOf(['approve', 'reject'])).toBe('approval');
    expect(needOf(['submit'])).toBe('submit');
    expect(needOf(['run'])).toBe('run');
    expect(needOf(['download'])).toBeUndefined();
    expect(channelHears('all', { final: false, waits: false })).toBe(true);
    expect(channelHears('waits_and_final', { final: false, waits: false })).toBe(false);
    expect(channelHears('waits_and_final', { final: false, waits: true })).toBe(true);
    expect(channelHears('final', { final: false, waits: true })).toBe(false);
    expect(channelHears('final', { final: true, waits: false })).toBe(true);
  });

  it('numbers reminders: none before REMIND_AFTER, then one slot per REMIND_EVERY', () => {
    const s = { afterMs: 60, everyMs: 240 };
    expect([0, 59, 60, 299, 300, 540].map((w) => reminderSlot(w, s))).toEqual([-1, -1, 0, 0, 1, 2]);
  });

  it('quiet hours wrap past midnight (22-08) or not (13-14); off is never quiet', () => {
    const night = { from: 22, to: 8 };
    expect(
      Array.from({ length: 24 }, (_, h) => isQuietHour(h, night))
        .map(Number)
        .join(''),
    ).toBe('111111110000000000000011');
    expect([12, 13, 14].map((h) => isQuietHour(h, { from: 13, to: 14 }))).toEqual([false, true, false]);
    expect(isQuietHour(3, null)).toBe(false);
    expect(
      readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', QUIET_HOURS: 'off' }).QUIET_HOURS,
    ).toBeNull();
    expect(() => readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', QUIET_HOURS: '25-3' })).toThrow(
      /QUIET_HOURS must be two hours/,
    );
  });

  it('a digest is due on working days from its local time on, for that local date', () => {
    const at = { at: '09:00', zone: 'Asia/Shanghai' };
    // Friday 2026-12-04 00:59 UTC is 08:59 in Shanghai; 01:00 UTC is 09:00.
    expect(digestDay(Date.UTC(2026, 11, 4, 0, 59), at)).toBeUndefined();
    expect(digestDay(Date.UTC(2026, 11, 4, 1, 0), at)).toEqual({ day: 20261204, label: '2026-12-04' });
    // Friday 23:00 UTC is Saturday in Shanghai.
    expect(digestDay(Date.UTC(2026, 11, 4, 23, 0), at)).toBeUndefined();
    expect(digestDay(Date.UTC(2026, 11, 7, 10, 0), { at: '09:00', zone: 'Not/AZone' })).toEqual({
      day: 20261207,
      label: '2026-12-07',
    });
  });

  it('a digest of any size and any titles is a message Slack accepts (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            title: fc.string({ maxLength: 300 }),
            label: fc.constantFrom('Pre-check passed', 'Waiting <for> & approval'),
            age: fc.nat(10 ** 10),
          }),
          { maxLength: 400 },
        ),
        (rows) => {
          const body = digestMessage(
            rows.map((r) => ({
              title: r.title,
              statusEmoji: ':eyes:',
              statusLabel: r.label,
              ageMs: r.age,
              wait: { need: 'approval', people: ['U0BOB'], groups: ['S0DBAS'], others: [r.title] },
            })),
            '2026-12-04',
          );
          expect(validateSlackPayload('chat.postMessage', { channel: 'C1', ...body })).toEqual({ ok: true });
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });
});
