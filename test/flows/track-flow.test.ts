import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackIds as Ids } from '../../blocks/dms/ids.js';
import { filed, latestRoot, openModal, seedPeople, submit, threadReplies, tick, tsOf } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

const HOUR = 3600;

function values(
  h: Harness,
  over: Record<string, Record<string, unknown>> = {},
): Record<string, Record<string, unknown>> {
  const now = Math.floor(h.clock.now() / 1000);
  return {
    [Ids.dbBlock]: {
      [Ids.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
      },
    },
    [Ids.tablesBlock]: { [Ids.tablesInput]: { type: 'plain_text_input', value: 'orders, order_items\nOrders' } },
    [Ids.typesBlock]: {
      [Ids.typesCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'DELETE' }, { value: 'INSERT' }] },
    },
    [Ids.startBlock]: { [Ids.startPicker]: { type: 'datetimepicker', selected_date_time: now - 3 * HOUR } },
    [Ids.endBlock]: { [Ids.endPicker]: { type: 'datetimepicker', selected_date_time: now - HOUR } },
    [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: 'Who deleted order 42?' } },
    [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
    ...over,
  };
}

/** A pick in a window picker (block action), as Slack sends it with the modal's current state. */
async function pick(
  h: Harness,
  view: Record<string, unknown>,
  v: Record<string, Record<string, unknown>>,
  user = 'U0ALICE',
): Promise<void> {
  const res = await h.interaction({
    type: 'block_actions',
    user: { id: user, name: user.toLowerCase(), team_id: 'T1' },
    team: { id: 'T1', domain: 'acme' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: 'trigger-action',
    container: { type: 'view', view_id: view['id'] },
    view: { ...view, state: { values: v } },
    actions: [
      {
        type: 'datetimepicker',
        action_id: Ids.endPicker,
        block_id: Ids.endBlock,
        selected_date_time: (v[Ids.endBlock]![Ids.endPicker] as { selected_date_time: unknown }).selected_date_time,
        action_ts: '1',
      },
    ],
  });
  expect(res.status).toBe(200);
}

/** The window pickers set to two instants. */
const windowOf = (start: number, end: number) => ({
  [Ids.startBlock]: { [Ids.startPicker]: { type: 'datetimepicker', selected_date_time: start } },
  [Ids.endBlock]: { [Ids.endPicker]: { type: 'datetimepicker', selected_date_time: end } },
});

describe('/dms track', () => {
  let h: Harness;
  beforeEach(async () => {
    // 2026-03-09 12:00 UTC: a fixed "now" just after New York's spring-forward night.
    h = await startHarness({ env: { DMS_TIMEZONE: 'Asia/Shanghai' } });
    h.clock.t = Date.UTC(2026, 2, 9, 12, 0, 0);
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens at once, then shows the DMS zone and the requester’s Slack zone in the hint', async () => {
    const view = await openModal(h, 'track');
    expect(view['callback_id']).toBe(Ids.modal);
    expect(h.dms.requests).toHaveLength(0);
    const update = await h.slack.waitFor('views.update', (c) => c.args['view_id'] === view['id']);
    expect(update.args['hash']).toBe(view['hash']);
    const hint = JSON.stringify(update.args['view']);
    expect(hint).toContain('Asia/Shanghai');
    expect(hint).toContain('America/New_York');
  });

  it('previews the picked window in both zones as soon as a time is picked, keeping what was typed', async () => {
    const view = await openModal(h, 'track');
    const v = values(h);
    const res = await h.interaction({
      type: 'block_actions',
      user: { id: 'U0ALICE', name: 'alice', team_id: 'T1' },
      team: { id: 'T1', domain: 'acme' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-action',
      container: { type: 'view', view_id: view['id'] },
      view: { ...view, state: { values: v } },
      actions: [
        {
          type: 'datetimepicker',
          action_id: Ids.endPicker,
          block_id: Ids.endBlock,
          selected_date_time: (v[Ids.endBlock]![Ids.endPicker] as { selected_date_time: number }).selected_date_time,
          action_ts: '1',
        },
      ],
    });
    expect(res.status).toBe(200);
    const update = await h.slack.waitFor('views.update', (c) =>
      JSON.stringify(c.args['view']).includes(Ids.previewBlock),
    );
    expect(update.args['view_id']).toBe(view['id']);
    expect(update.args['hash']).toBe(view['hash']);
    const json = JSON.stringify(update.args['view']);
    expect(json).toContain('2026-03-09 17:00 UTC+08:00 → 2026-03-09 19:00 UTC+08:00 (DMS, Asia/Shanghai)');
    expect(json).toContain(
      '2026-03-09 05:00 EDT (UTC−04:00) → 2026-03-09 07:00 EDT (UTC−04:00) (you, America/New_York)',
    );
    expect(json).toContain('"initial_value":"orders, order_items\\nOrders"');
    expect(json).toContain('"initial_users":["U0BOB"]');
    expect(json).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"orders_prod · product · mysql"},"value":"db:1001:P"}',
    );
    expect(h.dms.requests.filter((r) => r.action !== 'ListUsers')).toHaveLength(0);
  });

  it('files the ticket with the exact encoding and follows it through the approval and job states', async () => {
    const view = await openModal(h, 'track');
    const v = values(h);
    expect((await submit(h, view, v)).response_action).toBe('update');
    const root = await filed(h);
    const req = h.dms.calls('CreateDataTrackOrder')[0]!;
    expect(req.signature).toBe('valid');
    const start = v[Ids.startBlock]![Ids.startPicker] as { selected_date_time: number };
    // 2026-03-09 09:00 UTC is 17:00 in Shanghai.
    expect(start.selected_date_time).toBe(Date.UTC(2026, 2, 9, 9) / 1000);
    expect(JSON.parse(req.query['Param']!)).toEqual({
      DbId: '1001',
      JobStartTime: '2026-03-09 17:00:00',
      JobEndTime: '2026-03-09 19:00:00',
      TableNames: ['orders', 'order_items'],
      TrackTypes: ['INSERT', 'DELETE'],
    });
    expect(req.query['RelatedUserList']).toBe('["52"]');
    expect(req.query['Comment']).toMatch(/^Who deleted order 42\?\n— Requested from Slack by Alice Example/);
    expect(req.body).toEqual({});

    const rootText = JSON.stringify(root.args['blocks']);
    expect(rootText).toContain('2026-03-09 17:00');
    expect(rootText).toContain('(DMS, Asia/Shanghai)');
    expect(rootText).toContain('2026-03-09 05:00 EDT');
    expect(rootText).toContain('(requester, America/New_York)');

    const orderId = h.dms.allOrders()[0]!.orderId;
    const ts = tsOf(root);
    await tick(h);
    expect(h.dms.calls('GetOrderBaseInfo')).toHaveLength(1); // INIT: approval state comes from the general ticket
    const script = ['LISTING', 'LIST_SUCCESS', 'DOWNLOADING', 'DOWNLOAD_SUCCESS', 'FILTERING', 'FILTER_SUCCESS'];
    for (const _ of script) {
      h.dms.advance(orderId);
      await tick(h);
    }
    const replies = threadReplies(h, ts).map((r) => JSON.stringify(r.args['blocks']));
    expect(replies).toHaveLength(1 + script.length);
    expect(replies[0]).toContain('order:new');
    script.forEach((s, i) => expect(replies[i + 1]).toContain(`\`${s}\``));
    expect(replies.at(-1)).toContain('Tracking finished');
    expect(replies[0]).toContain('Window: 2026-03-09 17:00');
    const polls = h.dms.calls('GetDataTrackOrderDetail').length;
    await tick(h, 3_600_000);
    expect(h.dms.calls('GetDataTrackOrderDetail')).toHaveLength(polls);
    expect(h.dms.calls('GetDataTrackOrderDetail').every((c) => c.query['OrderId'] === String(orderId))).toBe(true);
  });

  describe('window rules, each with its own inline error', () => {
    const cases: [string, (now: number) => [number, number], string, RegExp][] = [
      ['end before start', (n) => [n - HOUR, n - 2 * HOUR], Ids.endBlock, /after the start/i],
      ['start in the future', (n) => [n + HOUR, n + 2 * HOUR], Ids.startBlock, /future/i],
      ['end in the future', (n) => [n - HOUR, n + HOUR], Ids.endBlock, /future/i],
      [
        'a window longer than 72 hours',
        (n) => [n - 80 * HOUR, n - HOUR],
        Ids.endBlock,
        /79 hours long; the longest allowed is 72 hours/,
      ],
      [
        'a start older than 30 days',
        (n) => [n - 31 * 24 * HOUR, n - 31 * 24 * HOUR + HOUR],
        Ids.startBlock,
        /furthest back allowed is 30 days/,
      ],
    ];
    for (const [name, window, block, message] of cases) {
      it(`rejects ${name}`, async () => {
        const view = await openModal(h, 'track');
        const [s, e] = window(Math.floor(h.clock.now() / 1000));
        const ack = await submit(
          h,
          view,
          values(h, {
            [Ids.startBlock]: { [Ids.startPicker]: { selected_date_time: s } },
            [Ids.endBlock]: { [Ids.endPicker]: { selected_date_time: e } },
          }),
        );
        expect(ack.response_action).toBe('errors');
        expect(ack.errors?.[block]).toMatch(message);
        expect(h.dms.calls('CreateDataTrackOrder')).toHaveLength(0);
      });
    }
    it('honours TRACK_MAX_WINDOW_HOURS', async () => {
      await h.close();
      h = await startHarness({ env: { TRACK_MAX_WINDOW_HOURS: '2' } });
      seedPeople(h);
      const view = await openModal(h, 'track');
      const ack = await submit(h, view, values(h)); // a 2-hour window is fine
      expect(ack.response_action).toBe('update');
      const now = Math.floor(h.clock.now() / 1000);
      const view2 = await openModal(h, 'track');
      const ack2 = await submit(
        h,
        view2,
        values(h, { [Ids.startBlock]: { [Ids.startPicker]: { selected_date_time: now - 4 * HOUR } } }),
      );
      expect(ack2.errors?.[Ids.endBlock]).toMatch(/longest allowed is 2 hours/);
    });
  });

  it('says which table name is wrong', async () => {
    const view = await openModal(h, 'track');
    const ack = await submit(
      h,
      view,
      values(h, { [Ids.tablesBlock]: { [Ids.tablesInput]: { value: 'orders, order-items;, shop.orders' } } }),
    );
    expect(ack.errors?.[Ids.tablesBlock]).toContain('“order-items;”');
    expect(ack.errors?.[Ids.tablesBlock]).toContain('“shop.orders”');
  });

  it('requires at least one operation type', async () => {
    const view = await openModal(h, 'track');
    const ack = await submit(
      h,
      view,
      values(h, { [Ids.typesBlock]: { [Ids.typesCheckbox]: { selected_options: [] } } }),
    );
    expect(ack.errors?.[Ids.typesBlock]).toMatch(/at least one operation/);
  });

  it('refuses a logical database inline, saying why', async () => {
    const view = await openModal(h, 'track');
    const ack = await submit(
      h,
      view,
      values(h, {
        [Ids.dbBlock]: { [Ids.dbSelect]: { selected_option: { value: 'db:2001:L', text: { text: 'orders_logic' } } } },
      }),
    );
    expect(ack.errors?.[Ids.dbBlock]).toMatch(/physical databases only, and orders_logic is a logical database/);
  });

  it('relays DMS’s refusal (Success:false) when a typed id turns out to be logical', async () => {
    const view = await openModal(h, 'track');
    await submit(
      h,
      view,
      values(h, {
        [Ids.dbBlock]: {
          [Ids.dbSelect]: { selected_option: { value: 'db:2001:T', text: { text: 'Database id 2001 (as typed)' } } },
        },
      }),
    );
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(String(eph.args['text'])).toContain('UnsupportedLogicDatabase');
    expect(String(eph.args['text'])).toContain(
      (h.dms.calls('CreateDataTrackOrder')[0]!.response as { RequestId: string }).RequestId,
    );
  });

  it('converts exactly across a DST change when the DMS zone has one', async () => {
    await h.close();
    h = await startHarness({ env: { DMS_TIMEZONE: 'America/New_York' } });
    h.clock.t = Date.UTC(2026, 2, 9, 12);
    seedPeople(h);
    const view = await openModal(h, 'track');
    // 06:30Z is 01:30 EST; 07:30Z is 03:30 EDT (02:00-03:00 does not exist that night).
    await submit(
      h,
      view,
      values(h, {
        [Ids.startBlock]: { [Ids.startPicker]: { selected_date_time: Date.UTC(2026, 2, 8, 6, 30) / 1000 } },
        [Ids.endBlock]: { [Ids.endPicker]: { selected_date_time: Date.UTC(2026, 2, 8, 7, 30) / 1000 } },
      }),
    );
    await filed(h);
    const param = JSON.parse(h.dms.calls('CreateDataTrackOrder')[0]!.query['Param']!) as Record<string, string>;
    expect(param['JobStartTime']).toBe('2026-03-08 01:30:00');
    expect(param['JobEndTime']).toBe('2026-03-08 03:30:00');
  });

  it('resumes after a restart without repeating replies', async () => {
    const view = await openModal(h, 'track');
    await submit(h, view, values(h));
    const ts = tsOf(await filed(h));
    const orderId = h.dms.allOrders()[0]!.orderId;
    await tick(h);
    h.dms.advance(orderId);
    await tick(h);
    await h.stop();
    const h2 = await startHarness({ slack: h.slack, dms: h.dms, dbPath: h.dbPath, clock: h.clock });
    h = h2;
    await tick(h2);
    expect(threadReplies(h2, ts)).toHaveLength(2);
    h2.dms.advance(orderId);
    await tick(h2);
    expect(threadReplies(h2, ts)).toHaveLength(3);
    expect(JSON.stringify(threadReplies(h2, ts)[2]!.args['blocks'])).toContain('LIST_SUCCESS');
  });

  it('answers forged picker values inline on the right picker, and a preview redraw keeps only values the picker could send', async () => {
    const view = await openModal(h, 'track');
    const forged = values(h, windowOf('1773000000' as unknown as number, -5));
    const ack = await submit(h, view, forged);
    expect(ack.errors?.[Ids.startBlock]).toBe(
      'The start time is not a value the date-and-time picker sends. Pick the start time again.',
    );
    expect(ack.errors?.[Ids.endBlock]).toBe(
      'The end time is before 2001, which DMS cannot track. Pick a recent end time.',
    );
    const far = await submit(h, view, values(h, windowOf(Math.floor(h.clock.now() / 1000) - 3600, 1e20)));
    expect(far.errors?.[Ids.endBlock]).toBe('The end time is in the future.');
    await pick(h, view, values(h, windowOf(Math.floor(h.clock.now() / 1000) - 3600, 1e20)));
    const redraw = JSON.stringify(
      (await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes(Ids.previewBlock))).args[
        'view'
      ],
    );
    expect(redraw).toContain('Start: 2026-03-09 19:00 UTC+08:00 (DMS, Asia/Shanghai)');
    expect(redraw).not.toContain('1e+20');
    expect(redraw).not.toContain('100000000000000000000');
    expect(h.dms.calls('CreateDataTrackOrder')).toHaveLength(0);
  });

  it('PROPERTY: a preview redraw carries only what Slack accepts, whatever was picked (datetimepicker: 10-digit times only)', async () => {
    // The strict fake refuses an initial_date_time that is not a 10-digit UNIX time (before 2001-09-09, after 2286).
    const view = await openModal(h, 'track');
    // The zone hint's own redraw after opening comes first.
    await h.slack.waitFor('views.update', (c) => c.args['view_id'] === view['id']);
    const start = Math.floor(h.clock.now() / 1000) - 3600;
    const picks = fc.oneof(
      fc.constantFrom(978_307_200, 999_999_999, 1_000_000_000, 9_999_999_999, 10_000_000_000),
      fc.integer({ min: 978_307_200, max: 12_000_000_000 }),
    );
    await fc.assert(
      fc.asyncProperty(picks, async (end) => {
        const before = h.slack.callsTo('views.update').length;
        await pick(h, view, values(h, windowOf(start, end)));
        const redraw = await h.slack.waitFor(
          'views.update',
          (c) =>
            h.slack.callsTo('views.update').indexOf(c) >= before &&
            JSON.stringify(c.args['view']).includes(Ids.previewBlock),
        );
        expect(redraw.response?.['ok']).toBe(true);
        const endPicker = JSON.stringify(
          (redraw.args['view'] as { blocks: unknown[] }).blocks.find(
            (b) => (b as { block_id?: string }).block_id === Ids.endBlock,
          ),
        );
        expect(endPicker.includes(`"initial_date_time":${end}`)).toBe(end >= 1_000_000_000 && end <= 9_999_999_999);
      }),
      { seed: 42, numRuns: 25 },
    );
  });

  it('PROPERTY: whatever state a pick arrives with (forged included), the preview redraw is one Slack accepts', async () => {
    const view = await openModal(h, 'track');
    await h.slack.waitFor('views.update', (c) => c.args['view_id'] === view['id']);
    const text = (max: number) => fc.string({ unit: 'binary', maxLength: max });
    const state = fc.record({
      types: fc.array(fc.oneof(fc.constantFrom('INSERT', 'UPDATE', 'DELETE'), text(20)), { maxLength: 8 }),
      tables: text(3500),
      reason: text(1300),
      related: fc.array(fc.stringMatching(/^U[A-Z0-9]{3,10}$/), { maxLength: 30 }),
      db: fc.record({ text: text(200), value: text(300) }),
      start: fc.oneof(fc.integer({ min: 0, max: 12_000_000_000 }), fc.double()),
      end: fc.oneof(fc.integer({ min: 0, max: 12_000_000_000 }), fc.constant(Math.floor(h.clock.now() / 1000))),
    });
    await fc.assert(
      fc.asyncProperty(state, async (st) => {
        const before = h.slack.callsTo('views.update').length;
        await pick(
          h,
          view,
          values(h, {
            ...windowOf(st.start, st.end),
            [Ids.dbBlock]: {
              [Ids.dbSelect]: {
                type: 'external_select',
                selected_option: { value: st.db.value || 'x', text: { type: 'plain_text', text: st.db.text || 'x' } },
              },
            },
            [Ids.tablesBlock]: { [Ids.tablesInput]: { type: 'plain_text_input', value: st.tables } },
            [Ids.typesBlock]: {
              [Ids.typesCheckbox]: { type: 'checkboxes', selected_options: st.types.map((value) => ({ value })) },
            },
            [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: st.reason } },
            [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: st.related } },
          }),
        );
        const redraw = await h.slack.waitFor(
          'views.update',
          (c) => h.slack.callsTo('views.update').indexOf(c) >= before,
        );
        // The strict fake answers what Slack would: ok, or the refusal (which also fails the test at close).
        expect(redraw.response?.['error']).toBeUndefined();
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('a preview redraw keeps at most the 20 related users the picker takes (Slack refuses more initial selections)', async () => {
    const view = await openModal(h, 'track');
    const many = Array.from({ length: 25 }, (_, i) => `U0MANY${String(i).padStart(2, '0')}`);
    await pick(
      h,
      view,
      values(h, { [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: many } } }),
    );
    const redraw = await h.slack.waitFor('views.update', (c) =>
      JSON.stringify(c.args['view']).includes(Ids.previewBlock),
    );
    expect(redraw.response?.['ok']).toBe(true);
    expect(JSON.stringify(redraw.args['view'])).toContain(`"initial_users":${JSON.stringify(many.slice(0, 20))}`);
    // Submitting them all is answered inline.
    const ack = await submit(
      h,
      view,
      values(h, { [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: many } } }),
    );
    expect(ack.errors?.[Ids.relatedBlock]).toBe('Pick at most 20 related users.');
  });

  describe('a DMS zone whose clocks go back (DMS_TIMEZONE=America/New_York)', () => {
    beforeEach(async () => {
      await h.close();
      h = await startHarness({ env: { DMS_TIMEZONE: 'America/New_York' } });
      seedPeople(h);
    });
    // 2026-11-01: 01:00–01:59 happens twice in New York (EDT, then EST). The issue: 01:50 EDT → 01:20 EST was filed
    // with JobStartTime after JobEndTime.
    const start = Date.UTC(2026, 10, 1, 5, 50) / 1000; // 01:50 EDT
    const end = Date.UTC(2026, 10, 1, 6, 20) / 1000; // 01:20 EST, 30 minutes later

    it('widens the window outward to cover the picked instants, says so in the preview and on the ticket, and DMS gets start < end', async () => {
      h.clock.t = Date.UTC(2026, 10, 2, 12);
      const view = await openModal(h, 'track');
      const v = values(h, windowOf(start, end));
      await pick(h, view, v);
      const preview = JSON.stringify(
        (await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes(Ids.previewBlock))).args[
          'view'
        ],
      );
      expect(preview).toContain('01:00–02:00 on 2026-11-01 happens twice in America/New_York (EDT, then EST)');
      expect(preview).toContain(
        'the window filed with DMS is widened to 2026-11-01 00:59:59 → 2026-11-01 02:00:00 to cover the picked times',
      );

      expect((await submit(h, view, v)).response_action).toBe('update');
      const root = await filed(h);
      const param = JSON.parse(h.dms.calls('CreateDataTrackOrder')[0]!.query['Param']!) as Record<string, string>;
      expect([param['JobStartTime'], param['JobEndTime']]).toEqual(['2026-11-01 00:59:59', '2026-11-01 02:00:00']);
      expect(h.dms.calls('CreateDataTrackOrder')[0]!.response).toMatchObject({ Success: true });
      const rootText = JSON.stringify(root.args['blocks']);
      expect(rootText).toContain(
        '2026-11-01 01:50 EDT (UTC−04:00) → 2026-11-01 01:20 EST (UTC−05:00) (DMS, America/New_York)',
      );
      expect(rootText).toContain('widened to 2026-11-01 00:59:59 → 2026-11-01 02:00:00');
    });

    it('refuses inline on the end picker, naming the times, when DMS could read the end as a time still to come', async () => {
      h.clock.t = Date.UTC(2026, 10, 1, 6, 30); // 01:30 EST, the second time round
      const view = await openModal(h, 'track');
      const ack = await submit(
        h,
        view,
        values(h, windowOf(Date.UTC(2026, 10, 1, 6, 0) / 1000, Date.UTC(2026, 10, 1, 6, 25) / 1000)),
      );
      expect(ack.response_action).toBe('errors');
      expect(Object.keys(ack.errors ?? {})).toEqual([Ids.endBlock]);
      expect(ack.errors?.[Ids.endBlock]).toMatch(
        /DMS may read this window as 2026-11-01 01:00 EDT \(UTC−04:00\) → 2026-11-01 02:00 EST \(UTC−05:00\), which ends in the future\. Pick an end before the clock change/,
      );
      expect(h.dms.calls('CreateDataTrackOrder')).toHaveLength(0);
    });
  });

  describe('a Slack profile time zone this runtime cannot use never stops a ticket', () => {
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['an unknown zone', { tz: 'Mars/Olympus_Mons' }, 'Mars/Olympus_Mons'],
      ['a zone name Intl does not accept (an unofficial alias)', { tz: 'Asia/Beijing' }, 'Asia/Beijing'],
      ['an offset instead of a name', { tz: '+08:00' }, '+08:00'],
      ['mention markup as the zone', { tz: '<!channel>' }, '<!channel>'],
      ['a blank zone', { tz: '' }, undefined],
      ['no zone at all', { tz: undefined }, undefined],
      ['a zone that is not a string', { tz: 42 }, undefined],
      [
        'a known zone whose tz_offset disagrees',
        { tz: 'America/New_York', tz_offset: 28_800, tz_label: 'China Standard Time' },
        undefined,
      ],
    ];
    for (const [name, userFields, unknownName] of cases) {
      it(`${name}: filed, root posted, every watcher pass succeeds${unknownName ? ', times shown in UTC saying why' : ''}`, async () => {
        h.slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com', userFields });
        const view = await openModal(h, 'track');
        const v = values(h);
        await pick(h, view, v);
        const preview = JSON.stringify(
          (await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes(Ids.previewBlock)))
            .args['view'],
        );
        expect(preview).toContain('2026-03-09 17:00 UTC+08:00 → 2026-03-09 19:00 UTC+08:00 (DMS, Asia/Shanghai)');

        expect((await submit(h, view, v)).response_action).toBe('update');
        const root = await filed(h);
        expect(root, 'root message posted').toBeDefined();
        const ts = tsOf(root);
        const orderId = h.dms.allOrders()[0]!.orderId;
        await tick(h);
        h.dms.advance(orderId);
        await tick(h);
        h.dms.advance(orderId);
        await tick(h);
        expect(threadReplies(h, ts).length, 'the watcher posted each status').toBe(3);
        expect(h.logs.filter((l) => /watcher pass failed|RangeError|Invalid time zone/i.test(l))).toEqual([]);
        const shown = JSON.stringify(latestRoot(h, 'C0EXPORTS', ts)!.args['blocks']);
        if (unknownName) {
          const escaped = unknownName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
          expect(preview).toContain(
            '2026-03-09 09:00 UTC+00:00 → 2026-03-09 11:00 UTC+00:00 (times in UTC; your Slack time zone “' +
              escaped +
              '” is unknown here)',
          );
          expect(shown).toContain(
            "2026-03-09 09:00 UTC+00:00 → 2026-03-09 11:00 UTC+00:00 (times in UTC; the requester's Slack time zone “" +
              escaped +
              '” is unknown here)',
          );
          const hint = await h.slack.waitFor(
            'views.update',
            (c) =>
              c.args['view_id'] === view['id'] &&
              JSON.stringify(c.args['view']).includes('is unknown here, so times are also shown in UTC'),
          );
          expect(JSON.stringify(hint.args['view'])).toContain(
            `Your Slack time zone “${unknownName.replace(/"/g, '\\"')}” is unknown here`,
          );
        } else {
          expect(shown).not.toContain('unknown here');
        }
        expect(shown).not.toContain('<!channel>');
      });
    }
  });
});
