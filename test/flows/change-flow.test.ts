import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeIds as Ids } from '../../blocks/dms/ids.js';
import { filed, openModal, seedPeople, submit, threadReplies, tick, tsOf } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

const SQL = "UPDATE orders SET status = 'void' WHERE id = 42;\nDELETE FROM order_items -- WHERE order_id = 42\n;";

function values(over: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
  return {
    [Ids.dbBlock]: {
      [Ids.dbSelect]: {
        type: 'multi_external_select',
        selected_options: [
          { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
          { value: 'db:2001:L', text: { type: 'plain_text', text: 'orders_logic · product · mysql · logical' } },
        ],
      },
    },
    [Ids.sqlBlock]: { [Ids.sqlInput]: { type: 'plain_text_input', value: SQL } },
    [Ids.rollbackBlock]: {
      [Ids.rollbackInput]: { type: 'plain_text_input', value: "UPDATE orders SET status = 'paid' WHERE id = 42;" },
    },
    [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: 'Void a duplicate order' } },
    [Ids.modeBlock]: { [Ids.modeRadio]: { type: 'radio_buttons', selected_option: { value: 'AUTO' } } },
    [Ids.commentBlock]: { [Ids.commentInput]: { type: 'plain_text_input', value: null } },
    [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
    ...over,
  };
}

/** Submits once to get the review, then again from the reviewed view. */
async function reviewAndFile(h: Harness, v = values()) {
  const view = await openModal(h, 'change');
  const review = await submit(h, view, v);
  expect(review.response_action).toBe('update');
  expect(h.dms.calls('CreateFreeLockCorrectOrder')).toHaveLength(0);
  const reviewed = { ...review.view!, id: view['id'] };
  const second = await submit(h, reviewed, v);
  return { view, review, second };
}

describe('/dms change', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens at once with the execution modes explained', async () => {
    const view = await openModal(h, 'change');
    expect(view['callback_id']).toBe(Ids.modal);
    const json = JSON.stringify(view);
    expect(json).toContain('COMMITOR');
    expect(json).toContain('Once approved, you (the submitter) start the change.');
    expect(h.dms.requests).toHaveLength(0);
  });

  it('shows what will run and warns about a DELETE without WHERE before filing, keeping every input', async () => {
    const view = await openModal(h, 'change');
    const review = await submit(h, view, values());
    const text = JSON.stringify(review.view);
    expect(text).toContain('2 statements: 1 UPDATE, 1 DELETE');
    expect(text).toMatch(/Statement 2 \(DELETE\) has no WHERE clause/);
    expect(text).toContain('"submit":{"type":"plain_text","text":"Create ticket"}');
    // Inputs are kept when the modal is redrawn.
    expect(text).toContain('"initial_value":"Void a duplicate order"');
    expect(text).toContain('orders_logic');
    expect(text).toContain('"initial_users":["U0BOB"]');
  });

  it('files the ticket with the exact encoding after the review and follows it to Success', async () => {
    const { second } = await reviewAndFile(h);
    expect(second.response_action).toBe('update');
    const root = await filed(h);
    const req = h.dms.calls('CreateFreeLockCorrectOrder')[0]!;
    expect(req.signature).toBe('valid');
    expect(JSON.parse(req.query['Param']!)).toEqual({
      DbItemList: [
        { DbId: 1001, Logic: false },
        { DbId: 2001, Logic: true },
      ],
      ExecSQL: SQL.trim(),
      SqlType: 'TEXT',
      ExecMode: 'AUTO',
      Classify: 'Void a duplicate order',
      RollbackSQL: "UPDATE orders SET status = 'paid' WHERE id = 42;",
      RollbackSqlType: 'TEXT',
    });
    expect(req.query['RelatedUserList']).toBe('[52]');
    const rootText = JSON.stringify(root.args['blocks']);
    expect(rootText).toContain('Rollback SQL');
    expect(rootText).toContain('has no WHERE clause');
    expect(rootText).toContain('Run automatically after approval');

    const orderId = h.dms.allOrders()[0]!.orderId;
    const ts = tsOf(root);
    await tick(h);
    const steps = ['precheck', 'precheck_success', 'toaudit', 'Approved', 'waiting', 'processing', 'Success'];
    for (const _ of steps) {
      h.dms.advance(orderId);
      await tick(h);
    }
    const replies = threadReplies(h, ts).map((r) => JSON.stringify(r.args['blocks']));
    expect(replies).toHaveLength(1 + steps.length);
    steps.forEach((s, i) => expect(replies[i + 1]).toContain(`\`${s}\``));
    expect(replies.at(-1)).toContain('Change applied');
    const polls = h.dms.calls('GetDataCorrectOrderDetail').length;
    await tick(h, 3_600_000);
    expect(h.dms.calls('GetDataCorrectOrderDetail')).toHaveLength(polls);
  });

  it('asks for a new review when the SQL is edited after the review', async () => {
    const view = await openModal(h, 'change');
    const review = await submit(h, view, values());
    const edited = values({ [Ids.sqlBlock]: { [Ids.sqlInput]: { value: 'DELETE FROM orders' } } });
    const again = await submit(h, { ...review.view!, id: view['id'] }, edited);
    expect(again.response_action).toBe('update');
    expect(JSON.stringify(again.view)).toContain('1 statement: 1 DELETE');
    expect(h.dms.calls('CreateFreeLockCorrectOrder')).toHaveLength(0);
  });

  it('puts the failed pre-check steps’ tips in the thread', async () => {
    h.dms.setStatusScript('FREE_LOCK_CORRECT', ['new', 'precheck', 'precheckFailed']);
    await reviewAndFile(h);
    const ts = tsOf(await filed(h));
    const order = h.dms.allOrders()[0]!;
    order.precheckUserTip = 'Table <order_items> has no primary key; add one first.';
    await tick(h);
    h.dms.advance(order.orderId, 2);
    await tick(h);
    const last = JSON.stringify(threadReplies(h, ts).at(-1)!.args['blocks']);
    expect(last).toContain('Pre-check failed');
    expect(last).toContain('Table &lt;order_items&gt; has no primary key; add one first.');
    await tick(h, 3_600_000);
    expect(threadReplies(h, ts)).toHaveLength(2);
  });

  it('reports a rejection seen on the general ticket and stops', async () => {
    await reviewAndFile(h);
    const ts = tsOf(await filed(h));
    const order = h.dms.allOrders()[0]!;
    h.dms.setStatus(order.orderId, 'toaudit');
    order.statusCodeOverride = 'reject';
    await tick(h);
    expect(JSON.stringify(threadReplies(h, ts)[0]!.args['blocks'])).toContain('Rejected');
    await tick(h, 3_600_000);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('tells the requester when DMS refuses the ticket, keeping the SQL', async () => {
    h.dms.failNext('CreateFreeLockCorrectOrder', {
      kind: 'business',
      code: 'InvalidParameter.Sql',
      message: 'SQL type not allowed.',
    });
    await reviewAndFile(h);
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(String(eph.args['text'])).toContain('InvalidParameter.Sql');
    expect(JSON.stringify(eph.args['blocks'])).toContain('UPDATE orders SET status');
  });

  describe('validation', () => {
    const cases: [string, Record<string, Record<string, unknown>>, string, RegExp][] = [
      [
        'no database',
        { [Ids.dbBlock]: { [Ids.dbSelect]: { selected_options: [] } } },
        Ids.dbBlock,
        /at least one database/,
      ],
      ['empty SQL', { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: '' } } }, Ids.sqlBlock, /Enter the SQL/],
      [
        'only comments',
        { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: '-- nothing\n/* here */ ;' } } },
        Ids.sqlBlock,
        /No SQL statement found/,
      ],
      [
        'a read-only query',
        { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: 'SELECT * FROM orders' } } },
        Ids.sqlBlock,
        /\/dms export/,
      ],
      [
        'an unclosed string',
        { [Ids.sqlBlock]: { [Ids.sqlInput]: { value: "UPDATE t SET a = 'x WHERE id = 1" } } },
        Ids.sqlBlock,
        /unclosed string/,
      ],
      ['no reason', { [Ids.reasonBlock]: { [Ids.reasonInput]: { value: '  ' } } }, Ids.reasonBlock, /Say why/],
      // The picker takes 20: a review redrawing 21 would be refused by Slack (initial_options > max_selected_items).
      [
        'more databases than the picker takes',
        {
          [Ids.dbBlock]: {
            [Ids.dbSelect]: {
              selected_options: Array.from({ length: 21 }, (_, i) => ({
                value: `db:${3000 + i}:P`,
                text: { type: 'plain_text', text: `db_${i}` },
              })),
            },
          },
        },
        Ids.dbBlock,
        /at most 20 databases/,
      ],
    ];
    for (const [name, over, block, message] of cases) {
      it(`rejects ${name}`, async () => {
        const view = await openModal(h, 'change');
        const ack = await submit(h, view, values(over));
        expect(ack.response_action).toBe('errors');
        expect(ack.errors?.[block]).toMatch(message);
      });
    }
  });
});
