import { expect } from 'vitest';
import type { SlackCall } from './fake-slack.js';
import { viewSubmission, type Harness } from './harness.js';

/** Runs `/dms <sub>` and returns the modal the app opened (with the id the fake assigned). */
export async function openModal(h: Harness, sub: string, channel = 'C0EXPORTS', user = 'U0ALICE'): Promise<Record<string, unknown>> {
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
export async function submit(h: Harness, view: Record<string, unknown>, values: Record<string, Record<string, unknown>>, user = 'U0ALICE', headers?: Record<string, string>): Promise<SubmitAnswer> {
  const res = await h.interaction(viewSubmission(view, values, user), headers);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text ? (JSON.parse(text) as SubmitAnswer) : {};
}

/** Waits until the create flow finished (the modal says the ticket is filed) and returns the root message. */
export async function filed(h: Harness, channel = 'C0EXPORTS'): Promise<SlackCall> {
  await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
  return h.slack.callsTo('chat.postMessage').find((c) => c.args['channel'] === channel && c.args['thread_ts'] === undefined && /ticket \d+/.test(String(c.args['text'])))!;
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
  h.dms.addDatabase({ DatabaseId: '1001', SearchName: 'orders_prod', SchemaName: 'orders', DbType: 'mysql', EnvType: 'product', Logic: false });
  h.dms.addDatabase({ DatabaseId: '1002', SearchName: 'orders_dev', SchemaName: 'orders', DbType: 'mysql', EnvType: 'dev', Logic: false });
  h.dms.addDatabase({ DatabaseId: '2001', SearchName: 'orders_logic', SchemaName: 'orders', DbType: 'mysql', EnvType: 'product', Logic: true });
}
