import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportIds } from '../../blocks/dms/ids.js';
import { ActionModalIds } from '../../blocks/tickets/action-modals.js';
import { type DbId, parseDatabaseChoice } from '../../src/core/ids.js';
import { withoutAddresses } from '../../src/core/user-message.js';
import { NO_SUCH_TICKET } from '../../src/tickets/actions.js';
import type { SlackCall } from '../support/fake-slack.js';
import { clickButton, exportValues, fileExport, openModal, seedPeople, submit, tick } from '../support/flows.js';
import { blockSuggestion, type Harness, policyFiles, sealedFormMetadata, startHarness } from '../support/harness.js';

// Issue 13, sections 2 and 10, through the real app: ids have one spelling, clicks act only on the ticket of the
// message or Home they came from, /dms status reveals nothing to people who may not see a ticket, the policy is
// checked against a ticket's real database, and answers carry no internal address.

const policyFile = policyFiles('access-flow-');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(opts: { policy?: string[]; env?: Record<string, string> } = {}): Promise<Harness> {
  h = await startHarness({ env: { ...(opts.policy ? { POLICY_FILE: policyFile(opts.policy) } : {}), ...opts.env } });
  seedPeople(h);
  h.dms.addDatabase({
    DatabaseId: '4242',
    SearchName: 'payroll_prod',
    SchemaName: 'payroll',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
  h.slack.addUser({ id: 'U0DAVE', name: 'Dave Outsider', email: 'dave@example.com' });
  h.dms.addUser({ UserId: '54', NickName: 'dave', Email: 'dave@example.com' });
  return h;
}

type Option = { text: { text: string }; value: string };
async function pickerOptions(h: Harness, query: string): Promise<Option[]> {
  const payload = blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, query);
  payload['view'] = {
    id: 'V0OPTS',
    type: 'modal',
    callback_id: ExportIds.modal,
    private_metadata: sealedFormMetadata(ExportIds.modal, 'C0EXPORTS'),
  };
  const res = await h.interaction(payload);
  expect(res.status).toBe(200);
  return ((await res.json()) as { options: Option[] }).options;
}

/** What the person who clicked was told: an ephemeral in the channel, or the notice on their Home. */
function answersTo(h: Harness, user: string): string[] {
  return h.slack.calls
    .filter(
      (c) =>
        (c.method === 'chat.postEphemeral' && c.args['user'] === user) ||
        (c.method === 'views.publish' && c.args['user_id'] === user),
    )
    .map((c) => (c.method === 'chat.postEphemeral' ? String(c.args['text']) : JSON.stringify(c.args['view'])));
}

async function nextAnswer(h: Harness, user: string, click: () => Promise<unknown>): Promise<string> {
  const before = answersTo(h, user).length;
  await click();
  await vi.waitFor(() => expect(answersTo(h, user).length).toBeGreaterThan(before), { timeout: 5_000, interval: 10 });
  return answersTo(h, user)[before]!;
}

describe('database ids at the edge (§2)', () => {
  const denies4242 = [
    'default: allow',
    'rules:',
    '  - name: no-payroll',
    '    deny: [dms.export]',
    '    databases: [4242]',
  ];

  it('the picker never offers a database the policy denies, whatever the spelling of its id', async () => {
    const h = await start({ policy: denies4242 });
    // The reported case: 04242 was offered "as typed" and filed as 4242.
    const typed = await pickerOptions(h, '04242');
    expect(typed.map((o) => o.value)).not.toContainEqual(expect.stringMatching(/^db:0*4242:/));
    expect(typed.map((o) => o.text.text).join('\n')).toMatch(/Policy rule no-payroll/);
    // 1001 typed with leading zeros is offered as 1001 (canonical), allowed.
    expect((await pickerOptions(h, '001001')).map((o) => o.value)).toContain('db:1001:T');

    const spellings = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('', ' '))
        .map(([z, pad]) => `${pad}${'0'.repeat(z)}4242${pad}`),
      fc.constantFrom(
        '+4242',
        '4242.0',
        '4.242e3',
        '0x1092',
        '４２４２',
        '٤٢٤٢',
        '४२४२',
        '4242\u200b',
        '42 42',
        '4242x',
        '99999999999999999999',
        '9007199254740993',
      ),
    );
    await fc.assert(
      fc.asyncProperty(spellings, async (q) => {
        const options = await pickerOptions(h, q);
        for (const o of options) {
          if (o.value.startsWith('err:')) continue;
          const choice = parseDatabaseChoice(o.value);
          expect(choice, o.value).toBeDefined();
          expect(choice!.id, `${q} → ${o.value}`).not.toBe('4242');
        }
      }),
      { seed: 42, numRuns: 30 },
    );
  });

  it('a submission naming the denied database in another spelling is refused and nothing is filed', async () => {
    const h = await start({ policy: denies4242 });
    for (const value of ['db:04242:T', 'db:4242.0:T', 'db:+4242:P', 'db:４２４２:T', 'db:4242:T', 'db:4242:P']) {
      const view = await openModal(h, 'export');
      const answer = await submit(
        h,
        view,
        exportValues({
          [ExportIds.dbBlock]: {
            [ExportIds.dbSelect]: {
              type: 'external_select',
              selected_option: { value, text: { type: 'plain_text', text: 'x' } },
            },
          },
        }),
      );
      expect(answer.response_action, value).toBe('errors');
      expect(answer.errors?.[ExportIds.dbBlock] ?? JSON.stringify(answer.errors), value).toMatch(
        /not valid|no-payroll/,
      );
    }
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });
});

