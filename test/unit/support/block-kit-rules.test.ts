import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_SUGGESTION_ACK,
  RULES,
  type RuleId,
  VIEW_SUBMISSION_ACK,
  validateSlackPayload,
} from '../../support/block-kit-rules.js';

type Json = Record<string, unknown>;
const pt = (text: string) => ({ type: 'plain_text', text });
const md = (text: string) => ({ type: 'mrkdwn', text });
const x = (n: number) => 'x'.repeat(n);
const opt = (text: string, value = text) => ({ text: pt(text), value });
const section = (text = 'hello', extra: Json = {}) => ({ type: 'section', text: md(text), ...extra });
const actions = (...elements: Json[]) => ({ type: 'actions', block_id: 'acts', elements });
const button = (extra: Json = {}) => ({ type: 'button', action_id: 'go', text: pt('Go'), value: 'v', ...extra });
const input = (element: Json, extra: Json = {}) => ({
  type: 'input',
  block_id: 'in',
  label: pt('Label'),
  element,
  ...extra,
});
const select = (extra: Json = {}) => ({
  type: 'static_select',
  action_id: 'pick',
  options: [opt('a'), opt('b')],
  ...extra,
});
const msg = (blocks: unknown[], extra: Json = {}) => ({ channel: 'C1', text: 'fallback', blocks, ...extra });
const modal = (blocks: unknown[], extra: Json = {}) => ({
  view: {
    type: 'modal',
    callback_id: 'cb',
    title: pt('Title'),
    submit: pt('Send'),
    close: pt('Cancel'),
    blocks,
    ...extra,
  },
});
const modalIn = (el: Json) => modal([input(el)]);
const confirm = (extra: Json = {}) => ({
  title: pt('Sure?'),
  text: pt('Really.'),
  confirm: pt('Yes'),
  deny: pt('No'),
  ...extra,
});

