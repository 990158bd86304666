import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeIds, ExportIds, TrackIds } from '../../blocks/dms/ids.js';
import { ActionModalIds } from '../../blocks/tickets/action-modals.js';
import {
  isBlank,
  isWellFormed,
  normaliseProse,
  readExactText,
  readProse,
  visibleLength,
} from '../../src/core/text-input.js';
import { knownTimeZone } from '../../src/core/time-zone.js';
import { parseChangeSubmission } from '../../src/dms/change/form.js';
import { parseExportSubmission, type ViewStateValues } from '../../src/dms/export/form.js';
import { parseTrackSubmission } from '../../src/dms/track/form.js';
import { clickButton, exportValues, fileExport, seedPeople, submit, tick } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

/** 🏴 England: U+1F3F4, the tag letters g b e n g, CANCEL TAG. */
const ENGLAND = '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}';
/** Text with every valid emoji tag sequence taken out (what is left must hold no tag character). */
const withoutFlags = (s: string) => s.replace(/\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu, '');
/** Characters that hide, disguise, break or look blank, mixed with ordinary ones. */
const TRICKY = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u034f',
  '\u061c',
  '\u180e', // zero-width, soft hyphen, joiners
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f', // bidi
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\r',
  '\n',
  '\t',
  '\u000b',
  '\u000c', // C0/C1
  '\u2028',
  '\u2029',
  '\u00a0',
  '\u3000',
  '\u2003',
  '\u202f',
  '\u205f',
  '\u1680',
  '\u2800',
  '\u3164',
  '\u115f',
  '\u1160',
  '\uffa0', // spaces, blanks
  '\ufe0f',
  '\ufe0e',
  '\u{e0100}',
  '\u{e0041}',
  '\u{e007f}',
  '\u0301',
  '\u20dd', // selectors, tags, marks
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ude00', // surrogate halves
  '\ufdd0',
  '\ufdef',
  '\ufffe',
  '\uffff',
  '\u{1fffe}',
  '\u{10ffff}',
  '\u0378',
  '\u{e0000}', // noncharacters, unassigned
  '\ue000',
  '\uf8ff',
  '\u{f0000}',
  '\u{10fffd}',
  '\u{1d159}', // private use, a blank symbol
  '\u{1f3f4}',
  '\u{e0067}',
  '\u{e0062}',
  '\u{e0065}',
  '\u{e006e}',
  ENGLAND, // the tag-sequence parts, alone and whole
  'a',
  'Z',
  '7',
  'é',
  'e\u0301',
  '订',
  '👩‍👩‍👧',
  '🏳️‍🌈',
  ' ',
  '<',
  '&',
  "'",
];
const typed = fc.oneof(
  fc.array(fc.constantFrom(...TRICKY), { maxLength: 24 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 24 }),
);
/** Inputs that show nothing: only invisible, format, control and blank characters. */
const BLANKS = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\u200f',
  '\u0000',
  '\u001b',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u00a0',
  '\u3000',
  '\u2800',
  '\u3164',
  '\u115f',
  '\u1160',
  '\uffa0',
  '\ufe0f',
  '\u{e0041}',
  '\u{e0100}',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0301',
  '\ufdd0',
  '\ufdef',
  '\ufffe',
  '\u{1ffff}',
  '\u{10ffff}',
  '\u0378',
  '\u{e0000}',
  '\ue000',
  '\u{f0000}',
  '\u{100000}',
  '\u{1d159}',
  '\u{e0067}',
  '\u{e007f}',
];
const blank = fc.array(fc.constantFrom(...BLANKS), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const RUNS = { seed: 42, numRuns: 500 };

describe('normaliseProse (property)', () => {
  it('is idempotent, yields well-formed text, and refuses exactly the text that is not well-formed', () => {
    fc.assert(
      fc.property(typed, (s) => {
        const once = normaliseProse(s);
        expect(once.ok).toBe(isWellFormed(s));
        if (!once.ok) {
          expect(once.error).toMatch(/broken character at line \d+, column \d+/);
          return;
        }
        expect(isWellFormed(once.text)).toBe(true);
        expect(normaliseProse(once.text)).toEqual(once);
        expect(once.text).toBe(once.text.normalize('NFC'));
        // Nothing that disguises text survives; line breaks are plain newlines; spaces are plain spaces.
        expect(once.text).not.toMatch(
          /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\u200e\u200f\u2028\u2029\u00a0\u3000\u2800\u3164\u115f\u1160\uffa0\u{1d159}]/u,
        );
        // No unassigned code point, noncharacter or private-use character; tag characters only in a valid emoji tag sequence.
        expect(once.text).not.toMatch(/[\p{Cn}\p{Co}]/u);
        expect(withoutFlags(once.text)).not.toMatch(/[\u{e0000}-\u{e007f}]/u);
        expect(once.text).toBe(once.text.trim());
      }),
      RUNS,
    );
  });

  it('counts only visible characters: blank after normalising means blank', () => {
    fc.assert(
      fc.property(blank, (s) => {
        expect(isBlank(s)).toBe(true);
        const n = normaliseProse(s);
        expect(n.ok && visibleLength(n.text)).toBe(0);
      }),
      RUNS,
    );
  });

  it('keeps what people mean: emoji sequences, accents, scripts, line breaks', () => {
    for (const s of [
      '👩‍👩‍👧‍👦🏳️‍🌈',
      ENGLAND,
      `go ${ENGLAND}!`,
      '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
      'café',
      'مرحبا‌ها',
      'क्‍ष',
      '订单 导出',
      'line 1\nline 2',
      '❤️ thanks',
    ]) {
      const n = normaliseProse(s);
      expect(n).toEqual({ ok: true, text: s.normalize('NFC') });
    }
    expect(normaliseProse('  a\u00a0b\u3000c\r\nd\u2028e  ')).toEqual({ ok: true, text: 'a b c\nd\ne' });
    expect(normaliseProse('pay\u202eyalp')).toEqual({ ok: true, text: 'payyalp' });
    // Tag characters elsewhere are hidden text: dropped; the flag alone is one visible character.
    expect(normaliseProse('ok\u{e0067}\u{e0062}\u{e007f} \u{1f3f4}\u{e007f}')).toEqual({
      ok: true,
      text: 'ok \u{1f3f4}',
    });
    expect(visibleLength(ENGLAND)).toBe(1);
    // Noncharacters, unassigned and private-use code points are dropped; U+1D159 (a blank notehead) is a space.
    expect(normaliseProse('a\ufdd0b\u0378c\ue000d\u{f0000}e\u{1d159}f')).toEqual({ ok: true, text: 'abcde f' });
    expect(readProse('\ufdd0\ufdd0\ufdd0', { required: 'r', min: [3, 'm'], max: [500, 'x'] })).toEqual({
      ok: false,
      error: 'r',
    });
    expect(readProse('\ue000\u{f0000}\u{1d159}ab', { required: 'r', min: [3, 'm'], max: [500, 'x'] })).toEqual({
      ok: false,
      error: 'm',
    });
  });
});