describe('clicks are bound to the message or Home they came from (§10)', () => {
  it("a click naming a ticket from another channel, another message or someone else's Home gets the missing-ticket answer, and nothing is done", async () => {
    const h = await start({ env: { APPROVERS: 'U0BOB' } });
    const { rootTs, orderId, ticketId } = await fileExport(h);
    h.dms.setStatus(orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    const dmsBefore = h.dms.requests.length;

    const missing = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, { action: 'approve', value: '999', user: 'U0BOB', messageTs: rootTs }),
    );
    const otherChannel = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, {
        action: 'approve',
        value: String(ticketId),
        user: 'U0BOB',
        channel: 'C0OTHER',
        messageTs: rootTs,
      }),
    );
    const otherMessage = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: '1700000099.000001' }),
    );
    const refreshElsewhere = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, {
        action: 'refresh',
        value: String(ticketId),
        user: 'U0BOB',
        channel: 'C0OTHER',
        messageTs: '1700000099.000001',
      }),
    );
    const stopFromHome = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, { action: 'stop', value: String(ticketId), user: 'U0BOB', home: true }),
    );
    const rejectElsewhere = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, {
        action: 'reject',
        value: String(ticketId),
        user: 'U0BOB',
        channel: 'C0OTHER',
        messageTs: rootTs,
        triggerId: 'trigger-forged-reject',
      }),
    );

    for (const [name, text] of Object.entries({ otherChannel, otherMessage, refreshElsewhere, rejectElsewhere }))
      expect(text, name).toBe(NO_SUCH_TICKET);
    expect(missing).toBe(NO_SUCH_TICKET);
    expect(stopFromHome).toContain("That button doesn't lead to a ticket I can act on");
    for (const text of [missing, otherChannel, otherMessage, refreshElsewhere, stopFromHome, rejectElsewhere]) {
      expect(text).not.toContain(String(orderId));
      expect(text).not.toMatch(/U0ALICE|C0EXPORTS|Approv|export ticket/);
    }
    // Nothing reached DMS, no modal opened for the forged Reject, the ticket is still followed.
    expect(h.dms.requests.length).toBe(dmsBefore);
    expect(h.slack.callsTo('views.open').filter((c) => c.args['trigger_id'] === 'trigger-forged-reject')).toHaveLength(
      0,
    );
    expect((await h.app.services.store.getTicket(ticketId))!.done).toBe(false);

    // The real button on the real message still works.
    await clickButton(h, { action: 'approve', value: String(ticketId), user: 'U0BOB', messageTs: rootTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /<@U0BOB> approved the ticket/.test(String(c.args['text'])),
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
  });

  it("the Home tab acts on the clicker's own tickets", async () => {
    const h = await start();
    const { ticketId } = await fileExport(h);
    const own = await nextAnswer(h, 'U0ALICE', () =>
      clickButton(h, { action: 'refresh', value: String(ticketId), home: true }),
    );
    expect(own).toMatch(/is still|is now/);
  });

  it('a Reject or Run export form whose metadata was changed (another ticket, another person, no seal) does nothing', async () => {
    const h = await start({ env: { APPROVERS: 'U0BOB' } });
    const first = await fileExport(h);
    const second = await fileExport(h);
    for (const t of [first, second]) h.dms.setStatus(t.orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    await clickButton(h, {
      action: 'reject',
      value: String(first.ticketId),
      user: 'U0BOB',
      messageTs: first.rootTs,
      triggerId: 'trigger-rej-1',
    });
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-rej-1');
    const modal = opened.response!['view'] as Record<string, unknown>;
    const meta = JSON.parse(String(modal['private_metadata'])) as Record<string, unknown>;
    const reason = {
      [ActionModalIds.reasonBlock]: {
        [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: 'Not this quarter' },
      },
    };
    const forged = [
      { ...meta, t: second.ticketId },
      { ...meta, t: second.ticketId, o: `m:C0EXPORTS:${second.rootTs}` },
      { t: second.ticketId, c: 'C0EXPORTS' },
      { ...meta, s: undefined },
    ];
    for (const m of forged) {
      const answer = await submit(h, { ...modal, private_metadata: JSON.stringify(m) }, reason, 'U0BOB');
      expect(answer.response_action).toBe('errors');
      expect(answer.errors?.[ActionModalIds.reasonBlock]).toMatch(/doesn't lead to a ticket I can act on/);
      expect(JSON.stringify(answer)).not.toContain(String(second.orderId));
    }
    // The same form submitted by someone else than the person it was opened for.
    const other = await submit(h, modal, reason, 'U0DAVE');
    expect(other.errors?.[ActionModalIds.reasonBlock]).toMatch(/doesn't lead to a ticket I can act on/);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    // The untouched form acts on its own ticket.
    await submit(h, modal, reason, 'U0BOB');
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === first.rootTs && /rejected the ticket/.test(String(c.args['text'])),
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
    expect(h.dms.getOrder(second.orderId)!.status).toBe('APPLY_AUDIT_SUCCESS');
  });
});

describe('/dms status tells nothing to people who may not see a ticket (§10)', () => {
  function answerFor(h: Harness, orderId: string): Promise<SlackCall> {
    return h.slack.waitFor(
      'response_url',
      (c) => String(c.args['text']).includes(orderId) && !String(c.args['text']).includes('Looking up'),
    );
  }

  it('a followed ticket, a ticket nobody follows and a ticket that does not exist get the same answer after the same DMS call', async () => {
    const h = await start();
    const followed = await fileExport(h, { channel: 'C0EXPORTS' });
    const { orderId: unfollowed } = await h.app.services.dms.createDataExportOrder({
      dbId: '1001' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'q',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: 'console',
      relatedUserIds: ['51'],
    });
    const unknown = '987654321';
    const seen: string[] = [];
    for (const id of [String(followed.orderId), unfollowed, unknown]) {
      const callsBefore = h.dms.requests.length;
      await h.command(`status ${id}`, { user: 'U0DAVE', channel: 'C0RANDOM' });
      const answer = await answerFor(h, id);
      seen.push(String(answer.args['text']).replaceAll(id, 'N'));
      // One DMS call about the ticket, the same one, in each case (finding the caller's DMS account is about them).
      expect(
        h.dms.requests
          .slice(callsBefore)
          .map((r) => r.action)
          .filter((a) => a !== 'ListUsers'),
      ).toEqual(['GetOrderBaseInfo']);
    }
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).not.toMatch(/C0EXPORTS|U0ALICE|already followed|Data export/);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'C0RANDOM')).toHaveLength(0);
  });

  it("the policy is checked against the ticket's real database: /dms status and the buttons of a followed ticket", async () => {
    const h = await start({
      policy: [
        'default: allow',
        'rules:',
        '  - name: no-orders-approvals',
        '    deny: [approve]',
        '    databases: [1001]',
        '  - name: no-payroll-follow',
        '    deny: [dms.status]',
        '    databases: [4242]',
      ],
      env: { APPROVERS: 'U0BOB' },
    });
    const console1001 = await h.app.services.dms.createDataExportOrder({
      dbId: '1001' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'q',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: 'console',
      relatedUserIds: ['51', '52'],
    });
    const console4242 = await h.app.services.dms.createDataExportOrder({
      dbId: '4242' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'q',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: 'console',
      relatedUserIds: ['51', '52'],
    });

    // Payroll (4242) may not be followed: refused, naming the rule, nothing posted.
    await h.command(`status ${console4242.orderId}`, { user: 'U0BOB', channel: 'C0OPS' });
    const refused = await h.slack.waitFor('response_url', (c) => /policy/.test(String(c.args['text'])));
    expect(String(refused.args['text'])).toMatch(/policy does not allow `\/dms status`.*no-payroll-follow/);
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => String(c.args['text']).includes(console4242.orderId)),
    ).toHaveLength(0);

    // Orders (1001) may be followed, but not approved: the approval of the followed ticket is refused (it used to be
    // checked against "unknown", which no database rule matched).
    h.dms.setStatus(Number(console1001.orderId), 'APPLY_AUDIT_SUCCESS');
    await h.command(`status ${console1001.orderId}`, { user: 'U0BOB', channel: 'C0OPS' });
    const root = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === undefined && String(c.args['text']).includes(`ticket ${console1001.orderId}`),
    );
    const ticket = (await h.app.services.store.findTicketByExternalId('dms_export', console1001.orderId))!;
    expect(ticket.details['dbIds']).toEqual(['1001']);
    const answer = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, {
        action: 'approve',
        value: String(ticket.id),
        user: 'U0BOB',
        channel: 'C0OPS',
        messageTs: String(root.response!['ts']),
      }),
    );
    expect(answer).toMatch(/policy does not allow.*no-orders-approvals/);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
  });
});