/** One broken payload per case: the rule that must fire, on which surface, and Slack's error code. */
const cases: { rule: RuleId; method: string; args: Json; error?: string }[] = [
  { rule: 'message.no_text', method: 'chat.postMessage', args: { channel: 'C1' }, error: 'no_text' },
  {
    rule: 'message.text_length',
    method: 'chat.postMessage',
    args: { channel: 'C1', text: x(40_001) },
    error: 'msg_too_long',
  },
  {
    rule: 'message.blocks_format',
    method: 'chat.update',
    args: { channel: 'C1', ts: '1.2', text: 't', blocks: '[not json' },
    error: 'invalid_blocks_format',
  },
  {
    rule: 'message.fallback_text',
    method: 'chat.postMessage',
    args: { channel: 'C1', blocks: [section()] },
    error: 'invalid_blocks',
  },
  {
    rule: 'message.block_count',
    method: 'chat.postMessage',
    args: msg(Array.from({ length: 51 }, () => ({ type: 'divider' }))),
    error: 'invalid_blocks',
  },
  {
    rule: 'message.blocks_text_budget',
    method: 'chat.postMessage',
    args: msg(Array.from({ length: 5 }, () => section(x(2500)))),
    error: 'msg_blocks_too_long',
  },
  { rule: 'view.type', method: 'views.publish', args: modal([section()]) },
  { rule: 'view.type', method: 'views.open', args: { view: { type: 'home', blocks: [] } } },
  { rule: 'view.blocks', method: 'views.open', args: modal(undefined as unknown as unknown[]) },
  {
    rule: 'view.block_count',
    method: 'views.update',
    args: modal(Array.from({ length: 101 }, () => ({ type: 'divider' }))),
  },
  { rule: 'view.title', method: 'views.open', args: modal([section()], { title: pt(x(25)) }) },
  { rule: 'view.title', method: 'views.open', args: modal([section()], { title: undefined }) },
  { rule: 'view.submit_close', method: 'views.push', args: modal([section()], { close: pt(x(25)) }) },
  {
    rule: 'view.submit_required',
    method: 'views.open',
    args: modal([input({ type: 'plain_text_input', action_id: 'a' })], { submit: undefined }),
  },
  { rule: 'view.private_metadata', method: 'views.update', args: modal([section()], { private_metadata: x(3001) }) },
  { rule: 'view.callback_id', method: 'views.open', args: modal([section()], { callback_id: x(256) }) },
  {
    rule: 'view.size',
    method: 'views.publish',
    args: { view: { type: 'home', blocks: Array.from({ length: 100 }, () => section(x(2900))) } },
    error: 'view_too_large',
  },
  { rule: 'ack.response_action', method: VIEW_SUBMISSION_ACK, args: { response_action: 'update' } },
  { rule: 'ack.response_action', method: VIEW_SUBMISSION_ACK, args: { response_action: 'errors', errors: {} } },
  {
    rule: 'ack.response_action',
    method: VIEW_SUBMISSION_ACK,
    args: { response_action: 'replace', view: modal([]).view },
  },
  { rule: 'block.type', method: 'views.open', args: modal([{ type: 'markdown', text: 'hi' }]) },
  { rule: 'block.block_id', method: 'chat.postMessage', args: msg([section('a', { block_id: x(256) })]) },
  {
    rule: 'block.block_id_unique',
    method: 'views.open',
    args: modal([section('a', { block_id: 'b' }), section('c', { block_id: 'b' })]),
  },
  { rule: 'text.object', method: 'chat.postMessage', args: msg([section('')]) },
  {
    rule: 'text.object',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', text: { type: 'markdown', text: 'a' } }]),
  },
  { rule: 'text.object', method: 'chat.postMessage', args: msg([{ type: 'context', elements: [md(x(3001))] }]) },
  { rule: 'text.plain_required', method: 'views.open', args: modal([{ type: 'header', text: md('*hi*') }]) },
  { rule: 'section.text_or_fields', method: 'chat.postMessage', args: msg([{ type: 'section' }]) },
  { rule: 'section.text', method: 'chat.postMessage', args: msg([section(x(3001))]) },
  {
    rule: 'section.fields',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', fields: Array.from({ length: 11 }, () => md('f')) }]),
  },
  { rule: 'section.fields', method: 'chat.postMessage', args: msg([{ type: 'section', fields: [md(x(2001))] }]) },
  { rule: 'header.text', method: 'chat.postMessage', args: msg([{ type: 'header', text: pt(x(151)) }]) },
  {
    rule: 'context.elements',
    method: 'chat.postMessage',
    args: msg([{ type: 'context', elements: Array.from({ length: 11 }, () => md('c')) }]),
  },
  { rule: 'context.elements', method: 'chat.postMessage', args: msg([{ type: 'context', elements: [button()] }]) },
  {
    rule: 'actions.elements',
    method: 'chat.postMessage',
    args: msg([actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })))]),
  },
  {
    rule: 'input.label_hint',
    method: 'views.open',
    args: modal([input({ type: 'plain_text_input', action_id: 'a' }, { hint: pt(x(2001)) })]),
  },
  { rule: 'input.element', method: 'views.open', args: modal([{ type: 'input', block_id: 'in', label: pt('L') }]) },
  {
    rule: 'image.fields',
    method: 'chat.postMessage',
    args: msg([{ type: 'image', image_url: 'https://example.com/a.png' }]),
  },
  { rule: 'element.type', method: 'views.open', args: modal([actions({ type: 'plain_text_input', action_id: 'a' })]) },
  { rule: 'element.type', method: 'views.open', args: modalIn(button()) },
  { rule: 'element.action_id', method: 'chat.postMessage', args: msg([actions(button({ action_id: x(256) }))]) },
  { rule: 'element.action_id_unique', method: 'chat.postMessage', args: msg([actions(button(), button())]) },
  { rule: 'element.placeholder', method: 'views.open', args: modalIn(select({ placeholder: pt(x(151)) })) },
  { rule: 'button.text', method: 'chat.postMessage', args: msg([actions(button({ text: pt(x(76)) }))]) },
  { rule: 'button.value', method: 'chat.postMessage', args: msg([actions(button({ value: x(2001) }))]) },
  {
    rule: 'button.value',
    method: 'chat.postMessage',
    args: msg([actions(button({ url: `https://e.com/${x(3000)}` }))]),
  },
  { rule: 'button.style', method: 'chat.postMessage', args: msg([actions(button({ style: 'default' }))]) },
  { rule: 'option.text', method: 'views.open', args: modalIn(select({ options: [opt(x(76), 'v')] })) },
  {
    rule: 'text.plain_required',
    method: 'views.open',
    args: modalIn(select({ options: [{ text: md('*a*'), value: 'a' }] })),
  },
  { rule: 'option.value', method: 'views.open', args: modalIn(select({ options: [opt('a', x(151))] })) },
  { rule: 'option.value', method: 'views.open', args: modalIn(select({ options: [{ text: pt('a') }] })) },
  {
    rule: 'option.description',
    method: 'views.open',
    args: modalIn(select({ options: [{ ...opt('a'), description: pt(x(76)) }] })),
  },
  {
    rule: 'option_group.fields',
    method: 'views.open',
    args: modalIn(select({ options: undefined, option_groups: [{ label: pt(x(76)), options: [opt('a')] }] })),
  },
  {
    rule: 'select.options_count',
    method: 'views.open',
    args: modalIn(select({ options: Array.from({ length: 101 }, (_, i) => opt(`o${i}`)) })),
  },
  {
    rule: 'select.options_count',
    method: 'views.open',
    args: modalIn({ type: 'checkboxes', action_id: 'c', options: Array.from({ length: 11 }, (_, i) => opt(`o${i}`)) }),
  },
  {
    rule: 'select.options_count',
    method: 'chat.postMessage',
    args: msg([
      section('a', {
        accessory: { type: 'overflow', action_id: 'o', options: Array.from({ length: 6 }, (_, i) => opt(`o${i}`)) },
      }),
    ]),
  },
  { rule: 'select.initial_in_options', method: 'views.open', args: modalIn(select({ initial_option: opt('c') })) },
  {
    rule: 'select.initial_in_options',
    method: 'views.open',
    args: modalIn({ type: 'checkboxes', action_id: 'c', options: [opt('a')], initial_options: [opt('A', 'a')] }),
  },
  {
    rule: 'select.max_selected',
    method: 'views.update',
    args: modalIn({
      type: 'multi_users_select',
      action_id: 'u',
      max_selected_items: 2,
      initial_users: ['U1', 'U2', 'U3'],
    }),
  },
  {
    rule: 'select.max_selected',
    method: 'views.update',
    args: modalIn({
      type: 'multi_external_select',
      action_id: 'd',
      max_selected_items: 1,
      initial_options: [opt('a'), opt('b')],
    }),
  },
  {
    rule: 'select.max_selected',
    method: 'views.update',
    args: modalIn({ type: 'multi_static_select', action_id: 'd', max_selected_items: 0, options: [opt('a')] }),
  },
  {
    rule: 'datepicker.initial_date',
    method: 'views.open',
    args: modalIn({ type: 'datepicker', action_id: 'd', initial_date: '2026-02-30' }),
  },
  {
    rule: 'timepicker.initial_time',
    method: 'views.open',
    args: modalIn({ type: 'timepicker', action_id: 't', initial_time: '24:00' }),
  },
  {
    rule: 'datetimepicker.initial',
    method: 'views.update',
    args: modalIn({ type: 'datetimepicker', action_id: 'dt', initial_date_time: 978_307_200 }),
  },
  {
    rule: 'datetimepicker.initial',
    method: 'views.update',
    args: modalIn({ type: 'datetimepicker', action_id: 'dt', initial_date_time: 1_700_000_000_000 }),
  },
  {
    rule: 'datetimepicker.initial',
    method: 'views.update',
    args: modalIn({ type: 'datetimepicker', action_id: 'dt', initial_date_time: '1700000000' }),
  },
  {
    rule: 'text_input.lengths',
    method: 'views.open',
    args: modalIn({ type: 'plain_text_input', action_id: 'a', max_length: 3001 }),
  },
  {
    rule: 'text_input.lengths',
    method: 'views.open',
    args: modalIn({ type: 'plain_text_input', action_id: 'a', max_length: 10, initial_value: x(11) }),
  },
  { rule: 'number_input.values', method: 'views.open', args: modalIn({ type: 'number_input', action_id: 'n' }) },
  {
    rule: 'number_input.values',
    method: 'views.open',
    args: modalIn({ type: 'number_input', action_id: 'n', is_decimal_allowed: false, initial_value: '1.5' }),
  },
  {
    rule: 'confirm.fields',
    method: 'chat.postMessage',
    args: msg([actions(button({ confirm: confirm({ title: pt(x(101)) }) }))]),
  },
  {
    rule: 'confirm.fields',
    method: 'chat.postMessage',
    args: msg([actions(button({ confirm: confirm({ text: md(x(301)) }) }))]),
  },
  {
    rule: 'confirm.fields',
    method: 'chat.postMessage',
    args: msg([actions(button({ confirm: confirm({ deny: pt(x(31)) }) }))]),
  },
  { rule: 'options.count', method: BLOCK_SUGGESTION_ACK, args: {} },
  {
    rule: 'select.options_count',
    method: BLOCK_SUGGESTION_ACK,
    args: { options: Array.from({ length: 101 }, (_, i) => opt(`o${i}`)) },
  },
  { rule: 'option.text', method: BLOCK_SUGGESTION_ACK, args: { options: [opt(x(76), 'v')] } },
  { rule: 'message.fallback_text', method: 'response_url', args: { replace_original: true, blocks: [section()] } },
  {
    rule: 'select.max_selected',
    method: VIEW_SUBMISSION_ACK,
    args: {
      response_action: 'update',
      view: modalIn({ type: 'multi_users_select', action_id: 'u', max_selected_items: 1, initial_users: ['U1', 'U2'] })
        .view,
    },
  },
];

