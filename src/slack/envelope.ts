import { z } from 'zod';
import { SLACK_ID_PATTERN } from '../core/ids.js';

/**
 * The envelope of every payload Slack delivers to this app (HTTP and Socket Mode alike), checked before Bolt
 * dispatches it: a body that is not one of these never reaches Bolt's routing or a listener. The schemas require
 * every part Slack always sends and a listener or Bolt reads (`user`, `view.state`, `view.blocks`, `container`, ...),
 * typed; parts Slack adds that we never read pass through unchecked (`loose`).
 */

const id = z.string().min(1).max(255);

// Every Slack id in an envelope is read in its one canonical spelling (src/core/ids.ts): policy, rate limit, store and
// audit compare ids as strings, so `u0mal` or a full-width `U０MAL` must be refused here, never reach them as a
// second person (or channel, or workspace) with its own decisions.
const slackId = (re: RegExp, what: string) => z.string().regex(re, `not a canonical Slack ${what} id`);
const userId = slackId(SLACK_ID_PATTERN.user, 'user');
const channelId = slackId(SLACK_ID_PATTERN.channel, 'conversation');
const teamId = slackId(SLACK_ID_PATTERN.team, 'team');
const enterpriseId = slackId(SLACK_ID_PATTERN.enterprise, 'enterprise');
const appId = slackId(SLACK_ID_PATTERN.app, 'app');

// Form contents are checked by the form readers, which answer inline at the field (length, format, range); here only
// the shapes they dereference are held (an object where they read a key, an array where they map, a string where
// they trim), so a retyped part is refused instead of throwing.
const option = z.looseObject({ value: z.string(), text: z.looseObject({ text: z.string() }).optional() });

/** One input's value in `view.state.values` (the keys every form reader in this app reads, typed by shape). */
const stateValue = z.looseObject({
  type: z.string().optional(),
  value: z.string().nullable().optional(),
  selected_option: option.nullable().optional(),
  selected_options: z.array(option).nullable().optional(),
  selected_date: z.string().nullable().optional(),
  selected_time: z.string().nullable().optional(),
  // selected_date_time: read as "a finite number or not a time" by both readers; left to them (inline error).
  selected_user: userId.nullable().optional(),
  selected_users: z.array(userId).nullable().optional(),
  selected_conversation: channelId.nullable().optional(),
  selected_conversations: z.array(channelId).nullable().optional(),
  selected_channel: channelId.nullable().optional(),
  selected_channels: z.array(channelId).nullable().optional(),
});

const view = z.looseObject({
  id,
  type: z.string().max(50),
  callback_id: z.string().max(255),
  private_metadata: z.string(),
  hash: z.string().max(255),
  state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), stateValue)) }),
  blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string().optional() })),
  app_installed_team_id: teamId.optional(),
  team_id: teamId.nullable().optional(),
  app_id: appId.optional(),
});

const user = z.looseObject({ id: userId, team_id: teamId.optional() });
/** `team` is null for org-wide installs; `enterprise` is null outside Enterprise Grid. */
const team = z.looseObject({ id: teamId, enterprise_id: enterpriseId.optional() }).nullable();
const enterprise = z.looseObject({ id: enterpriseId }).nullable().optional();

const interactiveBase = {
  api_app_id: appId,
  user,
  team,
  enterprise,
  is_enterprise_install: z.boolean().optional(),
  token: z.string().max(255).optional(),
  // Workflow-step functions are not a feature of this app: Bolt would look for their tokens in these.
  function_data: z.undefined().optional(),
  bot_access_token: z.undefined().optional(),
  // Bolt routes on these keys before `type` (legacy dialogs, commands, events): their presence would send an
  // interactive payload down another path than the one checked here.
  name: z.undefined().optional(),
  command: z.undefined().optional(),
};
const noActions = { actions: z.undefined().optional() };

const blockAction = z.looseObject({
  action_id: z.string().max(255),
  block_id: z.string().max(255),
  type: z.string().max(100),
  value: z.string().optional(),
  selected_option: option.nullable().optional(),
  selected_options: z.array(option).optional(),
});

