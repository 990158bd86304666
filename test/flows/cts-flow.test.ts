import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackerIds as Ids } from '../../blocks/cts/ids.js';
import type { Tracker } from '../../src/cts/schemas.js';
import type { SlackCall } from '../support/fake-slack.js';
import { buttonsOf, clickButton, openHome } from '../support/flows.js';
import { CTS_PROJECT, type Harness, startHarness, viewSubmission } from '../support/harness.js';

type Values = Record<string, Record<string, unknown>>;

const CHANNEL = 'C0OPS';
const KMS_ID = '13a4207c-7abe-4b68-8510-16b84c3b5504';

const radio = (value: string | null) => ({
  type: 'radio_buttons',
  selected_option: value === null ? null : { value, text: { type: 'plain_text', text: value } },
});
const input = (value: string | null) => ({ type: 'plain_text_input', value });
const boxes = (...values: string[]) => ({
  type: 'checkboxes',
  selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })),
});
const select = (value: string | null) => ({
  type: 'static_select',
  selected_option: value === null ? null : { value, text: { type: 'plain_text', text: value } },
});

/** State values as Slack sends them for a filled-in management tracker form. */
function systemValues(over: Values = {}): Values {
  return {
    [Ids.typeBlock]: { [Ids.typeRadio]: radio('system') },
    [Ids.bucketBlock]: { [Ids.bucketInput]: input('audit-trail-logs') },
    [Ids.prefixBlock]: { [Ids.prefixInput]: input('mgmt') },
    [Ids.obsOptionsBlock]: { [Ids.obsOptionsCheckbox]: boxes('create-bucket', 'sort-by-service') },
    [Ids.compressBlock]: { [Ids.compressRadio]: radio('json') },
    [Ids.analysisBlock]: { [Ids.analysisCheckbox]: boxes('lts', 'validate') },
    [Ids.encryptionBlock]: { [Ids.encryptionCheckbox]: boxes('encrypt') },
    [Ids.kmsBlock]: { [Ids.kmsInput]: input(KMS_ID) },
    [Ids.managementOptionsBlock]: { [Ids.managementOptionsCheckbox]: boxes('exclude-kms') },
    ...over,
  };
}

/** State values as Slack sends them for a filled-in data tracker form. */
function dataValues(over: Values = {}): Values {
  return {
    [Ids.typeBlock]: { [Ids.typeRadio]: radio('data') },
    [Ids.nameBlock]: { [Ids.nameInput]: input('orders-writes') },
    [Ids.dataBucketBlock]: { [Ids.dataBucketInput]: input('orders-prod') },
    [Ids.operationsBlock]: { [Ids.operationsCheckbox]: boxes('WRITE') },
    [Ids.bucketBlock]: { [Ids.bucketInput]: input('orders-audit') },
    [Ids.prefixBlock]: { [Ids.prefixInput]: input(null) },
    [Ids.obsOptionsBlock]: { [Ids.obsOptionsCheckbox]: boxes() },
    [Ids.compressBlock]: { [Ids.compressRadio]: radio('gzip') },
    [Ids.retentionBlock]: { [Ids.retentionSelect]: select('90') },
    [Ids.analysisBlock]: { [Ids.analysisCheckbox]: boxes() },
    ...over,
  };
}

async function openModal(h: Harness, text = 'tracker', channel = CHANNEL): Promise<Record<string, unknown>> {
  const before = h.slack.callsTo('views.open').length;
  const res = await h.command(text, { command: '/cts', channel });
  expect(res.status).toBe(200);
  const call = await h.slack.waitFor('views.open', () => h.slack.callsTo('views.open').length > before);
  const view = call.args['view'] as Record<string, unknown>;
  return { ...view, id: String((call.response?.['view'] as { id: string } | undefined)?.id) };
}

async function submit(h: Harness, view: Record<string, unknown>, values: Values, headers?: Record<string, string>) {
  const res = await h.interaction(viewSubmission(view, values), headers);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    ? (JSON.parse(text) as { response_action?: string; errors?: Record<string, string>; view?: unknown })
    : {};
}

const isRoot = (channel: string) => (c: SlackCall) =>
  c.args['channel'] === channel &&
  c.args['thread_ts'] === undefined &&
  String(c.args['text']).startsWith('CTS tracker');
const threadReplies = (h: Harness, ts: string) =>
  h.slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === ts);
const tsOf = (posted: SlackCall) => String(posted.response?.['ts']);
const creates = (h: Harness) => h.cts!.requests.filter((r) => r.method === 'POST');

/** Waits until the create flow has finished (the modal says so) and returns the root message. */
async function created(h: Harness, channel = CHANNEL): Promise<SlackCall> {
  await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('Tracker created:'));
  return h.slack.callsTo('chat.postMessage').find(isRoot(channel))!;
}

/** The next ephemeral answer sent through response_url (one already sent counts). */
function responded(h: Harness, seen = 0): Promise<SlackCall> {
  const past = h.slack.responses[seen];
  return past ? Promise.resolve(past) : h.slack.waitFor('response_url', () => h.slack.responses.length > seen);
}

