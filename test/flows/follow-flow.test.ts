import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbId } from '../../src/core/ids.js';
import type { SlackCall } from '../support/fake-slack.js';
import {
  buttonsOf,
  fileExport,
  latestRoot,
  openHome,
  seedPeople,
  threadReplies,
  tick,
  tsOf,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

/** The ack body of a slash command (the HTTP response Slack shows at once). */
interface AckBody {
  response_type?: string;
  text?: string;
  blocks?: unknown[];
}

async function command(h: Harness, text: string, opts: { user?: string; channel?: string } = {}): Promise<AckBody> {
  const res = await h.command(text, opts);
  expect(res.status).toBe(200);
  const raw = await res.text();
  return raw ? (JSON.parse(raw) as AckBody) : {};
}

/**
 * The first response_url answer matching `pred`, past or future. FakeSlack.waitFor only looks back through
 * `calls`, while response_url answers are kept in `responses`, so look there first (no await in between: no race).
 */
function response(h: Harness, pred: (text: string) => boolean): Promise<SlackCall> {
  return h.slack.waitFor('response_url', (c) => pred(String(c.args['text'] ?? '')));
}

/** Root messages (not thread replies) posted in `channel` whose fallback text starts with `prefix`. */
function roots(h: Harness, channel: string, prefix: string): SlackCall[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args['channel'] === channel && c.args['thread_ts'] === undefined && String(c.args['text']).startsWith(prefix),
    );
}

/** DMS requests about one ticket (OrderId in the query or the form body). */
function requestsFor(h: Harness, orderId: string, actions: string[]): number {
  return h.dms.requests.filter(
    (r) => actions.includes(r.action) && (r.query['OrderId'] === orderId || r.body['OrderId'] === orderId),
  ).length;
}

// Tickets filed directly in DMS (not through the bot), with the bot's own DMS client.
async function consoleExport(h: Harness): Promise<string> {
  const { orderId } = await h.app.services.dms.createDataExportOrder({
    dbId: '1001' as DbId,
    logic: false,
    sql: 'SELECT id, total FROM orders WHERE id < 100',
    classify: 'Monthly revenue report',
    affectRows: 99,
    ignoreAffectRows: false,
    ignoreAffectRowsReason: '',
    comment: 'Filed in the DMS console',
    relatedUserIds: ['51', '52'],
  });
  return orderId;
}

async function consoleTrack(h: Harness): Promise<string> {
  const { orderId } = await h.app.services.dms.createDataTrackOrder({
    dbId: '1001' as DbId,
    startTime: '2026-01-05 08:00:00',
    endTime: '2026-01-05 10:00:00',
    tables: ['orders', 'order_items'],
    trackTypes: ['UPDATE', 'DELETE'],
    comment: 'Who deleted order items?',
    relatedUserIds: ['51', '52'],
  });
  return orderId;
}

async function consoleChange(h: Harness): Promise<string> {
  const { orderId } = await h.app.services.dms.createFreeLockCorrectOrder({
    databases: [{ dbId: '1001' as DbId, logic: false }],
    sql: "UPDATE orders SET status = 'paid' WHERE id = 42",
    classify: 'Fix a stuck payment',
    execMode: 'COMMITOR',
    comment: 'Console change',
    relatedUserIds: ['51', '52'],
  });
  return orderId;
}

