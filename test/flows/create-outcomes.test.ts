import { afterEach, describe, expect, it } from 'vitest';
import { TrackerIds } from '../../blocks/cts/ids.js';
import { ExportIds as Ids } from '../../blocks/dms/ids.js';
import type { SlackCall } from '../support/fake-slack.js';
import {
  clickButton,
  exportValues,
  fileExport,
  openModal,
  type SubmitAnswer,
  seedPeople,
  submit,
  tick,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

// What the bot says after a create or a click must match what happened in DMS: "filed", "not filed", "not sent" or
// "not known yet, checking". Every case runs through the real app against the DMS emulator's faults.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env: { RATE_LIMIT_PER_USER_PER_HOUR: '1000', APPROVERS: 'U0BOB', ...env } });
  seedPeople(h);
  return h;
}

const viewText = (c: SlackCall): string => JSON.stringify(c.args['view']);

/** The modal's last word for one submitted view (after the "Filing…" ack). */
function finalView(h: Harness, viewId: unknown, pattern: RegExp): Promise<SlackCall> {
  return h.slack.waitFor('views.update', (c) => c.args['view_id'] === viewId && pattern.test(viewText(c)));
}

describe('"at most N tickets an hour" holds when submissions race', () => {
  it('eight forms submitted at once while DMS is slow: exactly three are filed, five are told inline why', async () => {
    const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '3' });
    const views = [];
    for (let i = 0; i < 8; i++) views.push(await openModal(h, 'export'));
    h.dms.latencyMs = (action) => (action === 'CreateOrder' ? 300 : 0);
    const answers: SubmitAnswer[] = await Promise.all(views.map((v) => submit(h, v, exportValues())));

    const refused = answers.filter((a) => a.response_action === 'errors');
    expect(refused).toHaveLength(5);
    for (const a of refused)
      expect(a.errors?.[Ids.dbBlock]).toMatch(/You have filed 3 tickets in the last hour; the limit is 3 per hour/);
    const accepted = views.filter((_, i) => answers[i]!.response_action === 'update');
    expect(accepted).toHaveLength(3);
    await Promise.all(accepted.map((v) => finalView(h, v['id'], /is filed/)));
    expect(h.dms.calls('CreateOrder')).toHaveLength(3);
    expect(await h.app.services.store.createdSince('U0ALICE', 0)).toHaveLength(3);
  });

  it('gives a slot back only when the create certainly did not happen (refused, not sent); keeps it when unknown', async () => {
    const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '2' });
    const last = await openModal(h, 'export'); // opened now: once the limit is reached, no form opens
    // Refused by DMS: the slot is free again.
    h.dms.failNext('CreateOrder', { kind: 'business', code: 'InvalidDbId', message: 'no such database' });
    const a = await openModal(h, 'export');
    await submit(h, a, exportValues());
    await finalView(h, a['id'], /not filed/);
    expect(await h.app.services.store.createdSince('U0ALICE', 0)).toHaveLength(0);

    // A 503 before DMS acted and no ticket found by the marker: unknown, so it keeps counting.
    h.dms.failNext('CreateOrder', { kind: 'server', status: 503 });
    const b = await openModal(h, 'export');
    await submit(h, b, exportValues());
    await finalView(h, b['id'], /may or may not exist/);
    expect(await h.app.services.store.createdSince('U0ALICE', 0)).toHaveLength(1);

    await fileExport(h);
    const answer = await submit(h, last, exportValues());
    expect(answer.errors?.[Ids.dbBlock]).toContain('the limit is 2 per hour');
    expect(h.dms.calls('CreateOrder')).toHaveLength(3);
  });
});

