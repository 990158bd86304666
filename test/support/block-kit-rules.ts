/**
 * Slack's documented Block Kit and Web API limits as one pure check, so the fake Slack refuses what real Slack refuses.
 *
 * `validateSlackPayload(method, args)` takes what the bot sent (a Web API call's arguments, a response_url body, or an
 * ack body) and answers `{ ok: true }` or Slack's error code with the problems found, each written the way Slack
 * writes them (`… [json-pointer:/blocks/0/text/text]`) and prefixed with the rule's id. Every rule is declared once in
 * RULES with the reference page it comes from; the rule tests prove that each one fires.
 *
 * Where Slack documents no number (the total text of a message's blocks), the rule says what it is based on.
 */
import { checkBlocks, choices, type Surface } from './block-kit-blocks.js';
import { Findings, isRecord, type RuleId, textObject } from './block-kit-common.js';

export { RULES, type RuleId } from './block-kit-common.js';

/** What Slack would answer. */
export type SlackVerdict = { ok: true } | { ok: false; error: string; problems: string[]; rules: RuleId[] };

/** Web API methods that post or edit a message, and the response_url body (same message shape). */
const MESSAGE_METHODS = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.update',
  'chat.scheduleMessage',
  'response_url',
]);
const VIEW_METHODS = new Set(['views.open', 'views.push', 'views.update', 'views.publish']);

/** Pseudo-method for the body the app acks a view_submission with (response_action). */
export const VIEW_SUBMISSION_ACK = 'view_submission.ack';
/** Pseudo-method for the body the app acks a block_suggestion with (options / option_groups). */
export const BLOCK_SUGGESTION_ACK = 'block_suggestion.ack';

// Slack's documented figures, named once.
export const LIMITS = {
  messageText: 40_000,
  messageBlocks: 50,
  viewBlocks: 100,
  /**
   * Undocumented: Slack answers msg_blocks_too_long past about 12,000 characters of text in a message's blocks
   * (slackapi/bolt-js#2509: refused at ~13,200; a Slack engineer in #2867: "12,000 text characters with a buffer
   * for block containers"; #2867 was refused at 11,341). The fake holds messages to 12,000.
   */
  messageBlocksText: 12_000,
  viewBytes: 250_000,
  privateMetadata: 3000,
  callbackId: 255,
  viewTitle: 24,
} as const;

/** Checks one payload the bot sent to Slack against Slack's documented rules for that surface. */
export function validateSlackPayload(method: string, args: Record<string, unknown>): SlackVerdict {
  const f = new Findings();
  let error = 'invalid_arguments';
  if (MESSAGE_METHODS.has(method)) error = checkMessage(f, args, method);
  else if (VIEW_METHODS.has(method)) error = checkViewCall(f, method, args);
  else if (method === VIEW_SUBMISSION_ACK) checkViewSubmissionAck(f, args);
  else if (method === BLOCK_SUGGESTION_ACK) checkOptionsAck(f, args);
  else if (method === 'chat.unfurl') error = checkUnfurls(f, args);
  else return { ok: true };
  if (f.problems.length === 0) return { ok: true };
  return {
    ok: false,
    error: f.errorOverride ?? error,
    problems: f.problems.map((p) => p.text),
    rules: [...new Set(f.problems.map((p) => p.rule))],
  };
}

// https://api.slack.com/methods/chat.postMessage (text, blocks), https://api.slack.com/reference/surfaces/formatting
function checkMessage(f: Findings, args: Record<string, unknown>, method: string): string {
  if (method === 'response_url' && args['delete_original'] === true) return 'invalid_blocks';
  const text = args['text'];
  const blocks = args['blocks'];
  if (typeof text === 'string' && text.length > LIMITS.messageText) {
    f.add(
      'message.text_length',
      '/text',
      `must be at most ${LIMITS.messageText} characters, got ${text.length}`,
      'msg_too_long',
    );
  }
  const hasText = typeof text === 'string' && text.trim().length > 0;
  if (blocks === undefined || blocks === null) {
    if (!hasText && args['attachments'] === undefined)
      f.add('message.no_text', '/text', 'a message needs text, blocks or attachments', 'no_text');
    return 'invalid_blocks';
  }
  if (!Array.isArray(blocks)) {
    f.add('message.blocks_format', '/blocks', 'blocks must be a JSON array', 'invalid_blocks_format');
    return 'invalid_blocks_format';
  }
  // With blocks, `text` is the notification and screen-reader fallback: Slack warns when it is missing; we refuse.
  if (blocks.length > 0 && !hasText)
    f.add(
      'message.fallback_text',
      '/text',
      'blocks are sent without the fallback text (notifications and screen readers show nothing)',
    );
  if (blocks.length > LIMITS.messageBlocks)
    f.add('message.block_count', '/blocks', `at most ${LIMITS.messageBlocks} blocks per message, got ${blocks.length}`);
  checkBlocks(f, blocks, '/blocks', 'message');
  const total = blockTextLength(blocks);
  if (total > LIMITS.messageBlocksText) {
    f.add(
      'message.blocks_text_budget',
      '/blocks',
      `the blocks carry ${total} characters of text, more than the ${LIMITS.messageBlocksText} Slack accepts`,
      'msg_blocks_too_long',
    );
  }
  return 'invalid_blocks';
}

