import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrackerIds as T } from '../../../blocks/cts/ids.js';
import {
  buildTrackerListMessage,
  type TrackerListItem,
  trackerListPages,
} from '../../../blocks/cts/tracker-message.js';
import { buildTrackerModal, readTrackerForm } from '../../../blocks/cts/tracker-modal.js';
import { keptBlocks, messagesOf } from '../../../blocks/kit/kept.js';
import { type TicketActionId, withTicketControls } from '../../../blocks/tickets/controls.js';
import {
  buildHomeView,
  buildTicketList,
  LIST_PAGE_SIZE,
  type TicketCard,
  ticketListPages,
} from '../../../blocks/tickets/home.js';
import { buildRootMessage } from '../../../blocks/tickets/root.js';
import type { ViewStateValues } from '../../../src/dms/export/form.js';
import { validateSlackPayload } from '../../support/block-kit-rules.js';

// The builders whose size grows with what people and clouds put in (lists, given-back requests), checked against the
// strict fake's rules for every input shape: whatever goes in, Slack accepts what comes out.
const nasty = (max: number, min = 0) =>
  fc.string({ unit: fc.constantFrom('&', '<', '>', 'a', ' ', '`', '*', 'é', '\n'), minLength: min, maxLength: max });
const statusInfo = fc.record({
  emoji: fc.constantFrom(':hourglass:', ':x:'),
  label: nasty(60),
  final: fc.boolean(),
  hint: fc.option(nasty(300), { nil: undefined }),
});
const actions = fc.subarray(['submit', 'approve', 'reject', 'run', 'download', 'refresh', 'stop'] as TicketActionId[]);
const card = (id: number): fc.Arbitrary<TicketCard> =>
  fc
    .record({
      title: nasty(200, 100),
      statusInfo,
      channelId: fc.constantFrom('C0OPS', 'D0ALICE'),
      actions,
      done: fc.boolean(),
    })
    .map((c) => ({ ...c, ticketId: id, updatedAt: 1_773_000_000_000 }));
// Ticket ids are unique: open ones from 1000, finished ones from 5000.
const cards = (max: number, firstId: number) =>
  fc.integer({ min: 0, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => card(firstId + i))));
const ok = (method: string, args: Record<string, unknown>) => {
  const verdict = validateSlackPayload(method, args);
  expect(verdict.ok ? [] : verdict.problems).toEqual([]);
};

