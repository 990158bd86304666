import { expect } from 'vitest';
import { ExportIds } from '../../blocks/dms/ids.js';
import type { SlackCall } from './fake-slack.js';
import { type Harness, viewSubmission } from './harness.js';

/** Runs `/dms <sub>` and returns the modal the app opened (with the id the fake assigned). */
export async function openModal(
  h: Harness,
  sub: string,
  channel = 'C0EXPORTS',
  user = 'U0ALICE',
): Promise<Record<string, unknown>> {
  const before = h.slack.callsTo('views.open').length;
  const res = await h.command(sub, { channel, user });
  expect(res.status).toBe(200);
  const call = await h.slack.waitFor('views.open', () => h.slack.callsTo('views.open').length > before);
  return call.response!['view'] as Record<string, unknown>;
}

/** The modal's answer to a submission (response_action and errors or view), parsed. */
export interface SubmitAnswer {
  response_action?: string;
  errors?: Record<string, string>;
  view?: Record<string, unknown>;
}

/** Submits a modal with state values as Slack would. */
export async function submit(
  h: Harness,
  view: Record<string, unknown>,
  values: Record<string, Record<string, unknown>>,
  user = 'U0ALICE',
  headers?: Record<string, string>,
): Promise<SubmitAnswer> {
  const res = await h.interaction(viewSubmission(view, values, user), headers);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text ? (JSON.parse(text) as SubmitAnswer) : {};
}

/** Waits until the create flow finished (the modal says the ticket is filed) and returns the root message. */
export async function filed(h: Harness, channel = 'C0EXPORTS'): Promise<SlackCall> {
  await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
  return h.slack
    .callsTo('chat.postMessage')
    .find(
      (c) =>
        c.args['channel'] === channel && c.args['thread_ts'] === undefined && /ticket \d+/.test(String(c.args['text'])),
    )!;
}

/** Thread replies under a root message. */
export function threadReplies(h: Harness, ts: string): SlackCall[] {
  return h.slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === ts);
}

/** The ts Slack assigned to a posted message. */
export function tsOf(posted: SlackCall): string {
  return String(posted.response?.['ts']);
}

/** Moves time past the next poll and runs the watcher once. */
export async function tick(h: Harness, ms = 10_000): Promise<void> {
  h.clock.advance(ms);
  await h.app.watcher.runDue();
}