function blockIds(view: unknown): string[] {
  return ((view as { blocks: { block_id?: string }[] }).blocks ?? [])
    .map((b) => b.block_id)
    .filter((id): id is string => id !== undefined);
}

function tracker(over: Partial<Tracker> & Pick<Tracker, 'tracker_name' | 'tracker_type'>): Tracker {
  return {
    id: `id-${over.tracker_name}`,
    status: 'enabled',
    project_id: CTS_PROJECT,
    lts: { is_lts_enabled: false },
    ...over,
  };
}

describe('/cts tracker', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ cts: true });
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens the modal at once, before any CTS call, with the fields of the chosen type', async () => {
    const view = await openModal(h);
    expect(view['callback_id']).toBe(Ids.modal);
    expect(h.slack.callsTo('views.open')[0]!.args['trigger_id']).toBe('trigger-1');
    expect(JSON.parse(String(view['private_metadata']))).toEqual({
      c: CHANNEL,
      t: 'data',
      s: expect.stringMatching(/^[\w-]{32}$/),
    });
    const ids = blockIds(view);
    expect(ids).toEqual(
      expect.arrayContaining([
        Ids.typeBlock,
        Ids.nameBlock,
        Ids.dataBucketBlock,
        Ids.operationsBlock,
        Ids.bucketBlock,
        Ids.prefixBlock,
        Ids.obsOptionsBlock,
        Ids.compressBlock,
        Ids.retentionBlock,
        Ids.analysisBlock,
      ]),
    );
    expect(ids).not.toContain(Ids.kmsBlock);

    const system = await openModal(h, 'tracker system');
    const sysIds = blockIds(system);
    expect(sysIds).toEqual(
      expect.arrayContaining([
        Ids.systemNameBlock,
        Ids.encryptionBlock,
        Ids.kmsBlock,
        Ids.managementOptionsBlock,
        Ids.bucketBlock,
      ]),
    );
    expect(sysIds).not.toContain(Ids.nameBlock);
    expect(sysIds).not.toContain(Ids.retentionBlock);
    expect(JSON.stringify(system)).toContain('`system`');
    expect(String((system['title'] as { text: string }).text).length).toBeLessThanOrEqual(24);
    expect(h.cts!.requests).toHaveLength(0);
  });

  it('redraws the modal with views.update when the type changes, keeping what was typed', async () => {
    const view = await openModal(h);
    const typed: Values = {
      [Ids.typeBlock]: { [Ids.typeRadio]: radio('system') },
      [Ids.nameBlock]: { [Ids.nameInput]: input('orders-writes') },
      [Ids.dataBucketBlock]: { [Ids.dataBucketInput]: input('orders-prod') },
      [Ids.operationsBlock]: { [Ids.operationsCheckbox]: boxes('READ') },
      [Ids.bucketBlock]: { [Ids.bucketInput]: input('audit-trail-logs') },
      [Ids.prefixBlock]: { [Ids.prefixInput]: input('p1') },
      [Ids.obsOptionsBlock]: { [Ids.obsOptionsCheckbox]: boxes('create-bucket') },
      [Ids.compressBlock]: { [Ids.compressRadio]: radio('json') },
      [Ids.retentionBlock]: { [Ids.retentionSelect]: select('30') },
      [Ids.analysisBlock]: { [Ids.analysisCheckbox]: boxes('lts') },
    };
    const res = await h.interaction({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T1' },
      team: { id: 'T1', domain: 'acme' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-radio',
      container: { type: 'view', view_id: view['id'] },
      view: {
        id: view['id'],
        hash: 'hash-before-switch',
        type: 'modal',
        callback_id: Ids.modal,
        private_metadata: view['private_metadata'],
        state: { values: typed },
        blocks: view['blocks'],
      },
      actions: [
        {
          type: 'radio_buttons',
          action_id: Ids.typeRadio,
          block_id: Ids.typeBlock,
          selected_option: radio('system').selected_option,
          action_ts: '1700000000.000001',
        },
      ],
    });
    expect(res.status).toBe(200);

    const update = await h.slack.waitFor('views.update');
    expect(update.args['view_id']).toBe(view['id']);
    expect(update.args['hash']).toBe('hash-before-switch');
    const next = update.args['view'] as Record<string, unknown>;
    expect(JSON.parse(String(next['private_metadata']))).toEqual({
      c: CHANNEL,
      t: 'system',
      s: expect.stringMatching(/^[\w-]{32}$/),
    });
    // Blocks both types share keep their ids, so Slack keeps their state; the typed values are also pre-filled.
    const before = blockIds(view);
    const after = blockIds(next);
    for (const id of [
      Ids.typeBlock,
      Ids.bucketBlock,
      Ids.prefixBlock,
      Ids.obsOptionsBlock,
      Ids.compressBlock,
      Ids.analysisBlock,
    ]) {
      expect(before).toContain(id);
      expect(after).toContain(id);
    }
    expect(after).toContain(Ids.kmsBlock);
    expect(after).not.toContain(Ids.nameBlock);
    const blocks = next['blocks'] as { block_id?: string; element?: Record<string, unknown> }[];
    const element = (id: string) => blocks.find((b) => b.block_id === id)!.element!;
    expect(element(Ids.typeBlock)['action_id']).toBe(Ids.typeRadio);
    expect((element(Ids.typeBlock)['initial_option'] as { value: string }).value).toBe('system');
    expect(element(Ids.bucketBlock)).toMatchObject({ action_id: Ids.bucketInput, initial_value: 'audit-trail-logs' });
    expect(element(Ids.prefixBlock)).toMatchObject({ action_id: Ids.prefixInput, initial_value: 'p1' });
    expect((element(Ids.obsOptionsBlock)['initial_options'] as { value: string }[]).map((o) => o.value)).toEqual([
      'create-bucket',
    ]);
    expect((element(Ids.compressBlock)['initial_option'] as { value: string }).value).toBe('json');
    expect((element(Ids.analysisBlock)['initial_options'] as { value: string }[]).map((o) => o.value)).toEqual(['lts']);

    // And back to data: the data-only values typed before come back too.
    await h.interaction({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', team_id: 'T1' },
      team: { id: 'T1', domain: 'acme' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-radio-2',
      container: { type: 'view', view_id: view['id'] },
      view: {
        id: view['id'],
        hash: 'h2',
        type: 'modal',
        callback_id: Ids.modal,
        private_metadata: next['private_metadata'],
        state: { values: { ...typed, [Ids.typeBlock]: { [Ids.typeRadio]: radio('data') } } },
        blocks: next['blocks'],
      },
      actions: [
        {
          type: 'radio_buttons',
          action_id: Ids.typeRadio,
          block_id: Ids.typeBlock,
          selected_option: { value: 'data', text: { type: 'plain_text', text: 'Data tracker' } },
          action_ts: '1700000000.000002',
        },
      ],
    });
    const back = await h.slack.waitFor('views.update', (c) => c.args['hash'] === 'h2');
    const backBlocks = (back.args['view'] as { blocks: { block_id?: string; element?: Record<string, unknown> }[] })
      .blocks;
    expect(backBlocks.find((b) => b.block_id === Ids.nameBlock)!.element!['initial_value']).toBe('orders-writes');
    expect(
      (backBlocks.find((b) => b.block_id === Ids.retentionBlock)!.element!['initial_option'] as { value: string })
        .value,
    ).toBe('30');
    expect(h.cts!.requests).toHaveLength(0);
  });

  it('creates a management tracker with the exact body, posts the root, and threads the first status', async () => {
    const view = await openModal(h, 'tracker system');
    const ack = await submit(h, view, systemValues());
    expect(ack.response_action).toBe('update');
    const root = await created(h);

    const posts = creates(h);
    expect(posts).toHaveLength(1);
    const req = posts[0]!;
    expect(req.signature).toBe('valid');
    expect(req.path).toBe(`/v3/${CTS_PROJECT}/tracker`);
    expect(req.body).toEqual({
      tracker_type: 'system',
      tracker_name: 'system',
      is_lts_enabled: true,
      is_support_validate: true,
      obs_info: {
        bucket_name: 'audit-trail-logs',
        file_prefix_name: 'mgmt',
        is_obs_created: true,
        compress_type: 'json',
        is_sort_by_service: true,
      },
      is_support_trace_files_encryption: true,
      kms_id: KMS_ID,
      management_event_selector: { exclude_service: ['KMS'] },
      is_organization_tracker: false,
    });
    const id = (req.response as { id: string }).id;
    const rootJson = JSON.stringify(root.args['blocks']);
    expect(rootJson).toContain('CTS tracker · system');
    expect(rootJson).toContain('Management (system)');
    expect(rootJson).toContain(id);
    expect(rootJson).toContain('Enabled');
    expect(rootJson).toContain('`audit-trail-logs/mgmt`');
    expect(rootJson).toContain('Trace analysis (LTS):* on');
    expect(rootJson).toContain(KMS_ID);
    expect(rootJson).toContain('<@U0ALICE>');
    const done = await h.slack.waitFor('views.update', (c) =>
      JSON.stringify(c.args['view']).includes('Tracker created:'),
    );
    expect(JSON.stringify(done.args['view'])).toContain(`<#${CHANNEL}>`);

    const ticket = (await h.app.services.store.findTicketByExternalId('cts_tracker', `system:system:${id}`))!;
    expect(ticket.requesterSlackId).toBe('U0ALICE');
    expect(ticket.status).toBeNull();

    // The first check confirms the status in the thread; nothing more is said while it stays the same.
    const ts = tsOf(root);
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    const lists = h.cts!.requests.filter((r) => r.method === 'GET');
    expect(lists).toHaveLength(1);
    expect(lists[0]!.query).toEqual({ tracker_name: 'system', tracker_type: 'system' });
    expect(lists[0]!.signature).toBe('valid');
    expect(threadReplies(h, ts)).toHaveLength(1);
    expect(JSON.stringify(threadReplies(h, ts)[0]!.args['blocks'])).toContain('Enabled');
    expect(h.slack.callsTo('chat.update').at(-1)!.args['ts']).toBe(ts);
    h.clock.advance(2_000);
    await h.app.watcher.runDue();
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('offers Refresh and Stop following on the tracker message; only its requester stops it', async () => {
    const view = await openModal(h, 'tracker system');
    await submit(h, view, systemValues());
    const root = await created(h);
    const rootTs = String(root.response!['ts']);
    expect(buttonsOf(root.args['blocks'])).toEqual(['ticket:refresh', 'ticket:stop']);
    const ticketId = (root.args['blocks'] as { type: string; elements?: { value: string }[] }[]).find(
      (b) => b.type === 'actions',
    )!.elements![0]!.value;

    await clickButton(h, { action: 'stop', value: ticketId, user: 'U0BOB', channel: CHANNEL, messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0BOB' && /Only <@U0ALICE> can do that/.test(String(c.args['text'])),
    );
    await clickButton(h, { action: 'stop', value: ticketId, user: 'U0ALICE', channel: CHANNEL, messageTs: rootTs });
    const stopped = await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && /No longer followed here/.test(JSON.stringify(c.args['blocks'])),
    );
    expect(buttonsOf(stopped.args['blocks'])).toEqual([]);
    expect((await h.app.services.store.getTicket(Number(ticketId)))!.done).toBe(true);
  });

  it('names a tracker by its name and type everywhere people read it (never type:name:id, whose :x: is an emoji), and its Stop speaks of CTS', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues({ [Ids.nameBlock]: { [Ids.nameInput]: input('x') } }));
    const root = await created(h);
    const rootTs = String(root.response!['ts']);
    const ticket = (await h.app.services.store.getTicket(
      Number(
        (root.args['blocks'] as { type: string; elements?: { value: string }[] }[]).find((b) => b.type === 'actions')!
          .elements![0]!.value,
      ),
    ))!;
    expect(ticket.externalId).toMatch(/^data:x:/);
    const stop = (blocks: unknown) =>
      (blocks as { type: string; elements?: { action_id: string; confirm?: { text: { text: string } } }[] }[])
        .find((b) => b.type === 'actions')!
        .elements!.find((e) => e.action_id === 'ticket:stop')!;
    expect(stop(root.args['blocks']).confirm!.text.text).toBe(
      'CTS tracker x · Data goes on in CTS; this channel just stops hearing about it.',
    );

    // The Home card and its Stop confirmation.
    await openHome(h, 'U0ALICE');
    const home = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    const homeBlocks = (home.args['view'] as { blocks: unknown[] }).blocks;
    expect(JSON.stringify(homeBlocks)).toContain('*CTS tracker x · Data*');
    expect(stop(homeBlocks).confirm!.text.text).toContain('goes on in CTS');

    // Refresh and Stop answers, the thread note and the stopped root.
    await clickButton(h, {
      action: 'refresh',
      value: String(ticket.id),
      user: 'U0ALICE',
      channel: CHANNEL,
      messageTs: rootTs,
    });
    await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0ALICE' && /CTS tracker x · Data is (still|now)/.test(String(c.args['text'])),
    );
    await clickButton(h, {
      action: 'stop',
      value: String(ticket.id),
      user: 'U0ALICE',
      channel: CHANNEL,
      messageTs: rootTs,
    });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) =>
        c.args['thread_ts'] === rootTs &&
        /stopped following this ticket here\. It goes on in CTS\./.test(String(c.args['text'])),
    );
    const stopped = await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === rootTs && /No longer followed here/.test(JSON.stringify(c.args['blocks'])),
    );
    expect(JSON.stringify(stopped.args['blocks'])).toContain('It goes on in CTS.');
    expect(JSON.stringify(stopped.args['blocks'])).not.toContain('/dms status');

    const everything = JSON.stringify(h.slack.calls.filter((c) => c.method !== 'views.open').map((c) => c.args));
    expect(everything).not.toContain(':x:');
    expect(everything).not.toContain(ticket.externalId);
    expect(everything).not.toContain('in DMS');
  });

  it('creates a data tracker with the exact body', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const root = await created(h);
    const req = creates(h)[0]!;
    expect(req.signature).toBe('valid');
    expect(req.body).toEqual({
      tracker_type: 'data',
      tracker_name: 'orders-writes',
      is_lts_enabled: false,
      is_support_validate: false,
      obs_info: {
        bucket_name: 'orders-audit',
        is_obs_created: false,
        compress_type: 'gzip',
        is_sort_by_service: false,
        bucket_lifecycle: 90,
      },
      data_bucket: { data_bucket_name: 'orders-prod', data_event: ['WRITE'] },
    });
    const rootJson = JSON.stringify(root.args['blocks']);
    expect(rootJson).toContain('CTS tracker · orders-writes');
    expect(rootJson).toContain('*Tracked bucket:* `orders-prod` (WRITE)');
    expect(rootJson).toContain('kept 90 days');
    expect(rootJson).not.toContain('Encryption');
  });

  describe('validation, each constraint with its own inline error and nothing sent', () => {
    const cases: [string, 'data' | 'system', Values, string, RegExp][] = [
      [
        'no tracker type',
        'data',
        { [Ids.typeBlock]: { [Ids.typeRadio]: radio(null) } },
        Ids.typeBlock,
        /Choose a tracker type/,
      ],
      [
        'an empty data tracker name',
        'data',
        { [Ids.nameBlock]: { [Ids.nameInput]: input('   ') } },
        Ids.nameBlock,
        /Enter a name for the data tracker/,
      ],
      [
        'a tracker name with bad characters',
        'data',
        { [Ids.nameBlock]: { [Ids.nameInput]: input('orders reads!') } },
        Ids.nameBlock,
        /1–64 characters: letters, digits, underscores and hyphens/,
      ],
      [
        'a reserved data tracker name',
        'data',
        { [Ids.nameBlock]: { [Ids.nameInput]: input('system-trace') } },
        Ids.nameBlock,
        /reserved for the management tracker/,
      ],
      [
        'an OBS bucket name with uppercase',
        'data',
        { [Ids.bucketBlock]: { [Ids.bucketInput]: input('Audit_Logs') } },
        Ids.bucketBlock,
        /Use lowercase letters only/,
      ],
      [
        'a too short OBS bucket name',
        'system',
        { [Ids.bucketBlock]: { [Ids.bucketInput]: input('ab') } },
        Ids.bucketBlock,
        /3–63 characters.*has 2/,
      ],
      [
        '"create bucket" without a bucket name',
        'system',
        {
          [Ids.bucketBlock]: { [Ids.bucketInput]: input(null) },
          [Ids.prefixBlock]: { [Ids.prefixInput]: input(null) },
        },
        Ids.bucketBlock,
        /Enter a name for the OBS bucket to create/,
      ],
      [
        'a file prefix without a bucket',
        'data',
        { [Ids.bucketBlock]: { [Ids.bucketInput]: input('') }, [Ids.prefixBlock]: { [Ids.prefixInput]: input('p1') } },
        Ids.prefixBlock,
        /only applies when traces are transferred/,
      ],
      [
        'a file prefix with bad characters',
        'data',
        { [Ids.prefixBlock]: { [Ids.prefixInput]: input('a/b') } },
        Ids.prefixBlock,
        /It contains "\/"/,
      ],
      [
        'an unknown compression',
        'data',
        { [Ids.compressBlock]: { [Ids.compressRadio]: radio('zip') } },
        Ids.compressBlock,
        /gzip \(compressed\) or json/,
      ],
      [
        'a retention outside the allowed days',
        'data',
        { [Ids.retentionBlock]: { [Ids.retentionSelect]: select('45') } },
        Ids.retentionBlock,
        /0, 30, 60, 90, 180 or 1095 days/,
      ],
      [
        'encryption without a KMS key',
        'system',
        { [Ids.kmsBlock]: { [Ids.kmsInput]: input(' ') } },
        Ids.kmsBlock,
        /Choose the KMS key/,
      ],
      [
        'no tracked bucket',
        'data',
        { [Ids.dataBucketBlock]: { [Ids.dataBucketInput]: input(null) } },
        Ids.dataBucketBlock,
        /Enter the name of the OBS bucket whose operations/,
      ],
      [
        'an invalid tracked bucket',
        'data',
        { [Ids.dataBucketBlock]: { [Ids.dataBucketInput]: input('Orders') } },
        Ids.dataBucketBlock,
        /^Tracked bucket name must be/,
      ],
      [
        'no operation',
        'data',
        { [Ids.operationsBlock]: { [Ids.operationsCheckbox]: boxes() } },
        Ids.operationsBlock,
        /at least one operation/,
      ],
      [
        'an operation other than READ/WRITE',
        'data',
        { [Ids.operationsBlock]: { [Ids.operationsCheckbox]: boxes('READ', 'DELETE') } },
        Ids.operationsBlock,
        /Only READ and WRITE/,
      ],
    ];
    for (const [name, type, over, block, message] of cases) {
      it(`rejects ${name}`, async () => {
        const view = await openModal(h, `tracker ${type}`);
        const values = type === 'system' ? systemValues(over) : dataValues(over);
        const ack = await submit(h, view, values);
        expect(ack.response_action).toBe('errors');
        expect(Object.keys(ack.errors ?? {})).toEqual([block]);
        expect(ack.errors?.[block]).toMatch(message);
        expect(h.cts!.requests).toHaveLength(0);
      });
    }

    it('asks to wait when the type radio moved but the form has not been redrawn yet', async () => {
      const view = await openModal(h);
      const ack = await submit(h, view, dataValues({ [Ids.typeBlock]: { [Ids.typeRadio]: radio('system') } }));
      expect(ack.response_action).toBe('errors');
      expect(ack.errors?.[Ids.typeBlock]).toMatch(/still switching/);
      expect(h.cts!.requests).toHaveLength(0);
    });
  });

  it('explains a CTS error code in plain words, in the modal and ephemerally, keeping what was asked', async () => {
    h.cts!.trackers.set('system', tracker({ tracker_name: 'system', tracker_type: 'system' }));
    const view = await openModal(h, 'tracker system');
    await submit(h, view, systemValues());
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(eph.args['user']).toBe('U0ALICE');
    expect(eph.args['channel']).toBe(CHANNEL);
    const requestId = creates(h)[0]!.requestId;
    const all = JSON.stringify(eph.args);
    expect(all).toContain('already has a management (system) tracker');
    expect(all).toContain('CTS.0201');
    expect(all).toContain(requestId);
    expect(all).toContain('audit-trail-logs/mgmt');
    const modal = await h.slack.waitFor('views.update', (c) =>
      JSON.stringify(c.args['view']).includes('was not created'),
    );
    expect(JSON.stringify(modal.args['view'])).toContain('already has a management (system) tracker');
    expect(JSON.stringify(modal.args['view'])).toContain(KMS_ID);
    expect(h.slack.callsTo('chat.postMessage').filter(isRoot(CHANNEL))).toHaveLength(0);
    expect(creates(h)).toHaveLength(1);
  });

  it('explains an error status in the thread, treats a new detail as a change, and reports recovery', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const ts = tsOf(await created(h));
    h.clock.advance(1_000);
    await h.app.watcher.runDue(); // enabled, confirmed

    h.cts!.setStatus('orders-writes', 'error', 'noBucket');
    h.clock.advance(2_000);
    await h.app.watcher.runDue();
    let replies = threadReplies(h, ts);
    expect(replies).toHaveLength(2);
    const noBucket = JSON.stringify(replies[1]!.args);
    expect(noBucket).toContain('error:noBucket');
    expect(noBucket).toContain('no longer exists');
    expect(noBucket).toContain('Create the bucket again');
    expect(noBucket).toContain('was: Enabled');
    expect(JSON.stringify(h.slack.callsTo('chat.update').at(-1)!.args['blocks'])).toContain('no longer exists');

    h.cts!.setStatus('orders-writes', 'error', 'bucketPolicyError');
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    replies = threadReplies(h, ts);
    expect(replies).toHaveLength(3);
    expect(JSON.stringify(replies[2]!.args)).toContain('bucket policy does not grant it access');

    h.cts!.setStatus('orders-writes', 'error', 'arrears');
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    expect(JSON.stringify(threadReplies(h, ts)[3]!.args)).toContain('Top up the account');

    h.cts!.setStatus('orders-writes', 'enabled');
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    expect(JSON.stringify(threadReplies(h, ts)[4]!.args)).toContain('Enabled');
  });

  it('follows for an hour on the back-off, then stops quietly', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const ts = tsOf(await created(h));
    const ticket = (await h.app.services.store.findTicketByExternalId(
      'cts_tracker',
      `data:orders-writes:${(creates(h)[0]!.response as { id: string }).id}`,
    ))!;
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    const intervals: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t = (await h.app.services.store.getTicket(ticket.id))!;
      intervals.push(t.nextPollAt - h.clock.now());
      h.clock.t = t.nextPollAt;
      await h.app.watcher.runDue();
    }
    expect(intervals).toEqual([1_000, 2_000, 4_000, 8_000]);
    h.clock.advance(3_600_000);
    await h.app.watcher.runDue();
    expect((await h.app.services.store.getTicket(ticket.id))!.done).toBe(true);
    const polls = h.cts!.requests.length;
    h.clock.advance(3_600_000);
    expect(await h.app.watcher.runDue()).toBe(0);
    expect(h.cts!.requests).toHaveLength(polls);
    expect(threadReplies(h, ts)).toHaveLength(1);
  });

  it('says so and stops when the tracker is deleted outside the thread', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const ts = tsOf(await created(h));
    h.cts!.trackers.delete('orders-writes');
    h.clock.advance(1_000);
    await h.app.watcher.runDue();
    expect(JSON.stringify(threadReplies(h, ts)[0]!.args)).toContain('Deleted');
    const polls = h.cts!.requests.length;
    h.clock.advance(60_000);
    await h.app.watcher.runDue();
    expect(h.cts!.requests).toHaveLength(polls);
  });

  it('does not create twice when Slack retries the same submission', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    await submit(h, view, dataValues(), { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    await created(h);
    expect(creates(h)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter(isRoot(CHANNEL))).toHaveLength(1);
  });

  it('files on the shared submission flow without asking DMS about anyone, and audits the create once', async () => {
    const view = await openModal(h);
    await submit(h, view, dataValues());
    await created(h);
    expect(creates(h)).toHaveLength(1);
    // A tracker names nobody but its requester, who needs no DMS account: the DMS user lookups never run.
    expect(h.dms.requests).toHaveLength(0);
    const rows = (await h.app.services.store.listAudit({})).filter((r) => r.action === 'cts.tracker.create');
    expect(rows).toEqual([
      expect.objectContaining({ actorSlackId: expect.any(String), actorDmsId: null, decision: 'done', rule: null }),
    ]);
  });

  it('continues as created when the create answer is lost but the tracker is listed', async () => {
    h.cts!.failNext('dropResponse');
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const root = await created(h);
    expect(creates(h)).toHaveLength(1);
    const check = h.cts!.requests.filter((r) => r.method === 'GET');
    expect(check).toHaveLength(1);
    expect(check[0]!.query).toEqual({ tracker_name: 'orders-writes', tracker_type: 'data' });
    expect(JSON.stringify(root.args['blocks'])).toContain('did not answer the create request clearly');
    expect(JSON.stringify(root.args['blocks'])).toContain(h.cts!.trackers.get('orders-writes')!.id);
  });

  it('tells the person honestly when the create answer is lost and the tracker is not listed', async () => {
    h.cts!.failNext('reset');
    const view = await openModal(h);
    await submit(h, view, dataValues());
    const eph = await h.slack.waitFor('chat.postEphemeral');
    expect(String(eph.args['text'])).toMatch(
      /found no tracker named "orders-writes", so it was most likely not created\. Run \/cts list/,
    );
    expect(h.slack.callsTo('chat.postMessage').filter(isRoot(CHANNEL))).toHaveLength(0);
    expect(await h.app.services.store.dueTickets(h.clock.now() + 10_000_000, 10)).toHaveLength(0);
  });

  it('escapes what people type and what CTS says before echoing it', async () => {
    h.cts!.trackers.set(
      'x',
      tracker({ tracker_name: '<!channel>', tracker_type: 'data', obs_info: { bucket_name: 'b<@U1>' } }),
    );
    await h.command('list', { command: '/cts' });
    const answer = await responded(h);
    const json = JSON.stringify(answer.args);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U1>');
    expect(json).toContain('&lt;!channel&gt;');
  });
});

