import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportIds as Ids } from '../../blocks/dms/ids.js';
import { keptBlocks, LIMITS, messagesOf, modalBlocksOf } from '../../blocks/kit/kept.js';
import { escapeMrkdwn } from '../../blocks/kit/text.js';
import type { SlackCall } from '../support/fake-slack.js';
import { exportValues, openModal, seedPeople, submit } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

// When a create fails, the person hears about it and gets their request back, whatever its size: every section
// within Block Kit's 3,000 characters, every message within 50 blocks and every modal within 100, and if Slack
// refuses the rich message anyway, plain text.

type Section = { type: string; text?: { text: string } };
const sectionTexts = (blocks: unknown): string[] =>
  ((blocks ?? []) as Section[]).filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');

/** The SQL as the blocks carry it (escaped), put back together from its fenced parts. */
function sqlFrom(texts: string[], label = '*SQL*'): string {
  return texts
    .filter((t) => t.startsWith(`${label}\n`) || t.startsWith(`${label} (part `))
    .map((t) =>
      t
        .slice(t.indexOf('\n') + 1)
        .replace(/^```\u200b?/, '')
        .replace(/\u200b?```$/, ''),
    )
    .join('');
}

const fenced = (sql: string): string => escapeMrkdwn(sql).replace(/`(?=`)/g, '`\u200b');

describe('the request given back fits Block Kit, and nothing is lost', () => {
  // Characters that grow when escaped, fences, emoji (surrogate pairs), line breaks, plain text.
  const char = fc.constantFrom('&', '<', '>', '`', '\n', 'a', ' ', '😀', 'é', ';', 'm', 'p');
  const text = (max: number) => fc.array(char, { maxLength: max }).map((a) => a.join(''));

  it('property: every section stays within 3,000 characters and the SQL comes back whole', () => {
    fc.assert(
      fc.property(text(12_000), text(1_500), (sql, reason) => {
        const blocks = keptBlocks('Your request, so nothing is lost:', [
          { label: 'SQL', value: sql, code: true },
          { label: 'Reason', value: reason },
        ]);
        for (const t of sectionTexts(blocks)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
        if (sql) expect(sqlFrom(sectionTexts(blocks))).toBe(fenced(sql));
        const reasonBack = sectionTexts(blocks)
          .filter((t) => t.startsWith('*Reason*'))
          .map((t) => t.slice(t.indexOf('\n') + 1))
          .join('');
        expect(reasonBack).toBe(escapeMrkdwn(reason));
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('a 100 kB SQL: split over many sections, sent as several messages of at most 50 blocks; the modal keeps within 100', () => {
    const sql = `SELECT '${'&<>`'.repeat(25_000)}'`;
    const blocks = keptBlocks('Your request, so nothing is lost:', [{ label: 'SQL', value: sql, code: true }]);
    expect(blocks.length).toBeGreaterThan(LIMITS.modalBlocks);
    for (const t of sectionTexts(blocks)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(sqlFrom(sectionTexts(blocks))).toBe(fenced(sql));
    const head = { type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'not filed' } };
    const messages = messagesOf(head, blocks);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const m of messages) expect(sectionTexts(m).join('').length).toBeLessThanOrEqual(LIMITS.messageText);
    expect(messages.flat()).toEqual([head, ...blocks]);
    const modal = modalBlocksOf(head, blocks);
    expect(modal.length).toBeLessThanOrEqual(LIMITS.modalBlocks);
    expect(sectionTexts(modal).at(-1)).toMatch(/more parts of your request are in the message I sent you/);
  });
});

describe('a refused export is told to the person, whatever it holds', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** An export whose every kept field is at its maximum, in characters that grow when escaped. */
  function largestExport(): Record<string, Record<string, unknown>> {
    return exportValues({
      [Ids.dbBlock]: {
        [Ids.dbSelect]: {
          type: 'external_select',
          selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: '&'.repeat(75) } },
        },
      },
      [Ids.sqlBlock]: { [Ids.sqlInput]: { type: 'plain_text_input', value: `SELECT '${'&'.repeat(2990)}'` } },
      [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: '<'.repeat(200) } },
      [Ids.rowsBlock]: { [Ids.rowsInput]: { type: 'number_input', value: '1000000000000' } },
      [Ids.skipCheckBlock]: { [Ids.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'skip' }] } },
      [Ids.skipReasonBlock]: { [Ids.skipReasonInput]: { type: 'plain_text_input', value: '>'.repeat(500) } },
      [Ids.commentBlock]: { [Ids.commentInput]: { type: 'plain_text_input', value: '&'.repeat(1000) } },
    });
  }

  const refusedBySlack = (c: SlackCall) => c.response?.['ok'] === false;

  it('every field at its maximum, escaped: the modal and the ephemeral are accepted and carry the whole request', async () => {
    h = await startHarness();
    seedPeople(h);
    h.dms.failNext('CreateOrder', { kind: 'business', code: 'InvalidParameter', message: 'x'.repeat(2000) });
    const view = await openModal(h, 'export');
    await submit(h, view, largestExport());
    const modal = await h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === view['id'] && /not filed/.test(JSON.stringify(c.args['view'])),
    );
    // More text than one message's blocks may carry (~12,000 characters): several ephemerals, the last one "n of n".
    await h.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args['user'] === 'U0ALICE' && /continued \((\d+) of \1\)/.test(String(c.args['text'])),
    );
    const ephs = h.slack.callsTo('chat.postEphemeral').filter((c) => c.args['user'] === 'U0ALICE');
    expect(ephs.length).toBeGreaterThan(1);
    expect(modal.response?.['ok']).toBe(true);
    for (const eph of ephs) expect(eph.response?.['ok']).toBe(true);
    expect(h.slack.calls.filter(refusedBySlack)).toEqual([]);
    const sql = `SELECT '${'&'.repeat(2990)}'`;
    for (const blocks of [
      (modal.args['view'] as { blocks: unknown }).blocks,
      ephs.flatMap((c) => c.args['blocks'] as unknown[]),
    ]) {
      const texts = sectionTexts(blocks);
      expect(sqlFrom(texts)).toBe(fenced(sql));
      const all = texts.join('\n');
      expect(all).toContain('&lt;'.repeat(200));
      expect(all).toContain('&gt;'.repeat(500));
      expect(all.split('&amp;').length - 1).toBeGreaterThanOrEqual(75 + 2990 + 1000);
    }
  });

  it('if Slack refuses the rich message and the modal anyway, the person still gets the words as plain text', async () => {
    h = await startHarness();
    seedPeople(h);
    h.dms.failNext('CreateOrder', { kind: 'business', code: 'InvalidTid', message: 'The tenant is invalid.' });
    h.slack.failNext('views.update', 'invalid_blocks');
    h.slack.failNext('chat.postEphemeral', 'invalid_blocks');
    h.slack.failNext('chat.postMessage', 'invalid_blocks');
    const view = await openModal(h, 'export');
    await submit(h, view, exportValues());
    const plain = await h.slack.waitFor('chat.postEphemeral', (c) => c.response?.['ok'] === true);
    expect(plain.args['blocks']).toBeUndefined();
    expect(String(plain.args['text'])).toContain('ticket was not filed');
    expect(String(plain.args['text'])).toContain('InvalidTid');
    expect(String(plain.args['text'])).toContain('SELECT id, status FROM orders');
    const modal = await h.slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === view['id'] && c.response?.['ok'] === true,
    );
    expect(JSON.stringify(modal.args['view'])).toContain('Your request is in the message I sent you');
  });
});
