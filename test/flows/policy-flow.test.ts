import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportIds, TrackIds } from '../../blocks/dms/ids.js';
import { loadPolicy } from '../../src/access/policy.js';
import { DmsEmulator } from '../support/dms-emulator.js';
import type { SlackCall } from '../support/fake-slack.js';
import { FakeSlack } from '../support/fake-slack.js';
import {
  buttonsOf,
  clickButton,
  exportValues,
  fileExport,
  openModal,
  seedPeople,
  submit,
  tick,
} from '../support/flows.js';
import {
  blockSuggestion,
  type Harness,
  type HarnessOptions,
  policyFiles,
  sealedFormMetadata,
  startHarness,
} from '../support/harness.js';

type Options = { text: { text: string }; value: string }[];

const dir = mkdtempSync(join(tmpdir(), 'policy-flow-'));
/** Writes a POLICY_FILE into the test's tmp dir and returns its path. */
const policyFile = policyFiles('policy-flow-files-');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Starts the real app with this policy, the usual people and databases. */
async function start(
  policy: string[],
  env: Record<string, string> = {},
  opts: Omit<HarnessOptions, 'env'> = {},
): Promise<Harness> {
  h = await startHarness({ ...opts, env: { POLICY_FILE: policyFile(policy), ...env } });
  seedPeople(h);
  return h;
}

/** Runs a slash command and returns its immediate (ack) answer. */
/**
 * The answer only the person sees: the command's ack body, or (forms and lists ack at once and check afterwards) the
 * next message through its response URL. Resolves with {} when a form opened instead.
 */
async function commandAnswer(
  h: Harness,
  text: string,
  o: { command?: string; user?: string; channel?: string } = {},
): Promise<{ response_type?: string; text?: string }> {
  const responsesBefore = h.slack.responses.length;
  const opensBefore = h.slack.callsTo('views.open').length;
  const res = await h.command(text, o);
  expect(res.status).toBe(200);
  const body = await res.text();
  if (body) return JSON.parse(body) as { response_type?: string; text?: string };
  const answered = h.slack
    .waitFor('response_url', () => h.slack.responses.length > responsesBefore)
    .then(() => h.slack.responses[responsesBefore]!.args as { response_type?: string; text?: string });
  const opened = h.slack
    .waitFor('views.open', () => h.slack.callsTo('views.open').length > opensBefore)
    .then(() => ({}));
  return Promise.race([answered, opened]);
}

/** The database picker's options as Slack would ask for them from a given modal (callback id) and channel. */
async function pickerOptions(
  h: Harness,
  query: string,
  o: { modal?: 'export' | 'track'; channel?: string; user?: string } = {},
): Promise<Options> {
  const ids = o.modal === 'track' ? TrackIds : ExportIds;
  const payload = blockSuggestion(ids.dbSelect, ids.dbBlock, query, o.user);
  payload['view'] = {
    id: 'V0OPTS',
    type: 'modal',
    callback_id: ids.modal,
    ...(o.channel ? { private_metadata: sealedFormMetadata(ids.modal, o.channel, o.user) } : {}),
  };
  const res = await h.interaction(payload);
  expect(res.status).toBe(200);
  return ((await res.json()) as { options: Options }).options;
}

const labels = (options: Options) => options.map((o) => o.text.text);

/** Export modal values for another database (as the picker would send it). */
function valuesFor(db: string, related = 'U0BOB'): Record<string, Record<string, unknown>> {
  return exportValues({
    [ExportIds.dbBlock]: {
      [ExportIds.dbSelect]: {
        type: 'external_select',
        selected_option: { value: db, text: { type: 'plain_text', text: db } },
      },
    },
    [ExportIds.relatedBlock]: { [ExportIds.relatedSelect]: { type: 'multi_users_select', selected_users: [related] } },
  });
}