describe('/cts list and help', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ cts: true });
  });
  afterEach(async () => {
    await h.close();
  });

  it('lists trackers ephemerally after the ack, with type, status, error explanation and transfer target', async () => {
    h.cts!.trackers.set(
      'orders-writes',
      tracker({
        tracker_name: 'orders-writes',
        tracker_type: 'data',
        status: 'error',
        detail: 'noBucket',
        obs_info: { bucket_name: 'orders-audit', file_prefix_name: 'w' },
        data_bucket: { data_bucket_name: 'orders-prod', data_event: ['READ', 'WRITE'] },
      }),
    );
    h.cts!.trackers.set(
      'system',
      tracker({ tracker_name: 'system', tracker_type: 'system', lts: { is_lts_enabled: true } }),
    );
    const res = await h.command('list', { command: '/cts' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const answer = await responded(h);
    expect(answer.args['response_type']).toBe('ephemeral');
    const sections = (answer.args['blocks'] as { type: string; text?: { text: string } }[])
      .filter((b) => b.type === 'section')
      .map((b) => b.text!.text);
    expect(sections).toHaveLength(2);
    expect(sections[0]).toContain('*system* · Management (system) · :white_check_mark: Enabled');
    expect(sections[0]).toContain('OBS off · LTS on');
    expect(sections[1]).toContain('*orders-writes* · Data · :warning: Error: the OBS bucket is missing');
    expect(sections[1]).toContain('OBS `orders-audit/w` · LTS off');
    expect(sections[1]).toContain('Tracks `orders-prod` (READ, WRITE)');
    expect(sections[1]).toContain('no longer exists');
    const list = h.cts!.requests[0]!;
    expect(list.method).toBe('GET');
    expect(list.path).toBe(`/v3/${CTS_PROJECT}/trackers`);
    expect(list.query).toEqual({});
    expect(list.signature).toBe('valid');
  });

  it('says when there are no trackers, and explains a CTS failure in plain words', async () => {
    await h.command('list', { command: '/cts' });
    expect(String((await responded(h)).args['text'])).toContain('no CTS trackers');
    h.cts!.failNext({ status: 403, body: { error_code: 'CTS.0013', error_msg: 'No permission.' } });
    await h.command('list', { command: '/cts' });
    const failed = await responded(h, 1);
    expect(String(failed.args['text'])).toContain('not allowed to manage CTS trackers');
    expect(String(failed.args['text'])).toContain('CTS.0013');
  });

  it('answers help and unknown subcommands ephemerally with the list of subcommands', async () => {
    for (const text of ['help', '', 'frobnicate now']) {
      const res = await h.command(text, { command: '/cts' });
      const body = (await res.json()) as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('`/cts tracker');
      expect(body.text).toContain('`/cts list [page]`');
      if (text === 'frobnicate now') expect(body.text).toContain("I don't know `frobnicate`");
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.cts!.requests).toHaveLength(0);
  });
});

