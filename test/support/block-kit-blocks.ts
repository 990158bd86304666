/** Block and block-element rules (https://api.slack.com/reference/block-kit/blocks and /block-elements). */
import { type Findings, isRecord, stringField, textObject } from './block-kit-common.js';

/** Where blocks are shown: each has its own block types and counts. */
export type Surface = 'message' | 'modal' | 'home';

// "Available in surfaces" on each block's reference entry.
const BLOCK_TYPES: Record<Surface, ReadonlySet<string>> = {
  message: new Set([
    'actions',
    'context',
    'divider',
    'file',
    'header',
    'image',
    'input',
    'markdown',
    'rich_text',
    'section',
    'video',
  ]),
  modal: new Set(['actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'section', 'video']),
  home: new Set(['actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'section', 'video']),
};

const SELECTS = ['static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select'];
const MULTI_SELECTS = SELECTS.map((s) => `multi_${s}`);
// Which elements each block takes (the block's `elements` / `accessory` / `element` entry).
const ACTIONS_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
  ...MULTI_SELECTS,
]);
const ACCESSORY_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
  ...MULTI_SELECTS,
]);
const INPUT_ELEMENTS = new Set([
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
  ...MULTI_SELECTS,
]);

/** Checks a list of blocks for one surface: types, block_ids, and every block's own rules. */
export function checkBlocks(f: Findings, blocks: unknown[], at: string, surface: Surface): void {
  const ids = new Map<string, number>();
  blocks.forEach((b, i) => {
    const p = `${at}/${i}`;
    if (!isRecord(b) || typeof b['type'] !== 'string') {
      f.add('block.type', p, 'each block is an object with a type');
      return;
    }
    const type = b['type'];
    if (!BLOCK_TYPES[surface].has(type))
      f.add('block.type', `${p}/type`, `a ${type} block is not available in a ${surface}`);
    const blockId = b['block_id'];
    if (blockId !== undefined) {
      stringField(f, blockId, `${p}/block_id`, 255, 'block.block_id');
      if (typeof blockId === 'string') {
        if (ids.has(blockId))
          f.add(
            'block.block_id_unique',
            `${p}/block_id`,
            `duplicate block_id ${JSON.stringify(blockId)} (also at ${at}/${ids.get(blockId)})`,
          );
        else ids.set(blockId, i);
      }
    }
    BLOCK_CHECKS[type]?.(f, b, p);
  });
}

const BLOCK_CHECKS: Record<string, (f: Findings, b: Record<string, unknown>, at: string) => void> = {
  section(f, b, at) {
    if (b['text'] === undefined && b['fields'] === undefined)
      f.add('section.text_or_fields', at, 'a section needs text or fields');
    if (b['text'] !== undefined) textObject(f, b['text'], `${at}/text`, { max: 3000, rule: 'section.text' });
    const fields = b['fields'];
    if (fields !== undefined) {
      if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10)
        f.add('section.fields', `${at}/fields`, 'fields: 1 to 10 text objects');
      if (Array.isArray(fields))
        fields.forEach((t, i) => textObject(f, t, `${at}/fields/${i}`, { max: 2000, rule: 'section.fields' }));
    }
    if (b['accessory'] !== undefined) element(f, b['accessory'], `${at}/accessory`, ACCESSORY_ELEMENTS, new Set());
  },
  header(f, b, at) {
    textObject(f, b['text'], `${at}/text`, { max: 150, plain: true, rule: 'header.text' });
  },
  context(f, b, at) {
    const els = b['elements'];
    if (!Array.isArray(els) || els.length === 0 || els.length > 10) {
      f.add('context.elements', `${at}/elements`, 'a context block takes 1 to 10 elements');
      return;
    }
    els.forEach((e, i) => {
      const p = `${at}/elements/${i}`;
      if (isRecord(e) && e['type'] === 'image') imageFields(f, e, p, 'image_url');
      else if (isRecord(e) && (e['type'] === 'mrkdwn' || e['type'] === 'plain_text')) textObject(f, e, p);
      else f.add('context.elements', p, 'context elements are images or text objects');
    });
  },
  actions(f, b, at) {
    const els = b['elements'];
    if (!Array.isArray(els) || els.length === 0 || els.length > 25) {
      f.add('actions.elements', `${at}/elements`, 'an actions block takes 1 to 25 elements');
      return;
    }
    const actionIds = new Set<string>();
    els.forEach((e, i) => element(f, e, `${at}/elements/${i}`, ACTIONS_ELEMENTS, actionIds));
  },
  input(f, b, at) {
    textObject(f, b['label'], `${at}/label`, { max: 2000, plain: true, rule: 'input.label_hint' });
    if (b['hint'] !== undefined)
      textObject(f, b['hint'], `${at}/hint`, { max: 2000, plain: true, rule: 'input.label_hint' });
    if (b['element'] === undefined) f.add('input.element', `${at}/element`, 'an input block needs an element');
    else element(f, b['element'], `${at}/element`, INPUT_ELEMENTS, new Set());
  },
  image(f, b, at) {
    imageFields(f, b, at, 'image_url');
    if (b['title'] !== undefined)
      textObject(f, b['title'], `${at}/title`, { max: 2000, plain: true, rule: 'image.fields' });
  },
};

