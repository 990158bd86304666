import { expect } from 'vitest';
import { SubscriptionIds as Ids } from '../../blocks/cts/ids.js';
import type { SmnEmulator } from '../../src/sandbox/smn/emulator.js';
import type { SlackCall } from './fake-slack.js';
import { type Harness, startHarness, viewSubmission } from './harness.js';

/** The channel the CTS key-event flows subscribe. */
export const CHANNEL = 'C0OPS';

/** The real app with its SMN fetch sent to the emulator, accepting the emulator's region. */
export function startWithSmn(smn: SmnEmulator, env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({ smnFetch: smn.fetch, env: { CTS_EVENTS_REGIONS: smn.region, ...env } });
}

/** Where SMN posts to the app. */
export const endpoint = (x: Harness) => `http://127.0.0.1:${x.port}/cts/events`;

/** The `/cts subscribe` form's state values as Slack sends them. */
export const subscribeValues = (
  topic: string,
  filters: { services?: string; resources?: string; traces?: string } = {},
) => ({
  [Ids.topicBlock]: { [Ids.topicInput]: { type: 'plain_text_input', value: topic } },
  [Ids.serviceBlock]: { [Ids.serviceInput]: { type: 'plain_text_input', value: filters.services ?? null } },
  [Ids.resourceBlock]: { [Ids.resourceInput]: { type: 'plain_text_input', value: filters.resources ?? null } },
  [Ids.traceBlock]: { [Ids.traceInput]: { type: 'plain_text_input', value: filters.traces ?? null } },
});

/** `/cts subscribe` in CHANNEL, then the modal submitted; returns the submission's ack body. */
export async function subscribe(
  x: Harness,
  topic: string,
  filters: { services?: string; resources?: string; traces?: string } = {},
  user = 'U0ALICE',
): Promise<{ response_action?: string; errors?: Record<string, string> }> {
  const before = x.slack.callsTo('views.open').length;
  expect((await x.command('subscribe', { command: '/cts', channel: CHANNEL, user })).status).toBe(200);
  const call = await x.slack.waitFor('views.open', () => x.slack.callsTo('views.open').length > before);
  const view = { ...(call.args['view'] as Record<string, unknown>), id: 'V-sub-1' };
  const res = await x.interaction(viewSubmission(view, subscribeValues(topic, filters), user));
  expect(res.status).toBe(200);
  const text = await res.text();
  return text ? (JSON.parse(text) as { response_action?: string; errors?: Record<string, string> }) : {};
}

/** A CTS trace as a key event notification carries it (JSON text). */
export const trace = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    trace_id: 'a1b2c3d4-0000-4000-8000-000000000001',
    trace_name: 'deleteServer',
    trace_type: 'ConsoleAction',
    trace_status: 'warning',
    service_type: 'ECS',
    resource_type: 'ecs',
    resource_name: 'web-1',
    resource_id: 'f3a1-web-1',
    code: '200',
    time: Date.UTC(2026, 11, 3, 20, 1, 2),
    user: { name: 'alice', id: 'u-1', domain: { name: 'acme' } },
    ...over,
  });

/** Messages the bot posted in a channel. */
export const posts = (x: Harness, channel = CHANNEL) =>
  x.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === channel);
/** Top-level messages the bot posted in CHANNEL. */
export const roots = (x: Harness) => posts(x).filter((c) => c.args['thread_ts'] === undefined);
/** A posted message's fallback text. */
export const textOf = (c: SlackCall) => String(c.args['text']);