/** Submits a modal and waits until the ticket is filed; returns the DMS order id. */
async function fileWith(
  h: Harness,
  view: Record<string, unknown>,
  values: Record<string, Record<string, unknown>>,
  user = 'U0ALICE',
): Promise<number> {
  const before = h.dms.calls('CreateOrder').length;
  const answer = await submit(h, view, values, user);
  expect(answer.response_action).toBe('update');
  await h.slack.waitFor(
    'views.update',
    (c) => c.args['view_id'] === view['id'] && JSON.stringify(c.args['view']).includes('is filed'),
  );
  const create = h.dms.calls('CreateOrder')[before]!;
  return (create.response as { CreateOrderResult: { OrderIds: number[] } }).CreateOrderResult.OrderIds[0]!;
}

function ephemeralFor(h: Harness, user: string, pattern: RegExp): Promise<SlackCall> {
  return h.slack.waitFor('chat.postEphemeral', (c) => c.args['user'] === user && pattern.test(String(c.args['text'])));
}

describe('policy before the modal opens', () => {
  it('refuses a denied /dms export ephemerally, naming the rule, opens no modal, and audits the denial', async () => {
    const h = await start([
      'rules:',
      '  - name: no-exports-in-general',
      '    deny: [dms.export]',
      '    channels: [C0GENERAL]',
    ]);
    const answer = await commandAnswer(h, 'export', { channel: 'C0GENERAL' });
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('`/dms export`');
    expect(answer.text).toContain('(rule *no-exports-in-general*)');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    const audit = await h.app.services.store.listAudit({});
    const denied = audit.filter((a) => a.decision === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      action: 'dms.export',
      actorSlackId: 'U0ALICE',
      channelId: 'C0GENERAL',
      rule: 'no-exports-in-general',
    });

    // Elsewhere the same person gets the form, and that is audited as allowed.
    await openModal(h, 'export', 'C0EXPORTS');
    expect(h.slack.callsTo('views.open')).toHaveLength(1);
    const allowed = (await h.app.services.store.listAudit({})).filter(
      (a) => a.action === 'dms.export' && a.decision === 'allowed',
    );
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ channelId: 'C0EXPORTS', rule: 'default' });
  });

  it('lets a group-based allow rule through for members only', async () => {
    const h = await start([
      'default: deny',
      'rules:',
      '  - name: dba-exports',
      '    allow: [dms.export]',
      '    groups: [S0DBA]',
    ]);
    h.slack.userGroups.set('S0DBA', ['U0BOB']);

    const refused = await commandAnswer(h, 'export', { user: 'U0ALICE' });
    expect(refused.response_type).toBe('ephemeral');
    expect(refused.text).toContain('(rule *default*)');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    const view = await openModal(h, 'export', 'C0EXPORTS', 'U0BOB');
    expect(h.slack.callsTo('usergroups.users.list').map((c) => c.args['usergroup'])).toContain('S0DBA');
    // A non-member submitting the member's form (crafted) is refused too: the form is sealed to the member.
    const crafted = await submit(h, view, valuesFor('db:1002:P', 'U0BOB'), 'U0ALICE');
    expect(crafted.response_action).toBe('errors');
    expect(Object.values(crafted.errors ?? {}).join(' ')).toMatch(/lost track of its channel/);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
    // The member files.
    await fileWith(h, view, valuesFor('db:1002:P', 'U0ALICE'), 'U0BOB');
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    const ticket = (await h.app.services.store.ticketsOf('U0BOB', { openLimit: 10, doneLimit: 0 })).open;
    expect(ticket).toHaveLength(1);
  });

  it('refuses /cts list when a cts.list rule denies it, without calling CTS; other commands still work', async () => {
    const h = await start(
      ['rules:', '  - name: no-cts-list-here', '    deny: [cts.list]', '    channels: [C0GENERAL]'],
      {},
      { cts: true },
    );
    const answer = await commandAnswer(h, 'list', { command: '/cts', channel: 'C0GENERAL' });
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('`/cts list`');
    expect(answer.text).toContain('(rule *no-cts-list-here*)');
    expect(h.cts!.requests).toHaveLength(0);
    // The refusal was the one answer (no list followed it).
    expect(h.slack.responses).toHaveLength(1);
    const audit = await h.app.services.store.listAudit({});
    expect(audit.find((a) => a.action === 'cts.list' && a.decision === 'denied')).toMatchObject({
      rule: 'no-cts-list-here',
      channelId: 'C0GENERAL',
    });

    // In another channel the list is fetched.
    const ok = await h.command('list', { command: '/cts', channel: 'C0OPS' });
    expect(await ok.text()).toBe('');
    await h.slack.waitFor('response_url', () => h.slack.responses.length > 1);
    expect(h.cts!.requests).toHaveLength(1);
  });
});