describe('answers carry no internal address (§10)', () => {
  it('a DMS that cannot be reached is reported without its URL, host or query string', async () => {
    const h = await start();
    await h.dms.close();
    await h.command('status 123456', { user: 'U0ALICE', channel: 'C0OPS' });
    const answer = await h.slack.waitFor('response_url', (c) =>
      /couldn't follow|could not be reached/.test(String(c.args['text'])),
    );
    const text = String(answer.args['text']);
    expect(text).toMatch(/DMS could not be reached/);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:|\?|OrderId=|Signature/);
  });

  it('no URL, query string or host:port survives in words for people (seeded property)', () => {
    const host = fc.oneof(fc.ipV4(), fc.domain(), fc.constant('localhost'), fc.constant('[::1]'));
    const url = fc
      .tuple(
        fc.constantFrom('http', 'https', 'ftp'),
        host,
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.webPath(),
        fc.webQueryParameters(),
      )
      .map(
        ([scheme, h, port, path, q]) =>
          `${scheme}://${h}${port ? `:${port}` : ''}${path}?${q || 'X-Acs-Signature=abc'}`,
      );
    const hostPort = fc
      .tuple(
        fc.oneof(
          fc.ipV4(),
          fc.domain().filter((d) => d.includes('.')),
        ),
        fc.integer({ min: 1, max: 65535 }),
      )
      .map(([h, p]) => `${h}:${p}`);
    fc.assert(
      fc.property(fc.string(), fc.oneof(url, hostPort), fc.string(), (before, address, after) => {
        const out = withoutAddresses(`${before} request to ${address} failed ${after}`);
        expect(out).not.toContain(address);
        expect(out).not.toMatch(/:\/\/|X-Acs-Signature/);
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(withoutAddresses('DMS answered InvalidTid: the tenant 5 is unknown')).toBe(
      'DMS answered InvalidTid: the tenant 5 is unknown',
    );
  });
});

describe('every modal that could be made to act elsewhere is sealed (§10)', () => {
  const SECRET = 'C0SECRET';
  /** Everything the bot sent into a channel (posts, ephemerals, updates) and every audit row about it. */
  async function traceIn(h: Harness, channel: string): Promise<unknown[]> {
    const calls = h.slack.calls.filter((c) => c.args['channel'] === channel);
    const audit = (await h.app.services.store.listAudit({})).filter((a) => a.channelId === channel);
    return [...calls, ...audit];
  }
  const sealedAway = /doesn't lead to a ticket I can act on/;
  const lostTrack = /lost track of its channel/;
  const errorsOf = (a: { errors?: Record<string, string> }) => Object.values(a.errors ?? {}).join(' ');

  it('Reject / Run export: the channel and the modal kind are in the seal', async () => {
    const h = await start({ env: { APPROVERS: 'U0BOB' } });
    const t = await fileExport(h);
    h.dms.setStatus(t.orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    await clickButton(h, {
      action: 'reject',
      value: String(t.ticketId),
      user: 'U0BOB',
      messageTs: t.rootTs,
      triggerId: 'trigger-rej-c',
    });
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-rej-c');
    const modal = opened.response!['view'] as Record<string, unknown>;
    const meta = JSON.parse(String(modal['private_metadata'])) as Record<string, unknown>;
    expect(meta['c']).toBe('C0EXPORTS');
    const reason = {
      [ActionModalIds.reasonBlock]: {
        [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: 'Not this quarter' },
      },
    };
    // The real reject form, its channel changed (or dropped).
    for (const m of [
      { ...meta, c: SECRET },
      { ...meta, c: undefined },
    ]) {
      const answer = await submit(h, { ...modal, private_metadata: JSON.stringify(m) }, reason, 'U0BOB');
      expect(answer.response_action).toBe('errors');
      expect(errorsOf(answer)).toMatch(sealedAway);
    }
    // The reject form's sealed metadata sent as a Run export form.
    const runValues = {
      [ActionModalIds.fileTypeBlock]: {
        [ActionModalIds.fileTypeSelect]: { type: 'static_select', selected_option: { value: 'CSV' } },
      },
      [ActionModalIds.encodingBlock]: {
        [ActionModalIds.encodingSelect]: { type: 'static_select', selected_option: { value: 'UTF8' } },
      },
    };
    const asRun = await submit(h, { ...modal, callback_id: ActionModalIds.runModal }, runValues, 'U0BOB');
    expect(asRun.response_action).toBe('errors');
    expect(errorsOf(asRun)).toMatch(sealedAway);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    expect(h.dms.calls('ExecuteDataExport')).toHaveLength(0);
    expect(await traceIn(h, SECRET)).toEqual([]);
    // The untouched form still rejects, audited in the ticket's channel.
    await submit(h, modal, reason, 'U0BOB');
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === t.rootTs && /rejected the ticket/.test(String(c.args['text'])),
    );
    expect(h.dms.calls('ApproveOrder')).toHaveLength(1);
    expect(await traceIn(h, SECRET)).toEqual([]);
  });

  it("a click whose channel is not its container's is answered like a missing ticket, where the container is, and does nothing", async () => {
    const h = await start({ env: { APPROVERS: 'U0BOB' } });
    const t = await fileExport(h);
    h.dms.setStatus(t.orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    const forged = await nextAnswer(h, 'U0BOB', () =>
      clickButton(h, {
        action: 'approve',
        value: String(t.ticketId),
        user: 'U0BOB',
        messageTs: t.rootTs,
        claimedChannel: SECRET,
      }),
    );
    expect(forged).toBe(NO_SUCH_TICKET);
    const home = await nextAnswer(h, 'U0ALICE', () =>
      clickButton(h, { action: 'refresh', value: String(t.ticketId), home: true, claimedChannel: SECRET }),
    );
    expect(home).toContain(NO_SUCH_TICKET);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    expect(await traceIn(h, SECRET)).toEqual([]);
    // The same click, channel and container agreeing, acts.
    await clickButton(h, { action: 'approve', value: String(t.ticketId), user: 'U0BOB', messageTs: t.rootTs });
    await vi.waitFor(() => expect(h.dms.calls('ApproveOrder')).toHaveLength(1), { timeout: 5_000, interval: 10 });
  });

  it("/dms settings: a form sent with another channel, or another form's seal, changes nothing", async () => {
    const h = await start();
    const view = await openModal(h, 'settings', 'C0EXPORTS');
    const meta = JSON.parse(String(view['private_metadata'])) as Record<string, unknown>;
    const rootOnly = { thread_mode: { mode: { type: 'radio_buttons', selected_option: { value: 'root_only' } } } };
    const exportForm = await openModal(h, 'export', 'C0EXPORTS');
    for (const metadata of [
      JSON.stringify({ ...meta, c: 'C0ANY' }),
      JSON.stringify({ c: 'C0ANY' }),
      String(exportForm['private_metadata']),
    ]) {
      const answer = await submit(h, { ...view, private_metadata: metadata }, rootOnly);
      expect(answer.response_action).toBe('errors');
      expect(answer.errors?.['thread_mode']).toMatch(lostTrack);
    }
    expect(await h.app.services.store.getThreadMode('C0ANY')).toBe('threads');
    expect(await traceIn(h, 'C0ANY')).toEqual([]);
    expect(await h.app.services.store.getThreadMode('C0EXPORTS')).toBe('threads');
    const saved = await submit(h, view, rootOnly);
    expect(saved.errors).toBeUndefined();
    expect(await h.app.services.store.getThreadMode('C0EXPORTS')).toBe('root_only');
  });

  it('the ticket forms (export, track, change) file only in the channel they were opened in, for the person they were opened for', async () => {
    const h = await start();
    for (const sub of ['export', 'track', 'change']) {
      const view = await openModal(h, sub, 'C0EXPORTS');
      const meta = JSON.parse(String(view['private_metadata'])) as Record<string, unknown>;
      const answer = await submit(
        h,
        { ...view, private_metadata: JSON.stringify({ ...meta, c: SECRET }) },
        exportValues(),
      );
      expect(answer.response_action, sub).toBe('errors');
      expect(errorsOf(answer), sub).toMatch(lostTrack);
      const other = await submit(h, view, exportValues(), 'U0DAVE');
      expect(errorsOf(other), sub).toMatch(lostTrack);
    }
    // One form's seal does not open another kind of form.
    const exportForm = await openModal(h, 'export', 'C0EXPORTS');
    const changeForm = await openModal(h, 'change', 'C0EXPORTS');
    const swapped = await submit(
      h,
      { ...changeForm, private_metadata: exportForm['private_metadata'] },
      exportValues(),
    );
    expect(errorsOf(swapped)).toMatch(lostTrack);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
    expect(await traceIn(h, SECRET)).toEqual([]);
    // The untouched export form files, in its channel.
    const t = await fileExport(h);
    expect(t.root.args['channel']).toBe('C0EXPORTS');
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
  });

  it('the database picker counts only the channel its form was sealed to', async () => {
    const h = await start({
      policy: [
        'default: allow',
        'rules:',
        '  - name: payroll-room',
        '    allow: [dms.export]',
        '    databases: [4242]',
        '    channels: [C0PAYROLL]',
        '  - name: no-payroll',
        '    deny: [dms.export]',
        '    databases: [4242]',
      ],
    });
    const ask = async (metadata: string) => {
      const payload = blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, '4242');
      payload['view'] = { id: 'V0OPTS', type: 'modal', callback_id: ExportIds.modal, private_metadata: metadata };
      return ((await (await h.interaction(payload)).json()) as { options: Option[] }).options.map((o) => o.value);
    };
    const sealedFor = (channelId: string) => sealedFormMetadata(ExportIds.modal, channelId);
    // A form opened in C0EXPORTS, its channel changed to the payroll room: the payroll rule does not apply.
    const forged = JSON.stringify({ ...(JSON.parse(sealedFor('C0EXPORTS')) as object), c: 'C0PAYROLL' });
    expect(await ask(forged)).not.toContainEqual(expect.stringMatching(/^db:4242:/));
    expect(await ask(sealedFor('C0PAYROLL'))).toContainEqual(expect.stringMatching(/^db:4242:/));
  });
});