describe('validateSlackPayload: every rule fires on a payload that breaks it', () => {
  it.each(cases.map((c, i) => [`${i} ${c.rule} (${c.method})`, c] as const))('%s', (_name, c) => {
    const verdict = validateSlackPayload(c.method, c.args);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.rules).toContain(c.rule);
    if (c.error) expect(verdict.error).toBe(c.error);
    expect(verdict.problems.some((p) => p.startsWith(`[${c.rule}]`) && /\[json-pointer:\/[^\]]*\]$/.test(p))).toBe(
      true,
    );
  });

  it('every declared rule has a case above, and every rule names a Slack reference', () => {
    const covered = new Set(cases.map((c) => c.rule));
    expect(Object.keys(RULES).filter((r) => !covered.has(r as RuleId))).toEqual([]);
    for (const ref of Object.values(RULES)) expect(ref).toMatch(/https:\/\/api\.slack\.com\/|slackapi\//);
  });

  it('answers with the code each Slack surface uses: invalid_blocks for messages, invalid_arguments for views', () => {
    expect(validateSlackPayload('chat.postMessage', msg([section(x(3001))]))).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(validateSlackPayload('views.open', modal([section(x(3001))]))).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(validateSlackPayload('chat.postEphemeral', msg([section(x(3001))]))).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
  });
});

