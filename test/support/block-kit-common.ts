/** The rule table and the small helpers the Block Kit checks share (see block-kit-rules.ts). */

const BLOCKS = 'https://api.slack.com/reference/block-kit/blocks';
const ELEMENTS = 'https://api.slack.com/reference/block-kit/block-elements';
const COMPOSITION = 'https://api.slack.com/reference/block-kit/composition-objects';
const VIEWS = 'https://api.slack.com/reference/surfaces/views';
const POST = 'https://api.slack.com/methods/chat.postMessage';

/** Every rule the fake enforces, with the Slack reference page it comes from. */
export const RULES = {
  'message.no_text': `${POST} (no_text: text, blocks or attachments required)`,
  'message.text_length': `${POST} (text: messages past 40,000 characters are refused with msg_too_long)`,
  'message.blocks_format': `${POST} (blocks: a JSON-based array of structured blocks; invalid_blocks_format)`,
  'message.fallback_text': `${POST} (text is the fallback for notifications and screen readers when blocks are used)`,
  'message.block_count': `${BLOCKS} (up to 50 blocks in each message)`,
  'message.blocks_text_budget':
    'slackapi/bolt-js#2509 and #2867 (msg_blocks_too_long: ~12,000 characters of block text; undocumented)',
  'view.type': `${VIEWS} (type: modal or home; views.publish takes home)`,
  'view.blocks': `${VIEWS} (blocks: required array)`,
  'view.block_count': `${VIEWS} (blocks: maximum 100)`,
  'view.title': `${VIEWS}#modal (title: required plain_text, max 24 characters)`,
  'view.submit_close': `${VIEWS}#modal (submit, close: plain_text, max 24 characters)`,
  'view.submit_required': `${VIEWS}#modal (submit is required when an input block is within blocks)`,
  'view.private_metadata': `${VIEWS} (private_metadata: max 3000 characters)`,
  'view.callback_id': `${VIEWS} (callback_id, external_id: max 255 characters)`,
  'view.size': 'https://api.slack.com/methods/views.open (view_too_large: a view of at most 250 kB)',
  'ack.response_action':
    'https://api.slack.com/surfaces/modals#updating_response (response_action: errors, update, push, clear)',
  'block.type': `${BLOCKS} (each block's "Available in surfaces")`,
  'block.block_id': `${BLOCKS} (block_id: max 255 characters)`,
  'block.block_id_unique': `${BLOCKS} (block_id: unique within each message / view and each iteration of it)`,
  'text.object': `${COMPOSITION}#text (type plain_text or mrkdwn; text 1 to 3000 characters)`,
  'text.plain_required': `${COMPOSITION}#text (fields that take "a plain_text text object" refuse mrkdwn)`,
  'section.text_or_fields': `${BLOCKS}#section (text: not required if fields is provided)`,
  'section.text': `${BLOCKS}#section (text: max 3000 characters)`,
  'section.fields': `${BLOCKS}#section (fields: max 10 items, 2000 characters each)`,
  'header.text': `${BLOCKS}#header (text: plain_text, max 150 characters)`,
  'context.elements': `${BLOCKS}#context (elements: image or text objects, max 10)`,
  'actions.elements': `${BLOCKS}#actions (elements: max 25 interactive elements)`,
  'input.label_hint': `${BLOCKS}#input (label and hint: plain_text, max 2000 characters)`,
  'input.element': `${BLOCKS}#input (element: one of the input elements; required)`,
  'image.fields': `${BLOCKS}#image (image_url max 3000, alt_text required, max 2000)`,
  'element.type': `${ELEMENTS} (which elements each block takes)`,
  'element.action_id': `${ELEMENTS} (action_id: max 255 characters)`,
  'element.action_id_unique': `${ELEMENTS} (action_id: unique among the action_ids in the containing block)`,
  'element.placeholder': `${ELEMENTS} (placeholder: plain_text, max 150 characters)`,
  'button.text': `${ELEMENTS}#button (text: plain_text, max 75 characters)`,
  'button.value': `${ELEMENTS}#button (value: max 2000 characters; url: max 3000)`,
  'button.style': `${ELEMENTS}#button (style: primary or danger)`,
  'option.text': `${COMPOSITION}#option (text: max 75 characters; plain_text in selects and overflow)`,
  'option.value': `${COMPOSITION}#option (value: required, max 150 characters)`,
  'option.description': `${COMPOSITION}#option (description: plain_text, max 75 characters)`,
  'option_group.fields': `${COMPOSITION}#option_group (label: plain_text max 75; options: max 100)`,
  'select.options_count': `${ELEMENTS} (select menus: max 100 options or groups; checkboxes and radio buttons: max 10; overflow: max 5)`,
  'select.initial_in_options': `${ELEMENTS} (initial_option(s): must exactly match options in options or option_groups)`,
  'select.max_selected': `${ELEMENTS}#multi_select (max_selected_items: min 1; initial selections beyond it are refused)`,
  'datepicker.initial_date': `${ELEMENTS}#datepicker (initial_date: YYYY-MM-DD)`,
  'timepicker.initial_time': `${ELEMENTS}#timepicker (initial_time: HH:mm)`,
  'datetimepicker.initial': `${ELEMENTS}#datetimepicker (initial_date_time: UNIX timestamp in seconds, 10 digits)`,
  'text_input.lengths': `${ELEMENTS}#input (plain_text_input: min_length 0-3000, max_length 1-3000, initial_value within max_length)`,
  'number_input.values': `${ELEMENTS}#number (is_decimal_allowed required; initial/min/max_value numbers, integers unless decimals are allowed)`,
  'confirm.fields': `${COMPOSITION}#confirm (title max 100, text max 300, confirm/deny max 30; plain_text)`,
  'options.count': `${ELEMENTS}#external_select (the options load response: options or option_groups, max 100)`,
} as const;