describe('what grows with its input stays within Slack’s limits (seeded properties)', () => {
  it('the Home tab and /dms list, for any number of tickets with any titles', () => {
    fc.assert(
      fc.property(cards(60, 1000), cards(10, 5000), (open, done) => {
        ok('views.publish', {
          user_id: 'U1',
          view: buildHomeView({ open, done, openTotal: open.length + 7, notice: 'n' }),
        });
        // Every `/dms list` page, full of the longest cards, is taken by Slack and holds its whole share of tickets.
        for (let page = 1; page <= ticketListPages(open.length); page++) {
          const cardsOfPage = open.slice((page - 1) * LIST_PAGE_SIZE, page * LIST_PAGE_SIZE);
          const list = buildTicketList(cardsOfPage, open.length, page);
          ok('chat.postEphemeral', { channel: 'C1', user: 'U1', ...list });
          expect(list.blocks.filter((b) => b.type === 'section').length - 1).toBe(open.length ? cardsOfPage.length : 0);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('/cts list: every page, and the pages hold every tracker once', () => {
    const item = fc.record({
      name: nasty(64, 20),
      type: fc.constantFrom('data', 'system'),
      status: fc.constantFrom('enabled', 'error:bucketPolicyError'),
      info: statusInfo,
      bucket: nasty(63),
      events: fc.array(nasty(30), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 110 }), (raw) => {
        const items: TrackerListItem[] = raw.map((r) => ({
          summary: {
            name: r.name,
            type: r.type,
            obs: { bucket: r.bucket, prefix: r.bucket },
            dataBucket: { name: r.bucket, events: r.events },
          },
          status: r.status,
          info: r.info,
        }));
        const pages = Math.max(1, trackerListPages(items).length);
        let sections = 0;
        for (let page = 1; page <= pages; page++) {
          const message = buildTrackerListMessage(items, page);
          ok('response_url', { response_type: 'ephemeral', ...message });
          sections += message.blocks.filter((b) => b.type === 'section').length;
        }
        expect(sections).toBe(Math.max(items.length, 1));
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it('a request given back after a failure: every message of it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ label: nasty(100), value: nasty(9_000), code: fc.boolean() }), { maxLength: 6 }),
        (fields) => {
          const head = { type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'not filed' } };
          for (const blocks of messagesOf(head, keptBlocks('Your request, so nothing is lost:', fields)))
            ok('chat.postEphemeral', { channel: 'C1', user: 'U1', text: 'fallback', blocks });
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });

  it('the CTS tracker modal redrawn from whatever state the type switch arrives with (forged included)', () => {
    const anyText = fc.option(fc.string({ unit: 'binary', maxLength: 400 }), { nil: undefined });
    const anyChoice = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
    const anyChecks = fc.option(fc.array(fc.string({ maxLength: 20 }), { maxLength: 12 }), { nil: undefined });
    const state = fc.record({
      name: anyText,
      bucket: anyText,
      prefix: anyText,
      kms: anyText,
      dataBucket: anyText,
      compress: anyChoice,
      retention: anyChoice,
      obs: anyChecks,
      analysis: anyChecks,
      ops: anyChecks,
    });
    fc.assert(
      fc.property(state, fc.constantFrom('system', 'data') as fc.Arbitrary<'system' | 'data'>, (st, trackerType) => {
        const input = (v: string | undefined) => ({ type: 'plain_text_input', value: v ?? null });
        const radio = (v: string | undefined) => ({
          type: 'radio_buttons',
          selected_option: v === undefined ? null : { value: v },
        });
        const checks = (vs: string[] | undefined) => ({
          type: 'checkboxes',
          selected_options: (vs ?? []).map((value) => ({ value })),
        });
        const values = {
          [T.nameBlock]: { [T.nameInput]: input(st.name) },
          [T.bucketBlock]: { [T.bucketInput]: input(st.bucket) },
          [T.prefixBlock]: { [T.prefixInput]: input(st.prefix) },
          [T.kmsBlock]: { [T.kmsInput]: input(st.kms) },
          [T.dataBucketBlock]: { [T.dataBucketInput]: input(st.dataBucket) },
          [T.compressBlock]: { [T.compressRadio]: radio(st.compress) },
          [T.retentionBlock]: {
            [T.retentionSelect]: {
              type: 'static_select',
              selected_option: st.retention === undefined ? null : { value: st.retention },
            },
          },
          [T.obsOptionsBlock]: { [T.obsOptionsCheckbox]: checks(st.obs) },
          [T.analysisBlock]: { [T.analysisCheckbox]: checks(st.analysis) },
          [T.operationsBlock]: { [T.operationsCheckbox]: checks(st.ops) },
        } as unknown as ViewStateValues; // the state as Slack sends it, loosely typed like the handler receives it
        ok('views.update', {
          view_id: 'V1',
          view: buildTrackerModal({ channelId: 'C1', trackerType }, readTrackerForm(values)),
        });
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('a ticket root message with its controls, every part at its maximum', () => {
    const field = fc.tuple(nasty(40, 1), nasty(2000, 500));
    const model = fc.record({
      title: nasty(300, 100),
      label: nasty(300),
      fields: fc.array(field, { minLength: 6, maxLength: 10 }),
      code: fc.array(fc.tuple(nasty(40, 1), nasty(5000, 1000)), { minLength: 1, maxLength: 2 }),
      note: nasty(3000, 500),
      notes: fc.array(nasty(1500, 200), { minLength: 2, maxLength: 6 }),
      activity: fc.array(fc.record({ note: nasty(400, 100) }), { minLength: 3, maxLength: 5 }),
      actions,
    });
    fc.assert(
      fc.property(model, (m) => {
        const root = buildRootMessage({
          title: m.title,
          summary: m.title,
          requesterSlackId: 'U0ALICE',
          statusInfo: { emoji: ':x:', label: m.label, final: false },
          fields: m.fields,
          code: m.code,
          note: m.note,
          updatedAt: 1_773_000_000_000,
        });
        const blocks = withTicketControls(root.blocks, {
          ticketId: 7,
          summary: m.title,
          actions: m.actions,
          activity: m.activity.map((a, i) => ({
            action: 'approve' as const,
            by: 'U0BOB',
            at: 1_773_000_000_000 + i,
            note: a.note,
          })),
          threadMode: 'root_only',
          notes: m.notes,
        });
        ok('chat.update', { channel: 'C1', ts: '1.2', text: root.text, blocks });
      }),
      { seed: 42, numRuns: 30, endOnFailure: true },
    );
  });
});
