import fc from 'fast-check';
import { ActionModalIds } from '../../blocks/action-modals.js';
import { ExportIds } from '../../blocks/ids.js';
import { exportValues } from './flows.js';

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
const modalView = (callbackId: string, values: Record<string, Record<string, unknown>>, metadata = '{"c":"C0EXPORTS"}') => ({
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

/** The samples: slash command, block_actions (message and modal), view_submission, view_closed, block_suggestion, shortcut, message_action, events. */
export function samples(responseUrl: string): Sample[] {
  return [
    {
      name: 'slash command',
      wire: 'form',
      envelope: 'slash_commands',
      body: { token: 'legacy', team_id: 'T1', team_domain: 'acme', channel_id: 'C0EXPORTS', channel_name: 'exports', user_id: 'U0ALICE', user_name: 'alice', command: '/dms', text: 'help', api_app_id: 'A1', is_enterprise_install: 'false', response_url: responseUrl, trigger_id: 'trigger-prop' },
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
        actions: [{ type: 'button', action_id: 'ticket:refresh', block_id: 'ticket:1', value: '1', text: { type: 'plain_text', text: 'Refresh' }, action_ts: '1700000000.000002' }],
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
        actions: [{ type: 'datetimepicker', action_id: 'track-start-picker', block_id: 'track-start-block', selected_date_time: 1_700_000_000, action_ts: '1' }],
      },
    },
    { name: 'view_submission', wire: 'payload', envelope: 'interactive', body: { type: 'view_submission', user, team, api_app_id: 'A1', trigger_id: 'trigger-prop', view: modalView(ExportIds.modal, exportValues()) } },
    {
      name: 'view_submission (reject)',
      wire: 'payload',
      envelope: 'interactive',
      body: { type: 'view_submission', user, team, api_app_id: 'A1', view: modalView(ActionModalIds.rejectModal, { [ActionModalIds.reasonBlock]: { [ActionModalIds.reasonInput]: { type: 'plain_text_input', value: 'not today' } } }, '{"t":1}') },
    },
    { name: 'view_closed', wire: 'payload', envelope: 'interactive', body: { type: 'view_closed', user, team, api_app_id: 'A1', is_cleared: false, view: modalView(ExportIds.modal, {}) } },
    {
      name: 'block_suggestion',
      wire: 'payload',
      envelope: 'interactive',
      body: { type: 'block_suggestion', user, team, api_app_id: 'A1', action_id: ExportIds.dbSelect, block_id: ExportIds.dbBlock, value: 'orders', view: modalView(ExportIds.modal, {}) },
    },
    { name: 'shortcut', wire: 'payload', envelope: 'interactive', body: { type: 'shortcut', user, team, api_app_id: 'A1', callback_id: 'nothing-here', trigger_id: 'trigger-prop' } },
    {
      name: 'message_action',
      wire: 'payload',
      envelope: 'interactive',
      body: { type: 'message_action', user, team, api_app_id: 'A1', callback_id: 'nothing-here', trigger_id: 'trigger-prop', channel: { id: 'C0EXPORTS' }, message: { ts: '1700000000.000001', text: 'x' }, response_url: responseUrl },
    },
    {
      name: 'app_home_opened',
      wire: 'json',
      envelope: 'events_api',
      body: { token: 'legacy', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'Ev1', event_time: 1_700_000_000, event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home', event_ts: '1700000000.000100' } },
    },
    { name: 'app_uninstalled', wire: 'json', envelope: 'events_api', body: { team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'Ev2', event: { type: 'app_uninstalled' } } },
  ];
}

/** Every path (key list) in a JSON value, the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...pathsOf(x, [...prefix, i])]);
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])]);
  return [];
}

/** A replacement value of another type (or none). */
const replacement = fc.oneof(
  fc.constant<unknown>(undefined), // removed
  fc.constant<unknown>(null),
  fc.integer({ min: -5, max: 1e9 }),
  fc.constant<unknown>(1e300),
  fc.boolean(),
  fc.constantFrom<unknown>('', 'x', '0', 'null', 'U0MALLORY', 'T2', 'A2', '__proto__', 'constructor'),
  fc.constant<unknown>([]),
  fc.constant<unknown>({}),
  fc.constant<unknown>([null]),
  fc.constant<unknown>({ id: 1, type: 2 }),
  fc.string({ maxLength: 8 }),
);

/** Applies one mutation (remove, null, retype) at `path`; returns a new value. */
export function mutate(v: unknown, path: (string | number)[], to: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (to === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = to;
  return copy;
}

/** A mutated sample: 1–3 parts removed, nulled or retyped, or the whole body replaced. */
export function mutatedSample(all: Sample[]): fc.Arbitrary<{ sample: Sample; body: unknown; what: string }> {
  const whole = fc.record({
    sample: fc.constantFrom(...all),
    body: fc.constantFrom<unknown>(null, 0, 1, 'x', '', [], [null], {}, { type: 'block_actions' }, { type: 'view_submission' }, { event: null }, { command: null }, { type: 'event_callback' }),
  }).map(({ sample, body }) => ({ sample, body, what: `whole body ${JSON.stringify(body)}` }));
  const parts = fc.constantFrom(...all).chain((sample) => {
    const paths = pathsOf(sample.body);
    return fc.array(fc.tuple(fc.constantFrom(...paths), replacement), { minLength: 1, maxLength: 3 }).map((muts) => {
      let body: unknown = sample.body;
      const done: string[] = [];
      for (const [path, to] of muts) {
        try {
          body = mutate(body, path, to);
          done.push(`${path.join('.')}=${to === undefined ? '(removed)' : JSON.stringify(to)}`);
        } catch {
          // The path no longer exists after an earlier mutation.
        }
      }
      return { sample, body, what: done.join(', ') };
    });
  });
  return fc.oneof({ weight: 1, arbitrary: whole }, { weight: 9, arbitrary: parts });
}

/** The HTTP body and content type for a (mutated) sample, as Slack would encode it. */
export function encode(sample: Sample, body: unknown): { body: string; contentType: string } {
  if (sample.wire === 'json') return { body: JSON.stringify(body) ?? 'null', contentType: 'application/json' };
  if (sample.wire === 'payload') return { body: new URLSearchParams({ payload: JSON.stringify(body) ?? 'null' }).toString(), contentType: 'application/x-www-form-urlencoded' };
  // A form carries strings only: retyped fields arrive as their JSON text; an object body becomes its fields.
  const fields = new URLSearchParams();
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) fields.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return { body: fields.toString(), contentType: 'application/x-www-form-urlencoded' };
}