function imageFields(f: Findings, e: Record<string, unknown>, at: string, urlKey: string): void {
  if (e['slack_file'] === undefined) stringField(f, e[urlKey], `${at}/${urlKey}`, 3000, 'image.fields', true);
  stringField(f, e['alt_text'], `${at}/alt_text`, 2000, 'image.fields', true);
}

/** One interactive element in a block: allowed there, a unique action_id, and its own rules. */
function element(f: Findings, e: unknown, at: string, allowed: ReadonlySet<string>, actionIds: Set<string>): void {
  if (!isRecord(e) || typeof e['type'] !== 'string') {
    f.add('element.type', at, 'each element is an object with a type');
    return;
  }
  const type = e['type'];
  if (!allowed.has(type)) f.add('element.type', `${at}/type`, `a ${type} element is not allowed here`);
  const actionId = e['action_id'];
  if (actionId !== undefined) {
    stringField(f, actionId, `${at}/action_id`, 255, 'element.action_id');
    if (typeof actionId === 'string') {
      if (actionIds.has(actionId))
        f.add(
          'element.action_id_unique',
          `${at}/action_id`,
          `duplicate action_id ${JSON.stringify(actionId)} in the block`,
        );
      actionIds.add(actionId);
    }
  }
  if (e['placeholder'] !== undefined)
    textObject(f, e['placeholder'], `${at}/placeholder`, { max: 150, plain: true, rule: 'element.placeholder' });
  if (e['confirm'] !== undefined) confirm(f, e['confirm'], `${at}/confirm`);
  if (type === 'image') imageFields(f, e, at, 'image_url');
  else if (type === 'button') button(f, e, at);
  else if (type === 'datepicker') datepicker(f, e, at);
  else if (type === 'timepicker') timepicker(f, e, at);
  else if (type === 'datetimepicker') datetimepicker(f, e, at);
  else if (type === 'plain_text_input') textInput(f, e, at);
  else if (type === 'number_input') numberInput(f, e, at);
  else if (type === 'checkboxes' || type === 'radio_buttons' || type === 'overflow' || type.endsWith('select'))
    choices(f, e, at, type);
}

function button(f: Findings, e: Record<string, unknown>, at: string): void {
  textObject(f, e['text'], `${at}/text`, { max: 75, plain: true, rule: 'button.text' });
  stringField(f, e['value'], `${at}/value`, 2000, 'button.value');
  stringField(f, e['url'], `${at}/url`, 3000, 'button.value');
  if (e['style'] !== undefined && e['style'] !== 'primary' && e['style'] !== 'danger')
    f.add('button.style', `${at}/style`, 'style is primary or danger');
}