describe('validateSlackPayload: what Slack accepts passes', () => {
  const valid: [string, Json][] = [
    ['chat.postMessage', { channel: 'C1', text: 'plain text only' }],
    [
      'chat.postMessage',
      msg([
        { type: 'header', text: pt(x(150)) },
        section(x(3000)),
        { type: 'divider' },
        { type: 'context', elements: Array.from({ length: 10 }, () => md('c')) },
        actions(button({ confirm: confirm() }), button({ action_id: 'two', style: 'danger' })),
      ]),
    ],
    ['chat.update', msg([{ type: 'section', fields: Array.from({ length: 10 }, () => md(x(1000))) }], { ts: '1.2' })],
    [
      'chat.postMessage',
      msg(
        Array.from({ length: 50 }, () => ({ type: 'divider' })),
        { text: x(40_000) },
      ),
    ],
    ['response_url', { delete_original: true }],
    [
      'views.publish',
      { view: { type: 'home', blocks: Array.from({ length: 100 }, (_, i) => section('row', { block_id: `b${i}` })) } },
    ],
    [
      'views.open',
      modal(
        [
          input(
            { type: 'multi_users_select', action_id: 'u', max_selected_items: 2, initial_users: ['U1', 'U2'] },
            { block_id: 'u' },
          ),
          input({ type: 'datetimepicker', action_id: 'dt', initial_date_time: 1_700_000_000 }, { block_id: 'dt' }),
          input(
            {
              type: 'checkboxes',
              action_id: 'c',
              options: [opt('a'), { text: md('*b*'), value: 'b' }],
              initial_options: [{ text: md('*b*'), value: 'b' }],
            },
            { block_id: 'c' },
          ),
          input(select({ initial_option: opt('b') }), { block_id: 's', hint: pt(x(2000)) }),
          input(
            { type: 'number_input', action_id: 'n', is_decimal_allowed: false, min_value: '1', initial_value: '5' },
            { block_id: 'n' },
          ),
          input(
            { type: 'plain_text_input', action_id: 'p', multiline: true, max_length: 3000, initial_value: x(3000) },
            { block_id: 'p' },
          ),
          input({ type: 'datepicker', action_id: 'd', initial_date: '2024-02-29' }, { block_id: 'd' }),
          input({ type: 'timepicker', action_id: 't', initial_time: '23:59' }, { block_id: 't' }),
        ],
        { title: pt(x(24)), private_metadata: x(3000) },
      ),
    ],
    [VIEW_SUBMISSION_ACK, { response_action: 'errors', errors: { in: 'Enter a value.' } }],
    [VIEW_SUBMISSION_ACK, { response_action: 'update', view: modal([section()]).view }],
    [VIEW_SUBMISSION_ACK, {}],
    [
      BLOCK_SUGGESTION_ACK,
      {
        options: Array.from({ length: 100 }, (_, i) => ({
          ...opt(x(75), `v${i}`.padEnd(150, '0')),
          description: pt(x(75)),
        })),
      },
    ],
    [BLOCK_SUGGESTION_ACK, { options: [] }],
  ];
  it.each(valid.map(([m, a], i) => [`${i} ${m}`, m, a] as const))('%s', (_n, method, args) => {
    expect(validateSlackPayload(method, args)).toEqual({ ok: true });
  });
});

