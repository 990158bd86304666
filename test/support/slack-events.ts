/** Payloads of the surfaces people start from (shortcuts, link previews, Workflow Builder steps), as Slack sends them. */

/** A message shortcut (`message_action`) as Slack sends it (https://api.slack.com/reference/interaction-payloads/shortcuts). */
export function messageShortcut(
  callbackId: string,
  message: { ts: string; text?: string; blocks?: unknown[]; user?: string },
  o: { channel?: string; user?: string; responseUrl: string; triggerId?: string },
): Record<string, unknown> {
  const who = o.user ?? 'U0ALICE';
  return {
    type: 'message_action',
    token: 'legacy',
    action_ts: '1700000001.000001',
    team: { id: 'T1', domain: 'acme' },
    user: { id: who, username: who.toLowerCase(), name: who.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    channel: { id: o.channel ?? 'C0EXPORTS', name: 'exports' },
    callback_id: callbackId,
    trigger_id: o.triggerId ?? 'trigger-shortcut',
    message_ts: message.ts,
    message: { type: 'message', user: message.user ?? 'U0BOB', ...message },
    response_url: o.responseUrl,
  };
}

/** A global shortcut (`shortcut`): no channel, no response URL. */
export function globalShortcut(
  callbackId: string,
  o: { user?: string; triggerId?: string } = {},
): Record<string, unknown> {
  const who = o.user ?? 'U0ALICE';
  return {
    type: 'shortcut',
    token: 'legacy',
    action_ts: '1700000001.000002',
    team: { id: 'T1', domain: 'acme' },
    user: { id: who, username: who.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    callback_id: callbackId,
    trigger_id: o.triggerId ?? 'trigger-global',
  };
}

/** An Events API envelope (`event_callback`) for app A1 in workspace T1. */
export function eventCallback(event: Record<string, unknown>, eventId = 'Ev0REACH1'): Record<string, unknown> {
  return {
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_700_000_000,
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event,
  };
}

/** A `link_shared` event (https://api.slack.com/events/link_shared). */
export function linkShared(o: {
  channel: string;
  user?: string;
  messageTs: string;
  urls: string[];
  source?: 'conversations_history' | 'composer';
}): Record<string, unknown> {
  return {
    type: 'link_shared',
    channel: o.channel,
    is_bot_user_member: true,
    user: o.user ?? 'U0ALICE',
    message_ts: o.messageTs,
    unfurl_id: `${o.channel}.${o.messageTs}.0f1e2d3c`,
    source: o.source ?? 'conversations_history',
    event_ts: o.messageTs,
    links: o.urls.map((url) => ({ domain: new URL(url).hostname, url })),
  };
}

/** A `function_executed` event (https://api.slack.com/events/function_executed): one run of a workflow step. */
export function functionExecuted(o: {
  callbackId: string;
  executionId: string;
  inputs: Record<string, unknown>;
  token: string;
}): Record<string, unknown> {
  return {
    type: 'function_executed',
    function: {
      id: 'Fn0DMS0001',
      callback_id: o.callbackId,
      title: o.callbackId,
      type: 'app',
      input_parameters: [],
      output_parameters: [],
      app_id: 'A1',
      date_created: 1_700_000_000,
      date_updated: 1_700_000_000,
      date_deleted: 0,
    },
    inputs: o.inputs,
    function_execution_id: o.executionId,
    workflow_execution_id: `Wx${o.executionId.slice(2)}`,
    event_ts: '1700000002.000001',
    bot_access_token: o.token,
  };
}