/** Interactive payloads (`payload=` over HTTP, `interactive` envelopes over the socket), by `type`. */
const interactive = z.discriminatedUnion('type', [
  z.looseObject({
    ...interactiveBase,
    type: z.literal('block_actions'),
    trigger_id: z.string().min(1).max(255),
    container: z.looseObject({
      type: z.string().max(50),
      channel_id: channelId.optional(),
      message_ts: z.string().max(50).optional(),
      view_id: id.optional(),
    }),
    actions: z.array(blockAction).min(1).max(25),
    channel: z.looseObject({ id: channelId }).optional(),
    message: z.looseObject({ ts: z.string().max(50) }).optional(),
    view: view.optional(),
    response_url: z.string().max(2_000).optional(),
  }),
  z.looseObject({
    ...interactiveBase,
    ...noActions,
    type: z.literal('view_submission'),
    view,
    trigger_id: z.string().max(255).optional(),
  }),
  z.looseObject({
    ...interactiveBase,
    ...noActions,
    type: z.literal('view_closed'),
    view,
    is_cleared: z.boolean().optional(),
  }),
  z.looseObject({
    ...interactiveBase,
    ...noActions,
    type: z.literal('block_suggestion'),
    action_id: z.string().max(255),
    block_id: z.string().max(255),
    value: z.string(),
    // The picker's listener reads only which modal asks and its metadata.
    view: z
      .looseObject({
        id,
        type: z.string().max(50),
        callback_id: z.string().max(255),
        private_metadata: z.string().max(10_000).optional(),
        app_installed_team_id: teamId.optional(),
        team_id: teamId.nullable().optional(),
        app_id: appId.optional(),
      })
      .optional(),
    container: z.looseObject({ type: z.string().max(50) }).optional(),
    channel: z.looseObject({ id: channelId }).optional(),
  }),
  z.looseObject({
    ...interactiveBase,
    ...noActions,
    type: z.literal('shortcut'),
    callback_id: z.string().max(255),
    trigger_id: z.string().min(1).max(255),
  }),
  z.looseObject({
    ...interactiveBase,
    ...noActions,
    type: z.literal('message_action'),
    callback_id: z.string().max(255),
    trigger_id: z.string().min(1).max(255),
    channel: z.looseObject({ id: channelId }),
    message: z.looseObject({ ts: z.string().max(50) }),
    response_url: z.string().max(2_000),
  }),
]);

/** A slash command: Slack form-encodes it over HTTP (every field a string) and sends the same fields over the socket. */
const command = z.looseObject({
  command: z.string().min(1).max(100),
  text: z.string(),
  user_id: userId,
  channel_id: channelId,
  team_id: teamId,
  api_app_id: appId,
  trigger_id: z.string().min(1).max(255),
  response_url: z.string().min(1).max(2_000),
  enterprise_id: enterpriseId.optional(),
  is_enterprise_install: z.enum(['true', 'false']).optional(),
  user_name: z.string().max(255).optional(),
  channel_name: z.string().max(255).optional(),
  team_domain: z.string().max(255).optional(),
  token: z.string().max(255).optional(),
});

/** The events this app handles, strictly; the two Slack sends every app unasked, loosely (no listener). */
const event = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('app_home_opened'),
    user: userId,
    channel: channelId,
    tab: z.string().max(50),
    event_ts: z.string().max(50).optional(),
  }),
  // https://api.slack.com/events/link_shared: the listener reads who pasted, where, the message and its links.
  z.looseObject({
    type: z.literal('link_shared'),
    user: userId,
    // A link still in the composer has no conversation yet: Slack names it COMPOSER.
    channel: z.union([channelId, z.literal('COMPOSER')]),
    message_ts: z.string().min(1).max(255),
    source: z.string().max(50).optional(),
    unfurl_id: z.string().max(500).optional(),
    links: z.array(z.looseObject({ url: z.string().max(4_000), domain: z.string().max(255) })).max(100),
  }),
  // https://api.slack.com/events/function_executed: a Workflow Builder step's run (Bolt's app.function reads these).
  z.looseObject({
    type: z.literal('function_executed'),
    function: z.looseObject({ callback_id: z.string().min(1).max(255), app_id: appId.optional() }),
    function_execution_id: z.string().min(1).max(255),
    // The ids a step acts on (handlers/functions/steps.ts) in their one spelling; the other inputs are the form's.
    inputs: z.looseObject({ requester: userId.optional(), channel: channelId.optional() }),
    bot_access_token: z.string().min(1).max(500),
  }),
  z.looseObject({ type: z.literal('app_uninstalled') }),
  z.looseObject({ type: z.literal('tokens_revoked') }),
]);

const eventCallback = z.looseObject({
  type: z.literal('event_callback'),
  api_app_id: appId,
  team_id: teamId,
  enterprise_id: enterpriseId.nullable().optional(),
  event,
  event_id: z.string().max(255).optional(),
  authorizations: z
    .array(
      z.looseObject({
        team_id: teamId.nullable().optional(),
        enterprise_id: enterpriseId.nullable().optional(),
        user_id: userId.optional(),
      }),
    )
    .max(10)
    .optional(),
  is_ext_shared_channel: z.boolean().optional(),
});