describe('a slot kept for an unknown outcome', () => {
  it('is given back when recovery settles that nothing was created', async () => {
    const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '1' });
    const second = await openModal(h, 'export');
    h.dms.failNext('CreateOrder', { kind: 'server', status: 503 });
    const first = await openModal(h, 'export');
    await submit(h, first, exportValues());
    await finalView(h, first['id'], /may or may not exist/);
    expect((await submit(h, second, exportValues())).errors?.[Ids.dbBlock]).toContain('the limit is 1 per hour');

    h.clock.advance(16 * 60_000);
    expect(await h.app.services.recovery.run()).toBe(1);
    await h.slack.waitFor('chat.postEphemeral', (c) => String(c.args['text']).includes('never reached DMS'));
    expect(await h.app.services.store.createdSince('U0ALICE', 0)).toEqual([]);
    await submit(h, second, exportValues());
    await finalView(h, second['id'], /is filed/);
    const ticket = await h.app.services.store.findTicketByExternalId(
      'dms_export',
      String(h.dms.allOrders()[0]!.orderId),
    );
    expect(Object.keys(ticket!.details)).not.toContain('createSlot');
  });
});

describe('the same limit for CTS trackers', () => {
  it('four tracker forms submitted at once, a limit of two: two trackers, two told inline why', async () => {
    h = await startHarness({ cts: true, env: { RATE_LIMIT_PER_USER_PER_HOUR: '2' } });
    const hh = h;
    seedPeople(hh);
    const views = [];
    for (let i = 0; i < 4; i++) {
      const before = hh.slack.callsTo('views.open').length;
      await hh.command('tracker data', { command: '/cts', channel: 'C0OPS' });
      const call = await hh.slack.waitFor('views.open', () => hh.slack.callsTo('views.open').length > before);
      views.push({
        ...(call.args['view'] as Record<string, unknown>),
        id: String((call.response?.['view'] as { id: string } | undefined)?.id),
      });
    }
    const answers = await Promise.all(views.map((v, i) => submit(hh, v, trackerValues(`orders-writes-${i}`))));
    const refused = answers.filter((a) => a.response_action === 'errors');
    expect(refused).toHaveLength(2);
    for (const a of refused) expect(Object.values(a.errors ?? {}).join(' ')).toContain('the limit is 2 per hour');
    await Promise.all(
      views
        .filter((_, i) => answers[i]!.response_action === 'update')
        .map((v) =>
          finalView(hh, v['id'], /Tracker created|Tracker not created/).then((c) =>
            expect(viewText(c)).toContain('Tracker created:'),
          ),
        ),
    );
    expect(hh.cts!.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});

/** State values of a filled-in CTS data tracker form. */
function trackerValues(name: string): Record<string, Record<string, unknown>> {
  const radio = (value: string) => ({
    type: 'radio_buttons',
    selected_option: { value, text: { type: 'plain_text', text: value } },
  });
  const input = (value: string | null) => ({ type: 'plain_text_input', value });
  const boxes = (...values: string[]) => ({
    type: 'checkboxes',
    selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })),
  });
  return {
    [TrackerIds.typeBlock]: { [TrackerIds.typeRadio]: radio('data') },
    [TrackerIds.nameBlock]: { [TrackerIds.nameInput]: input(name) },
    [TrackerIds.dataBucketBlock]: { [TrackerIds.dataBucketInput]: input(`${name}-bucket`) },
    [TrackerIds.operationsBlock]: { [TrackerIds.operationsCheckbox]: boxes('WRITE') },
    [TrackerIds.bucketBlock]: { [TrackerIds.bucketInput]: input('orders-audit') },
    [TrackerIds.prefixBlock]: { [TrackerIds.prefixInput]: input(null) },
    [TrackerIds.obsOptionsBlock]: { [TrackerIds.obsOptionsCheckbox]: boxes() },
    [TrackerIds.compressBlock]: { [TrackerIds.compressRadio]: radio('gzip') },
    [TrackerIds.retentionBlock]: {
      [TrackerIds.retentionSelect]: {
        type: 'static_select',
        selected_option: { value: '90', text: { type: 'plain_text', text: '90' } },
      },
    },
    [TrackerIds.analysisBlock]: { [TrackerIds.analysisCheckbox]: boxes() },
  };
}

