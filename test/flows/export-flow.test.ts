import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportIds as Ids } from '../../blocks/dms/ids.js';
import { loadUserMap } from '../../src/slack/user-map.js';
import type { SlackCall } from '../support/fake-slack.js';
import { exportValues, filed, openModal, seedPeople, submit, threadReplies, tick, tsOf } from '../support/flows.js';
import { blockSuggestion, type Harness, startHarness } from '../support/harness.js';

const EXPORT_STATUSES = [
  'PRE_CHECKING',
  'PRE_CHECK_SUCCESS',
  'WAITING_APPLY_AUDIT',
  'APPLY_AUDIT_SUCCESS',
  'ENABLE_EXPORT',
  'WAITING_EXPORT',
  'DOING_EXPORT',
  'EXPORT_SUCCESS',
];

/** State values as Slack would send them for a filled-in export modal. */
const filledValues = exportValues;

async function openExport(h: Harness, channel = 'C0EXPORTS'): Promise<Record<string, unknown>> {
  return openModal(h, 'export', channel);
}

const isRoot = (channel: string) => (c: SlackCall) =>
  c.args['channel'] === channel &&
  c.args['thread_ts'] === undefined &&
  String(c.args['text']).startsWith('Data export ticket');

describe('/dms export', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens the modal at once, before any DMS call', async () => {
    const view = await openExport(h);
    expect(view['callback_id']).toBe(Ids.modal);
    expect(h.slack.callsTo('views.open')[0]!.args['trigger_id']).toBe('trigger-1');
    expect(JSON.parse(String(view['private_metadata']))).toEqual({
      c: 'C0EXPORTS',
      s: expect.stringMatching(/^[\w-]{32}$/),
    });
    expect(h.dms.requests).toHaveLength(0);
  });

  it('answers help and unknown subcommands ephemerally with the list of subcommands', async () => {
    for (const text of ['help', '', 'frobnicate now']) {
      const res = await h.command(text);
      const body = (await res.json()) as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('`/dms export`');
      if (text === 'frobnicate now') expect(body.text).toContain("I don't know `frobnicate`");
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('offers databases from DMS SearchDatabase as the person types, and a typed numeric id', async () => {
    const res = await h.interaction(blockSuggestion(Ids.dbSelect, Ids.dbBlock, 'orders'));
    const body = (await res.json()) as { options: { text: { text: string }; value: string }[] };
    expect(body.options.map((o) => o.text.text)).toEqual([
      'orders_prod · product · mysql',
      'orders_dev · dev · mysql',
      'orders_logic · product · mysql · logical',
    ]);
    expect(body.options[2]!.value).toBe('db:2001:L');
    expect(body.options[0]!.value).toBe('db:1001:P');
    expect(h.dms.calls('SearchDatabase')[0]!.query['SearchKey']).toBe('orders');

    const byId = (await (await h.interaction(blockSuggestion(Ids.dbSelect, Ids.dbBlock, '1002'))).json()) as {
      options: { value: string }[];
    };
    expect(byId.options[0]!.value).toBe('db:1002:T');
  });

  it('answers the picker within budget with one explanatory option when DMS is slow or failing', async () => {
    await h.close();
    h = await startHarness({ env: { DMS_SEARCH_TIMEOUT_MS: '200' } });
    h.dms.latencyMs = 1_500;
    const slow = (await (await h.interaction(blockSuggestion(Ids.dbSelect, Ids.dbBlock, 'orders'))).json()) as {
      options: { text: { text: string }; value: string }[];
    };
    expect(slow.options).toHaveLength(1);
    expect(slow.options[0]!.text.text).toContain('slow');
    h.dms.latencyMs = 0;
    h.dms.failNext('SearchDatabase', { kind: 'business', code: 'UnknownError', message: 'boom' });
    const failed = (await (await h.interaction(blockSuggestion(Ids.dbSelect, Ids.dbBlock, 'orders'))).json()) as {
      options: { text: { text: string } }[];
    };
    expect(failed.options).toHaveLength(1);
    expect(failed.options[0]!.text.text).toContain('UnknownError');
  });

  it('names the environment once, and shows a skipped row check in its own field', async () => {
    const fieldsOf = (call: SlackCall) =>
      (call.args['blocks'] as { fields?: { text: string }[] }[]).find((b) => b.fields)!.fields!.map((f) => f.text);
    // Picked from the list: the label names the environment DMS reports (product), so it is not repeated.
    const view = await openExport(h);
    await submit(
      h,
      view,
      filledValues({
        [Ids.skipCheckBlock]: {
          [Ids.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'skip' }] },
        },
        [Ids.skipReasonBlock]: {
          [Ids.skipReasonInput]: { type: 'plain_text_input', value: 'The table has no index on created_at' },
        },
      }),
    );
    const root = await filed(h);
    const ts = tsOf(root);
    h.clock.advance(10_000);
    await h.app.watcher.runDue();
    const polled = h.slack
      .callsTo('chat.update')
      .filter((c) => c.args['ts'] === ts)
      .at(-1)!;
    const fields = fieldsOf(polled);
    expect(fields).toContain('*Database*\norders_prod · product · mysql');
    expect(fields).toContain('*Estimated rows*\n1200');
    expect(fields).toContain('*Row check skipped*\nThe table has no index on created_at');

    // Typed as an id: the label does not name it, so the environment DMS reports is added; no check skipped, no field.
    const typed = await openExport(h);
    await submit(
      h,
      typed,
      filledValues({
        [Ids.dbBlock]: {
          [Ids.dbSelect]: {
            type: 'external_select',
            selected_option: { value: 'db:1001:T', text: { type: 'plain_text', text: 'Database id 1001 (as typed)' } },
          },
        },
      }),
    );
    await h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === typed['id'] && JSON.stringify(c.args['view']).includes('is filed'),
    );
    const orderId2 = (h.dms.calls('CreateOrder')[1]!.response as { CreateOrderResult: { OrderIds: number[] } })
      .CreateOrderResult.OrderIds[0]!;
    const second = h.slack
      .callsTo('chat.postMessage')
      .find((c) => c.args['thread_ts'] === undefined && String(c.args['text']).includes(`ticket ${orderId2}`))!;
    const ts2 = tsOf(second);
    h.clock.advance(10_000);
    await h.app.watcher.runDue();
    const fields2 = fieldsOf(
      h.slack
        .callsTo('chat.update')
        .filter((c) => c.args['ts'] === ts2)
        .at(-1)!,
    );
    expect(fields2).toContain('*Database*\nDatabase id 1001 (as typed) (product)');
    expect(fields2.some((f) => f.startsWith('*Row check skipped*'))).toBe(false);
  });

  it('files the ticket with the exact encoding, posts the root, threads every status change and stops at EXPORT_SUCCESS', async () => {
    const view = await openExport(h);
    const ack = await submit(h, view, filledValues());
    expect(ack.response_action).toBe('update');

    const root = await filed(h);
    const create = h.dms.calls('CreateOrder');
    expect(create).toHaveLength(1);
    const req = create[0]!;
    expect(req.signature).toBe('valid');
    expect(req.query['PluginType']).toBe('DATA_EXPORT');
    expect(req.query['RelatedUserList']).toBe('52');
    expect(req.query['Comment']).toMatch(
      /^Quarterly audit\n— Requested from Slack by Alice Example <alice@example.com> \(Slack U0ALICE, DMS user 51\) \[chatops-[0-9a-f]{12}\]$/,
    );
    expect(req.query['PluginParam']).toBeUndefined();
    expect(JSON.parse(req.body['PluginParam']!)).toEqual({
      classify: 'Quarterly audit',
      dbId: 1001,
      exeSQL: "SELECT id, status FROM orders WHERE created_at > '2026-01-01'",
      logic: false,
      ignoreAffectRows: false,
      affectRows: 1200,
      ignoreAffectRowsReason: '',
    });
    const orderId = (req.response as { CreateOrderResult: { OrderIds: number[] } }).CreateOrderResult.OrderIds[0]!;
    const rootJson = JSON.stringify(root.args['blocks']);
    expect(rootJson).toContain(`DMS ticket ${orderId}`);
    expect(rootJson).toContain('<@U0ALICE>');
    expect(rootJson).toContain('<@U0BOB>');
    expect(rootJson).toContain('orders_prod');
    expect(rootJson).toContain('```SELECT id, status FROM orders');

    // The modal says where to follow the ticket.
    const done = await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
    expect(JSON.stringify(done.args['view'])).toContain(String(orderId));

    const ts = tsOf(root);
    for (let i = 0; i < EXPORT_STATUSES.length; i++) {
      if (i > 0) h.dms.advance(orderId);
      h.clock.advance(10_000);
      await h.app.watcher.runDue();
      const replies = threadReplies(h, ts);
      expect(replies).toHaveLength(i + 1);
      expect(replies[i]!.args['channel']).toBe('C0EXPORTS');
      expect(JSON.stringify(replies[i]!.args['blocks'])).toContain(EXPORT_STATUSES[i]);
    }
    const lastUpdate = h.slack.callsTo('chat.update').at(-1)!;
    expect(lastUpdate.args['ts']).toBe(ts);
    expect(JSON.stringify(lastUpdate.args['blocks'])).toContain('Export finished');
    expect(h.slack.callsTo('chat.update')).toHaveLength(EXPORT_STATUSES.length);

    // Final: no more polling.
    const polls = h.dms.calls('GetDataExportOrderDetail').length;
    h.clock.advance(3_600_000);
    expect(await h.app.watcher.runDue()).toBe(0);
    expect(h.dms.calls('GetDataExportOrderDetail')).toHaveLength(polls);
    // Each poll used the documented encoding: OrderId in the form body.
    expect(
      h.dms
        .calls('GetDataExportOrderDetail')
        .every((c) => c.body['OrderId'] === String(orderId) && c.signature === 'valid'),
    ).toBe(true);
  });

  it('backs off while nothing changes and resets when the status moves', async () => {
    const view = await openExport(h);
    await submit(h, view, filledValues());
    await filed(h);
    const ticket = (await h.app.services.store.findTicketByExternalId(
      'dms_export',
      String(h.dms.allOrders()[0]!.orderId),
    ))!;
    h.clock.advance(1_000);
    await h.app.watcher.runDue(); // PRE_CHECKING posted, interval reset to 1 s
    const intervals: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = (await h.app.services.store.getTicket(ticket.id))!;
      intervals.push(t.nextPollAt - h.clock.now());
      h.clock.t = t.nextPollAt;
      await h.app.watcher.runDue();
    }
    expect(intervals).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    h.dms.advance(Number(ticket.externalId));
    h.clock.t = (await h.app.services.store.getTicket(ticket.id))!.nextPollAt;
    await h.app.watcher.runDue();
    const after = (await h.app.services.store.getTicket(ticket.id))!;
    expect(after.status).toBe('PRE_CHECK_SUCCESS');
    expect(after.nextPollAt - h.clock.now()).toBe(1_000);
  });

  describe('validation, each with its own inline error', () => {
    const cases: [string, Record<string, Record<string, unknown>>, string, RegExp][] = [
      [
        'no database',
        { [Ids.dbBlock]: { [Ids.dbSelect]: { selected_option: null } } },
        Ids.dbBlock,
        /Choose a database/,
      ],
      [
        'an explanation option',
        { [Ids.dbBlock]: { [Ids.dbSelect]: { selected_option: { value: 'err:timeout', text: { text: 'slow' } } } } },
        Ids.dbBlock,
        /numeric DMS database id/,
      ],
      [
        'a forged database value',
        {
          [Ids.dbBlock]: {
            [Ids.dbSelect]: { selected_option: { value: 'db:99999999999999999999:P', text: { text: 'x' } } },
          },
        },
        Ids.dbBlock,
        /not valid/,
      ],
      [
        'empty SQL',
        { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: '   ' } } },
        Ids.sqlBlock,
        /Enter the SELECT statement/,
      ],
      [
        'a change statement',
        { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: 'DELETE FROM orders' } } },
        Ids.sqlBlock,
        /\/dms change/,
      ],
      ['no reason', { [Ids.reasonBlock]: { [Ids.reasonInput]: { value: '' } } }, Ids.reasonBlock, /Say why/],
      [
        'negative rows',
        { [Ids.rowsBlock]: { [Ids.rowsInput]: { value: '-5' } } },
        Ids.rowsBlock,
        /^Estimated rows must be a whole number ≥ 0\.$/,
      ],
      [
        'fractional rows',
        { [Ids.rowsBlock]: { [Ids.rowsInput]: { value: '1.5' } } },
        Ids.rowsBlock,
        /whole number ≥ 0/,
      ],
      [
        'huge rows',
        { [Ids.rowsBlock]: { [Ids.rowsInput]: { value: '99999999999999999999' } } },
        Ids.rowsBlock,
        /at most 1,000,000,000,000/,
      ],
      [
        'no rows',
        { [Ids.rowsBlock]: { [Ids.rowsInput]: { value: null } } },
        Ids.rowsBlock,
        /Enter the estimated number/,
      ],
      [
        'skip without reason',
        { [Ids.skipCheckBlock]: { [Ids.skipCheckCheckbox]: { selected_options: [{ value: 'skip' }] } } },
        Ids.skipReasonBlock,
        /say why/,
      ],
    ];
    for (const [name, over, block, message] of cases) {
      it(`rejects ${name}`, async () => {
        const view = await openExport(h);
        const ack = await submit(h, view, filledValues(over));
        expect(ack.response_action).toBe('errors');
        expect(ack.errors?.[block]).toMatch(message);
        expect(h.dms.calls('CreateOrder')).toHaveLength(0);
      });
    }

    it('names a related user who has no DMS account', async () => {
      const view = await openExport(h);
      const ack = await submit(
        h,
        view,
        filledValues({ [Ids.relatedBlock]: { [Ids.relatedSelect]: { selected_users: ['U0BOB', 'U0CAROL'] } } }),
      );
      expect(ack.response_action).toBe('errors');
      expect(ack.errors?.[Ids.relatedBlock]).toMatch(/^Carol NoDms has no DMS account/);
      expect(h.dms.calls('CreateOrder')).toHaveLength(0);
      // ListUsers was asked by email.
      expect(h.dms.calls('ListUsers').map((c) => c.query['SearchKey'])).toContain('carol@example.com');
    });
  });

  it('tells the requester what DMS said when it refuses the ticket (Success:false), keeping their SQL', async () => {
    h.dms.failNext('CreateOrder', { kind: 'business', code: 'InvalidTid', message: 'The tenant is invalid.' });
    const view = await openExport(h);
    await submit(h, view, filledValues());
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(eph.args['user']).toBe('U0ALICE');
    expect(eph.args['channel']).toBe('C0EXPORTS');
    const requestId = (h.dms.calls('CreateOrder')[0]!.response as { RequestId: string }).RequestId;
    expect(String(eph.args['text'])).toContain('InvalidTid');
    expect(String(eph.args['text'])).toContain(requestId);
    expect(JSON.stringify(eph.args['blocks'])).toContain('SELECT id, status FROM orders');
    const modal = await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('not filed'));
    expect(JSON.stringify(modal.args['view'])).toContain('InvalidTid');
    expect(h.slack.callsTo('chat.postMessage').filter(isRoot('C0EXPORTS'))).toHaveLength(0);
  });

  it('does not file a second ticket when the same submission arrives twice', async () => {
    const view = await openExport(h);
    await submit(h, view, filledValues());
    await submit(h, view, filledValues(), 'U0ALICE', {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    await filed(h);
    expect(h.logs.some((l) => l.includes('duplicate submission ignored'))).toBe(true);
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
  });

  it('follows the ticket DMS created when the create answer was lost (found by its marker), creating nothing twice', async () => {
    h.dms.dropResponseNext('CreateOrder');
    await submit(h, await openExport(h), filledValues());
    const root = await filed(h);
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    const marker = /\[(chatops-[0-9a-f]{12})\]/.exec(h.dms.calls('CreateOrder')[0]!.query['Comment']!)![1]!;
    expect(h.dms.calls('ListOrders')[0]!.query['SearchContent']).toBe(marker);
    expect(String(root.args['text'])).toContain(`ticket ${h.dms.allOrders()[0]!.orderId}`);
  });

  it('says the outcome is unknown, with the marker to search for, when a create fails after reaching DMS and no ticket is found', async () => {
    h.dms.failNext('CreateOrder', { kind: 'server', status: 503 });
    await submit(h, await openExport(h), filledValues());
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(String(eph.args['text'])).toMatch(
      /may or may not exist\. Before trying again, search DMS tickets for `chatops-[0-9a-f]{12}`/,
    );
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
  });

  it('reports a rejection seen on the general ticket while the export waits for approval, and stops', async () => {
    await submit(h, await openExport(h), filledValues());
    const ts = tsOf(await filed(h));
    const order = h.dms.allOrders()[0]!;
    h.dms.setStatus(order.orderId, 'APPLY_AUDIT_SUCCESS');
    order.statusCodeOverride = 'reject';
    await tick(h);
    expect(JSON.stringify(threadReplies(h, ts)[0]!.args['blocks'])).toContain('Rejected');
    await tick(h, 3_600_000);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('shows hostile text as text: no mention, link or broken code fence reaches Slack', async () => {
    const evil = '<!channel> <@U0BOB> <http://evil.example|click> & ``` `';
    await submit(
      h,
      await openExport(h),
      filledValues({
        [Ids.reasonBlock]: { [Ids.reasonInput]: { value: evil } },
        [Ids.sqlBlock]: { [Ids.sqlInput]: { value: "SELECT '```' AS x, `a` FROM t -- <!here>`" } },
      }),
    );
    const root = await filed(h);
    const json = JSON.stringify(root.args['blocks']);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!here>');
    expect(json).not.toContain('<http://evil');
    expect(json).toContain('&lt;!channel&gt;');
    const sql = (root.args['blocks'] as { text?: { text: string } }[])
      .map((b) => b.text?.text ?? '')
      .find((t) => t.startsWith('*SQL*'))!;
    // Exactly one opening and one closing fence.
    expect(sql.match(/```/g)).toHaveLength(2);
    expect(sql.endsWith('\u200b```')).toBe(true);
  });

  it('rides out DMS throttling: retries reads, delays the update, loses nothing', async () => {
    const view = await openExport(h);
    await submit(h, view, filledValues());
    const root = await filed(h);
    const ts = tsOf(root);
    // Two throttles are absorbed by the client's retries within one poll.
    h.dms.failNext('GetDataExportOrderDetail', { kind: 'throttle' }, 2);
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    expect(threadReplies(h, ts)).toHaveLength(1);
    // A longer outage fails the poll; the ticket stays due and the change is posted once DMS recovers.
    h.dms.advance(h.dms.allOrders()[0]!.orderId);
    h.dms.failNext('GetDataExportOrderDetail', { kind: 'server', status: 503 }, 3);
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    expect(threadReplies(h, ts)).toHaveLength(1);
    h.clock.advance(60_000);
    await h.app.watcher.runDue();
    const replies = threadReplies(h, ts);
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies[1]!.args['blocks'])).toContain('PRE_CHECK_SUCCESS');
  });

  it('follows the ticket in a DM, saying why, when the bot is not in the channel', async () => {
    h.slack.channelErrors.set('C0PRIVATE', 'not_in_channel');
    const view = await openExport(h, 'C0PRIVATE');
    await submit(h, view, filledValues());
    const root = await filed(h, 'U0ALICE');
    expect(JSON.stringify(root.args['blocks'])).toContain('not a member of that channel');
    const ts = tsOf(root);
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    const reply = threadReplies(h, ts)[0]!;
    expect(reply.args['channel']).toBe('D0ALICE');
    const modal = await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
    expect(JSON.stringify(modal.args['view'])).toContain('your DMs');
  });

  it('rejects bad, missing and stale signatures with 401 and does nothing', async () => {
    const body = new URLSearchParams({
      command: '/dms',
      text: 'export',
      user_id: 'U0ALICE',
      channel_id: 'C0EXPORTS',
      trigger_id: 't',
    }).toString();
    expect((await h.post(body, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await h.post(body, { signature: null })).status).toBe(401);
    expect((await h.post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.dms.requests).toHaveLength(0);
  });

  it('answers GET /healthz with 200', async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('following limits and user mapping', () => {
  it('gives up with a final thread note after WATCH_MAX_AGE_HOURS', async () => {
    const h = await startHarness({ env: { WATCH_MAX_AGE_HOURS: '2' } });
    try {
      seedPeople(h);
      await submit(h, await openExport(h), filledValues());
      const ts = tsOf(await filed(h));
      await tick(h);
      h.clock.advance(3 * 3_600_000);
      await h.app.watcher.runDue();
      const last = threadReplies(h, ts).at(-1)!;
      expect(String(last.args['text'])).toMatch(
        /Stopped following data export ticket \d+ after 2 h; the last status seen was \*Pre-checking\*/i,
      );
      await tick(h, 3_600_000);
      expect(threadReplies(h, ts)).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('maps people through USER_MAP_FILE (by Slack id or email) before asking DMS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'usermap-'));
    const file = join(dir, 'users.yaml');
    writeFileSync(file, 'U0BOB: 77\nalice@example.com: "78"\n');
    const h = await startHarness({ userMap: loadUserMap(file) });
    try {
      seedPeople(h);
      await submit(h, await openExport(h), filledValues());
      await filed(h);
      const req = h.dms.calls('CreateOrder')[0]!;
      expect(req.query['RelatedUserList']).toBe('77');
      expect(req.query['Comment']).toContain('DMS user 78');
      expect(h.dms.calls('ListUsers')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('refuses a malformed USER_MAP_FILE naming the key at fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'usermap-'));
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify({ U0BOB: 'not-a-number', 'not a key': 5 }));
    expect(() => loadUserMap(file)).toThrow(
      /U0BOB: value must be a numeric DMS user id[\s\S]*not a key: key must be a Slack user id/,
    );
  });
});

describe('restart', () => {
  it('resumes unfinished tickets on the same database without re-posting earlier updates', async () => {
    const h1 = await startHarness();
    seedPeople(h1);
    const view = await openExport(h1);
    await submit(h1, view, filledValues());
    const root = await filed(h1);
    const ts = tsOf(root);
    const orderId = h1.dms.allOrders()[0]!.orderId;
    for (let i = 0; i < 3; i++) {
      if (i > 0) h1.dms.advance(orderId);
      h1.clock.advance(10_000);
      await h1.app.watcher.runDue();
    }
    expect(threadReplies(h1, ts)).toHaveLength(3);
    await h1.stop();

    const h2 = await startHarness({ slack: h1.slack, dms: h1.dms, dbPath: h1.dbPath, clock: h1.clock });
    try {
      // Same status as before the restart: nothing new to say.
      h2.clock.advance(10_000);
      await h2.app.watcher.runDue();
      expect(threadReplies(h2, ts)).toHaveLength(3);
      for (let i = 3; i < EXPORT_STATUSES.length; i++) {
        h2.dms.advance(orderId);
        h2.clock.advance(10_000);
        await h2.app.watcher.runDue();
      }
      const replies = threadReplies(h2, ts);
      const statuses = replies.map((r) =>
        EXPORT_STATUSES.find((s) => JSON.stringify(r.args['blocks']).includes(`\`${s}\``)),
      );
      expect(statuses).toEqual(EXPORT_STATUSES);
      expect(h2.dms.calls('CreateOrder')).toHaveLength(1);
    } finally {
      await h2.close();
    }
  });
});