// https://api.slack.com/methods/chat.unfurl: `unfurls` maps each URL to its unfurl, whose blocks follow message rules.
function checkUnfurls(f: Findings, args: Record<string, unknown>): string {
  const unfurls = args['unfurls'];
  if (!isRecord(unfurls)) return 'invalid_unfurls_format';
  for (const [url, unfurl] of Object.entries(unfurls)) {
    const at = `/unfurls/${url}`;
    if (!isRecord(unfurl)) {
      f.add('message.blocks_format', at, 'each unfurl must be an object', 'invalid_unfurls_format');
      continue;
    }
    const blocks = unfurl['blocks'];
    if (!Array.isArray(blocks)) {
      if (unfurl['text'] === undefined)
        f.add(
          'message.blocks_format',
          `${at}/blocks`,
          'an unfurl needs blocks (or attachment text)',
          'invalid_unfurls_format',
        );
      continue;
    }
    if (blocks.length > LIMITS.messageBlocks)
      f.add('message.block_count', `${at}/blocks`, `at most ${LIMITS.messageBlocks} blocks, got ${blocks.length}`);
    checkBlocks(f, blocks, `${at}/blocks`, 'message');
    const total = blockTextLength(blocks);
    if (total > LIMITS.messageBlocksText)
      f.add('message.blocks_text_budget', `${at}/blocks`, `${total} characters of text`, 'msg_blocks_too_long');
  }
  return 'invalid_blocks';
}

/** Sum of every `text` string in a block tree (what Slack counts towards msg_blocks_too_long). */
export function blockTextLength(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + blockTextLength(x), 0);
  if (!isRecord(node)) return 0;
  let n = typeof node['text'] === 'string' ? node['text'].length : 0;
  for (const [k, v] of Object.entries(node)) if (k !== 'text' || typeof v !== 'string') n += blockTextLength(v);
  return n;
}

// https://api.slack.com/methods/views.open, views.push, views.update, views.publish
function checkViewCall(f: Findings, method: string, args: Record<string, unknown>): string {
  const view = args['view'];
  if (!isRecord(view)) {
    f.add('view.type', '/view', 'view must be a JSON object');
    return 'invalid_arguments';
  }
  if (method === 'views.publish' && view['type'] !== 'home')
    f.add('view.type', '/view/type', 'views.publish takes a home view');
  if ((method === 'views.open' || method === 'views.push') && view['type'] !== 'modal')
    f.add('view.type', '/view/type', `${method} takes a modal view`);
  checkView(f, view, '/view');
  return 'invalid_arguments';
}