export type RuleId = keyof typeof RULES;

/** One broken rule, written as Slack writes it: `[rule] message [json-pointer:/path]`. */
export interface Problem {
  rule: RuleId;
  text: string;
}

/** The problems found in one payload, and the error code a finding forces (msg_too_long and the like). */
export class Findings {
  readonly problems: Problem[] = [];
  errorOverride?: string;

  /** Records a broken rule at a JSON pointer. */
  add(rule: RuleId, pointer: string, message: string, error?: string): void {
    this.problems.push({ rule, text: `[${rule}] ${message} [json-pointer:${pointer || '/'}]` });
    if (error && !this.errorOverride) this.errorOverride = error;
  }
}

/** A plain object (not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a text object: its type, 1..3000 characters, and the field's own limit and plain_text requirement. */
export function textObject(
  f: Findings,
  v: unknown,
  at: string,
  o: { max?: number; plain?: boolean; rule?: RuleId } = {},
): string | undefined {
  if (!isRecord(v) || typeof v['text'] !== 'string' || (v['type'] !== 'plain_text' && v['type'] !== 'mrkdwn')) {
    f.add('text.object', at, 'must be a text object { type: plain_text | mrkdwn, text }');
    return undefined;
  }
  const text = v['text'];
  if (o.plain && v['type'] !== 'plain_text') f.add('text.plain_required', `${at}/type`, 'must be plain_text here');
  if (text.length === 0) f.add('text.object', `${at}/text`, 'must be more than 0 characters');
  const max = Math.min(o.max ?? 3000, 3000);
  if (text.length > max)
    f.add(
      o.max !== undefined && o.rule ? o.rule : 'text.object',
      `${at}/text`,
      `must be less than ${max + 1} characters, got ${text.length}`,
    );
  return text;
}

/** A string of at most `max` characters (when present, or required). */
export function stringField(f: Findings, v: unknown, at: string, max: number, rule: RuleId, required = false): void {
  if (v === undefined) {
    if (required) f.add(rule, at, 'is required');
    return;
  }
  if (typeof v !== 'string') f.add(rule, at, 'must be a string');
  else if (v.length > max) f.add(rule, at, `must be less than ${max + 1} characters, got ${v.length}`);
}