function confirm(f: Findings, c: unknown, at: string): void {
  if (!isRecord(c)) {
    f.add('confirm.fields', at, 'a confirm dialog is an object');
    return;
  }
  textObject(f, c['title'], `${at}/title`, { max: 100, plain: true, rule: 'confirm.fields' });
  textObject(f, c['text'], `${at}/text`, { max: 300, rule: 'confirm.fields' });
  textObject(f, c['confirm'], `${at}/confirm`, { max: 30, plain: true, rule: 'confirm.fields' });
  textObject(f, c['deny'], `${at}/deny`, { max: 30, plain: true, rule: 'confirm.fields' });
  if (c['style'] !== undefined && c['style'] !== 'primary' && c['style'] !== 'danger')
    f.add('confirm.fields', `${at}/style`, 'style is primary or danger');
}

function datepicker(f: Findings, e: Record<string, unknown>, at: string): void {
  const v = e['initial_date'];
  if (v === undefined) return;
  const ok =
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
  if (!ok)
    f.add(
      'datepicker.initial_date',
      `${at}/initial_date`,
      `must be a real date as YYYY-MM-DD, got ${JSON.stringify(v)}`,
    );
}

function timepicker(f: Findings, e: Record<string, unknown>, at: string): void {
  const v = e['initial_time'];
  if (v !== undefined && !(typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v)))
    f.add('timepicker.initial_time', `${at}/initial_time`, `must be HH:mm, got ${JSON.stringify(v)}`);
}

function datetimepicker(f: Findings, e: Record<string, unknown>, at: string): void {
  const v = e['initial_date_time'];
  // "represented as a UNIX timestamp in seconds … in the format of 10 digits": 2001-09-09 to 2286-11-20.
  if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1_000_000_000 && (v as number) <= 9_999_999_999)) {
    f.add(
      'datetimepicker.initial',
      `${at}/initial_date_time`,
      `must be a 10-digit UNIX time in seconds, got ${JSON.stringify(v)}`,
    );
  }
}

function textInput(f: Findings, e: Record<string, unknown>, at: string): void {
  const min = e['min_length'];
  const max = e['max_length'];
  if (min !== undefined && !(Number.isInteger(min) && (min as number) >= 0 && (min as number) <= 3000))
    f.add('text_input.lengths', `${at}/min_length`, 'min_length is 0 to 3000');
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1 && (max as number) <= 3000))
    f.add('text_input.lengths', `${at}/max_length`, 'max_length is 1 to 3000');
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    f.add('text_input.lengths', `${at}/min_length`, 'min_length is above max_length');
  const initial = e['initial_value'];
  if (initial !== undefined) {
    if (typeof initial !== 'string') f.add('text_input.lengths', `${at}/initial_value`, 'initial_value is a string');
    else if (initial.length > (typeof max === 'number' ? max : 3000))
      f.add(
        'text_input.lengths',
        `${at}/initial_value`,
        `initial_value is ${initial.length} characters, above max_length`,
      );
  }
}

function numberInput(f: Findings, e: Record<string, unknown>, at: string): void {
  const decimals = e['is_decimal_allowed'];
  if (typeof decimals !== 'boolean')
    f.add('number_input.values', `${at}/is_decimal_allowed`, 'is_decimal_allowed is a required boolean');
  const pattern = decimals === true ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
  for (const k of ['initial_value', 'min_value', 'max_value']) {
    const v = e[k];
    if (v !== undefined && !(typeof v === 'string' && pattern.test(v)))
      f.add(
        'number_input.values',
        `${at}/${k}`,
        `${k} must be a ${decimals === true ? '' : 'whole '}number as a string, got ${JSON.stringify(v)}`,
      );
  }
}

// ---- option-bearing elements: selects, multi-selects, checkboxes, radio buttons, overflow ----

type Opt = Record<string, unknown>;
const optKey = (o: unknown): string =>
  isRecord(o) && isRecord(o['text']) ? `${String(o['text']['text'])}\u0000${String(o['value'])}` : '?';