describe('policy on channel settings', () => {
  it('keeps /dms settings to the people a dms.settings rule allows: others are refused before the form and when saving', async () => {
    const h = await start([
      'rules:',
      '  - name: leads-set-threads',
      '    allow: [dms.settings]',
      '    users: [U0BOB]',
      '  - name: nobody-else',
      '    deny: [dms.settings]',
    ]);
    const refused = await commandAnswer(h, 'settings', { channel: 'C0EXPORTS' });
    expect(refused.response_type).toBe('ephemeral');
    expect(refused.text).toContain('changing `/dms settings`');
    expect(refused.text).toContain('(rule *nobody-else*)');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    const view = await openModal(h, 'settings', 'C0EXPORTS', 'U0BOB');
    const rootOnly = { thread_mode: { mode: { type: 'radio_buttons', selected_option: { value: 'root_only' } } } };
    // Someone else saving the lead's form (replayed or crafted) is refused inline, in plain text; nothing changes:
    // the form is sealed to the lead and this channel.
    const crafted = await submit(h, view, rootOnly, 'U0ALICE');
    expect(crafted.response_action).toBe('errors');
    expect(crafted.errors?.['thread_mode']).toContain('lost track of its channel');
    expect(crafted.errors?.['thread_mode']).not.toMatch(/:no_entry_sign:|\*/);
    expect(await h.app.services.store.getThreadMode('C0EXPORTS')).toBe('threads');

    const saved = await submit(h, view, rootOnly, 'U0BOB');
    expect(saved.errors).toBeUndefined();
    expect(await h.app.services.store.getThreadMode('C0EXPORTS')).toBe('root_only');
    const audit = await h.app.services.store.listAudit({});
    expect(
      audit.filter((a) => a.action === 'dms.settings' && a.decision === 'denied').map((a) => a.actorSlackId),
    ).toEqual(['U0ALICE']);
    expect(audit.find((a) => a.action === 'settings.thread_mode')).toMatchObject({
      actorSlackId: 'U0BOB',
      decision: 'done',
      channelId: 'C0EXPORTS',
    });
  });
});

describe('policy in the database picker and at submission', () => {
  const denyProdExports = ['rules:', '  - name: no-prod', '    deny: [dms.export]', '    env_types: [product]'];

  it('offers only the databases the policy allows for the form, and says so when it hides them all', async () => {
    const h = await start(denyProdExports);
    expect(labels(await pickerOptions(h, 'orders'))).toEqual(['orders_dev · dev · mysql']);

    const none = await pickerOptions(h, 'prod');
    expect(none).toHaveLength(1);
    expect(none[0]!.value).toBe('err:policy');
    expect(none[0]!.text.text).toContain('Policy rule no-prod');
    expect(none[0]!.text.text).not.toContain('orders_prod ·');

    // The rule is about exports: the tracking form's picker (its own callback id) still offers all three.
    expect(labels(await pickerOptions(h, 'orders', { modal: 'track' }))).toEqual([
      'orders_prod · product · mysql',
      'orders_dev · dev · mysql',
      'orders_logic · product · mysql · logical',
    ]);
  });

  it('uses the channel the form was opened in for channel rules in the picker', async () => {
    const h = await start([
      'rules:',
      '  - name: no-prod-tracking-in-public',
      '    deny: [dms.track]',
      '    channels: [C0PUBLIC]',
      '    env_types: [product]',
    ]);
    expect(labels(await pickerOptions(h, 'orders', { modal: 'track', channel: 'C0PUBLIC' }))).toEqual([
      'orders_dev · dev · mysql',
    ]);
    expect(labels(await pickerOptions(h, 'orders', { modal: 'track', channel: 'C0EXPORTS' }))).toHaveLength(3);
  });

  it('refuses a submission naming a denied database (picker bypassed) inline on the database block; nothing reaches DMS', async () => {
    const h = await start(denyProdExports);
    // Before a database is chosen the deny-by-environment rule does not apply: the form opens.
    const view = await openModal(h, 'export');

    const answer = await submit(h, view, exportValues());
    expect(answer.response_action).toBe('errors');
    const error = answer.errors?.[ExportIds.dbBlock];
    expect(error).toContain('on that database (rule no-prod)');
    expect(error).not.toMatch(/:[a-z_]+:|\*/);
    expect(Object.keys(answer.errors ?? {})).toEqual([ExportIds.dbBlock]);

    // A typed id of another production database (never seen in a search) is looked up and refused as well.
    const typed = await submit(h, view, valuesFor('db:2001:T'));
    expect(typed.errors?.[ExportIds.dbBlock]).toContain('rule no-prod');
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);

    const denied = (await h.app.services.store.listAudit({})).filter(
      (a) => a.action === 'dms.export' && a.decision === 'denied',
    );
    expect(denied.map((a) => [a.rule, a.detail])).toEqual([
      ['no-prod', { databases: ['1001'] }],
      ['no-prod', { databases: ['2001'] }],
    ]);

    // The same form with the dev database is filed.
    const orderId = await fileWith(h, view, valuesFor('db:1002:P'));
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    expect(h.dms.getOrder(orderId)).toBeDefined();
  });

  it('fails closed at submission when the database environment cannot be learnt', async () => {
    const h = await start(denyProdExports);
    const view = await openModal(h, 'export');
    h.dms.failNext('SearchDatabase', { kind: 'business', code: 'UnknownError', message: 'boom' });
    const answer = await submit(h, view, valuesFor('db:1002:P'));
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[ExportIds.dbBlock]).toContain('rule no-prod');
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });
});