describe('a create is never reported "not filed" when DMS may have filed it', () => {
  // HTTP 200, the ticket created, but the answer carries no usable order id.
  const badAnswers: [string, unknown][] = [
    ['no CreateOrderResult', null],
    ['an empty id list', { OrderIds: [] }],
    ['id 0', { OrderIds: [0] }],
    ['a negative id', [-1]],
    ['an empty id', ['']],
    ['a non-numeric id', ['abc']],
    ['a fractional id', [1.5]],
    ['an id past a Java long', ['9223372036854775808']],
    ['an id with a sign', ['+12']],
  ];

  it.each(badAnswers)(
    'a 200 answer with %s: the marker search finds the ticket and it is followed',
    async (_name, result) => {
      const h = await start();
      h.dms.failNext('CreateOrder', { kind: 'answer', patch: { CreateOrderResult: result } });
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      const done = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
      const order = h.dms.allOrders()[0]!.orderId;
      expect(viewText(done)).toContain(`DMS ticket *${order}* is filed`);
      expect(h.dms.calls('CreateOrder')).toHaveLength(1);
      expect(h.dms.calls('ListOrders')).toHaveLength(1);
      expect(await h.app.services.store.findTicketByExternalId('dms_export', String(order))).toBeDefined();
      expect(await h.app.services.store.pendingCreates(Number.MAX_SAFE_INTEGER)).toEqual([]);
    },
  );

  it('a 5xx after DMS created the ticket: found by its marker and followed, not reported as failed', async () => {
    const h = await start();
    h.dms.failNext('CreateOrder', { kind: 'answer', status: 503 });
    const view = await openModal(h, 'export');
    await submit(h, view, exportValues());
    const done = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
    expect(viewText(done)).toContain(`DMS ticket *${h.dms.allOrders()[0]!.orderId}* is filed`);
  });

  it('a timeout while DMS is still creating: "may have been created", stays pending, and recovery follows it', async () => {
    const h = await start({ DMS_TIMEOUT_MS: '200' });
    h.dms.latencyMs = (action) => (action === 'CreateOrder' ? 700 : 0);
    const view = await openModal(h, 'export');
    await submit(h, view, exportValues());
    const unknown = await finalView(h, view['id'], /Status unknown/);
    expect(viewText(unknown)).toMatch(/I don't know yet whether your data export ticket was filed/);
    expect(viewText(unknown)).not.toMatch(/was not filed|not sent/);
    expect(await h.app.services.store.pendingCreates(Number.MAX_SAFE_INTEGER)).toHaveLength(1);
    const order = await waitForOrder(h);
    h.clock.advance(60_000);
    expect(await h.app.services.recovery.run()).toBe(1);
    await h.slack.waitFor('chat.postEphemeral', (c) =>
      String(c.args['text']).includes(`filed after all: DMS ticket *${order}*`),
    );
  });

  it('a request that cannot be encoded (a lone surrogate) is "not sent", with the reason, and leaves nothing pending', async () => {
    const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '1' });
    // The requester's Slack name goes into the DMS comment; half of an emoji in it cannot be encoded.
    h.slack.addUser({ id: 'U0ALICE', name: 'Alice \ud83d Example', email: 'alice@example.com' });
    const view = await openModal(h, 'export');
    await submit(h, view, exportValues());
    const told = await finalView(h, view['id'], /not sent/);
    expect(viewText(told)).toContain('request was not sent, so no ticket was filed');
    expect(viewText(told)).toContain('the comment (your words and your Slack name) contains a broken character');
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
    expect(await h.app.services.store.pendingCreates(Number.MAX_SAFE_INTEGER)).toEqual([]);
    // Its rate-limit slot was given back: with a limit of one, the next (fixed) request is filed.
    expect(await h.app.services.store.createdSince('U0ALICE', 0)).toEqual([]);
    h.slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com' });
    h.clock.advance(2 * 3_600_000); // past the resolver's cache of the broken name; the slot would count for an hour only
    await fileExport(h);
  });
});