/** Options of a select, checkboxes, radio buttons or overflow, their initial selections and max_selected_items. */
export function choices(f: Findings, e: Record<string, unknown>, at: string, type: string): void {
  const plainOnly = type !== 'checkboxes' && type !== 'radio_buttons';
  const maxOptions = type === 'overflow' ? 5 : type === 'checkboxes' || type === 'radio_buttons' ? 10 : 100;
  const known = new Set<string>();
  const options = e['options'];
  const groups = e['option_groups'];
  const hasList =
    type === 'overflow' || type === 'checkboxes' || type === 'radio_buttons' || type.endsWith('static_select');
  if (options !== undefined) {
    if (!Array.isArray(options) || options.length > maxOptions)
      f.add('select.options_count', `${at}/options`, `at most ${maxOptions} options`);
    if (Array.isArray(options))
      options.forEach(
        (o, i) => option(f, o, `${at}/options/${i}`, plainOnly, type === 'overflow') && known.add(optKey(o)),
      );
  }
  if (groups !== undefined) {
    if (!Array.isArray(groups) || groups.length > 100)
      f.add('option_group.fields', `${at}/option_groups`, 'at most 100 option groups');
    if (Array.isArray(groups)) {
      groups.forEach((g, gi) => {
        const gp = `${at}/option_groups/${gi}`;
        if (!isRecord(g)) return f.add('option_group.fields', gp, 'an option group is an object');
        textObject(f, g['label'], `${gp}/label`, { max: 75, plain: true, rule: 'option_group.fields' });
        const go = g['options'];
        if (!Array.isArray(go) || go.length > 100)
          f.add('option_group.fields', `${gp}/options`, 'a group holds at most 100 options');
        if (Array.isArray(go))
          go.forEach((o, i) => option(f, o, `${gp}/options/${i}`, true, false) && known.add(optKey(o)));
      });
    }
  }
  if (hasList && options === undefined && groups === undefined)
    f.add('select.options_count', `${at}/options`, `a ${type} needs options`);

  // Initial selections: present among the options (lists only), and no more than max_selected_items.
  const initialOne = e['initial_option'];
  const initialMany = e['initial_options'];
  for (const [k, list] of [
    ['initial_option', initialOne === undefined ? [] : [initialOne]],
    ['initial_options', initialMany ?? []],
  ] as const) {
    if (!Array.isArray(list)) {
      f.add('select.initial_in_options', `${at}/${k}`, `${k} must be an array`);
      continue;
    }
    list.forEach((o: unknown, i: number) => {
      const p = k === 'initial_option' ? `${at}/${k}` : `${at}/${k}/${i}`;
      if (!option(f, o, p, plainOnly, false)) return;
      if (hasList && !known.has(optKey(o)))
        f.add(
          'select.initial_in_options',
          p,
          `initial option ${JSON.stringify((o as Opt)['value'])} is not among the options`,
        );
    });
  }
  if (type.startsWith('multi_')) {
    const max = e['max_selected_items'];
    if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1))
      f.add('select.max_selected', `${at}/max_selected_items`, 'max_selected_items is at least 1');
    const initial = ['initial_options', 'initial_users', 'initial_conversations', 'initial_channels']
      .map((k) => e[k])
      .find((v) => v !== undefined);
    if (typeof max === 'number' && Array.isArray(initial) && initial.length > max) {
      f.add(
        'select.max_selected',
        `${at}/max_selected_items`,
        `${initial.length} initial selections, more than max_selected_items ${max}`,
      );
    }
  }
}

/** One option object; returns whether it was well-formed enough to compare. */
function option(f: Findings, o: unknown, at: string, plainOnly: boolean, urlAllowed: boolean): boolean {
  if (!isRecord(o)) {
    f.add('option.value', at, 'an option is an object with text and value');
    return false;
  }
  textObject(f, o['text'], `${at}/text`, { max: 75, plain: plainOnly, rule: 'option.text' });
  stringField(f, o['value'], `${at}/value`, 150, 'option.value', true);
  // Checkbox and radio button items may use mrkdwn in their description too.
  if (o['description'] !== undefined)
    textObject(f, o['description'], `${at}/description`, { max: 75, plain: plainOnly, rule: 'option.description' });
  if (o['url'] !== undefined) {
    if (!urlAllowed) f.add('option.value', `${at}/url`, 'only overflow menu options take a url');
    stringField(f, o['url'], `${at}/url`, 3000, 'option.value');
  }
  return true;
}