/** A modal or Home view: https://api.slack.com/reference/surfaces/views */
export function checkView(f: Findings, view: Record<string, unknown>, at: string): void {
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') {
    f.add('view.type', `${at}/type`, `must be modal or home, got ${JSON.stringify(type)}`);
    return;
  }
  const blocks = view['blocks'];
  if (!Array.isArray(blocks)) f.add('view.blocks', `${at}/blocks`, 'a view needs a blocks array');
  else {
    if (blocks.length > LIMITS.viewBlocks)
      f.add('view.block_count', `${at}/blocks`, `at most ${LIMITS.viewBlocks} blocks per view, got ${blocks.length}`);
    checkBlocks(f, blocks, `${at}/blocks`, type as Surface);
  }
  if (type === 'modal') {
    if (view['title'] === undefined) f.add('view.title', `${at}/title`, 'a modal needs a title');
    else textObject(f, view['title'], `${at}/title`, { max: LIMITS.viewTitle, plain: true, rule: 'view.title' });
    for (const k of ['submit', 'close'] as const) {
      if (view[k] !== undefined)
        textObject(f, view[k], `${at}/${k}`, { max: LIMITS.viewTitle, plain: true, rule: 'view.submit_close' });
    }
    const hasInput = Array.isArray(blocks) && blocks.some((b) => isRecord(b) && b['type'] === 'input');
    if (hasInput && view['submit'] === undefined)
      f.add('view.submit_required', `${at}/submit`, 'a modal with input blocks needs a submit button');
  }
  const meta = view['private_metadata'];
  if (meta !== undefined && (typeof meta !== 'string' || meta.length > LIMITS.privateMetadata)) {
    f.add(
      'view.private_metadata',
      `${at}/private_metadata`,
      `must be a string of at most ${LIMITS.privateMetadata} characters`,
    );
  }
  for (const k of ['callback_id', 'external_id'] as const) {
    const v = view[k];
    if (v !== undefined && (typeof v !== 'string' || v.length > LIMITS.callbackId))
      f.add('view.callback_id', `${at}/${k}`, `must be a string of at most ${LIMITS.callbackId} characters`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(view), 'utf8');
  if (bytes > LIMITS.viewBytes)
    f.add('view.size', at, `the view is ${bytes} bytes, more than Slack's 250 kB`, 'view_too_large');
}

// What a view_submission ack may say: https://api.slack.com/surfaces/modals#updating_response (response_action)
function checkViewSubmissionAck(f: Findings, body: Record<string, unknown>): void {
  const action = body['response_action'];
  if (action === undefined) return;
  if (action === 'update' || action === 'push') {
    if (!isRecord(body['view'])) f.add('ack.response_action', '/view', `response_action ${action} needs a view`);
    else {
      if (body['view']['type'] !== 'modal')
        f.add('view.type', '/view/type', `response_action ${action} takes a modal view`);
      checkView(f, body['view'], '/view');
    }
  } else if (action === 'errors') {
    const errors = body['errors'];
    if (!isRecord(errors) || Object.keys(errors).length === 0)
      f.add('ack.response_action', '/errors', 'response_action errors needs an errors object keyed by block_id');
    else
      for (const [k, v] of Object.entries(errors))
        if (typeof v !== 'string' || v.length === 0)
          f.add('ack.response_action', `/errors/${k}`, 'each error is a non-empty string');
  } else if (action !== 'clear')
    f.add('ack.response_action', '/response_action', `unknown response_action ${JSON.stringify(action)}`);
}

// The options load response: https://api.slack.com/reference/block-kit/block-elements#external_select
function checkOptionsAck(f: Findings, body: Record<string, unknown>): void {
  const options = body['options'];
  const groups = body['option_groups'];
  if (options === undefined && groups === undefined) {
    f.add('options.count', '/options', 'an options response needs options or option_groups');
    return;
  }
  // The response fills an external select: plain_text options, at most 100 (or 100 groups).
  choices(
    f,
    { ...(options !== undefined ? { options } : {}), ...(groups !== undefined ? { option_groups: groups } : {}) },
    '',
    'external_select',
  );
}

/**
 * Checks the body the app answered a Slack request with (HTTP response or Socket Mode ack payload), by what the request
 * was: a view_submission's response_action, a block_suggestion's options, a slash command's immediate message.
 */
export function validateAck(request: Record<string, unknown>, body: unknown): SlackVerdict {
  if (!isRecord(body) || Object.keys(body).length === 0) return { ok: true };
  if (request['type'] === 'view_submission') return validateSlackPayload(VIEW_SUBMISSION_ACK, body);
  if (request['type'] === 'block_suggestion') return validateSlackPayload(BLOCK_SUGGESTION_ACK, body);
  if (typeof request['command'] === 'string') return validateSlackPayload('response_url', body);
  return { ok: true };
}

/** The request a form-encoded Slack body carries: an interaction's `payload`, or a slash command's fields. */
export function slackRequestOf(formBody: string): Record<string, unknown> {
  const params = new URLSearchParams(formBody);
  const payload = params.get('payload');
  if (payload === null) return Object.fromEntries(params);
  try {
    const parsed: unknown = JSON.parse(payload);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
