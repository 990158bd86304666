import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionModalIds } from '../../blocks/tickets/action-modals.js';
import type { DbId } from '../../src/core/ids.js';
import type { SlackCall } from '../support/fake-slack.js';
import {
  buttonsOf,
  clickButton,
  fileExport,
  latestRoot,
  openHome,
  seedPeople,
  submit,
  threadReplies,
  tick,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

const CH = 'C0EXPORTS';

async function ephemeralFor(h: Harness, user: string, pattern: RegExp): Promise<SlackCall> {
  return h.slack.waitFor('chat.postEphemeral', (c) => c.args['user'] === user && pattern.test(String(c.args['text'])));
}

/** Moves the export to `status` in the emulator and lets the watcher see it. */
async function moveTo(h: Harness, orderId: number, status: string): Promise<void> {
  h.dms.setStatus(orderId, status);
  await tick(h);
}

function rootButtons(h: Harness, rootTs: string): string[] {
  return buttonsOf(latestRoot(h, CH, rootTs)?.args['blocks']);
}

function channelTexts(h: Harness): string[] {
  // Everything posted or updated in a channel (not DMs to a person): what other people can read.
  return h.slack.calls
    .filter((c) => ['chat.postMessage', 'chat.update'].includes(c.method) && !/^[UWD]/.test(String(c.args['channel'])))
    .map((c) => JSON.stringify(c.args));
}

describe('ticket lifecycle buttons', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { APPROVERS: 'U0BOB,S0DBAS,dave@example.com' } });
    seedPeople(h);
    h.slack.addUser({ id: 'U0DAVE', name: 'Dave Approver', email: 'dave@example.com' });
    h.dms.addUser({ UserId: '54', NickName: 'dave', Email: 'dave@example.com' });
    h.slack.addUser({ id: 'U0ERIN', name: 'Erin Grouped', email: 'erin@example.com' });
    h.dms.addUser({ UserId: '55', NickName: 'erin', Email: 'erin@example.com' });
    h.slack.userGroups.set('S0DBAS', ['U0ERIN']);
  });
  afterEach(async () => {
    await h.close();
  });

  it('carries an export from pre-check to private delivery with the buttons, each shown only when it applies', async () => {
    const { rootTs, orderId, ticketId, root } = await fileExport(h);
    // Before the pre-check passes: only Refresh and Stop.
    expect(buttonsOf(root.args['blocks'])).toEqual(['ticket:refresh', 'ticket:stop']);
    expect(JSON.stringify(root.args['blocks'])).not.toMatch(/xoxb|secret/i);

    await moveTo(h, orderId, 'PRE_CHECK_SUCCESS');
    expect(rootButtons(h, rootTs)).toEqual(['ticket:submit', 'ticket:refresh', 'ticket:stop']);
    const submitButton = (
      latestRoot(h, CH, rootTs)!.args['blocks'] as { type: string; elements?: { value?: string }[] }[]
    ).find((b) => b.type === 'actions')!.elements![0]!;
    expect(submitButton.value).toBe(String(ticketId));

    await clickButton(h, { action: 'submit', value: String(ticketId), messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /submitted the ticket for approval/.test(String(c.args['text'])),
    );
    expect(h.dms.calls('SubmitOrderApproval')).toHaveLength(1);
    expect(h.dms.calls('SubmitOrderApproval')[0]!.query['OrderId']).toBe(String(orderId));
    expect(h.dms.getOrder(orderId)!.status).toBe('APPLY_AUDIT_SUCCESS');
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && buttonsOf(c.args['blocks']).includes('ticket:approve'),
    );
    expect(rootButtons(h, rootTs)).toEqual(['ticket:approve', 'ticket:reject', 'ticket:refresh', 'ticket:stop']);

    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /<@U0BOB> approved the ticket/.test(String(c.args['text'])),
    );
    const approve = h.dms.calls('ApproveOrder')[0]!;
    expect(approve.query['ApprovalType']).toBe('AGREE');
    expect(approve.query['WorkflowInstanceId']).toBe(String(h.dms.getOrder(orderId)!.workflowInstanceId));
    expect(approve.query['Comment']).toBe(
      'Approved from Slack by Bob Builder <bob@example.com> (Slack U0BOB, DMS user 52)',
    );
    expect(h.dms.getOrder(orderId)!.status).toBe('ENABLE_EXPORT');
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && buttonsOf(c.args['blocks']).includes('ticket:run'),
    );

    // Run export opens a modal for file type and encoding.
    await clickButton(h, { action: 'run', value: String(ticketId), messageTs: rootTs, triggerId: 'trigger-run' });
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-run');
    const modal = opened.response!['view'] as Record<string, unknown>;
    expect(modal['callback_id']).toBe(ActionModalIds.runModal);
    const answer = await submit(h, modal, {
      [ActionModalIds.fileTypeBlock]: {
        [ActionModalIds.fileTypeSelect]: { type: 'static_select', selected_option: { value: 'XLSX' } },
      },
      [ActionModalIds.encodingBlock]: {
        [ActionModalIds.encodingSelect]: { type: 'static_select', selected_option: { value: 'GBK' } },
      },
    });
    expect(answer.response_action).toBe('update');
    await h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === modal['id'] && /Done: you started the export/.test(JSON.stringify(c.args['view'])),
    );
    const run = h.dms.calls('ExecuteDataExport')[0]!;
    expect(JSON.parse(run.query['ActionDetail']!)).toEqual({ mode: 'FAST', fileType: 'XLSX', encoding: 'GBK' });
    expect(h.dms.getOrder(orderId)!.status).toBe('WAITING_EXPORT');

    // The export finishes: the link goes to Alice by DM only; the thread says so.
    await moveTo(h, orderId, 'EXPORT_SUCCESS');
    const dm = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'U0ALICE' && /download the result/.test(String(c.args['text'])),
    );
    const url = `${h.dms.endpoint}/download/${orderId}.zip?Expires=3600`;
    expect(String(dm.args['text'])).toContain(url);
    const final = threadReplies(h, rootTs).at(-1)!;
    expect(String(final.args['text'])).toContain('Result delivered privately to <@U0ALICE>');
    // One reply body, in order: the status, what was done (said once, not also as "goes privately"), then "was:".
    const finalBlocks = final.args['blocks'] as {
      type: string;
      text?: { text: string };
      elements?: { text: string }[];
    }[];
    expect(finalBlocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(finalBlocks[0]!.text!.text).toBe(
      ':tada: *Export finished* `EXPORT_SUCCESS`\n:lock: Result delivered privately to <@U0ALICE>.',
    );
    expect(JSON.stringify(finalBlocks).match(/privately/g)).toHaveLength(1);
    expect(finalBlocks[1]!.elements![0]!.text).toMatch(/^was: /);
    // The finished root no longer promises status changes.
    const finishedRoot = JSON.stringify(latestRoot(h, CH, rootTs)!.args['blocks']);
    expect(finishedRoot).not.toContain('Status changes are posted');
    expect(finishedRoot).toContain('No more updates here; its status changes are in the thread');
    await ephemeralFor(h, 'U0ALICE', /sent you the download link/);
    for (const t of channelTexts(h)) expect(t).not.toContain('/download/');
    for (const c of h.slack.callsTo('chat.postEphemeral')) expect(JSON.stringify(c.args)).not.toContain('/download/');
    for (const line of h.logs) expect(line).not.toContain('/download/');
    // The finished ticket keeps one button: a fresh link, for the requester.
    expect(rootButtons(h, rootTs)).toEqual(['ticket:download']);

    // Who did what is in the audit trail.
    const audit = await h.app.services.store.listAudit({});
    const done = audit.filter((a) => a.decision === 'done').map((a) => [a.action, a.actorSlackId]);
    expect(done).toEqual([
      ['dms.export.create', 'U0ALICE'],
      ['ticket.submit', 'U0ALICE'],
      ['ticket.approve', 'U0BOB'],
      ['ticket.run', 'U0ALICE'],
    ]);
    expect(audit.find((a) => a.action === 'ticket.approve' && a.decision === 'done')!.cloudRequestId).toBe(
      String(approve.response && (approve.response as { RequestId: string }).RequestId),
    );
  });

  it('refuses clicks from the wrong people, ephemerally, and calls DMS for none of them', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'PRE_CHECK_SUCCESS');

    // Only the requester submits.
    await clickButton(h, { action: 'submit', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(
      h,
      'U0BOB',
      /can't submit this ticket for approval\. Only the ticket's requester \(<@U0ALICE>\)/,
    );
    // Someone without a DMS account can do nothing but look.
    await clickButton(h, { action: 'submit', value: String(ticketId), user: 'U0CAROL', messageTs: rootTs });
    await ephemeralFor(h, 'U0CAROL', /not matched to a DMS user/);
    expect(h.dms.calls('SubmitOrderApproval')).toHaveLength(0);

    h.dms.setStatus(orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    // Not an approver.
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0ALICE', messageTs: rootTs });
    await ephemeralFor(h, 'U0ALICE', /can't approve this ticket\. Only the approvers configured/);
    // Reject opens its modal, then explains the refusal there and ephemerally.
    await clickButton(h, {
      action: 'reject',
      value: String(ticketId),
      user: 'U0ALICE',
      messageTs: rootTs,
      triggerId: 'trigger-rej',
    });
    await ephemeralFor(h, 'U0ALICE', /can't reject this ticket/);
    const rejectView = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-rej');
    await h.slack.waitFor(
      'views.update',
      (c) =>
        c.args['view_id'] === (rejectView.response!['view'] as { id: string }).id &&
        /can't reject/.test(JSON.stringify(c.args['view'])),
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);

    const denied = (await h.app.services.store.listAudit({}))
      .filter((a) => a.decision === 'denied')
      .map((a) => [a.action, a.actorSlackId, a.rule]);
    expect(denied).toEqual([
      ['ticket.submit', 'U0BOB', 'submitter'],
      ['ticket.submit', 'U0CAROL', 'dms_account'],
      ['ticket.approve', 'U0ALICE', 'approvers'],
      ['ticket.reject', 'U0ALICE', 'approvers'],
    ]);
  });

  it('keeps four eyes: an approver cannot approve their own ticket unless ALLOW_SELF_APPROVAL is set', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h, { user: 'U0BOB' });
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /You filed this ticket, so another approver has to decide/);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    await h.close();

    h = await startHarness({ env: { APPROVERS: 'U0BOB', ALLOW_SELF_APPROVAL: 'true' } });
    seedPeople(h);
    const again = await fileExport(h, { user: 'U0BOB' });
    await moveTo(h, again.orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, { action: 'approve', value: String(again.ticketId), user: 'U0BOB', messageTs: again.rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === again.rootTs && /<@U0BOB> approved/.test(String(c.args['text'])),
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
  });

  it('accepts approvers by email and by Slack user group', async () => {
    const first = await fileExport(h);
    await moveTo(h, first.orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, { action: 'approve', value: String(first.ticketId), user: 'U0DAVE', messageTs: first.rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === first.rootTs && /<@U0DAVE> approved/.test(String(c.args['text'])),
    );

    const second = await fileExport(h);
    await moveTo(h, second.orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, {
      action: 'approve',
      value: String(second.ticketId),
      user: 'U0ERIN',
      messageTs: second.rootTs,
    });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === second.rootTs && /<@U0ERIN> approved/.test(String(c.args['text'])),
    );
    expect(h.slack.callsTo('usergroups.users.list')[0]!.args['usergroup']).toBe('S0DBAS');
    const rules = (await h.app.services.store.listAudit({}))
      .filter((a) => a.decision === 'done' && a.action.startsWith('ticket.'))
      .map((a) => a.rule);
    expect(rules).toEqual(['approvers:email', 'approvers:group:S0DBAS']);
  });

  it('rejects with a reason from the modal, records it in DMS and the thread, and the ticket ends', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, {
      action: 'reject',
      value: String(ticketId),
      user: 'U0BOB',
      messageTs: rootTs,
      triggerId: 'trigger-rej',
    });
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-rej');
    const modal = opened.response!['view'] as Record<string, unknown>;
    expect(modal['callback_id']).toBe(ActionModalIds.rejectModal);
    // The modal is bound to its ticket, the message it came from and the person, under a seal.
    expect(JSON.parse(String(modal['private_metadata']))).toEqual({
      t: ticketId,
      c: CH,
      o: `m:${CH}:${rootTs}`,
      s: expect.stringMatching(/^[\w-]{32}$/),
    });

    const empty = await submit(
      h,
      modal,
      { [ActionModalIds.reasonBlock]: { [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: ' ' } } },
      'U0BOB',
    );
    expect(empty.errors?.[ActionModalIds.reasonBlock]).toMatch(/Say why/);

    await submit(
      h,
      modal,
      {
        [ActionModalIds.reasonBlock]: {
          [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: 'PII columns <!channel>' },
        },
      },
      'U0BOB',
    );
    const note = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /rejected the ticket/.test(String(c.args['text'])),
    );
    expect(String(note.args['text'])).toContain('PII columns &lt;!channel&gt;');
    const call = h.dms.calls('ApproveOrder')[0]!;
    expect(call.query['ApprovalType']).toBe('REJECT');
    expect(call.query['Comment']).toBe(
      'Rejected from Slack by Bob Builder <bob@example.com> (Slack U0BOB, DMS user 52): PII columns <!channel>',
    );
    // The rejection shows on the general ticket; the watcher ends the thread with it.
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /: Rejected/.test(String(c.args['text'])),
    );
    const ended = await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && /Rejected/.test(String(c.args['text'])),
    );
    expect(buttonsOf(ended.args['blocks'])).toEqual([]);
    // The modal's last word comes after the ticket's new status was handled.
    await h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === modal['id'] && /Done: you rejected/.test(JSON.stringify(c.args['view'])),
    );
    expect((await h.app.services.store.getTicket(ticketId))!.done).toBe(true);
  });

  it('explains a stale click (the ticket moved on) instead of failing, and redraws the buttons', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'PRE_CHECK_SUCCESS');
    // Someone submitted it in the DMS console meanwhile; the message still shows "Submit for approval".
    h.dms.setStatus(orderId, 'APPLY_AUDIT_SUCCESS');
    await clickButton(h, { action: 'submit', value: String(ticketId), messageTs: rootTs });
    await ephemeralFor(
      h,
      'U0ALICE',
      /has moved on: it is \*Submitted for approval\*, so "Submit for approval" no longer applies/,
    );
    expect(h.dms.calls('SubmitOrderApproval')).toHaveLength(0);
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && buttonsOf(c.args['blocks']).includes('ticket:approve'),
    );
    // The change itself was posted once, as a normal status reply.
    expect(threadReplies(h, rootTs).filter((c) => /Submitted for approval/.test(String(c.args['text'])))).toHaveLength(
      1,
    );

    // DMS refusing the action because of the ticket's state reads the same way.
    h.dms.failNext('ApproveOrder', { kind: 'business', code: 'IllegalOrderStatus', message: 'status changed' });
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /has moved on/);

    // A click on a finished ticket.
    await moveTo(h, orderId, 'EXPORT_FAIL');
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /is \*Export failed\* and is no longer followed here/);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
  });

  it('Refresh polls now; Stop following ends the thread for the requester only', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    const pollsBefore = h.dms.calls('GetDataExportOrderDetail').length;
    h.dms.setStatus(orderId, 'PRE_CHECK_SUCCESS');
    // No clock movement: only the click makes the bot look.
    await clickButton(h, { action: 'refresh', value: String(ticketId), user: 'U0CAROL', messageTs: rootTs });
    await ephemeralFor(h, 'U0CAROL', /is now \*Pre-check passed\*/);
    expect(h.dms.calls('GetDataExportOrderDetail').length).toBeGreaterThan(pollsBefore);
    expect(threadReplies(h, rootTs).filter((c) => /Pre-check passed/.test(String(c.args['text'])))).toHaveLength(1);
    await clickButton(h, { action: 'refresh', value: String(ticketId), user: 'U0CAROL', messageTs: rootTs });
    await ephemeralFor(h, 'U0CAROL', /is still \*Pre-check passed\*/);

    await clickButton(h, { action: 'stop', value: String(ticketId), user: 'U0CAROL', messageTs: rootTs });
    await ephemeralFor(h, 'U0CAROL', /can't stop following this ticket/);
    await clickButton(h, { action: 'stop', value: String(ticketId), user: 'U0ALICE', messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) =>
        c.args['thread_ts'] === rootTs && /<@U0ALICE> stopped following this ticket here/.test(String(c.args['text'])),
    );
    const stopped = await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && /No longer followed here/.test(JSON.stringify(c.args['blocks'])),
    );
    expect(buttonsOf(stopped.args['blocks'])).toEqual([]);
    expect((await h.app.services.store.getTicket(ticketId))!.done).toBe(true);
    const replies = threadReplies(h, rootTs).length;
    h.dms.setStatus(orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    await tick(h, 60_000);
    expect(threadReplies(h, rootTs)).toHaveLength(replies);
  });

  it('relays TipMessage when DMS has no file, and re-sends a fresh link to the requester only', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'EXPORT_SUCCESS');
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'U0ALICE' && /download the result/.test(String(c.args['text'])),
    );

    await clickButton(h, { action: 'download', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /can't get the download link/);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'U0BOB')).toHaveLength(0);

    const before = h.dms.calls('GetDataExportDownloadURL').length;
    await clickButton(h, { action: 'download', value: String(ticketId), user: 'U0ALICE', messageTs: rootTs });
    await ephemeralFor(h, 'U0ALICE', /Result delivered privately to <@U0ALICE>/);
    expect(h.dms.calls('GetDataExportDownloadURL')).toHaveLength(before + 1);
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args['channel'] === 'U0ALICE' && /download the result/.test(String(c.args['text']))),
    ).toHaveLength(2);

    // A second export whose file DMS cannot offer: the tip is relayed, and no link goes anywhere.
    const second = await fileExport(h);
    h.dms.noResultTips.set(second.orderId, 'The result file expired after 7 days <@U0ALL>');
    const dmsBefore = h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'U0ALICE').length;
    await moveTo(h, second.orderId, 'EXPORT_SUCCESS');
    const last = threadReplies(h, second.rootTs).at(-1)!;
    expect(String(last.args['text'])).toContain(
      'DMS has no file to download for this export: The result file expired after 7 days &lt;@U0ALL&gt;',
    );
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'U0ALICE')).toHaveLength(dmsBefore);
  });

  it('only the requester runs the export (the modal is refused before it is filled in)', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    await moveTo(h, orderId, 'ENABLE_EXPORT');
    await clickButton(h, {
      action: 'run',
      value: String(ticketId),
      user: 'U0BOB',
      messageTs: rootTs,
      triggerId: 'trigger-run-bob',
    });
    await ephemeralFor(h, 'U0BOB', /can't run this export\. Only the ticket's requester \(<@U0ALICE>\)/);
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-run-bob');
    await h.slack.waitFor(
      'views.update',
      (c) =>
        c.args['view_id'] === (opened.response!['view'] as { id: string }).id &&
        /can't run this export/.test(JSON.stringify(c.args['view'])),
    );
    // Even a forged submission of the run modal is checked again.
    await submit(
      h,
      opened.response!['view'] as Record<string, unknown>,
      {
        [ActionModalIds.fileTypeBlock]: {
          [ActionModalIds.fileTypeSelect]: { type: 'static_select', selected_option: { value: 'CSV' } },
        },
        [ActionModalIds.encodingBlock]: {
          [ActionModalIds.encodingSelect]: { type: 'static_select', selected_option: { value: 'UTF8' } },
        },
      },
      'U0BOB',
    );
    await h.slack.waitFor(
      'views.update',
      (c) =>
        /can't run this export/.test(JSON.stringify(c.args['view'])) &&
        c.args['view_id'] === (opened.response!['view'] as { id: string }).id &&
        h.slack.callsTo('views.update').filter((u) => u.args['view_id'] === c.args['view_id']).length >= 2,
    );
    expect(h.dms.calls('ExecuteDataExport')).toHaveLength(0);
    // A value that is not a ticket id is answered, not crashed on.
    await clickButton(h, { action: 'refresh', value: '../../etc', user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /doesn't lead to a ticket I can act on/);
  });

  it('takes a lock-free change followed with /dms status through submit and approval, the filer found from the bot comment', async () => {
    const created = await h.app.services.dms.createFreeLockCorrectOrder({
      databases: [{ dbId: '1001' as DbId, logic: false }],
      sql: "UPDATE orders SET status = 'closed' WHERE id = 7",
      classify: 'fix a stuck order',
      execMode: 'COMMITOR',
      comment:
        'fix a stuck order\n— Requested from Slack by Alice Example <alice@example.com> (Slack U0ALICE, DMS user 51) [chatops-0123456789ab]',
      relatedUserIds: [],
    });
    const orderId = Number(created.orderId);
    h.dms.setStatus(orderId, 'precheck_success');
    // Bob follows it here; Alice (named in the bot's comment) is its requester as far as the buttons go.
    await h.command(`status ${orderId}`, { user: 'U0BOB' });
    const root = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === undefined && String(c.args['text']).includes(`ticket ${orderId}`),
    );
    const rootTs = String(root.response!['ts']);
    expect(buttonsOf(root.args['blocks'])).toEqual(['ticket:submit', 'ticket:refresh', 'ticket:stop']);
    const ticket = (await h.app.services.store.findTicketByExternalId('dms_change', String(orderId)))!;

    await clickButton(h, { action: 'submit', value: String(ticket.id), user: 'U0BOB', messageTs: rootTs });
    await ephemeralFor(h, 'U0BOB', /Only the ticket's requester \(the person who filed it in DMS\)/);
    await clickButton(h, { action: 'submit', value: String(ticket.id), user: 'U0ALICE', messageTs: rootTs });
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && buttonsOf(c.args['blocks']).includes('ticket:approve'),
    );
    expect(h.dms.getOrder(orderId)!.status).toBe('toaudit');

    await clickButton(h, { action: 'approve', value: String(ticket.id), user: 'U0BOB', messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /: Approved/.test(String(c.args['text'])),
    );
    expect(h.dms.getOrder(orderId)!.status).toBe('Approved');
    expect(h.dms.calls('ApproveOrder')[0]!.query['WorkflowInstanceId']).toBe(
      String(h.dms.getOrder(orderId)!.workflowInstanceId),
    );
  });

  it("Home shows a requester's ticket without Approve/Reject (someone else decides), while the channel message has them", async () => {
    const { rootTs, orderId } = await fileExport(h);
    await moveTo(h, orderId, 'APPLY_AUDIT_SUCCESS');
    expect(rootButtons(h, rootTs)).toEqual(['ticket:approve', 'ticket:reject', 'ticket:refresh', 'ticket:stop']);
    await openHome(h, 'U0ALICE');
    const home = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    expect(buttonsOf((home.args['view'] as { blocks: unknown }).blocks)).toEqual(['ticket:refresh', 'ticket:stop']);
  });
});