/** The usual people and databases: Alice (DMS 51) asks, Bob (DMS 52) is related, Carol has no DMS account. */
export function seedPeople(h: Harness): void {
  h.slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com', tz: 'America/New_York' });
  h.slack.addUser({ id: 'U0BOB', name: 'Bob Builder', email: 'bob@example.com' });
  h.slack.addUser({ id: 'U0CAROL', name: 'Carol NoDms', email: 'carol@example.com' });
  h.dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
  h.dms.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
  h.dms.addDatabase({
    DatabaseId: '1001',
    SearchName: 'orders_prod',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
  h.dms.addDatabase({
    DatabaseId: '1002',
    SearchName: 'orders_dev',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'dev',
    Logic: false,
  });
  h.dms.addDatabase({
    DatabaseId: '2001',
    SearchName: 'orders_logic',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: true,
  });
}

/** State values for a filled-in export modal (orders_prod, Bob related). */
export function exportValues(
  over: Partial<Record<string, Record<string, unknown>>> = {},
): Record<string, Record<string, unknown>> {
  const Ids = ExportIds;
  return {
    [Ids.dbBlock]: {
      [Ids.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
      },
    },
    [Ids.logicBlock]: { [Ids.logicCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.sqlBlock]: {
      [Ids.sqlInput]: {
        type: 'plain_text_input',
        value: "SELECT id, status FROM orders WHERE created_at > '2026-01-01'",
      },
    },
    [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: 'Quarterly audit' } },
    [Ids.rowsBlock]: { [Ids.rowsInput]: { type: 'number_input', value: '1200' } },
    [Ids.skipCheckBlock]: { [Ids.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.skipReasonBlock]: { [Ids.skipReasonInput]: { type: 'plain_text_input', value: null } },
    [Ids.commentBlock]: { [Ids.commentInput]: { type: 'plain_text_input', value: null } },
    [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
    ...over,
  } as Record<string, Record<string, unknown>>;
}

/** Files an export through the real modal flow as `user`; returns the root message, its ts, the DMS order id and the bot's ticket id. */
export async function fileExport(
  h: Harness,
  opts: { channel?: string; user?: string } = {},
): Promise<{ root: SlackCall; rootTs: string; orderId: number; ticketId: number }> {
  const channel = opts.channel ?? 'C0EXPORTS';
  const before = h.dms.calls('CreateOrder').length;
  const view = await openModal(h, 'export', channel, opts.user ?? 'U0ALICE');
  await submit(h, view, exportValues(), opts.user ?? 'U0ALICE');
  await h.slack.waitFor(
    'views.update',
    (c) => c.args['view_id'] === view['id'] && JSON.stringify(c.args['view']).includes('is filed'),
  );
  const create = h.dms.calls('CreateOrder')[before]!;
  const orderId = (create.response as { CreateOrderResult: { OrderIds: number[] } }).CreateOrderResult.OrderIds[0]!;
  const root = h.slack
    .callsTo('chat.postMessage')
    .find((c) => c.args['thread_ts'] === undefined && String(c.args['text']).includes(`ticket ${orderId}`))!;
  const ticket = await h.app.services.store.findTicketByExternalId('dms_export', String(orderId));
  return { root, rootTs: tsOf(root), orderId, ticketId: ticket!.id };
}

/** Action ids of the buttons a message (or view) shows, in order. */
export function buttonsOf(blocks: unknown): string[] {
  const out: string[] = [];
  for (const b of (blocks ?? []) as { type: string; elements?: { type: string; action_id?: string }[] }[]) {
    if (b.type === 'actions')
      for (const e of b.elements ?? []) if (e.type === 'button' && e.action_id) out.push(e.action_id);
  }
  return out;
}

/** The latest version of a root message: its last chat.update, or the post itself. */
export function latestRoot(h: Harness, channel: string, ts: string): SlackCall | undefined {
  const updates = h.slack.callsTo('chat.update').filter((c) => c.args['channel'] === channel && c.args['ts'] === ts);
  return (
    updates.at(-1) ??
    h.slack.callsTo('chat.postMessage').find((c) => c.args['channel'] === channel && c.response?.['ts'] === ts)
  );
}

/** Clicks a ticket button on a channel message (or the Home tab, when `home` is set) as Slack sends it. */
export async function clickButton(
  h: Harness,
  args: {
    action: string;
    value: string;
    user?: string;
    channel?: string;
    messageTs?: string;
    home?: boolean;
    triggerId?: string;
    claimedChannel?: string;
  },
): Promise<Response> {
  const user = args.user ?? 'U0ALICE';
  const actionId = args.action.startsWith('ticket:') ? args.action : `ticket:${args.action}`;
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: args.triggerId ?? `trigger-click-${Math.random().toString(36).slice(2)}`,
    response_url: h.slack.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `ticket:${args.value}`,
        value: args.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1700000000.000001',
      },
    ],
  };
  if (args.home) {
    payload['container'] = { type: 'view', view_id: `VHOME${user}` };
    payload['view'] = {
      id: `VHOME${user}`,
      type: 'home',
      blocks: [],
      state: { values: {} },
      hash: 'h',
      private_metadata: '',
      callback_id: '',
    };
  } else {
    const channel = args.channel ?? 'C0EXPORTS';
    payload['container'] = {
      type: 'message',
      message_ts: args.messageTs ?? '1700000000.000001',
      channel_id: channel,
      is_ephemeral: false,
    };
    payload['channel'] = { id: channel, name: 'exports' };
    payload['message'] = { type: 'message', ts: args.messageTs ?? '1700000000.000001', text: 'ticket' };
  }
  // A forged click: its `channel` names another channel than its container's.
  if (args.claimedChannel) payload['channel'] = { id: args.claimedChannel, name: 'elsewhere' };
  const res = await h.interaction(payload);
  expect(res.status).toBe(200);
  return res;
}

/** Sends an app_home_opened event (Events API, JSON body) for `user`. */
export function openHome(h: Harness, user = 'U0ALICE'): Promise<Response> {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: '1700000000.000100' },
  });
  return h.post(body, { contentType: 'application/json' });
}