describe('every field that requires text refuses blank-after-normalising input (property)', () => {
  const values = (over: Record<string, unknown>): ViewStateValues =>
    exportValues(over as never) as unknown as ViewStateValues;
  const input = (value: string) => ({ type: 'plain_text_input', value });
  const changeValues = (reason: string): ViewStateValues => ({
    [ChangeIds.dbBlock]: {
      [ChangeIds.dbSelect]: {
        type: 'multi_external_select',
        selected_options: [{ value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod' } }],
      },
    },
    [ChangeIds.sqlBlock]: { [ChangeIds.sqlInput]: input("UPDATE orders SET status = 'x' WHERE id = 1") },
    [ChangeIds.rollbackBlock]: { [ChangeIds.rollbackInput]: { type: 'plain_text_input', value: null } },
    [ChangeIds.reasonBlock]: { [ChangeIds.reasonInput]: input(reason) },
    [ChangeIds.modeBlock]: { [ChangeIds.modeRadio]: { type: 'radio_buttons', selected_option: { value: 'COMMITOR' } } },
    [ChangeIds.commentBlock]: { [ChangeIds.commentInput]: { type: 'plain_text_input', value: null } },
    [ChangeIds.relatedBlock]: { [ChangeIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
  });
  const now = 1_773_057_600;
  const trackValues = (reason: string): ViewStateValues => ({
    [TrackIds.dbBlock]: {
      [TrackIds.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { text: 'orders_prod' } },
      },
    },
    [TrackIds.tablesBlock]: { [TrackIds.tablesInput]: input('orders') },
    [TrackIds.typesBlock]: {
      [TrackIds.typesCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'UPDATE' }] },
    },
    [TrackIds.startBlock]: { [TrackIds.startPicker]: { type: 'datetimepicker', selected_date_time: now - 7200 } },
    [TrackIds.endBlock]: { [TrackIds.endPicker]: { type: 'datetimepicker', selected_date_time: now - 3600 } },
    [TrackIds.reasonBlock]: { [TrackIds.reasonInput]: input(reason) },
    [TrackIds.relatedBlock]: { [TrackIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
  });
  const trackRules = {
    nowSeconds: now,
    maxWindowHours: 24,
    maxLookbackDays: 30,
    dmsZone: knownTimeZone('Asia/Shanghai')!,
  };

  it('sanity: the same forms with a real reason are accepted', () => {
    expect(parseExportSubmission(values({})).ok).toBe(true);
    expect(parseChangeSubmission(changeValues('Fix the status')).ok).toBe(true);
    expect(parseTrackSubmission(trackValues('Audit'), trackRules).ok).toBe(true);
    expect(readProse('ok!', { required: 'r', min: [3, 'm'], max: [10, 'x'] }).ok).toBe(true);
  });

  it('export reason, change reason, track reason, reject reason, skip-check reason', () => {
    fc.assert(
      fc.property(blank, (s) => {
        const exp = parseExportSubmission(values({ [ExportIds.reasonBlock]: { [ExportIds.reasonInput]: input(s) } }));
        expect(exp.ok === false && exp.errors[ExportIds.reasonBlock]).toMatch(/Say why/);
        const skip = parseExportSubmission(
          values({
            [ExportIds.skipCheckBlock]: {
              [ExportIds.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'skip' }] },
            },
            [ExportIds.skipReasonBlock]: { [ExportIds.skipReasonInput]: input(s) },
          }),
        );
        expect(skip.ok === false && skip.errors[ExportIds.skipReasonBlock]).toMatch(/say why/);
        const change = parseChangeSubmission(changeValues(s));
        expect(change.ok === false && change.errors[ChangeIds.reasonBlock]).toMatch(/Say why/);
        const track = parseTrackSubmission(trackValues(s), trackRules);
        expect(track.ok === false && track.errors[TrackIds.reasonBlock]).toMatch(/Say why/);
        // The reject modal's rule (handlers/tickets/buttons.ts): three visible characters at least.
        expect(readProse(s, { required: 'r', min: [3, 'm'], max: [500, 'x'] }).ok).toBe(false);
        expect(readProse(`${s}ab${s}`, { required: 'r', min: [3, 'm'], max: [500, 'x'] }).ok).toBe(false);
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('a lone surrogate in any text field is an inline error where it was typed, never a filed ticket', () => {
    fc.assert(
      fc.property(fc.constantFrom('\ud800', '\udc00', '\udbff'), fc.string({ maxLength: 8 }), (half, around) => {
        const text = `why ${around}${half}${around} now`;
        const exp = parseExportSubmission(
          values({ [ExportIds.reasonBlock]: { [ExportIds.reasonInput]: input(text) } }),
        );
        expect(exp.ok === false && exp.errors[ExportIds.reasonBlock]).toMatch(/broken character/);
        const comment = parseExportSubmission(
          values({ [ExportIds.commentBlock]: { [ExportIds.commentInput]: input(text) } }),
        );
        expect(comment.ok === false && comment.errors[ExportIds.commentBlock]).toMatch(/broken character/);
        const sql = parseExportSubmission(
          values({ [ExportIds.sqlBlock]: { [ExportIds.sqlInput]: input(`SELECT '${text}' FROM t`) } }),
        );
        expect(sql.ok === false && sql.errors[ExportIds.sqlBlock]).toMatch(/broken character/);
        const change = parseChangeSubmission(changeValues(text));
        expect(change.ok === false && change.errors[ChangeIds.reasonBlock]).toMatch(/broken character/);
        const track = parseTrackSubmission(trackValues(text), trackRules);
        expect(track.ok === false && track.errors[TrackIds.reasonBlock]).toMatch(/broken character/);
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('readExactText (SQL, table names)', () => {
  it('keeps invisible characters for the SQL review to show, and refuses controls with their place', () => {
    expect(readExactText('DELETE FROM t WHERE\u200b')).toEqual({ ok: true, text: 'DELETE FROM t WHERE\u200b' });
    expect(readExactText('UPDATE t\u00a0SET a = 1')).toEqual({ ok: true, text: 'UPDATE t\u00a0SET a = 1' });
    expect(readExactText('SELECT 1\r\nFROM t')).toEqual({ ok: true, text: 'SELECT 1\nFROM t' });
    const ctl = readExactText('SELECT 1\nFROM t\u001b[0m');
    expect(ctl.ok === false && ctl.error).toMatch(/U\+001B\) at line 2, column 7/);
    const broken = readExactText("SELECT '\ud83d'");
    expect(broken.ok === false && broken.error).toMatch(/broken character at line 1, column 9/);
  });

  it('never changes well-formed, control-free text beyond trimming and CRLF (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const r = readExactText(s);
        if (r.ok) expect(r.text).toBe(s.replace(/\r\n?/g, '\n').trim());
        else expect(r.error).toMatch(/control character|broken character/);
      }),
      RUNS,
    );
  });
});

describe('the reject reason through the real app', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { APPROVERS: 'U0BOB' } });
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  it('refuses reasons that show fewer than three characters or hold a broken one, and DMS hears nothing', async () => {
    const { rootTs, orderId, ticketId } = await fileExport(h);
    h.dms.setStatus(orderId, 'APPLY_AUDIT_SUCCESS');
    await tick(h);
    await clickButton(h, {
      action: 'reject',
      value: String(ticketId),
      user: 'U0BOB',
      messageTs: rootTs,
      triggerId: 'trigger-rej',
    });
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-rej');
    const modal = opened.response!['view'] as Record<string, unknown>;
    const reason = (value: string) => ({
      [ActionModalIds.reasonBlock]: { [ActionModalIds.reasonInput]: { type: 'plain_text_input', value } },
    });
    for (const blankish of [
      '\u200b\u200b\u200b',
      '\u3164\u3164\u3164',
      '\u2800 \u00a0\u3000',
      'ok\u200b\u200b',
      '\u202e\u2066x\u2069',
      '\u0301\u0301\u0301\u0301',
      '\ufdd0\ufdd0\ufdd0',
      '\u0378\ue000\u{1d159}',
    ]) {
      const answer = await submit(h, modal, reason(blankish), 'U0BOB');
      expect(answer.errors?.[ActionModalIds.reasonBlock], JSON.stringify(blankish)).toMatch(/Say why/);
    }
    const broken = await submit(h, modal, reason('PII \ud83d columns'), 'U0BOB');
    expect(broken.errors?.[ActionModalIds.reasonBlock]).toMatch(/broken character at line 1, column 5/);
    expect(h.dms.calls('ApproveOrder')).toHaveLength(0);

    await submit(h, modal, reason('\u200bPII\u00a0columns\u202e'), 'U0BOB');
    await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['thread_ts'] === rootTs && /rejected the ticket/.test(String(c.args['text'])),
    );
    // DMS records the normalised reason: the invisible characters are gone, the no-break space is a space.
    expect(h.dms.calls('ApproveOrder')[0]!.query['Comment']).toMatch(/: PII columns$/);
  });
});