export type CommandEnvelope = z.infer<typeof command>;
export type InteractiveEnvelope = z.infer<typeof interactive>;
export type EventEnvelope = z.infer<typeof eventCallback>;

/** A body Slack could have sent this app, by kind. */
export type SlackEnvelope =
  | { kind: 'command'; body: CommandEnvelope }
  | { kind: 'interactive'; body: InteractiveEnvelope }
  | { kind: 'event'; body: EventEnvelope };

/** Who a payload is for: the app, and the workspace (or Enterprise Grid org) it acts in. */
export interface EnvelopeAudience {
  appId: string;
  teamId?: string;
  enterpriseId?: string;
}

/** What can be answered to a person when their payload could not be read: who they are, and how they reached us. */
export interface Answerable {
  kind: 'command' | 'view_submission' | 'block_suggestion' | 'other';
  userId?: string;
}

export type EnvelopeVerdict =
  | { ok: true; envelope: SlackEnvelope }
  /** `issues`: the paths (never the values) that did not fit, for the log. */
  | { ok: false; issues: string[]; answerable: Answerable };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a parsed body (HTTP) or an envelope's payload (Socket Mode) into one of the envelopes this app handles. */
export function readEnvelope(body: unknown): EnvelopeVerdict {
  // The same order Bolt classifies a body in (an `event` key wins over `command`, which wins over `type`).
  const kind = !isRecord(body)
    ? undefined
    : body['event'] !== undefined
      ? 'event'
      : body['command'] !== undefined
        ? 'command'
        : 'interactive';
  const schema = kind === 'command' ? command : kind === 'event' ? eventCallback : interactive;
  const parsed = kind ? schema.safeParse(body) : undefined;
  if (parsed?.success && kind) return { ok: true, envelope: { kind, body: parsed.data } as SlackEnvelope };
  const issues = parsed?.error
    ? parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
    : ['(root): not an object'];
  return { ok: false, issues, answerable: answerableOf(body) };
}

/** Who asked, when the body names them plainly enough to be answered (a malformed body may still say that much). */
function answerableOf(body: unknown): Answerable {
  if (!isRecord(body)) return { kind: 'other' };
  const str = (v: unknown) => (typeof v === 'string' && SLACK_ID_PATTERN.user.test(v) ? v : undefined);
  if (body['event'] === undefined && body['command'] !== undefined)
    return { kind: 'command', userId: str(body['user_id']) };
  const userId = isRecord(body['user']) ? str(body['user']['id']) : undefined;
  if (body['type'] === 'view_submission') return { kind: 'view_submission', userId };
  if (body['type'] === 'block_suggestion') return { kind: 'block_suggestion', userId };
  return { kind: 'other', userId };
}

/** The app and workspace a valid envelope is for, read the way Bolt authorizes it. */
export function audienceOf(e: SlackEnvelope): EnvelopeAudience {
  if (e.kind === 'command')
    return { appId: e.body.api_app_id, teamId: e.body.team_id, enterpriseId: e.body.enterprise_id };
  if (e.kind === 'event') {
    const auth = e.body.authorizations?.[0];
    return {
      appId: e.body.api_app_id,
      teamId: auth?.team_id ?? e.body.team_id,
      enterpriseId: (auth ? auth.enterprise_id : e.body.enterprise_id) ?? undefined,
    };
  }
  const b = e.body;
  const v =
    b.type === 'block_actions' ||
    b.type === 'view_submission' ||
    b.type === 'view_closed' ||
    b.type === 'block_suggestion'
      ? b.view
      : undefined;
  const installedIn = v?.app_installed_team_id;
  return {
    appId: b.api_app_id,
    teamId: installedIn ?? b.team?.id ?? b.user.team_id,
    enterpriseId: b.enterprise?.id ?? b.team?.enterprise_id,
  };
}

/** This app and its workspace, as `auth.test` (and `bots.info`) reported them at start. */
export interface AppIdentity {
  appId: string;
  teamId: string;
  enterpriseId?: string;
  /** An org-wide install acts in every workspace of its Enterprise Grid org. */
  orgWide: boolean;
}

/** Why an envelope is not for this app (undefined: it is). One signing secret must not let another workspace act. */
export function foreignReason(a: EnvelopeAudience, me: AppIdentity): string | undefined {
  if (a.appId !== me.appId) return 'api_app_id';
  if ((a.enterpriseId ?? undefined) !== me.enterpriseId) return 'enterprise';
  if (me.orgWide) return undefined;
  if (a.teamId !== me.teamId) return 'team';
  return undefined;
}
