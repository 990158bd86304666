import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { buttonsOf, fileExport, openModal, seedPeople, submit, threadReplies, tick } from '../support/flows.js';
import { FakeClock, type Harness, type HarnessOptions, startHarness } from '../support/harness.js';

// The approval loop end to end: who a waiting ticket asks (DMS's approvers for the current step, APPROVERS, the
// requester), reminders by DM on a fake clock (across a restart and two replicas on one database), what a channel
// hears, and the daily digest.

const CH = 'C0EXPORTS';
/** Wednesday 2026-12-02 06:00 UTC: 14:00 in Shanghai (Bob, Dave), 01:00 in New York (Alice). */
const WED_0600Z = Date.UTC(2026, 11, 2, 6, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const ENV = { APPROVERS: 'U0BOB,S0DBAS', REMIND_AFTER_MINUTES: '60', REMIND_EVERY_HOURS: '4', QUIET_HOURS: '22-08' };

/** Closers, last first: an app on another's fakes only stops; the first closes the fakes too. */
const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function start(opts: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({
    clock: new FakeClock(WED_0600Z),
    env: ENV,
    userMap: new Map([['U0DAVE', '54']]),
    ...opts,
  });
  open.push(opts.slack ? () => h.stop() : () => h.close());
  return h;
}

function people(h: Harness): void {
  seedPeople(h);
  h.slack.addUser({ id: 'U0DAVE', name: 'Dave Approver', email: 'dave@example.com', tz: 'Asia/Shanghai' });
  h.slack.addUser({ id: 'U0ERIN', name: 'Erin Grouped', email: 'erin@example.com' });
  h.slack.userGroups.set('S0DBAS', ['U0ERIN']);
  h.dms.addUser({ UserId: '54', NickName: 'dave', Email: 'dave@example.com' });
  h.dms.addUser({ UserId: '56', NickName: 'zhang' });
}

async function moveTo(h: Harness, orderId: number, status: string): Promise<void> {
  h.dms.setStatus(orderId, status);
  await tick(h);
}

const texts = (calls: SlackCall[]): string[] => calls.map((c) => String(c.args['text']));
/** Reminder DMs sent so far, as [person, text]. */
function reminders(h: Harness): [string, string][] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => /^[UW]/.test(String(c.args['channel'])) && /Reminder/.test(String(c.args['text'])))
    .map((c) => [String(c.args['channel']), String(c.args['text'])]);
}

async function saveSettings(
  h: Harness,
  values: { mode?: string; hears?: string; digest?: string },
  user = 'U0ALICE',
  channel = CH,
): Promise<void> {
  const view = await openModal(h, 'settings', channel, user);
  const before = h.slack.callsTo('chat.postEphemeral').length;
  const ack = await submit(
    h,
    view,
    {
      thread_mode: { mode: { type: 'radio_buttons', selected_option: { value: values.mode ?? 'threads' } } },
      channel_hears: { hears: { type: 'radio_buttons', selected_option: { value: values.hears ?? 'all' } } },
      channel_digest: { digest_at: { type: 'static_select', selected_option: { value: values.digest ?? 'off' } } },
    },
    user,
  );
  expect(ack.errors).toBeUndefined();
  await h.slack.waitFor('chat.postEphemeral', () => h.slack.callsTo('chat.postEphemeral').length > before);
}

