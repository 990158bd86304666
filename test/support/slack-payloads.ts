import { ExportIds } from '../../blocks/dms/ids.js';
import { ActionModalIds } from '../../blocks/tickets/action-modals.js';
import { exportValues } from './flows.js';
import { eventCallback, functionExecuted, linkShared } from './slack-events.js';

/** How a payload travels over HTTP: a slash-command form, `payload=` (interactivity), or a JSON body (Events API). */
export type Wire = 'form' | 'payload' | 'json';

/** One well-formed payload of each type Bolt dispatches, as Slack sends it to app A1 in workspace T1. */
export interface Sample {
  name: string;
  wire: Wire;
  /** Socket Mode envelope type for the same payload. */
  envelope: 'slash_commands' | 'interactive' | 'events_api';
  body: Record<string, unknown>;
}

const user = { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T1' };
const team = { id: 'T1', domain: 'acme' };
const modalView = (
  callbackId: string,
  values: Record<string, Record<string, unknown>>,
  metadata = '{"c":"C0EXPORTS"}',
) => ({
  id: 'V0PROP',
  team_id: 'T1',
  type: 'modal',
  callback_id: callbackId,
  private_metadata: metadata,
  hash: '1700000000.abcdef',
  state: { values },
  blocks: [{ type: 'input', block_id: ExportIds.sqlBlock }],
  app_id: 'A1',
  bot_id: 'BBOT',
});

/** A form state with one of each input that returns Slack ids. */
const pickedIds: Record<string, Record<string, unknown>> = {
  people: {
    one: { type: 'users_select', selected_user: 'U0BOB' },
    many: { type: 'multi_users_select', selected_users: ['U0BOB', 'W0CAROL'] },
  },
  places: {
    one: { type: 'conversations_select', selected_conversation: 'G0PRIVATE' },
    many: { type: 'multi_conversations_select', selected_conversations: ['C0EXPORTS', 'D0ALICE'] },
    channel: { type: 'channels_select', selected_channel: 'C0OPS' },
    channels: { type: 'multi_channels_select', selected_channels: ['C0OPS'] },
  },
};

/** The samples: slash command, block_actions (message and modal), view_submission, view_closed, block_suggestion, shortcut, message_action, events. */
export function samples(responseUrl: string): Sample[] {
  return [
    {
      name: 'slash command',
      wire: 'form',
      envelope: 'slash_commands',
      body: {
        token: 'legacy',
        team_id: 'T1',
        team_domain: 'acme',
        channel_id: 'C0EXPORTS',
        channel_name: 'exports',
        user_id: 'U0ALICE',
        user_name: 'alice',
        command: '/dms',
        text: 'help',
        api_app_id: 'A1',
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: 'trigger-prop',
      },
    },
    {
      name: 'block_actions on a message',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'block_actions',
        user,
        team,
        api_app_id: 'A1',
        token: 'legacy',
        trigger_id: 'trigger-prop',
        response_url: responseUrl,
        container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'C0EXPORTS', is_ephemeral: false },
        channel: { id: 'C0EXPORTS', name: 'exports' },
        message: { type: 'message', ts: '1700000000.000001', text: 'ticket' },
        actions: [
          {
            type: 'button',
            action_id: 'ticket:refresh',
            block_id: 'ticket:1',
            value: '1',
            text: { type: 'plain_text', text: 'Refresh' },
            action_ts: '1700000000.000002',
          },
        ],
      },
    },
    {
      name: 'block_actions in a modal',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'block_actions',
        user,
        team,
        api_app_id: 'A1',
        trigger_id: 'trigger-prop',
        container: { type: 'view', view_id: 'V0PROP' },
        view: modalView('track-modal', {}),
        actions: [
          {
            type: 'datetimepicker',
            action_id: 'track-start-picker',
            block_id: 'track-start-block',
            selected_date_time: 1_700_000_000,
            action_ts: '1',
          },
        ],
      },
    },
    {
      name: 'view_submission',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'view_submission',
        user,
        team,
        api_app_id: 'A1',
        trigger_id: 'trigger-prop',
        view: modalView(ExportIds.modal, exportValues()),
      },
    },
    {
      name: 'view_submission (reject)',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'view_submission',
        user,
        team,
        api_app_id: 'A1',
        view: modalView(
          ActionModalIds.rejectModal,
          {
            [ActionModalIds.reasonBlock]: {
              [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: 'not today' },
            },
          },
          '{"t":1}',
        ),
      },
    },
    {
      name: 'view_closed',
      wire: 'payload',
      envelope: 'interactive',
      // Its state carries one of each id-bearing input, so every selection's id is a position the generators reach.
      body: {
        type: 'view_closed',
        user,
        team,
        api_app_id: 'A1',
        is_cleared: false,
        view: modalView(ExportIds.modal, pickedIds),
      },
    },
    {
      name: 'block_suggestion',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'block_suggestion',
        user,
        team,
        api_app_id: 'A1',
        action_id: ExportIds.dbSelect,
        block_id: ExportIds.dbBlock,
        value: 'orders',
        view: modalView(ExportIds.modal, {}),
      },
    },
    {
      name: 'shortcut',
      wire: 'payload',
      envelope: 'interactive',
      body: { type: 'shortcut', user, team, api_app_id: 'A1', callback_id: 'nothing-here', trigger_id: 'trigger-prop' },
    },
    {
      name: 'message_action',
      wire: 'payload',
      envelope: 'interactive',
      body: {
        type: 'message_action',
        user,
        team,
        api_app_id: 'A1',
        callback_id: 'nothing-here',
        trigger_id: 'trigger-prop',
        channel: { id: 'C0EXPORTS' },
        message: { ts: '1700000000.000001', text: 'x' },
        response_url: responseUrl,
      },
    },
    {
      name: 'app_home_opened',
      wire: 'json',
      envelope: 'events_api',
      body: {
        token: 'legacy',
        team_id: 'T1',
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: 'Ev1',
        event_time: 1_700_000_000,
        event: {
          type: 'app_home_opened',
          user: 'U0ALICE',
          channel: 'D0ALICE',
          tab: 'home',
          event_ts: '1700000000.000100',
        },
      },
    },
    {
      name: 'link_shared',
      wire: 'json',
      envelope: 'events_api',
      body: eventCallback(
        linkShared({
          channel: 'C0EXPORTS',
          messageTs: '1700000000.000200',
          urls: ['https://dms.aliyun.com/?orderId=1'],
        }),
        'Ev3',
      ),
    },
    {
      name: 'function_executed',
      wire: 'json',
      envelope: 'events_api',
      body: eventCallback(
        functionExecuted({
          callbackId: 'dms_file_export',
          executionId: 'Fx0PROP',
          inputs: { requester: 'U0ALICE', channel: 'C0EXPORTS', database_id: '1001' },
          token: 'xwfp-prop',
        }),
        'Ev4',
      ),
    },
    {
      name: 'app_uninstalled',
      wire: 'json',
      envelope: 'events_api',
      body: {
        team_id: 'T1',
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: 'Ev2',
        event: { type: 'app_uninstalled' },
      },
    },
  ];
}

// Mutations, encodings and respellings of these samples (the property tests' generators).
export * from './slack-payload-mutations.js';