describe('an HTTP error is "not filed" only when DMS positively said nothing happened', () => {
  // After the effect (the `answer` fault: DMS created the ticket, then answered this): never "not filed". The marker
  // search runs, finds the ticket and follows it; the slot counts.
  const afterEffect: [number, string][] = [
    [408, 'InternalError'],
    [408, 'InvalidParameter'],
    [409, 'InvalidParameter'],
    [499, 'InternalError'],
    [400, 'InternalError'],
    [429, 'InternalError'],
    [400, ''],
    [403, 'AccessDeniedByProxy'],
    [400, 'Throttling.Timeout'],
  ];
  it.each(afterEffect)(
    'a create answered HTTP %i %j after DMS created it: found by its marker and followed',
    async (status, code) => {
      const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '1' });
      const second = await openModal(h, 'export');
      h.dms.failNext('CreateOrder', { kind: 'answer', status, code });
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      const done = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
      const order = h.dms.allOrders()[0]!.orderId;
      expect(viewText(done)).toContain(`DMS ticket *${order}* is filed`);
      expect(h.dms.calls('ListOrders')).toHaveLength(1);
      expect(await h.app.services.store.findTicketByExternalId('dms_export', String(order))).toBeDefined();
      expect(await h.app.services.store.createdSince('U0ALICE', 0)).toHaveLength(1);
      expect((await submit(h, second, exportValues())).errors?.[Ids.dbBlock]).toContain('the limit is 1 per hour');
      expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    },
  );

  it('a create answered Success:false without an error code after DMS created it: found by its marker, not "not filed"', async () => {
    const h = await start();
    h.dms.failNext('CreateOrder', { kind: 'answer', patch: { Success: false } });
    const view = await openModal(h, 'export');
    await submit(h, view, exportValues());
    const done = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
    expect(viewText(done)).toContain(`DMS ticket *${h.dms.allOrders()[0]!.orderId}* is filed`);
    expect(h.dms.calls('ListOrders')).toHaveLength(1);
  });

  // Before the effect (the `server` fault: DMS did nothing and said why): "not filed", no search, the slot is free.
  const refusals: [number, string][] = [
    [400, 'InvalidParameter.Format'],
    [400, 'MissingParameter'],
    [403, 'Forbidden.RAM'],
    [404, 'InvalidAccessKeyId.NotFound'],
    [400, 'SignatureDoesNotMatch'],
    [404, 'InvalidAction.NotFound'],
  ];
  it.each(refusals)(
    'a create refused with HTTP %i %j: "not filed", no marker search, the slot given back',
    async (status, code) => {
      const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '1' });
      h.dms.failNext('CreateOrder', { kind: 'server', status, code });
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      const told = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
      expect(viewText(told)).toMatch(/not filed/);
      expect(viewText(told)).toContain(code);
      expect(h.dms.allOrders()).toHaveLength(0);
      expect(h.dms.calls('ListOrders')).toHaveLength(0);
      expect(await h.app.services.store.createdSince('U0ALICE', 0)).toEqual([]);
      expect(await h.app.services.store.pendingCreates(Number.MAX_SAFE_INTEGER)).toEqual([]);
    },
  );

  it.each([408, 499])(
    'a create answered %i after DMS created it, and the search fails too: "I don\'t know yet", kept pending, slot kept, recovery follows it',
    async (status) => {
      const h = await start({ RATE_LIMIT_PER_USER_PER_HOUR: '1' });
      const second = await openModal(h, 'export');
      h.dms.failNext('CreateOrder', { kind: 'answer', status });
      h.dms.failNext('ListOrders', { kind: 'business', code: 'SearchUnavailableForTest', message: 'no search now' });
      const view = await openModal(h, 'export');
      await submit(h, view, exportValues());
      const unknown = await finalView(h, view['id'], /is filed|Status unknown|not filed|not sent/);
      expect(viewText(unknown)).toMatch(/I don't know yet whether your data export ticket was filed/);
      expect(viewText(unknown)).not.toMatch(/was not filed|not sent/);
      expect(h.dms.calls('ListOrders')).toHaveLength(1);
      expect(await h.app.services.store.pendingCreates(Number.MAX_SAFE_INTEGER)).toHaveLength(1);
      // The slot is kept: the person cannot file a duplicate while it is unknown.
      expect((await submit(h, second, exportValues())).errors?.[Ids.dbBlock]).toContain('the limit is 1 per hour');
      expect(h.dms.calls('CreateOrder')).toHaveLength(1);
      const order = h.dms.allOrders()[0]!.orderId;
      h.clock.advance(60_000);
      expect(await h.app.services.recovery.run()).toBe(1);
      await h.slack.waitFor('chat.postEphemeral', (c) =>
        String(c.args['text']).includes(`filed after all: DMS ticket *${order}*`),
      );
    },
  );
});