describe('Block Kit limits', () => {
  it('keeps the modal and a long tracker list within Slack limits', async () => {
    const h = await startHarness({ cts: true });
    try {
      for (const text of ['tracker data', 'tracker system']) {
        const view = await openModal(h, text);
        expect(String((view['title'] as { text: string }).text).length).toBeLessThanOrEqual(24);
        expect(String((view['submit'] as { text: string }).text).length).toBeLessThanOrEqual(24);
        expect((view['blocks'] as unknown[]).length).toBeLessThanOrEqual(100);
        expect(String(view['private_metadata']).length).toBeLessThanOrEqual(3000);
        const options = JSON.stringify(view).match(/"options":\[[^\]]*\]/g) ?? [];
        for (const group of options) {
          for (const o of JSON.parse(group.slice('"options":'.length)) as {
            text: { text: string };
            value: string;
            description?: { text: string };
          }[]) {
            expect(o.text.text.length).toBeLessThanOrEqual(75);
            expect(o.value.length).toBeLessThanOrEqual(150);
            expect((o.description?.text ?? '').length).toBeLessThanOrEqual(75);
          }
        }
        for (const id of blockIds(view)) expect(id.length).toBeLessThanOrEqual(255);
      }
      for (let i = 0; i < 60; i++) {
        const name = `tracker-${String(i).padStart(2, '0')}-${'x'.repeat(50)}`;
        h.cts!.trackers.set(
          name,
          tracker({
            tracker_name: name,
            tracker_type: 'data',
            status: 'error',
            detail: 'bucketPolicyError',
            obs_info: { bucket_name: 'b'.repeat(63), file_prefix_name: 'p'.repeat(64) },
          }),
        );
      }
      // Each page is held to Slack's limits by the strict fake (block text ~12,000 characters, 50 blocks); walking the
      // pages with `/cts list <n>` shows every tracker exactly once, in order.
      type Block = { type: string; text?: { text: string }; elements?: { text: string }[] };
      const seen: string[] = [];
      let pages = 0;
      for (let page = 1; page <= 10; page++) {
        await h.command(page === 1 ? 'list' : `list ${page}`, { command: '/cts' });
        const answer = await responded(h, page - 1);
        const blocks = answer.args['blocks'] as Block[];
        pages = Number(/page \d+ of (\d+)/.exec(blocks[0]!.text!.text)?.[1]);
        expect(String(answer.args['text'])).toContain(`page ${page} of ${pages}`);
        for (const b of blocks.filter((b) => b.type === 'section')) seen.push(/tracker-\d\d/.exec(b.text!.text)![0]);
        const footer = blocks.at(-1)!.elements![0]!.text;
        if (page === pages) {
          expect(footer).toContain('This is the last page.');
          break;
        }
        expect(footer).toContain(`\`/cts list ${page + 1}\` shows the next page.`);
      }
      expect(pages).toBeGreaterThan(1);
      expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `tracker-${String(i).padStart(2, '0')}`));
      // Past the last page: the last page, saying how many there are; a page that is not a number: how to ask.
      await h.command('list 99', { command: '/cts' });
      const beyond = await responded(h, pages);
      expect(JSON.stringify(beyond.args['blocks'])).toContain(`(There are ${pages} pages.)`);
      const junk = (await (await h.command('list next', { command: '/cts' })).json()) as { text: string };
      expect(junk.text).toContain('`/cts list 2`');
    } finally {
      await h.close();
    }
  });
});