describe('who a waiting ticket asks', () => {
  it('mentions DMS approvers of the current step (mapped to Slack, the rest named plainly), once per state; the requester to submit', async () => {
    const h = await start();
    people(h);
    h.dms.setApprovalNodes([
      { NodeName: 'DBA', AuditUserIds: ['52', '54', '56'] },
      { NodeName: 'Owner', AuditUserIds: ['51'] },
    ]);
    const { orderId, rootTs } = await fileExport(h);
    await moveTo(h, orderId, 'PRE_CHECK_SUCCESS');
    expect(texts(threadReplies(h, rootTs)).at(-1)).toContain('<@U0ALICE>: please submit it for approval.');

    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    const ask = texts(threadReplies(h, rootTs)).at(-1)!;
    // Bob by his DMS email, Dave by USER_MAP_FILE, zhang (no Slack account) by name: never a broken mention.
    expect(ask).toContain(
      'Waiting for approval (DMS step *DBA*) from <@U0BOB>, <@U0DAVE> and zhang (DMS user 56) (not found in Slack)',
    );
    const detail = h.dms.calls('GetApprovalDetail');
    expect(detail).toHaveLength(1);
    expect(detail[0]!.query['WorkflowInstanceId']).toBe(String(h.dms.getOrder(orderId)!.workflowInstanceId));

    // Later checks of the same state ask nobody again.
    for (let i = 0; i < 4; i++) await tick(h);
    expect(texts(threadReplies(h, rootTs)).filter((t) => t.includes('Waiting for approval'))).toHaveLength(1);
    expect(h.dms.calls('GetApprovalDetail')).toHaveLength(1);
  });

  it('asks APPROVERS (users and user groups as mentions) when DMS names no approver', async () => {
    const h = await start();
    people(h);
    const { orderId, rootTs } = await fileExport(h);
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    const reply = threadReplies(h, rootTs).at(-1)!;
    expect(String(reply.args['text'])).toContain('from <@U0BOB> and <!subteam^S0DBAS>:');
    expect(JSON.stringify(reply.args['blocks'])).toContain('<!subteam^S0DBAS>');
  });
});