describe('policy on approvals', () => {
  it('refuses an approver on a production export (ephemeral naming the rule, no DMS call) and lets them approve a dev one', async () => {
    const h = await start(
      ['rules:', '  - name: no-prod-approvals', '    deny: [approve]', '    env_types: [product]'],
      { APPROVERS: 'U0BOB' },
    );
    const prod = await fileExport(h);
    const devView = await openModal(h, 'export');
    const devOrder = await fileWith(h, devView, valuesFor('db:1002:P'));
    const devTicket = (await h.app.services.store.findTicketByExternalId('dms_export', String(devOrder)))!;
    const devRoot = h.slack
      .callsTo('chat.postMessage')
      .find((c) => c.args['thread_ts'] === undefined && String(c.args['text']).includes(`ticket ${devOrder}`))!;
    const devTs = String(devRoot.response?.['ts']);

    h.dms.setStatus(prod.orderId, 'APPLY_AUDIT_SUCCESS');
    h.dms.setStatus(devOrder, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === prod.rootTs && buttonsOf(c.args['blocks']).includes('ticket:approve'),
    );
    await h.slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === devTs && buttonsOf(c.args['blocks']).includes('ticket:approve'),
    );

    await clickButton(h, { action: 'approve', value: String(prod.ticketId), user: 'U0BOB', messageTs: prod.rootTs });
    const refused = await ephemeralFor(h, 'U0BOB', /can't approve/);
    expect(String(refused.args['text'])).toContain('rule *no-prod-approvals*');
    // Reject is the same decision.
    await clickButton(h, { action: 'reject', value: String(prod.ticketId), user: 'U0BOB', messageTs: prod.rootTs });
    const rejectRefused = await ephemeralFor(h, 'U0BOB', /can't reject/);
    expect(String(rejectRefused.args['text'])).toContain('rule *no-prod-approvals*');
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);
    expect(h.dms.getOrder(prod.orderId)!.status).toBe('APPLY_AUDIT_SUCCESS');

    await clickButton(h, { action: 'approve', value: String(devTicket.id), user: 'U0BOB', messageTs: devTs });
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === devTs && /<@U0BOB> approved the ticket/.test(String(c.args['text'])),
    );
    const approvals = h.dms.calls('ApproveOrder');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.query['WorkflowInstanceId']).toBe(String(h.dms.getOrder(devOrder)!.workflowInstanceId));

    const audit = await h.app.services.store.listAudit({});
    expect(
      audit.filter((a) => a.action === 'ticket.approve' && a.decision === 'denied').map((a) => [a.ticketId, a.rule]),
    ).toEqual([[prod.ticketId, 'policy:no-prod-approvals']]);
    expect(audit.filter((a) => a.action === 'ticket.approve' && a.decision === 'done').map((a) => a.ticketId)).toEqual([
      devTicket.id,
    ]);
  });
});