describe('/cts without CTS configured', () => {
  it('answers with a setup message, and /dms still works', async () => {
    const h = await startHarness();
    try {
      for (const text of ['tracker', 'list', '']) {
        const res = await h.command(text, { command: '/cts' });
        const body = (await res.json()) as { response_type: string; text: string };
        expect(body.response_type).toBe('ephemeral');
        expect(body.text).toContain('not set up');
        expect(body.text).toContain('CTS_PROJECT_ID');
      }
      expect(h.slack.callsTo('views.open')).toHaveLength(0);
      const help = (await (await h.command('help')).json()) as { text: string };
      expect(help.text).toContain('`/dms export`');
      await h.command('export');
      const opened = await h.slack.waitFor('views.open');
      expect((opened.args['view'] as { callback_id: string }).callback_id).toBe('export-modal');
    } finally {
      await h.close();
    }
  });
});

describe('/cts tracker form is sealed to its channel and person (§10)', () => {
  it('a submission with another channel, or by someone else, creates nothing and posts nowhere', async () => {
    const h = await startHarness({ cts: true });
    try {
      const view = await openModal(h);
      const meta = JSON.parse(String(view['private_metadata'])) as Record<string, unknown>;
      const forged = await submit(
        h,
        { ...view, private_metadata: JSON.stringify({ ...meta, c: 'C0SECRET' }) },
        dataValues(),
      );
      expect(forged.response_action).toBe('errors');
      expect(forged.errors?.[Ids.typeBlock]).toMatch(/lost track of its channel/);
      const res = await h.interaction(viewSubmission(view, dataValues(), 'U0DAVE'));
      expect(JSON.parse(await res.text())).toMatchObject({
        response_action: 'errors',
        errors: { [Ids.typeBlock]: expect.stringMatching(/lost track/) },
      });
      expect(creates(h)).toHaveLength(0);
      expect(h.slack.calls.filter((c) => c.args['channel'] === 'C0SECRET')).toEqual([]);
      // The untouched form creates the tracker.
      const ok = await submit(h, view, dataValues());
      expect(ok.response_action).toBe('update');
      await h.slack.waitFor('chat.postMessage', isRoot(CHANNEL));
      expect(creates(h)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