describe('reminders', () => {
  it('DMs the same people after REMIND_AFTER_MINUTES with the buttons, then once per REMIND_EVERY_HOURS, never at night, across a restart, and stops when the state changes', async () => {
    const h = await start();
    people(h);
    h.dms.setApprovalNodes([{ NodeName: 'DBA', AuditUserIds: ['52', '54', '56'] }]);
    const { orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    const nudges = () => h.app.services.nudges.runDue();

    h.clock.advance(59 * MIN);
    await nudges();
    expect(reminders(h)).toEqual([]);
    h.clock.advance(2 * MIN);
    await nudges();
    await nudges();
    expect(reminders(h).map(([to]) => to)).toEqual(['U0BOB', 'U0DAVE']);
    const dm = h.slack.callsTo('chat.postMessage').find((c) => c.args['channel'] === 'U0BOB')!;
    expect(String(dm.args['text'])).toContain('has been waiting for approval for 1 h 1 min');
    expect(buttonsOf(dm.args['blocks'])).toEqual(['ticket:approve', 'ticket:reject', 'ticket:refresh']);
    expect(JSON.stringify(dm.args['blocks'])).toContain(`"value":"${ticketId}"`);

    // A restart on the same database sends nothing twice.
    await h.stop();
    const again = await start({ slack: h.slack, dms: h.dms, clock: h.clock, dbPath: h.dbPath });
    await again.app.services.nudges.runDue();
    expect(reminders(h)).toHaveLength(2);

    // 4 h later (19:01 in Shanghai): once more each. 4 h after that it is 23:01 there: quiet until 08:00.
    again.clock.advance(4 * HOUR);
    await again.app.services.nudges.runDue();
    expect(reminders(h)).toHaveLength(4);
    again.clock.advance(4 * HOUR);
    await again.app.services.nudges.runDue();
    expect(reminders(h)).toHaveLength(4);
    again.clock.advance(9 * HOUR);
    await again.app.services.nudges.runDue();
    expect(
      reminders(h)
        .slice(4)
        .map(([to]) => to),
    ).toEqual(['U0BOB', 'U0DAVE']);

    // Approved: the approvers are no longer reminded; the requester is asked to run it instead.
    again.dms.setStatus(orderId, 'ENABLE_EXPORT');
    await tick(again);
    // 14 h on it is 09:01 in New York (Alice's zone).
    again.clock.advance(14 * HOUR);
    await again.app.services.nudges.runDue();
    expect(
      reminders(h)
        .slice(6)
        .map(([to]) => to),
    ).toEqual(['U0ALICE']);
    expect(reminders(h)[6]![1]).toContain('waiting for the export to be run');
  });

  it('two replicas on one database send each reminder once', async () => {
    const a = await start({ owner: 'replica-a' });
    people(a);
    const b = await start({ owner: 'replica-b', slack: a.slack, dms: a.dms, clock: a.clock, dbPath: a.dbPath });
    const { orderId } = await fileExport(a);
    await moveTo(a, orderId, 'APPLY_AUDIT_SUCCESS');
    a.clock.advance(61 * MIN);
    await Promise.all([a.app.services.nudges.runDue(), b.app.services.nudges.runDue(), a.app.services.nudges.runDue()]);
    // Bob, and Erin as a member of S0DBAS: each once.
    expect(
      reminders(a)
        .map(([to]) => to)
        .sort(),
    ).toEqual(['U0BOB', 'U0ERIN']);
  });
});

describe('what a channel hears', () => {
  it('only final states: no replies before the end, the root still updated; waits-and-final: the asks and the end', async () => {
    const h = await start();
    people(h);
    await saveSettings(h, { hears: 'final' });
    const first = await fileExport(h);
    await moveTo(h, first.orderId, 'PRE_CHECK_SUCCESS');
    expect(threadReplies(h, first.rootTs)).toEqual([]);
    const updated = h.slack.callsTo('chat.update').filter((c) => c.args['ts'] === first.rootTs);
    expect(JSON.stringify(updated.at(-1)!.args['blocks'])).toContain('Pre-check passed');
    await moveTo(h, first.orderId, 'EXPORT_FAIL');
    expect(texts(threadReplies(h, first.rootTs))).toHaveLength(1);

    await saveSettings(h, { hears: 'waits_and_final' });
    const second = await fileExport(h);
    await moveTo(h, second.orderId, 'PRE_CHECK_SUCCESS');
    await moveTo(h, second.orderId, 'DOING_EXPORT');
    await moveTo(h, second.orderId, 'EXPORT_FAIL');
    const heard = texts(threadReplies(h, second.rootTs));
    expect(heard).toHaveLength(2);
    expect(heard[0]).toContain('please submit it for approval');
    expect(heard[1]).toContain('Export failed');
  });
});

describe('daily digest', () => {
  it('posts once per working day at the chosen local time, listing open tickets by state with who they wait for; none when empty or at the weekend', async () => {
    const h = await start();
    people(h);
    // Alice's zone is America/New_York: 09:00 there is 14:00 UTC.
    await saveSettings(h, { digest: '09:00' });
    await saveSettings(h, { digest: '09:00' }, 'U0ALICE', 'C0QUIET');
    const { orderId } = await fileExport(h);
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    const digests = () =>
      h.slack.callsTo('chat.postMessage').filter((c) => /Open DMS tickets here/.test(String(c.args['text'])));

    await h.app.services.nudges.runDue();
    expect(digests()).toEqual([]);
    h.clock.advance(8 * HOUR + 5 * MIN);
    await h.app.services.nudges.runDue();
    await h.app.services.nudges.runDue();
    expect(digests().map((c) => c.args['channel'])).toEqual([CH]);
    const text = JSON.stringify(digests()[0]!.args['blocks']);
    expect(text).toContain(`Data export ticket ${orderId}`);
    expect(text).toContain('Submitted for approval');
    expect(text).toContain('waits for approval from <@U0BOB> and <!subteam^S0DBAS>');

    // Thursday: again; Saturday: nothing.
    h.clock.advance(24 * HOUR);
    await h.app.services.nudges.runDue();
    expect(digests()).toHaveLength(2);
    h.clock.advance(48 * HOUR);
    await h.app.services.nudges.runDue();
    expect(digests()).toHaveLength(2);
  });
});