describe('rate limit on ticket creation', () => {
  it('refuses a third ticket in an hour before the modal and at submission, frees up after the hour, and is per person', async () => {
    const h = await start(['rules: []'], { RATE_LIMIT_PER_USER_PER_HOUR: '2' });
    const early = await openModal(h, 'export');
    await fileExport(h);
    await fileExport(h);
    expect(h.dms.calls('CreateOrder')).toHaveLength(2);

    // A third /dms export: refused before the modal, with the limit.
    const opened = h.slack.callsTo('views.open').length;
    const refused = await commandAnswer(h, 'export');
    expect(refused.response_type).toBe('ephemeral');
    expect(refused.text).toContain('You have filed 2 tickets in the last hour; the limit is 2 per hour');
    expect(h.slack.callsTo('views.open')).toHaveLength(opened);

    // A form opened before the limit was reached is refused inline.
    const answer = await submit(h, early, exportValues());
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[ExportIds.dbBlock]).toContain('the limit is 2 per hour');
    expect(answer.errors?.[ExportIds.dbBlock]).not.toContain(':hourglass:');
    expect(h.dms.calls('CreateOrder')).toHaveLength(2);

    // Other people are not affected.
    const bobView = await openModal(h, 'export', 'C0EXPORTS', 'U0BOB');
    await fileWith(h, bobView, valuesFor('db:1002:P', 'U0ALICE'), 'U0BOB');
    expect(h.dms.calls('CreateOrder')).toHaveLength(3);

    const limits = (await h.app.services.store.listAudit({})).filter((a) => a.rule === 'rate_limit');
    expect(limits.map((a) => [a.actorSlackId, a.decision, a.detail])).toEqual([
      ['U0ALICE', 'denied', { limit: 2 }],
      ['U0ALICE', 'denied', { limit: 2 }],
    ]);

    // An hour later Alice files again, from a new form and from the one refused earlier.
    h.clock.advance(3_600_001);
    await fileExport(h);
    await fileWith(h, early, exportValues());
    expect(h.dms.calls('CreateOrder')).toHaveLength(5);
    expect((await commandAnswer(h, 'export')).text).toContain('the limit is 2 per hour');
  });
});

describe('POLICY_FILE at start-up', () => {
  it('loadPolicy names POLICY_FILE and the line of a bad entry', () => {
    const path = policyFile([
      'default: deny',
      'rules:',
      '  - name: a',
      '    allow: [dms.export]',
      '    channels: [exports]',
    ]);
    expect(() => loadPolicy(path)).toThrow(
      /^POLICY_FILE has problems:\n {2}- line 5, rules\[0\]\.channels\[0\]: must be a Slack channel id/,
    );
  });

  it('loadPolicy names POLICY_FILE and the line of broken YAML', () => {
    const path = policyFile(['default: deny', 'rules:', '  - name: a', '\t  allow: [dms.export]']);
    expect(() => loadPolicy(path)).toThrow(/^POLICY_FILE is not valid YAML \(line 4\)/);
  });

  it('loadPolicy says when the file cannot be read, without echoing its contents', () => {
    expect(() => loadPolicy(join(dir, 'missing.yaml'))).toThrow('POLICY_FILE cannot be read (ENOENT)');
  });

  it('the app does not start with a bad POLICY_FILE', async () => {
    const slack = await FakeSlack.start();
    const dms = await DmsEmulator.start();
    try {
      const path = policyFile(['rules:', '  - name: a', '    allow: [dms.export]', '    deny: [dms.track]']);
      await expect(startHarness({ slack, dms, env: { POLICY_FILE: path } })).rejects.toThrow(
        /POLICY_FILE has problems:\n {2}- line 2, rules\[0\]: needs exactly one of/,
      );
      expect(slack.calls).toHaveLength(0);
    } finally {
      await Promise.all([slack.close(), dms.close()]);
    }
  });
});