describe('/dms status and /dms list', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('follows an existing data export ticket: root in the channel, one thread reply per status change', async () => {
    const orderId = await consoleExport(h);
    const order = h.dms.getOrder(Number(orderId))!;
    order.committer = 'dora.dba';
    order.committerId = '77';

    const ack = await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain(`Looking up DMS ticket ${orderId}`);

    const answer = await response(h, (t) => t.includes('Following'));
    expect(answer.args['response_type']).toBe('ephemeral');
    expect(answer.args['text']).toContain(`Following data export ticket ${orderId} here`);
    expect(answer.args['text']).toContain('status changes will follow in its thread');

    expect(h.dms.calls('GetOrderBaseInfo').some((r) => r.query['OrderId'] === orderId)).toBe(true);
    const posted = roots(h, 'C0OPS', `Data export ticket ${orderId}`);
    expect(posted).toHaveLength(1);
    const root = posted[0]!;
    expect(root.args['text']).toBe(`Data export ticket ${orderId}: Pre-checking`);
    const json = JSON.stringify(root.args['blocks']);
    expect(json).toContain(`Data export · DMS ticket ${orderId}`);
    expect(json).toContain('*Filed in DMS by*\\ndora.dba · followed here by <@U0ALICE>');
    expect(json).not.toContain('*Requester*');
    expect(json).toContain('orders@10.0.0.10:3306 (product)');
    expect(json).toContain('Monthly revenue report');
    // The SQL is shown as code, escaped for mrkdwn.
    expect(json).toContain('```SELECT id, total FROM orders WHERE id &lt; 100```');

    const ticket = (await h.app.services.store.findTicketByExternalId('dms_export', orderId))!;
    expect(ticket).toMatchObject({
      channelId: 'C0OPS',
      requesterSlackId: 'U0ALICE',
      requesterDmsId: '51',
      status: 'PRE_CHECKING',
      done: false,
      rootTs: tsOf(root),
    });

    const ts = tsOf(root);
    await tick(h);
    expect(threadReplies(h, ts)).toHaveLength(0);
    expect(h.dms.advance(Number(orderId))).toBe('PRE_CHECK_SUCCESS');
    await tick(h);
    const replies = threadReplies(h, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args['channel']).toBe('C0OPS');
    expect(JSON.stringify(replies[0]!.args['blocks'])).toContain('`PRE_CHECK_SUCCESS`');
    await tick(h);
    expect(threadReplies(h, ts)).toHaveLength(1);
    expect(latestRoot(h, 'C0OPS', ts)!.args['text']).toBe(`Data export ticket ${orderId}: Pre-check passed`);
  });

  it('follows an existing data tracking ticket', async () => {
    const orderId = await consoleTrack(h);
    const ack = await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    expect(ack.text).toContain(`Looking up DMS ticket ${orderId}`);
    const answer = await response(h, (t) => t.includes('Following'));
    expect(answer.args['text']).toContain(`Following data tracking ticket ${orderId} here`);

    const posted = roots(h, 'C0OPS', `Data tracking ticket ${orderId}`);
    expect(posted).toHaveLength(1);
    const root = posted[0]!;
    // INIT: the approval state comes from the general ticket (StatusCode new).
    expect(root.args['text']).toBe(`Data tracking ticket ${orderId}: Submitted`);
    const json = JSON.stringify(root.args['blocks']);
    expect(json).toContain(`Data tracking · DMS ticket ${orderId}`);
    expect(json).toContain('*Filed in DMS by*\\nchatops-bot · followed here by <@U0ALICE>');
    expect(json).toContain('DMS database 1001');
    expect(json).toContain('orders, order_items');
    expect(json).toContain('UPDATE, DELETE');
    expect(json).toContain(`2026-01-05 08:00:00 → 2026-01-05 10:00:00 (${h.config.DMS_TIMEZONE})`);
    expect(json).toContain('Who deleted order items?');

    const ts = tsOf(root);
    expect(h.dms.advance(Number(orderId))).toBe('LISTING');
    await tick(h);
    const replies = threadReplies(h, ts);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0]!.args['blocks'])).toContain('Listing binary logs');
    await tick(h);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('follows an existing lock-free data change ticket', async () => {
    const orderId = await consoleChange(h);
    await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    const answer = await response(h, (t) => t.includes('Following'));
    expect(answer.args['text']).toContain(`Following data change ticket ${orderId} here`);
    expect(h.dms.calls('GetDataCorrectOrderDetail').some((r) => r.query['OrderId'] === orderId)).toBe(true);

    const posted = roots(h, 'C0OPS', `Data change ticket ${orderId}`);
    expect(posted).toHaveLength(1);
    const root = posted[0]!;
    expect(root.args['text']).toBe(`Data change ticket ${orderId}: Submitted`);
    const json = JSON.stringify(root.args['blocks']);
    expect(json).toContain(`Data change · DMS ticket ${orderId}`);
    expect(json).toContain('*Filed in DMS by*\\nchatops-bot · followed here by <@U0ALICE>');
    expect(json).toContain('orders_prod');
    expect(json).toContain('Fix a stuck payment');
    expect(json).toContain('UPDATE');

    const ts = tsOf(root);
    expect(h.dms.advance(Number(orderId))).toBe('precheck');
    await tick(h);
    const replies = threadReplies(h, ts);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0]!.args['blocks'])).toContain('Pre-checking');
    await tick(h);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('follows any other kind of DMS ticket on its general status', async () => {
    const orderId = await consoleExport(h);
    const order = h.dms.getOrder(Number(orderId))!;
    // The emulator only models three PluginTypes, so its type forbids others; a permission request is simulated by
    // relabelling the order. Its StatusCode table is keyed by PluginType and has no entry for PERM_APPLY, so the
    // general status is driven through statusCodeOverride (h.dms.advance would clear the override and make the
    // emulator fail on the unknown PluginType).
    order.pluginType = 'PERM_APPLY' as unknown as typeof order.pluginType;
    order.statusCodeOverride = 'toaudit';
    order.comment = 'Need read access to orders_prod';

    await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    const answer = await response(h, (t) => t.includes('Following'));
    expect(answer.args['text']).toMatch(new RegExp(`Following dms ticket ${orderId} here`, 'i'));
    // Nothing export-specific was asked for this ticket.
    expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(0);

    const ticket = (await h.app.services.store.findTicketByExternalId('dms_order', orderId))!;
    expect(ticket).toMatchObject({ channelId: 'C0OPS', status: 'order:toaudit', done: false });
    expect(await h.app.services.store.findTicketByExternalId('dms_export', orderId)).toBeUndefined();

    const posted = roots(h, 'C0OPS', `DMS ticket ${orderId}`);
    expect(posted).toHaveLength(1);
    const root = posted[0]!;
    expect(root.args['text']).toBe(`DMS ticket ${orderId}: Waiting for approval`);
    const json = JSON.stringify(root.args['blocks']);
    expect(json).toContain(`DMS ticket ${orderId} (PERM_APPLY)`);
    expect(json).toContain('*Filed in DMS by*\\nchatops-bot · followed here by <@U0ALICE>');
    expect(json).toContain('Need read access to orders_prod');
    expect(buttonsOf(root.args['blocks'])).toEqual(expect.arrayContaining(['ticket:approve', 'ticket:reject']));

    const ts = tsOf(root);
    order.statusCodeOverride = 'processing';
    await tick(h);
    const replies = threadReplies(h, ts);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0]!.args['blocks'])).toContain('Processing');
    await tick(h);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('posts the root of a ticket that already ended and never polls it', async () => {
    const orderId = await consoleExport(h);
    h.dms.setStatus(Number(orderId), 'EXPORT_FAIL');

    await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    const answer = await response(h, (t) => t.includes('Following'));
    expect(answer.args['text']).toContain('It has already ended, so there will be no more updates.');

    const posted = roots(h, 'C0OPS', `Data export ticket ${orderId}`);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.args['text']).toBe(`Data export ticket ${orderId}: Export failed`);
    const ticket = (await h.app.services.store.findTicketByExternalId('dms_export', orderId))!;
    expect(ticket.done).toBe(true);
    expect(ticket.status).toBe('EXPORT_FAIL');

    const polls = requestsFor(h, orderId, ['GetDataExportOrderDetail', 'GetOrderBaseInfo']);
    expect(polls).toBeGreaterThan(0);
    h.dms.setStatus(Number(orderId), 'EXPORT_SUCCESS');
    await tick(h);
    await tick(h, 60_000);
    expect(requestsFor(h, orderId, ['GetDataExportOrderDetail', 'GetOrderBaseInfo', 'GetDataExportDownloadURL'])).toBe(
      polls,
    );
    expect(threadReplies(h, tsOf(posted[0]!))).toHaveLength(0);
  });

  it('says a ticket is already followed and posts nothing new', async () => {
    const orderId = await consoleExport(h);
    await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    await response(h, (t) => t.includes('Following'));
    const postsBefore = h.slack.callsTo('chat.postMessage').length;
    const detailsBefore = h.dms.calls('GetDataExportOrderDetail').length;

    // From another channel, by someone else.
    await command(h, `status ${orderId}`, { channel: 'C0OTHER', user: 'U0BOB' });
    const elsewhere = await response(h, (t) => t.includes('already followed'));
    expect(elsewhere.args['text']).toContain(
      `Data export ticket ${orderId} is already followed in <#C0OPS>, for <@U0ALICE>`,
    );

    // From the same channel.
    await command(h, `status ${orderId}`, { channel: 'C0OPS' });
    const here = await response(h, (t) => t.includes('already followed in this channel'));
    expect(here.args['text']).toContain(`Data export ticket ${orderId} is already followed in this channel`);

    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(detailsBefore);
    const ticket = (await h.app.services.store.findTicketByExternalId('dms_export', orderId))!;
    expect(ticket).toMatchObject({ channelId: 'C0OPS', requesterSlackId: 'U0ALICE' });
  });

  it('treats a ticket filed from Slack as already followed', async () => {
    const filed = await fileExport(h, { channel: 'C0EXPORTS' });
    const postsBefore = h.slack.callsTo('chat.postMessage').length;
    await command(h, `status ${filed.orderId}`, { channel: 'C0OPS', user: 'U0BOB' });
    const answer = await response(h, (t) => t.includes(`ticket ${filed.orderId}`) && !t.includes('Looking up'));
    expect(answer.args['text']).toContain(`is already followed in <#C0EXPORTS>, for <@U0ALICE>`);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(postsBefore);
  });

  it('answers a usage message for a missing, non-numeric or absurd id, without asking DMS', async () => {
    for (const text of [
      'status',
      'status abc',
      'status 12a',
      'status 0',
      'status -5',
      'status 1.5',
      'status 99999999999999999999',
      'status 9223372036854775808',
    ]) {
      const ack = await command(h, text, { channel: 'C0OPS' });
      expect(ack.response_type, text).toBe('ephemeral');
      expect(ack.text, text).toContain('Give the DMS ticket id (digits 0–9)');
      expect(ack.text, text).toContain('`/dms status 123456`');
    }
    expect(h.dms.requests).toHaveLength(0);
    expect(h.slack.responses).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('explains an unknown ticket through the response URL and posts nothing', async () => {
    const ack = await command(h, 'status #999999', { channel: 'C0OPS' });
    expect(ack.text).toContain('Looking up DMS ticket 999999');
    const answer = await response(h, (t) => !t.includes('Looking up'));
    expect(answer.args['response_type']).toBe('ephemeral');
    expect(answer.args['text']).toContain("I can't follow DMS ticket 999999 for you. Either DMS has no such ticket");
    // DMS's own code would tell an unknown ticket from one the person may not see: it is logged, not shown.
    expect(answer.args['text']).not.toContain('InvalidOrderId');
    expect(h.dms.calls('GetOrderBaseInfo').map((r) => r.query['OrderId'])).toEqual(['999999']);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    for (const kind of ['dms_export', 'dms_track', 'dms_change', 'dms_order'] as const) {
      expect(await h.app.services.store.findTicketByExternalId(kind, '999999')).toBeUndefined();
    }
  });

  it('refuses a DMS user who is not involved in the ticket (its SQL would reach the channel), unless they are an approver', async () => {
    h.slack.addUser({ id: 'U0DAVE', name: 'Dave Outsider', email: 'dave@example.com' });
    h.dms.addUser({ UserId: '54', NickName: 'dave', Email: 'dave@example.com' });
    const orderId = await consoleExport(h);
    await h.command(`status ${orderId}`, { user: 'U0DAVE' });
    const answer = await response(h, (t) => t.includes(`can't follow DMS ticket ${orderId}`));
    expect(String(answer.args['text'])).toContain('you are not one of its people');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(0);
    await h.close();

    h = await startHarness({ env: { APPROVERS: 'U0DAVE' } });
    seedPeople(h);
    h.slack.addUser({ id: 'U0DAVE', name: 'Dave Approver', email: 'dave@example.com' });
    h.dms.addUser({ UserId: '54', NickName: 'dave', Email: 'dave@example.com' });
    const again = await consoleExport(h);
    await h.command(`status ${again}`, { user: 'U0DAVE' });
    await response(h, (t) => t.includes(`Following data export ticket ${again}`));
  });

  it('refuses someone without a DMS account and posts nothing', async () => {
    const orderId = await consoleExport(h);
    const ack = await command(h, `status ${orderId}`, { channel: 'C0OPS', user: 'U0CAROL' });
    expect(ack.text).toContain(`Looking up DMS ticket ${orderId}`);
    const answer = await response(h, (t) => !t.includes('Looking up'));
    expect(answer.args['text']).toContain('you need a DMS account matched to your Slack user');
    expect(answer.args['text']).toContain('Carol NoDms has no DMS account');
    expect(h.dms.calls('GetOrderBaseInfo')).toHaveLength(0);
    expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await h.app.services.store.findTicketByExternalId('dms_export', orderId)).toBeUndefined();
  });

  it('/dms list says when there are no open tickets', async () => {
    const ack = await command(h, 'list', { channel: 'C0OPS' });
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toBe('You have no open tickets.');
    expect(JSON.stringify(ack.blocks)).toContain('/dms status &lt;ticket id&gt;');
    expect(h.dms.requests).toHaveLength(0);
  });

  it("/dms list shows only the caller's open tickets, with kind, id, status and channel", async () => {
    const aliceExport = await consoleExport(h);
    const aliceChange = await consoleChange(h);
    const aliceEnded = await consoleExport(h);
    h.dms.setStatus(Number(aliceEnded), 'EXPORT_FAIL');
    const bobTrack = await consoleTrack(h);

    await command(h, `status ${aliceExport}`, { channel: 'C0OPS' });
    await response(h, (t) => t.includes(`Following data export ticket ${aliceExport}`));
    await command(h, `status ${aliceChange}`, { channel: 'C0CHANGES' });
    await response(h, (t) => t.includes(`Following data change ticket ${aliceChange}`));
    await command(h, `status ${aliceEnded}`, { channel: 'C0OPS' });
    await response(h, (t) => t.includes(`Following data export ticket ${aliceEnded}`));
    await command(h, `status ${bobTrack}`, { channel: 'C0BOB', user: 'U0BOB' });
    await response(h, (t) => t.includes(`Following data tracking ticket ${bobTrack}`));

    const requestsBefore = h.dms.requests.length;
    const alice = await command(h, 'list', { channel: 'C0ELSEWHERE' });
    expect(alice.response_type).toBe('ephemeral');
    expect(alice.text).toBe('You have 2 open tickets.');
    const aliceJson = JSON.stringify(alice.blocks);
    expect(aliceJson).toContain('Your open tickets (2)');
    expect(aliceJson).toContain(`Data export ticket ${aliceExport}`);
    expect(aliceJson).toContain('Pre-checking · in <#C0OPS>');
    expect(aliceJson).toContain(`Data change ticket ${aliceChange}`);
    expect(aliceJson).toContain('Submitted · in <#C0CHANGES>');
    expect(aliceJson).not.toContain(`ticket ${aliceEnded}`);
    expect(aliceJson).not.toContain(`ticket ${bobTrack}`);
    expect(aliceJson).not.toContain('C0BOB');

    const bob = await command(h, 'list', { channel: 'C0ELSEWHERE', user: 'U0BOB' });
    expect(bob.text).toBe('You have 1 open ticket.');
    const bobJson = JSON.stringify(bob.blocks);
    expect(bobJson).toContain(`Data tracking ticket ${bobTrack}`);
    expect(bobJson).toContain('Submitted · in <#C0BOB>');
    expect(bobJson).not.toContain(`ticket ${aliceExport}`);
    expect(bobJson).not.toContain(`ticket ${aliceChange}`);

    const carol = await command(h, 'list', { channel: 'C0ELSEWHERE', user: 'U0CAROL' });
    expect(carol.text).toBe('You have no open tickets.');
    // The list comes from the bot's own records: no DMS call.
    expect(h.dms.requests).toHaveLength(requestsBefore);
  });

  it('/dms list [page] pages every open ticket within Slack’s limits, and Home points to the page that goes on where it stops', async () => {
    // 45 open tickets (escaping-heavy status labels grow every card), newest first; one finished ticket is never listed.
    const store = h.app.services.store;
    const ids: string[] = [];
    for (let i = 0; i < 46; i++) {
      const externalId = String(700_000 + i);
      const t = await store.createTicket(
        {
          kind: 'dms_export',
          externalId,
          channelId: 'C0OPS',
          rootTs: null,
          requesterSlackId: 'U0ALICE',
          requesterDmsId: '51',
          status: '&<>'.repeat(60),
          details: {},
          nextPollAt: 9e15,
          pollIntervalMs: 60_000,
        },
        1_773_000_000_000 + i * 1000,
      );
      if (i === 0) await store.finish(t.id, 1_773_000_000_000);
      else ids.unshift(externalId);
    }
    const listed = (ack: AckBody) =>
      [...JSON.stringify(ack.blocks).matchAll(/Data export ticket (\d+)/g)].map((m) => m[1]!);
    const footer = (ack: AckBody) =>
      JSON.stringify((ack.blocks as { type: string }[]).filter((b) => b.type === 'context'));

    const one = await command(h, 'list', { channel: 'C0ELSEWHERE' });
    expect(one.text).toBe('You have 45 open tickets · page 1 of 3.');
    expect(listed(one)).toEqual(ids.slice(0, 20));
    expect(footer(one)).toContain('Tickets 1–20 of 45, newest first. `/dms list 2` shows the next page.');
    const two = await command(h, 'list 2', { channel: 'C0ELSEWHERE' });
    expect(listed(two)).toEqual(ids.slice(20, 40));
    expect(footer(two)).toContain('`/dms list 3` shows the next page.');
    const three = await command(h, 'list 3', { channel: 'C0ELSEWHERE' });
    expect(listed(three)).toEqual(ids.slice(40));
    expect(footer(three)).toContain('Tickets 41–45 of 45, newest first. This is the last page.');
    // Past the end: the last page, said so; not a number: how to ask.
    const past = await command(h, 'list 9', { channel: 'C0ELSEWHERE' });
    expect(listed(past)).toEqual(ids.slice(40));
    expect(footer(past)).toContain('You asked for page 9; there are 3.');
    for (const bad of ['list 0', 'list two', 'list 2 3'])
      expect((await command(h, bad, { channel: 'C0ELSEWHERE' })).text).toBe(
        '`/dms list` takes a page number, e.g. `/dms list 2`.',
      );

    // Home shows page 1 and says which page goes on from there.
    await openHome(h, 'U0ALICE');
    const home = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    const homeJson = JSON.stringify(home.args['view']);
    expect([...homeJson.matchAll(/\*Data export ticket (\d+)\*/g)].map((m) => m[1]!)).toEqual([
      ...ids.slice(0, 20),
      '700000',
    ]); // then the finished one, under Recently finished
    expect(homeJson).toContain('…and 25 more open tickets: `/dms list 2` shows the next 20, and so on.');
  });
});