describe('validateSlackPayload: limits hold exactly at their boundary (seeded property)', () => {
  // For each length limit: a text of length n passes iff n ≤ limit.
  const limits: { name: string; limit: number; build: (t: string) => [string, Json] }[] = [
    { name: 'section text', limit: 3000, build: (t) => ['chat.postMessage', msg([section(t)])] },
    { name: 'header', limit: 150, build: (t) => ['chat.postMessage', msg([{ type: 'header', text: pt(t) }])] },
    { name: 'button text', limit: 75, build: (t) => ['chat.postMessage', msg([actions(button({ text: pt(t) }))])] },
    { name: 'option value', limit: 150, build: (t) => [BLOCK_SUGGESTION_ACK, { options: [opt('a', t)] }] },
    { name: 'modal title', limit: 24, build: (t) => ['views.open', modal([section()], { title: pt(t) })] },
    {
      name: 'private_metadata',
      limit: 3000,
      build: (t) => ['views.update', modal([section()], { private_metadata: t })],
    },
    {
      name: 'confirm text',
      limit: 300,
      build: (t) => ['chat.postMessage', msg([actions(button({ confirm: confirm({ text: pt(t) }) }))])],
    },
  ];
  it('every length limit accepts n ≤ limit and refuses n > limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...limits),
        fc.integer({ min: -5, max: 5 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        (l, delta, ch) => {
          const n = Math.max(1, l.limit + delta);
          const [method, args] = l.build(ch.repeat(n));
          expect(validateSlackPayload(method, args).ok).toBe(n <= l.limit);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('the datetimepicker takes exactly the 10-digit UNIX times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (t) => {
        const ok = validateSlackPayload(
          'views.open',
          modalIn({ type: 'datetimepicker', action_id: 'dt', initial_date_time: t }),
        ).ok;
        expect(ok).toBe(String(t).length === 10);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