describe('an action whose answer was lost is checked, never reported as failed when DMS did it', () => {
  async function awaitingApproval(h: Harness): Promise<{ rootTs: string; orderId: number; ticketId: number }> {
    const filed = await fileExport(h);
    h.dms.setStatus(filed.orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    return filed;
  }

  const lost: [string, (h: Harness) => void][] = [
    ['the connection reset after it was sent', (h) => h.dms.dropResponseNext('ApproveOrder')],
    ['a 5xx after DMS acted', (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', status: 503 })],
    ['a 200 without Success', (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', patch: { Success: null } })],
    ['a 408 after DMS acted', (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', status: 408 })],
    ['a 499 after DMS acted', (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', status: 499 })],
    [
      'a 400 InternalError after DMS acted',
      (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', status: 400, code: 'InternalError' }),
    ],
    [
      'a 400 without a code after DMS acted',
      (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', status: 400, code: '' }),
    ],
    [
      'Success:false without an ErrorCode after DMS acted',
      (h) => h.dms.failNext('ApproveOrder', { kind: 'answer', patch: { Success: false } }),
    ],
  ];

  it.each(lost)('approve, %s: "not confirmed", checked, and recorded as done', async (_name, inject) => {
    const h = await start();
    const { rootTs, orderId, ticketId } = await awaitingApproval(h);
    inject(h);
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    const told = await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0BOB' && /did not confirm/.test(String(c.args['text'])),
    );
    expect(String(told.args['text'])).toMatch(
      /DMS did not confirm that \(.+\), so I checked the ticket: it is now \*.+\*, so it went through/,
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
    expect(h.dms.getOrder(orderId)!.status).toBe('ENABLE_EXPORT');
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /<@U0BOB> approved the ticket/.test(String(c.args['text'])),
    );
    const audit = (await h.app.services.store.listAudit({})).filter(
      (a) => a.action === 'ticket.approve' && a.decision === 'done',
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ confirmedBy: 'check' });
  });

  it('submit, answer lost before DMS acted: "has not happened, at least not yet", not "failed"', async () => {
    const h = await start();
    const { rootTs, orderId, ticketId } = await fileExport(h);
    h.dms.setStatus(orderId, 'PRE_CHECK_SUCCESS');
    await tick(h);
    h.dms.failNext('SubmitOrderApproval', { kind: 'server', status: 503 });
    await clickButton(h, { action: 'submit', value: String(ticketId), messageTs: rootTs });
    const told = await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0ALICE' && /did not confirm/.test(String(c.args['text'])),
    );
    expect(String(told.args['text'])).toMatch(
      /it still shows \*Pre-check passed\*, so it has not happened, at least not yet/,
    );
    expect(String(told.args['text'])).not.toMatch(/couldn't/);
    expect(h.dms.getOrder(orderId)!.status).toBe('PRE_CHECK_SUCCESS');
  });

  it('an action that cannot be encoded is not sent, and says so', async () => {
    const h = await start();
    const { rootTs, orderId, ticketId } = await awaitingApproval(h);
    h.slack.addUser({ id: 'U0BOB', name: 'Bob \udc00 Builder', email: 'bob@example.com' });
    // The resolver caches people: a fresh name needs a fresh lookup, as after its cache expires.
    h.clock.advance(2 * 3_600_000);
    await tick(h);
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    const told = await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0BOB' && /Nothing was sent to DMS/.test(String(c.args['text'])),
    );
    expect(String(told.args['text'])).toContain('contains a broken character');
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    expect(h.dms.getOrder(orderId)!.status).toBe('APPLY_AUDIT_SUCCESS');
  });
});

/** The id of the one order the emulator holds, once it exists. */
async function waitForOrder(h: Harness): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const o = h.dms.allOrders()[0];
    if (o) return o.orderId;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no order was created');
}
