/**
 * Hostile-input corpus: every user-supplied string the bot can be handed (modal fields, forged picker values,
 * command text, related users) goes through the real app. Each case must get a clear inline error or be filed and
 * rendered safely; nothing may crash. Afterwards everything the fake Slack received from the bot (and every JSON
 * body the app answered Slack with) is scanned for mention/link injection, disguising characters, code fences
 * that break out, and Block Kit limits.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrackerIds as K } from '../../blocks/cts/ids.js';
import { ChangeIds as C, ExportIds as E, TrackIds as T } from '../../blocks/dms/ids.js';
import { TRUNCATED_MARKER } from '../../blocks/kit/text.js';
import { NO_SUCH_TICKET } from '../../src/tickets/actions.js';
import type { SlackCall } from '../support/fake-slack.js';
import { clickButton, exportValues, fileExport, openHome, seedPeople, tick } from '../support/flows.js';
import { type Harness, startHarness, viewSubmission } from '../support/harness.js';

type Values = Record<string, Record<string, unknown>>;
type View = Record<string, unknown>;

const DMS_CHANNEL = 'C0EXPORTS';
const CTS_CHANNEL = 'C0OPS';
/** Users the bot may legitimately mention: the seeded people (requester, related users) and the unknown requester case. */
const LEGIT_MENTIONS = new Set(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0STRANGER']);
const KNOWN_CHANNELS = new Set([DMS_CHANNEL, CTS_CHANNEL]);
/** Put in SQL corpus entries: wherever it shows in a message, it must be inside a ``` code block. */
const FENCE_MARK = 'FENCEMARK';
/** A user-typed *entity* for a mention: must reach Slack as `&amp;lt;…`, never as `&lt;@U0ENTITY&gt;` (which renders `<@U0ENTITY>`). */
const ENTITY_MENTION = '&lt;@U0ENTITY&gt;';
// 2026-03-09 12:00 UTC: a fixed "now" for the tracking windows.
const NOW_MS = Date.UTC(2026, 2, 9, 12, 0, 0);
const NOW = NOW_MS / 1000;
const HOUR = 3600;

const input = (value: unknown) => ({ type: 'plain_text_input', value });
const option = (value: string, text = value) => ({ value, text: { type: 'plain_text', text } });
const radio = (value: string | null) => ({
  type: 'radio_buttons',
  selected_option: value === null ? null : option(value),
});
const boxes = (...values: string[]) => ({ type: 'checkboxes', selected_options: values.map((v) => option(v)) });

// ---------------------------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------------------------

/** What a case must lead to. */
type Expectation =
  /** An inline error on this block (a non-empty human message). */
  | { error: string; message?: RegExp }
  /** The ticket (or tracker) is filed and its root message posted. */
  | 'filed'
  /** Filed, or refused by the cloud with the refusal told to the person (e.g. a second management tracker). */
  | 'filed-or-refused'
  /** The cloud refused it; the person is told, with what they asked for. */
  | 'refused'
  /** Any clear outcome: inline error, filed, or refused. */
  | 'either'
  /** A command: the person gets an ephemeral answer (ack body, and/or a response_url message). */
  | 'answered'
  /** A block action (no way to show an inline error): the app must not crash and must keep working. */
  | 'no-crash'
  /** Not something Slack sends (e.g. a selection that is not a Slack id): refused before any work, told it could not be read. */
  | 'unreadable';

interface HostileCase {
  name: string;
  /** The field the value goes into (a key of the surface's field table). */
  field: string;
  value: unknown;
  expect: Expectation;
  /** Text that must appear (already escaped for mrkdwn) in the root message when filed: proof it was rendered, not dropped. */
  shows?: string;
  /** The root message must show the explicit truncation marker. */
  truncated?: boolean;
}

const huge = (n: number, unit = 'x') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
// Whole literals only: the SQL review refuses an export whose last string never closes.
const mentionsSql = `SELECT ${Array.from({ length: 115 }, () => "'<!channel>&<@U0HACKER>|'").join(',')}`;

/** `/dms export` modal fields → state values (on top of a valid, filled-in form). */
const EXPORT_FIELDS: Record<string, (v: unknown) => Values> = {
  sql: (v) => exportValues({ [E.sqlBlock]: { [E.sqlInput]: input(v) } }),
  reason: (v) => exportValues({ [E.reasonBlock]: { [E.reasonInput]: input(v) } }),
  comment: (v) => exportValues({ [E.commentBlock]: { [E.commentInput]: input(v) } }),
  rows: (v) => exportValues({ [E.rowsBlock]: { [E.rowsInput]: { type: 'number_input', value: v } } }),
  skipReason: (v) =>
    exportValues({
      [E.skipCheckBlock]: { [E.skipCheckCheckbox]: boxes('skip') },
      [E.skipReasonBlock]: { [E.skipReasonInput]: input(v) },
    }),
  db: (v) => {
    const o =
      typeof v === 'string'
        ? option(v, 'orders_prod · product · mysql')
        : option((v as { value: string }).value, (v as { text: string }).text);
    return exportValues({ [E.dbBlock]: { [E.dbSelect]: { type: 'external_select', selected_option: o } } });
  },
  related: (v) =>
    exportValues({ [E.relatedBlock]: { [E.relatedSelect]: { type: 'multi_users_select', selected_users: v } } }),
  // The next two are not state values: the runner applies them to the view / the submitting user.
  metadata: () => exportValues(),
  user: () => exportValues(),
};

const EXPORT_CASES: HostileCase[] = [
  {
    name: '100 000 characters',
    field: 'sql',
    value: `SELECT ${huge(100_000, 'a,')}`,
    expect: { error: E.sqlBlock, message: /3000 characters/ },
  },
  {
    name: '3000 characters of mentions and ampersands (escaping grows it past the room)',
    field: 'sql',
    value: mentionsSql,
    expect: 'filed',
    shows: '&lt;!channel&gt;&amp;&lt;@U0HACKER&gt;',
    truncated: true,
  },
  {
    name: 'triple-backtick fences trying to close the code block',
    field: 'sql',
    value: `SELECT '\`\`\`' AS a, '\`\`\`\`' AS b FROM t WHERE c = '\`\`\`\n<!here> *bold* \`\`\`' -- ${FENCE_MARK}`,
    expect: 'filed',
  },
  {
    name: 'backticks at both ends',
    field: 'sql',
    value: `SELECT \`id\` FROM \`orders\` -- ${FENCE_MARK} \`\``,
    expect: 'filed',
  },
  { name: 'a lone fence', field: 'sql', value: '```', expect: { error: E.sqlBlock } },
  // Control characters have no place in SQL and DMS may read them differently: refused, saying where (§6).
  {
    name: 'C0 control characters and an ANSI escape',
    field: 'sql',
    value: `SELECT 1\u0000\u0007\u001b[31m FROM t\u0008 WHERE x = '\u007f' -- ${FENCE_MARK}`,
    expect: { error: E.sqlBlock, message: /control character \(U\+0000\) at line 1, column 9/ },
  },
  {
    name: 'RTL override and isolates',
    field: 'sql',
    value: `SELECT 1 FROM t -- \u202Egpj.exe \u2066x\u2069 ${FENCE_MARK}`,
    expect: 'filed',
  },
  {
    name: 'user, group and link syntax',
    field: 'sql',
    value: "SELECT '<@U0HACKER>', '<!subteam^S0ADMINS>', '<https://evil.example|login>' FROM t",
    expect: 'filed',
    shows: '&lt;@U0HACKER&gt;',
  },
  {
    name: 'zero-width characters and a BOM',
    field: 'sql',
    value: '\uFEFFSELECT\u200B 1 FROM t\u200D',
    expect: 'either',
  },
  { name: 'only a comment hiding a mention', field: 'sql', value: '-- <!channel>\n', expect: { error: E.sqlBlock } },
  {
    name: '@channel',
    field: 'reason',
    value: '<!channel> please approve',
    expect: 'filed',
    shows: '&lt;!channel&gt; please approve',
  },
  {
    name: '@here and @everyone with labels',
    field: 'reason',
    value: '<!here|here> <!everyone>',
    expect: 'filed',
    shows: '&lt;!here|here&gt; &lt;!everyone&gt;',
  },
  {
    name: 'link injection',
    field: 'reason',
    value: '<http://evil.example/phish|Click to approve>',
    expect: 'filed',
    shows: '&lt;http://evil.example/phish|Click to approve&gt;',
  },
  { name: 'mailto link', field: 'reason', value: '<mailto:ceo@example.com|CEO>', expect: 'filed' },
  {
    name: 'pre-escaped entities and bare ampersands',
    field: 'reason',
    value: `${ENTITY_MENTION} R&D & AT&T`,
    expect: 'filed',
    shows: '&amp;lt;@U0ENTITY&amp;gt; R&amp;D &amp; AT&amp;T',
  },
  {
    name: '201 characters',
    field: 'reason',
    value: huge(201, 'r'),
    expect: { error: E.reasonBlock, message: /200 characters/ },
  },
  { name: 'a megabyte', field: 'reason', value: huge(1_000_000), expect: { error: E.reasonBlock } },
  { name: 'only zero-width characters', field: 'reason', value: '\u200B\u200C\u200D\u2060', expect: 'either' },
  { name: 'only whitespace and newlines', field: 'reason', value: ' \n\t\r\n ', expect: { error: E.reasonBlock } },
  {
    name: 'emoji and ZWJ sequences',
    field: 'reason',
    value: '👩‍👩‍👧‍👦🏳️‍🌈'.repeat(10),
    expect: 'filed',
    shows: '👩‍👩‍👧‍👦🏳️‍🌈',
  },
  // The limit counts characters (code points), as Slack's max_length does: 101 emoji (202 UTF-16 units) fit, 201 do not.
  { name: '101 emoji (202 UTF-16 units)', field: 'reason', value: '😀'.repeat(101), expect: 'filed', shows: '😀😀😀' },
  { name: '201 emoji, past the limit', field: 'reason', value: '😀'.repeat(201), expect: { error: E.reasonBlock } },
  {
    name: 'bidi override',
    field: 'reason',
    value: '\u202Eevorppa\u202C \u2067x\u2069 ok',
    expect: 'filed',
    shows: 'evorppa x ok',
  },
  { name: 'mentions in the DMS comment', field: 'comment', value: '<!channel> '.repeat(90), expect: 'filed' },
  { name: '1001 characters', field: 'comment', value: huge(1001, 'c'), expect: { error: E.commentBlock } },
  {
    name: '20-digit number',
    field: 'rows',
    value: '99999999999999999999',
    expect: { error: E.rowsBlock, message: /at most/ },
  },
  { name: 'exponent', field: 'rows', value: '1e3', expect: { error: E.rowsBlock } },
  { name: 'negative zero', field: 'rows', value: '-0', expect: { error: E.rowsBlock } },
  { name: 'NaN', field: 'rows', value: 'NaN', expect: { error: E.rowsBlock } },
  { name: 'Infinity', field: 'rows', value: 'Infinity', expect: { error: E.rowsBlock } },
  { name: 'full-width digits', field: 'rows', value: '１２３', expect: { error: E.rowsBlock } },
  { name: 'hexadecimal', field: 'rows', value: '0x10', expect: { error: E.rowsBlock } },
  { name: 'exactly the maximum', field: 'rows', value: '1000000000000', expect: 'filed', shows: '1000000000000' },
  {
    name: 'mentions',
    field: 'skipReason',
    value: '<!here> <@U0HACKER> trust me',
    expect: 'filed',
    shows: '*Row check skipped*\n&lt;!here&gt; &lt;@U0HACKER&gt; trust me',
  },
  { name: '100 000 characters', field: 'skipReason', value: huge(100_000), expect: { error: E.skipReasonBlock } },
  {
    name: 'forged 20-digit database id',
    field: 'db',
    value: 'db:99999999999999999999:P',
    expect: { error: E.dbBlock, message: /not valid/ },
  },
  { name: 'forged id beyond 2^53', field: 'db', value: 'db:9007199254740993:P', expect: { error: E.dbBlock } },
  { name: 'forged negative id', field: 'db', value: 'db:-1:P', expect: { error: E.dbBlock } },
  { name: 'forged flag', field: 'db', value: 'db:1001:X', expect: { error: E.dbBlock } },
  { name: 'explanation option carrying a mention', field: 'db', value: 'err:<!channel>', expect: { error: E.dbBlock } },
  { name: 'prototype key', field: 'db', value: '__proto__', expect: { error: E.dbBlock } },
  {
    name: 'forged label full of mentions, RTL and 5000 characters',
    field: 'db',
    value: { value: 'db:1001:P', text: `<!channel> \u202Eorders_prod ${huge(5000)}` },
    expect: 'filed',
    shows: '&lt;!channel&gt; orders_prod',
  },
  // The SQL review looks the database up for its engine, so an unknown database is an inline error before any create.
  {
    name: 'forged 3000-character label on a database DMS does not know',
    field: 'db',
    value: { value: 'db:1999:P', text: `<!everyone> ${huge(3000, 'y')}` },
    expect: { error: E.dbBlock, message: /did not find database 1999/ },
  },
  {
    name: 'user the workspace does not know',
    field: 'related',
    value: ['U0NOBODY'],
    expect: { error: E.relatedBlock, message: /not a user of this workspace/ },
  },
  // A users_select only ever returns Slack's spelling of a user id: anything else is refused at the envelope.
  { name: 'mention syntax instead of a user id', field: 'related', value: ['<!channel>'], expect: 'unreadable' },
  { name: '5001-character user id', field: 'related', value: [`U${huge(5000, 'X')}`], expect: 'unreadable' },
  { name: 'lower-case user id', field: 'related', value: ['u0bob'], expect: 'unreadable' },
  {
    name: '25 users',
    field: 'related',
    value: Array.from({ length: 25 }, (_, i) => `U0X${String(i).padStart(2, '0')}`),
    expect: { error: E.relatedBlock, message: /at most 20/ },
  },
  {
    name: 'Slack user without a DMS account',
    field: 'related',
    value: ['U0CAROL'],
    expect: { error: E.relatedBlock, message: /no DMS account/ },
  },
  { name: 'the same user twice', field: 'related', value: ['U0BOB', 'U0BOB'], expect: 'filed' },
  {
    name: 'forged channel in private_metadata',
    field: 'metadata',
    value: '{"c":"<!channel>"}',
    expect: { error: E.dbBlock, message: /lost track/ },
  },
  {
    name: '4000 characters of junk in private_metadata',
    field: 'metadata',
    value: huge(4000, '{'),
    expect: { error: E.dbBlock },
  },
  { name: 'requester the workspace does not know', field: 'user', value: 'U0STRANGER', expect: 'either' },
];

/** `/dms track` modal: a valid form (orders, INSERT, 3 h → 1 h ago). */
function trackValues(over: Values = {}): Values {
  return {
    [T.dbBlock]: {
      [T.dbSelect]: { type: 'external_select', selected_option: option('db:1001:P', 'orders_prod · product · mysql') },
    },
    [T.tablesBlock]: { [T.tablesInput]: input('orders') },
    [T.typesBlock]: { [T.typesCheckbox]: boxes('INSERT') },
    [T.startBlock]: { [T.startPicker]: { type: 'datetimepicker', selected_date_time: NOW - 3 * HOUR } },
    [T.endBlock]: { [T.endPicker]: { type: 'datetimepicker', selected_date_time: NOW - HOUR } },
    [T.reasonBlock]: { [T.reasonInput]: input('Who changed order 42?') },
    [T.relatedBlock]: { [T.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
    ...over,
  };
}

const TRACK_FIELDS: Record<string, (v: unknown) => Values> = {
  tables: (v) => trackValues({ [T.tablesBlock]: { [T.tablesInput]: input(v) } }),
  start: (v) => trackValues({ [T.startBlock]: { [T.startPicker]: { type: 'datetimepicker', selected_date_time: v } } }),
  end: (v) => trackValues({ [T.endBlock]: { [T.endPicker]: { type: 'datetimepicker', selected_date_time: v } } }),
  reason: (v) => trackValues({ [T.reasonBlock]: { [T.reasonInput]: input(v) } }),
  db: (v) => {
    const o =
      typeof v === 'string'
        ? option(v, 'orders_prod · product · mysql')
        : option((v as { value: string }).value, (v as { text: string }).text);
    return trackValues({ [T.dbBlock]: { [T.dbSelect]: { type: 'external_select', selected_option: o } } });
  },
  types: (v) => trackValues({ [T.typesBlock]: { [T.typesCheckbox]: boxes(...(v as string[])) } }),
  related: (v) =>
    trackValues({ [T.relatedBlock]: { [T.relatedSelect]: { type: 'multi_users_select', selected_users: v } } }),
  // A pick in the window pickers (block action): value is { start, end, db? }.
  preview: (v) => {
    const p = v as { start: unknown; end: unknown; db?: { value: string; text: string } };
    return trackValues({
      [T.startBlock]: { [T.startPicker]: { type: 'datetimepicker', selected_date_time: p.start } },
      [T.endBlock]: { [T.endPicker]: { type: 'datetimepicker', selected_date_time: p.end } },
      ...(p.db
        ? { [T.dbBlock]: { [T.dbSelect]: { type: 'external_select', selected_option: option(p.db.value, p.db.text) } } }
        : {}),
    });
  },
};

const TRACK_CASES: HostileCase[] = [
  { name: '@channel as a table', field: 'tables', value: '<!channel>', expect: { error: T.tablesBlock } },
  {
    name: '100 000 characters of table names',
    field: 'tables',
    value: Array.from({ length: 20_000 }, (_, i) => `t${i}`)
      .join(',')
      .slice(0, 100_000),
    expect: { error: T.tablesBlock, message: /at most 50/ },
  },
  {
    name: 'RTL override inside a name',
    field: 'tables',
    value: 'orders\u202Esredro',
    expect: { error: T.tablesBlock },
  },
  { name: 'zero-width joiner inside a name', field: 'tables', value: 'ord\u200Ders', expect: { error: T.tablesBlock } },
  { name: 'emoji in a name', field: 'tables', value: 'orders_😀', expect: { error: T.tablesBlock } },
  { name: 'NUL and BEL in a name', field: 'tables', value: 'orders\u0000\u0007', expect: { error: T.tablesBlock } },
  { name: 'link syntax', field: 'tables', value: '<http://evil|x>', expect: { error: T.tablesBlock } },
  {
    name: 'a 65-character name',
    field: 'tables',
    value: huge(65, 't'),
    expect: { error: T.tablesBlock, message: /64/ },
  },
  {
    name: 'backtick-quoted keyword and digits',
    field: 'tables',
    value: '`select`, `123`',
    expect: 'filed',
    shows: 'select, 123',
  },
  { name: 'CJK names', field: 'tables', value: '订单, 用户', expect: 'filed', shows: '订单, 用户' },
  { name: 'negative seconds', field: 'start', value: -1, expect: { error: T.startBlock } },
  { name: 'huge seconds (1e20)', field: 'start', value: 1e20, expect: { error: T.startBlock, message: /future/ } },
  {
    name: 'NaN (null on the wire)',
    field: 'start',
    value: Number.NaN,
    expect: { error: T.startBlock, message: /Pick a start time/ },
  },
  { name: 'a numeric string', field: 'start', value: String(NOW - 3 * HOUR), expect: { error: T.startBlock } },
  { name: 'Number.MAX_VALUE', field: 'start', value: Number.MAX_VALUE, expect: { error: T.startBlock } },
  {
    name: 'before the start',
    field: 'end',
    value: NOW - 4 * HOUR,
    expect: { error: T.endBlock, message: /after the start/ },
  },
  { name: '-1e20 seconds', field: 'end', value: -1e20, expect: { error: T.endBlock } },
  { name: 'fractional seconds', field: 'end', value: NOW - HOUR - 0.75, expect: 'filed' },
  { name: '1001 characters', field: 'reason', value: huge(1001), expect: { error: T.reasonBlock } },
  {
    name: 'mentions, link, RTL override and a pre-escaped entity',
    field: 'reason',
    value: `<!channel> <http://x.example|y> \u202Eabc ${ENTITY_MENTION}`,
    expect: 'filed',
    shows: '&lt;!channel&gt; &lt;http://x.example|y&gt; abc &amp;lt;@U0ENTITY&amp;gt;',
  },
  {
    name: 'logical database with a forged RTL label of 3000 characters',
    field: 'db',
    value: { value: 'db:2001:L', text: `\u202E<!channel>${huge(3000, 'z')}` },
    expect: { error: T.dbBlock },
  },
  {
    name: 'forged 20-digit database id',
    field: 'db',
    value: 'db:99999999999999999999:P',
    expect: { error: T.dbBlock },
  },
  { name: 'forged operation', field: 'types', value: ['TRUNCATE'], expect: { error: T.typesBlock } },
  {
    name: 'W-user the workspace does not know',
    field: 'related',
    value: ['W0GHOST'],
    expect: { error: T.relatedBlock, message: /not a user/ },
  },
  { name: 'huge seconds picked (1e20)', field: 'preview', value: { start: 1e20, end: NOW - HOUR }, expect: 'no-crash' },
  {
    name: 'forged database label (200 characters, mention) kept across the redraw',
    field: 'preview',
    value: { start: NOW - 3 * HOUR, end: NOW - HOUR, db: { value: 'db:1001:P', text: `<!channel> ${huge(200, 'd')}` } },
    expect: 'no-crash',
  },
];

/** `/dms change` modal: a valid form. */
function changeValues(over: Values = {}): Values {
  return {
    [C.dbBlock]: {
      [C.dbSelect]: {
        type: 'multi_external_select',
        selected_options: [option('db:1001:P', 'orders_prod · product · mysql')],
      },
    },
    [C.sqlBlock]: { [C.sqlInput]: input("UPDATE orders SET status = 'void' WHERE id = 42;") },
    [C.rollbackBlock]: { [C.rollbackInput]: input(null) },
    [C.reasonBlock]: { [C.reasonInput]: input('Void a duplicate order') },
    [C.modeBlock]: { [C.modeRadio]: radio('AUTO') },
    [C.commentBlock]: { [C.commentInput]: input(null) },
    [C.relatedBlock]: { [C.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
    ...over,
  };
}

const CHANGE_FIELDS: Record<string, (v: unknown) => Values> = {
  sql: (v) => changeValues({ [C.sqlBlock]: { [C.sqlInput]: input(v) } }),
  rollback: (v) => changeValues({ [C.rollbackBlock]: { [C.rollbackInput]: input(v) } }),
  reason: (v) => changeValues({ [C.reasonBlock]: { [C.reasonInput]: input(v) } }),
  comment: (v) => changeValues({ [C.commentBlock]: { [C.commentInput]: input(v) } }),
  db: (v) =>
    changeValues({
      [C.dbBlock]: {
        [C.dbSelect]: {
          type: 'multi_external_select',
          selected_options: (v as { value: string; text: string }[]).map((o) => option(o.value, o.text)),
        },
      },
    }),
  mode: (v) => changeValues({ [C.modeBlock]: { [C.modeRadio]: radio(v as string) } }),
  related: (v) =>
    changeValues({ [C.relatedBlock]: { [C.relatedSelect]: { type: 'multi_users_select', selected_users: v } } }),
};

const CHANGE_CASES: HostileCase[] = [
  {
    name: 'fences inside string literals',
    field: 'sql',
    value: `UPDATE t SET note = '\`\`\`<!channel>\`\`\`' WHERE id = 1; -- ${FENCE_MARK} \`\`\`\``,
    expect: 'filed',
    shows: '&lt;!channel&gt;',
  },
  {
    name: 'backticks at the end',
    field: 'sql',
    value: `UPDATE \`t\` SET \`a\` = 1 WHERE \`id\` = 1 -- ${FENCE_MARK} \`\``,
    expect: 'filed',
  },
  {
    name: 'unterminated quote hiding a mention',
    field: 'sql',
    value: "UPDATE t SET a = '<!channel>",
    expect: { error: C.sqlBlock },
  },
  {
    name: 'only comments with a mention and a link',
    field: 'sql',
    value: '-- <!here>\n/* <http://x|y> */',
    expect: { error: C.sqlBlock },
  },
  {
    name: 'a SELECT only',
    field: 'sql',
    value: "SELECT '<!channel>'",
    expect: { error: C.sqlBlock, message: /\/dms export/ },
  },
  {
    name: '260 000 characters',
    field: 'sql',
    value: 'UPDATE t SET a = 1 WHERE id = 1;\n'.repeat(8_000),
    expect: 'either',
  },
  {
    name: 'user mention, RTL override and @everyone',
    field: 'sql',
    value: "UPDATE t SET a = '<@U0HACKER> \u202E' WHERE b = '<!everyone>'",
    expect: 'filed',
    shows: '&lt;@U0HACKER&gt;',
  },
  {
    name: 'fence breakout in the rollback',
    field: 'rollback',
    value: `UPDATE t SET a = '\`\`\`' WHERE id = 1 -- \`\`\` ${FENCE_MARK}`,
    expect: 'filed',
  },
  {
    name: 'unterminated block comment in the rollback',
    field: 'rollback',
    value: '/* <!channel>',
    expect: { error: C.rollbackBlock },
  },
  {
    name: 'link injection',
    field: 'reason',
    value: '<https://evil.example|Approved by the CISO>',
    expect: 'filed',
    shows: '&lt;https://evil.example|Approved by the CISO&gt;',
  },
  { name: '201 characters', field: 'reason', value: huge(201), expect: { error: C.reasonBlock } },
  { name: '1001 characters', field: 'comment', value: huge(1001), expect: { error: C.commentBlock } },
  {
    name: 'forged option text of 211 characters with a mention',
    field: 'db',
    value: [{ value: 'db:1001:P', text: `<!channel> ${huge(200, 'd')}` }],
    expect: 'filed',
    shows: '&lt;!channel&gt;',
  },
  {
    name: 'forged value with an RTL label',
    field: 'db',
    value: [{ value: 'db:abc', text: '\u202E<!here>' }],
    expect: { error: C.dbBlock },
  },
  {
    name: 'the same database twice',
    field: 'db',
    value: [
      { value: 'db:1001:P', text: 'a' },
      { value: 'db:1001:L', text: 'b' },
    ],
    expect: { error: C.dbBlock },
  },
  { name: 'forged execution mode', field: 'mode', value: '<!channel>', expect: { error: C.modeBlock } },
  {
    name: 'user the workspace does not know',
    field: 'related',
    value: ['U0NOBODY'],
    expect: { error: C.relatedBlock },
  },
];

/** `/cts tracker` data form: a valid data tracker, unique per case. */
function dataTrackerValues(n: number, over: Values = {}): Values {
  return {
    [K.typeBlock]: { [K.typeRadio]: radio('data') },
    [K.nameBlock]: { [K.nameInput]: input(`hostile-${n}`) },
    [K.dataBucketBlock]: { [K.dataBucketInput]: input(`hostile-data-${n}`) },
    [K.operationsBlock]: { [K.operationsCheckbox]: boxes('WRITE') },
    [K.bucketBlock]: { [K.bucketInput]: input('audit-trail-logs') },
    [K.prefixBlock]: { [K.prefixInput]: input(null) },
    [K.obsOptionsBlock]: { [K.obsOptionsCheckbox]: boxes() },
    [K.compressBlock]: { [K.compressRadio]: radio('gzip') },
    [K.retentionBlock]: { [K.retentionSelect]: { type: 'static_select', selected_option: option('90') } },
    [K.analysisBlock]: { [K.analysisCheckbox]: boxes() },
    ...over,
  };
}

/** `/cts tracker system` form: a management tracker with encryption on. */
function systemTrackerValues(over: Values = {}): Values {
  return {
    [K.typeBlock]: { [K.typeRadio]: radio('system') },
    [K.bucketBlock]: { [K.bucketInput]: input('audit-trail-logs') },
    [K.prefixBlock]: { [K.prefixInput]: input('mgmt') },
    [K.obsOptionsBlock]: { [K.obsOptionsCheckbox]: boxes('sort-by-service') },
    [K.compressBlock]: { [K.compressRadio]: radio('json') },
    [K.analysisBlock]: { [K.analysisCheckbox]: boxes() },
    [K.encryptionBlock]: { [K.encryptionCheckbox]: boxes('encrypt') },
    [K.kmsBlock]: { [K.kmsInput]: input('13a4207c-7abe-4b68-8510-16b84c3b5504') },
    [K.managementOptionsBlock]: { [K.managementOptionsCheckbox]: boxes() },
    ...over,
  };
}

/** Which form a field lives on, and how it is set (n: a number unique to the case). */
const CTS_FIELDS: Record<string, { form: 'system' | 'data'; values: (v: unknown, n: number) => Values }> = {
  kms: { form: 'system', values: (v) => systemTrackerValues({ [K.kmsBlock]: { [K.kmsInput]: input(v) } }) },
  bucket: { form: 'system', values: (v) => systemTrackerValues({ [K.bucketBlock]: { [K.bucketInput]: input(v) } }) },
  prefix: { form: 'system', values: (v) => systemTrackerValues({ [K.prefixBlock]: { [K.prefixInput]: input(v) } }) },
  name: { form: 'data', values: (v, n) => dataTrackerValues(n, { [K.nameBlock]: { [K.nameInput]: input(v) } }) },
  dataBucket: {
    form: 'data',
    values: (v, n) => dataTrackerValues(n, { [K.dataBucketBlock]: { [K.dataBucketInput]: input(v) } }),
  },
  operations: {
    form: 'data',
    values: (v, n) =>
      dataTrackerValues(n, { [K.operationsBlock]: { [K.operationsCheckbox]: boxes(...(v as string[])) } }),
  },
  retention: {
    form: 'data',
    values: (v, n) =>
      dataTrackerValues(n, {
        [K.retentionBlock]: { [K.retentionSelect]: { type: 'static_select', selected_option: option(v as string) } },
      }),
  },
  type: {
    form: 'data',
    values: (v, n) => dataTrackerValues(n, { [K.typeBlock]: { [K.typeRadio]: radio(v as string) } }),
  },
  // The runner puts this one in the view's private_metadata.
  metadata: { form: 'data', values: (_v, n) => dataTrackerValues(n) },
  // A whole data form whose values are all valid but unusual (value: [name, bucket, prefix]).
  dataForm: {
    form: 'data',
    values: (v, n) => {
      const [name, bucket, prefix] = v as [string, string, string];
      return dataTrackerValues(n, {
        [K.nameBlock]: { [K.nameInput]: input(name) },
        [K.dataBucketBlock]: { [K.dataBucketInput]: input(bucket) },
        [K.prefixBlock]: { [K.prefixInput]: input(prefix) },
      });
    },
  },
};

const CTS_CASES: HostileCase[] = [
  {
    name: 'mentions and a link',
    field: 'kms',
    value: '<!channel> <https://evil.example|kms>',
    expect: 'filed-or-refused',
    shows: '&lt;!channel&gt; &lt;[link removed]|kms&gt;',
  },
  { name: '100 000 characters', field: 'kms', value: huge(100_000, 'k'), expect: 'either' },
  {
    name: 'backticks breaking out of inline code',
    field: 'kms',
    value: '```` `<!here>` ````',
    expect: 'filed-or-refused',
  },
  {
    name: 'RTL override, zero-width and control characters',
    field: 'kms',
    value: '\u202E\u200Bkms\u0000\u001b[0m',
    expect: 'filed-or-refused',
  },
  { name: '@channel', field: 'bucket', value: '<!channel>', expect: { error: K.bucketBlock } },
  { name: '100 000 characters', field: 'bucket', value: huge(100_000, 'b'), expect: { error: K.bucketBlock } },
  { name: 'RTL override', field: 'bucket', value: 'audit\u202Elogs', expect: { error: K.bucketBlock } },
  {
    name: 'uppercase and emoji',
    field: 'bucket',
    value: 'Audit😀Logs',
    expect: { error: K.bucketBlock, message: /lowercase/ },
  },
  { name: 'link syntax', field: 'prefix', value: '<http://x|y>', expect: { error: K.prefixBlock } },
  { name: 'path traversal', field: 'prefix', value: '../../etc/passwd', expect: { error: K.prefixBlock } },
  { name: '65 characters', field: 'prefix', value: huge(65, 'p'), expect: { error: K.prefixBlock } },
  { name: '@here', field: 'name', value: '<!here>', expect: { error: K.nameBlock } },
  { name: 'reserved name', field: 'name', value: 'system', expect: { error: K.nameBlock, message: /reserved/ } },
  { name: 'emoji', field: 'name', value: 'trail😀', expect: { error: K.nameBlock } },
  { name: '65 characters', field: 'name', value: huge(65, 'n'), expect: { error: K.nameBlock } },
  { name: 'user mention', field: 'dataBucket', value: '<@U0HACKER>', expect: { error: K.dataBucketBlock } },
  {
    name: 'forged operations',
    field: 'operations',
    value: ['DELETE', '<!here>'],
    expect: { error: K.operationsBlock },
  },
  {
    name: 'forged 20-digit retention',
    field: 'retention',
    value: '99999999999999999999',
    expect: { error: K.retentionBlock },
  },
  { name: 'forged negative retention', field: 'retention', value: '-30', expect: { error: K.retentionBlock } },
  { name: 'forged tracker type', field: 'type', value: '<!channel>', expect: { error: K.typeBlock } },
  {
    name: 'forged type in private_metadata',
    field: 'metadata',
    value: `{"c":"${CTS_CHANNEL}","t":"<!channel>"}`,
    expect: { error: K.typeBlock },
  },
  {
    name: 'unusual but valid name, bucket and prefix',
    field: 'dataForm',
    value: ['a-_-b', 'x.y-z', 'a.b_c-d'],
    expect: 'filed',
    shows: 'x.y-z',
  },
];

/** Slash commands: `/dms status <text>`, `/dms <unknown>`, `/cts <unknown>` (field = the command and subcommand). */
const COMMAND_CASES: HostileCase[] = [
  { name: '@channel as the ticket id', field: '/dms status', value: '<!channel>', expect: 'answered' },
  { name: '20-digit ticket id', field: '/dms status', value: '99999999999999999999', expect: 'answered' },
  {
    name: 'ticket id just past Long.MAX_VALUE',
    field: '/dms status',
    value: '9223372036854775808',
    expect: 'answered',
  },
  { name: 'Long.MAX_VALUE, unknown to DMS', field: '/dms status', value: '9223372036854775807', expect: 'answered' },
  { name: 'zero', field: '/dms status', value: '0', expect: 'answered' },
  { name: 'negative id', field: '/dms status', value: '-1', expect: 'answered' },
  { name: 'id followed by a mention', field: '/dms status', value: '#42 <@U0HACKER>', expect: 'answered' },
  { name: 'full-width digits', field: '/dms status', value: '１２３', expect: 'answered' },
  { name: 'RTL override before the digits', field: '/dms status', value: '\u202E321', expect: 'answered' },
  { name: 'a ticket DMS does not know', field: '/dms status', value: '424242', expect: 'answered' },
  { name: '@channel', field: '/dms', value: '<!channel>', expect: 'answered' },
  { name: 'link injection', field: '/dms', value: '<http://evil.example|help>', expect: 'answered' },
  { name: 'a fence and @here', field: '/dms', value: '```<!here>', expect: 'answered' },
  { name: '100 000 characters', field: '/dms', value: huge(100_000), expect: 'answered' },
  { name: 'RTL override', field: '/dms', value: '\u202Etropxe', expect: 'answered' },
  { name: 'control characters', field: '/dms', value: '\u0000\u0007\u001b[2J', expect: 'answered' },
  { name: '30 emoji (cut inside a surrogate pair?)', field: '/dms', value: '😀'.repeat(30), expect: 'answered' },
  { name: '@everyone and a user mention', field: '/cts', value: '<!everyone> <@U0HACKER>', expect: 'answered' },
];

// ---------------------------------------------------------------------------------------------------------------
// The scanner
// ---------------------------------------------------------------------------------------------------------------

/** One thing the bot sent (or answered) to Slack. */
interface Sent {
  where: string;
  kind: 'message' | 'view' | 'errors';
  body: unknown;
}

/** A JSON body the app answered Slack with (command acks, view submission answers). */
interface Answer {
  where: string;
  body: Record<string, unknown>;
}

// Bidi overrides/isolates, C0 controls (but tab, LF, CR), DEL and C1 controls.
const UNSAFE_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Everything the bot sent to the fake Slack (from `since` on), plus the app's own answers, as surfaces to scan. */
function outgoing(
  h: Harness,
  answers: readonly Answer[],
  since: Mark = { calls: 0, responses: 0, answers: 0 },
): Sent[] {
  const out: Sent[] = [];
  h.slack.calls.slice(since.calls).forEach((c: SlackCall, i) => {
    const where = `${c.method} #${since.calls + i}${c.args['channel'] ? ` in ${String(c.args['channel'])}` : ''}`;
    if (['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method))
      out.push({ where, kind: 'message', body: c.args });
    else if (['views.open', 'views.update', 'views.push', 'views.publish'].includes(c.method))
      out.push({ where, kind: 'view', body: c.args['view'] });
  });
  h.slack.responses
    .slice(since.responses)
    .forEach((c, i) => out.push({ where: `response_url #${since.responses + i}`, kind: 'message', body: c.args }));
  for (const a of answers.slice(since.answers)) {
    const action = a.body['response_action'];
    if (action === 'errors') out.push({ where: a.where, kind: 'errors', body: a.body['errors'] });
    else if (action === 'update' || action === 'push') out.push({ where: a.where, kind: 'view', body: a.body['view'] });
    else if (a.body['text'] !== undefined || a.body['blocks'] !== undefined)
      out.push({ where: a.where, kind: 'message', body: a.body });
  }
  return out;
}

/**
 * Scans what the bot sent Slack for injection, disguising characters, code fences that break out and Block Kit
 * limits. Returns one line per problem (empty when all is well).
 */
function scanSlackTraffic(sent: readonly Sent[]): string[] {
  const problems: string[] = [];
  for (const s of sent) {
    const p = (path: string, msg: string) => problems.push(`${s.where} ${path}: ${msg}`);
    const len = (path: string, text: unknown, max: number) => {
      if (typeof text === 'string' && text.length > max) p(path, `${text.length} characters, limit ${max}`);
    };
    const chars = (path: string, text: string) => {
      const bad = text.match(UNSAFE_CHARS);
      if (bad)
        p(
          path,
          `unsafe characters ${[...new Set(bad)].map((c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join(', ')}`,
        );
    };
    const mrkdwn = (path: string, text: string) => {
      chars(path, text);
      // Control sequences: only the bot's own mentions, channel links and dates are allowed.
      let rest = text.replace(/<([^<>]*)>/g, (all, inner: string) => {
        if (!allowedSequence(inner)) p(path, `control sequence ${JSON.stringify(all.slice(0, 80))}`);
        return '';
      });
      rest = rest.replace(/(^|\n)> /g, '$1'); // blockquote markers
      if (/[<>]/.test(rest)) p(path, `raw < or > in ${JSON.stringify(excerpt(rest, /[<>]/))}`);
      if (/&(?!amp;|lt;|gt;)/.test(text))
        p(path, `unescaped & in ${JSON.stringify(excerpt(text, /&(?!amp;|lt;|gt;)/))}`);
      if (text.includes(ENTITY_MENTION.slice(0, 12)))
        p(path, 'a user-typed entity reaches Slack unescaped (renders as a mention)');
      // Code fences: exactly three backticks, in pairs; SQL markers only inside them.
      const runs = [...text.matchAll(/`{3,}/g)];
      for (const r of runs)
        if (r[0].length !== 3)
          p(path, `a run of ${r[0].length} backticks near ${JSON.stringify(excerpt(text, /`{3,}/))}`);
      if (runs.length % 2 !== 0) p(path, `${runs.length} code fences (unbalanced)`);
      text.split(/`{3,}/).forEach((segment, i) => {
        if (i % 2 === 0 && segment.includes(FENCE_MARK))
          p(path, 'SQL shows outside its code block (a fence was closed early)');
      });
    };
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => walk(n, `${path}[${i}]`));
        return;
      }
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const text = (o['text'] as { text?: unknown } | undefined)?.text;
      if (o['type'] === 'mrkdwn' && typeof o['text'] === 'string') {
        mrkdwn(path, o['text']);
        len(path, o['text'], 3000);
      }
      if (o['type'] === 'plain_text' && typeof o['text'] === 'string') {
        chars(path, o['text']);
        len(path, o['text'], 3000);
      }
      switch (o['type']) {
        case 'section': {
          // Its text object is measured above (3000); fields have their own limit.
          const fields = o['fields'] as { text?: string }[] | undefined;
          if (fields && fields.length > 10) p(path, `${fields.length} fields, limit 10`);
          fields?.forEach((f, i) => len(`${path}.fields[${i}]`, f.text, 2000));
          break;
        }
        case 'header':
          len(`${path}.text`, text, 150);
          break;
        case 'button':
          len(`${path}.text`, text, 75);
          len(`${path}.value`, o['value'], 2000);
          break;
        case 'context':
          if (Array.isArray(o['elements']) && o['elements'].length > 10)
            p(path, `${o['elements'].length} context elements, limit 10`);
          break;
        case 'actions':
          if (Array.isArray(o['elements']) && o['elements'].length > 25)
            p(path, `${o['elements'].length} actions, limit 25`);
          break;
        case 'input':
          len(`${path}.label`, (o['label'] as { text?: string } | undefined)?.text, 2000);
          len(`${path}.hint`, (o['hint'] as { text?: string } | undefined)?.text, 2000);
          break;
      }
      for (const key of ['options', 'initial_options', 'initial_option']) {
        const opts = o[key] === undefined ? [] : Array.isArray(o[key]) ? (o[key] as unknown[]) : [o[key]];
        opts.forEach((opt, i) => {
          const x = opt as { text?: { text?: string }; value?: string; description?: { text?: string } };
          len(`${path}.${key}[${i}].text`, x.text?.text, 75);
          len(`${path}.${key}[${i}].value`, x.value, 150);
          len(`${path}.${key}[${i}].description`, x.description?.text, 75);
        });
      }
      len(`${path}.block_id`, o['block_id'], 255);
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
    };

    if (s.kind === 'errors') {
      for (const [block, message] of Object.entries((s.body ?? {}) as Record<string, unknown>)) {
        if (typeof message !== 'string' || message.trim() === '') p(`errors.${block}`, 'empty error message');
        else chars(`errors.${block}`, message);
      }
    } else if (s.kind === 'message') {
      const body = (s.body ?? {}) as Record<string, unknown>;
      if (typeof body['text'] === 'string') {
        mrkdwn('text', body['text']);
        len('text', body['text'], 40_000);
      }
      const blocks = Array.isArray(body['blocks']) ? body['blocks'] : [];
      if (blocks.length > 50) p('blocks', `${blocks.length} blocks in a message, limit 50`);
      walk(blocks, 'blocks');
      walk(body['attachments'], 'attachments');
    } else {
      const view = (s.body ?? {}) as Record<string, unknown>;
      const bytes = Buffer.byteLength(JSON.stringify(view), 'utf8');
      if (bytes > 250_000) p('view', `${bytes} bytes of view JSON, limit 250 KB`);
      const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
      if (blocks.length > 100) p('blocks', `${blocks.length} blocks in a ${String(view['type'])} view, limit 100`);
      len('private_metadata', view['private_metadata'], 3000);
      for (const k of ['title', 'submit', 'close']) len(k, (view[k] as { text?: string } | undefined)?.text, 24);
      walk(view, 'view');
    }
  }
  return problems;
}

/** `<…>` sequences the bot itself legitimately sends. */
function allowedSequence(inner: string): boolean {
  if (inner.startsWith('@')) return LEGIT_MENTIONS.has(inner.slice(1));
  if (inner.startsWith('#')) return KNOWN_CHANNELS.has(inner.slice(1).split('|')[0]!);
  return /^!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9T:.Z-]+$/.test(inner);
}

function excerpt(text: string, re: RegExp): string {
  const i = text.search(re);
  return text.slice(Math.max(0, i - 30), i + 30);
}

/** Every readable string of a message (mrkdwn and plain text), for "is it rendered" assertions. */
function textsOf(body: Record<string, unknown>): string {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if ((o['type'] === 'mrkdwn' || o['type'] === 'plain_text') && typeof o['text'] === 'string') out.push(o['text']);
      Object.values(o).forEach(walk);
    }
  };
  walk(body['blocks']);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Running cases through the real app
// ---------------------------------------------------------------------------------------------------------------

interface Mark {
  calls: number;
  responses: number;
  answers: number;
  logs?: number;
}

type Outcome =
  | { kind: 'error'; errors: Record<string, string>; view: View }
  | { kind: 'filed'; root: SlackCall }
  | { kind: 'refused'; notice: SlackCall }
  | { kind: 'answered'; texts: string[] }
  | { kind: 'no-crash' }
  | { kind: 'unreadable' };

const HUMAN_ERROR_JUNK = /undefined|\[object|NaN|Invalid (string|input)|must match pattern|^Expected /;

describe('hostile input corpus through the real handlers', () => {
  let h: Harness;
  const answers: Answer[] = [];
  let caseNo = 0;

  beforeAll(async () => {
    h = await startHarness({ cts: true, env: { RATE_LIMIT_PER_USER_PER_HOUR: '10000' } });
    h.clock.t = NOW_MS;
    seedPeople(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const mark = (): Mark => ({
    calls: h.slack.calls.length,
    responses: h.slack.responses.length,
    answers: answers.length,
    logs: h.logs.length,
  });

  /** Runs a slash command; records the ack body. */
  async function command(
    cmd: string,
    text: string,
    opts: { channel?: string; user?: string } = {},
  ): Promise<Record<string, unknown>> {
    const res = await h.command(text, { command: cmd, channel: opts.channel ?? DMS_CHANNEL, user: opts.user });
    expect(res.status).toBe(200);
    const raw = await res.text();
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    answers.push({ where: `ack of ${cmd} ${JSON.stringify(text.slice(0, 40))}`, body });
    return body;
  }

  /** Opens a form with a slash command and returns the view Slack would hold (with the id the fake assigned). */
  async function openForm(cmd: '/dms' | '/cts', text: string, channel: string, user = 'U0ALICE'): Promise<View> {
    const before = h.slack.callsTo('views.open').length;
    await command(cmd, text, { channel, user });
    const call = await h.slack.waitFor('views.open', () => h.slack.callsTo('views.open').length > before);
    return call.response!['view'] as View;
  }

  /** Submits a form as Slack would; records and returns the answer. */
  async function submitForm(view: View, values: Values, user = 'U0ALICE'): Promise<Record<string, unknown>> {
    const res = await h.interaction(viewSubmission(view, values, user));
    expect(res.status).toBe(200);
    const raw = await res.text();
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    answers.push({ where: `answer to ${String(view['callback_id'])} ${String(view['id'])}`, body });
    return body;
  }

  /** After the "creating…" answer: waits for the form's final notice and finds the root message. */
  async function settle(view: View, answer: Record<string, unknown>, channel: string): Promise<Outcome> {
    if (answer['response_action'] === 'errors')
      return { kind: 'error', errors: answer['errors'] as Record<string, string>, view };
    if (answer['response_action'] === 'push' && /could not read this request/i.test(JSON.stringify(answer['view'])))
      return { kind: 'unreadable' };
    expect(answer['response_action']).toBe('update');
    const isFinal = (c: SlackCall) =>
      c.args['view_id'] === view['id'] &&
      /^(Ticket|Tracker) (not )?created$/.test(String((c.args['view'] as { title?: { text?: string } }).title?.text));
    const notice = await h.slack.waitFor('views.update', isFinal);
    const title = String((notice.args['view'] as { title: { text: string } }).title.text);
    if (title.includes('not created')) {
      // The person is also told where they typed (ephemeral, or a DM when that fails), with what they asked for.
      const from = h.slack.calls.indexOf(notice);
      await h.slack.waitFor(
        'chat.postEphemeral',
        (c) => c.args['user'] === 'U0ALICE' && h.slack.calls.indexOf(c) > from,
      );
      return { kind: 'refused', notice };
    }
    const json = JSON.stringify(notice.args['view']);
    const ticket = /DMS ticket \*(\d+)\*/.exec(json)?.[1];
    const tracker = /Tracker created: \*([^*]+)\*/.exec(json)?.[1];
    const root = h.slack
      .callsTo('chat.postMessage')
      .find(
        (c) =>
          c.args['channel'] === channel &&
          c.args['thread_ts'] === undefined &&
          (ticket
            ? String(c.args['text']).includes(`ticket ${ticket}:`)
            : String(c.args['text']).startsWith(`CTS tracker ${tracker}:`)),
      );
    expect(root, `root message for ${ticket ?? tracker}`).toBeDefined();
    return { kind: 'filed', root: root! };
  }

  /** Checks a case's outcome against its expectation, and that what it made the bot send is safe. */
  function judge(c: HostileCase, outcome: Outcome, since: Mark): void {
    const want = c.expect;
    if (outcome.kind === 'error') {
      const blockIds = new Set(((outcome.view['blocks'] as { block_id?: string }[]) ?? []).map((b) => b.block_id));
      for (const [block, message] of Object.entries(outcome.errors)) {
        expect(blockIds.has(block), `error keyed by ${block}, a block the view has`).toBe(true);
        expect(message.trim().length, `error on ${block} is a sentence`).toBeGreaterThan(10);
        expect(message, `error on ${block} is written for a person`).not.toMatch(HUMAN_ERROR_JUNK);
      }
    }
    if (typeof want === 'object') {
      expect(outcome.kind, `${c.name}: expected an inline error on ${want.error}`).toBe('error');
      const errors = (outcome as { errors: Record<string, string> }).errors;
      expect(errors[want.error], `error on ${want.error} (got ${JSON.stringify(errors).slice(0, 300)})`).toBeTruthy();
      if (want.message) expect(errors[want.error]).toMatch(want.message);
    } else if (want === 'filed') {
      expect(outcome.kind).toBe('filed');
    } else if (want === 'refused') {
      expect(outcome.kind).toBe('refused');
    } else if (want === 'filed-or-refused') {
      expect(['filed', 'refused']).toContain(outcome.kind);
    } else if (want === 'either') {
      expect(['error', 'filed', 'refused']).toContain(outcome.kind);
    } else {
      expect(outcome.kind).toBe(want);
    }
    if (outcome.kind === 'filed') {
      const shown = textsOf(outcome.root.args);
      if (c.shows) expect(shown, 'the value is rendered (escaped) in the root message').toContain(c.shows);
      if (c.truncated) expect(shown, 'the cut is marked').toContain(TRUNCATED_MARKER);
    }
    if (outcome.kind === 'answered')
      expect(outcome.texts.join('').trim().length, 'the person gets an answer').toBeGreaterThan(0);
    // Nothing crashed: no listener error escaped to the app's last-resort handler.
    const crashes = h.logs.slice(since.logs).filter((l) => l.includes('"msg":"unexpected error"'));
    expect(crashes, 'no handler crashed').toEqual([]);
    expect(scanSlackTraffic(outgoing(h, answers, since)), 'what this case made the bot send to Slack').toEqual([]);
  }

  describe('/dms export modal', () => {
    for (const c of EXPORT_CASES) {
      it(`${c.field}: ${c.name}`, async () => {
        const since = mark();
        const user = c.field === 'user' ? (c.value as string) : 'U0ALICE';
        const opened = await openForm('/dms', 'export', DMS_CHANNEL, user);
        const view = c.field === 'metadata' ? { ...opened, private_metadata: c.value } : opened;
        const answer = await submitForm(view, EXPORT_FIELDS[c.field]!(c.value), user);
        judge(c, await settle(view, answer, DMS_CHANNEL), since);
      });
    }
  });

  describe('/dms track modal', () => {
    for (const c of TRACK_CASES) {
      it(`${c.field}: ${c.name}`, async () => {
        const since = mark();
        const view = await openForm('/dms', 'track', DMS_CHANNEL);
        const values = TRACK_FIELDS[c.field]!(c.value);
        if (c.field !== 'preview') {
          judge(c, await settle(view, await submitForm(view, values), DMS_CHANNEL), since);
          return;
        }
        // A pick in the window pickers: the app redraws the modal (or not); it must not crash and must keep working.
        const pick = (v: Values, picked: unknown) =>
          h.interaction({
            type: 'block_actions',
            user: { id: 'U0ALICE', name: 'alice', team_id: 'T1' },
            team: { id: 'T1', domain: 'acme' },
            api_app_id: 'A1',
            token: 'legacy-verification-token',
            trigger_id: `trigger-pick-${++caseNo}`,
            container: { type: 'view', view_id: view['id'] },
            view: { ...view, state: { values: v } },
            actions: [
              {
                type: 'datetimepicker',
                action_id: T.startPicker,
                block_id: T.startBlock,
                selected_date_time: picked,
                action_ts: '1',
              },
            ],
          });
        const hostile = await pick(values, (c.value as { start: unknown }).start);
        expect(hostile.status).toBe(200);
        // A valid pick afterwards is answered with a redraw: the listener is still alive.
        const probeFrom = h.slack.calls.length;
        const probe = await pick(trackValues(), NOW - 3 * HOUR);
        expect(probe.status).toBe(200);
        await h.slack.waitFor(
          'views.update',
          (u) =>
            u.args['view_id'] === view['id'] &&
            JSON.stringify(u.args['view']).includes('2026-03-09') &&
            h.slack.calls.indexOf(u) >= probeFrom,
        );
        judge(c, { kind: 'no-crash' }, since);
      });
    }
  });

  describe('/dms change modal (review, then file)', () => {
    for (const c of CHANGE_CASES) {
      it(`${c.field}: ${c.name}`, async () => {
        const since = mark();
        const view = await openForm('/dms', 'change', DMS_CHANNEL);
        const values = CHANGE_FIELDS[c.field]!(c.value);
        let current = view;
        let answer = await submitForm(view, values);
        const review = answer['view'] as View | undefined;
        if (answer['response_action'] === 'update' && review?.['callback_id'] === C.modal) {
          // The "what will run" review: submitting it again files the ticket.
          current = { ...review, id: view['id'] };
          answer = await submitForm(current, values);
        }
        judge(c, await settle(current, answer, DMS_CHANNEL), since);
      });
    }
  });

  describe('/cts tracker modal', () => {
    for (const c of CTS_CASES) {
      it(`${c.field}: ${c.name}`, async () => {
        const since = mark();
        const field = CTS_FIELDS[c.field]!;
        const opened = await openForm('/cts', field.form === 'system' ? 'tracker system' : 'tracker', CTS_CHANNEL);
        const view = c.field === 'metadata' ? { ...opened, private_metadata: c.value } : opened;
        const answer = await submitForm(view, field.values(c.value, ++caseNo));
        judge(c, await settle(view, answer, CTS_CHANNEL), since);
      });
    }
  });

  describe('slash commands', () => {
    for (const c of COMMAND_CASES) {
      it(`${c.field} ${c.name}`, async () => {
        const since = mark();
        const [cmd, sub] = c.field.split(' ') as [string, string | undefined];
        const text = sub ? `${sub} ${String(c.value)}` : String(c.value);
        const ack = await command(cmd, text);
        const texts = [String(ack['text'] ?? '')];
        if (/:mag: Looking up/.test(texts[0]!)) {
          // The answer follows through response_url once DMS has been asked.
          const reply = await h.slack.waitFor('response_url', () => h.slack.responses.length > since.responses);
          texts.push(String(reply.args['text'] ?? ''));
        }
        judge(c, { kind: 'answered', texts }, since);
      });
    }
  });

  it('the corpus has at least 40 hostile inputs, each with a name, a field and a value', () => {
    const surfaces = {
      export: EXPORT_CASES,
      track: TRACK_CASES,
      change: CHANGE_CASES,
      cts: CTS_CASES,
      command: COMMAND_CASES,
    };
    const all = Object.entries(surfaces).flatMap(([surface, cases]) => cases.map((c) => ({ surface, ...c })));
    expect(all.length).toBeGreaterThanOrEqual(40);
    for (const c of all) expect(c.name && c.field && c.value !== undefined).toBeTruthy();
    expect(new Set(all.map((c) => `${c.surface} ${c.field}: ${c.name}`)).size).toBe(all.length);
  });

  it('after the corpus (status polls, thread replies, Home tab, /dms list), nothing the bot sent Slack is unsafe or over a limit', async () => {
    // Let the watcher render every filed ticket again (root updates, first thread replies), and show the Home tab.
    await tick(h);
    await tick(h);
    expect((await openHome(h)).status).toBe(200);
    await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    await command('/dms', 'list');
    const listed = h.slack.responses.length;
    await command('/cts', 'list', { channel: CTS_CHANNEL });
    await h.slack.waitFor('response_url', () => h.slack.responses.length > listed);
    const sent = outgoing(h, answers);
    // Guards against a silently empty scan (this test reads what the corpus above made the bot send: run the file).
    expect(sent.length, 'traffic from the corpus above').toBeGreaterThan(100);
    expect(sent.filter((s) => s.kind === 'message').length).toBeGreaterThan(30);
    expect(scanSlackTraffic(sent)).toEqual([]);
    expect(h.logs.filter((l) => l.includes('"msg":"unexpected error"'))).toEqual([]);
  });
});

// The scanner itself must catch what it looks for, or a green run proves nothing.
describe('the traffic scanner', () => {
  const scan = (kind: Sent['kind'], body: unknown) => scanSlackTraffic([{ where: 'x', kind, body }]);
  const msg = (text: string) => ({ text: 'ok', blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

  it('accepts what the bot legitimately sends', () => {
    expect(
      scan(
        'message',
        msg(
          '*Requester*\n<@U0ALICE> in <#C0EXPORTS> · Updated <!date^1773057600^{date_short_pretty} {time}|2026-03-09T12:00:00.000Z>\n```SELECT `\u200b`\u200b`x &lt;!here&gt; &amp;```\n> quoted',
        ),
      ),
    ).toEqual([]);
  });

  it.each([
    ['@channel', '<!channel>'],
    ['@here', 'hi <!here|here>'],
    ['@everyone', '<!everyone>'],
    ['an unknown user', '<@U0HACKER>'],
    ['a link', '<http://x|y>'],
    ['a mailto link', '<mailto:a@b.c|m>'],
    ['a raw angle bracket', 'a < b'],
    ['a bare ampersand', 'R&D'],
    ['an entity mention', ENTITY_MENTION],
    ['an RTL override', 'abc\u202Edef'],
    ['a C0 control', 'a\u0007b'],
    ['a fence of four', '````x```'],
    ['an unbalanced fence', '```x'],
    ['SQL outside its fence', `\`\`\`a\`\`\` ${FENCE_MARK}`],
  ])('flags %s', (_name, text) => {
    expect(scan('message', msg(text))).not.toEqual([]);
  });

  it('flags Block Kit limits', () => {
    expect(scan('message', { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })).not.toEqual(
      [],
    );
    expect(scan('message', msg('x'.repeat(3001)))).not.toEqual([]);
    expect(
      scan('message', {
        text: 'x',
        blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }],
      }),
    ).not.toEqual([]);
    expect(
      scan('message', { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }),
    ).not.toEqual([]);
    expect(
      scan('message', {
        text: 'x',
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', text: { type: 'plain_text', text: 'x'.repeat(76) }, value: '1' }],
          },
        ],
      }),
    ).not.toEqual([]);
    expect(
      scan('view', {
        type: 'modal',
        blocks: [
          {
            type: 'input',
            element: {
              type: 'static_select',
              options: [{ text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v' }],
            },
          },
        ],
      }),
    ).not.toEqual([]);
    expect(
      scan('view', { type: 'modal', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
    ).not.toEqual([]);
    expect(scan('view', { type: 'modal', private_metadata: 'x'.repeat(3001), blocks: [] })).not.toEqual([]);
    expect(
      scan('view', {
        type: 'modal',
        blocks: [{ type: 'input', element: { type: 'plain_text_input', initial_value: 'x'.repeat(260_000) } }],
      }),
    ).not.toEqual([]);
    expect(scan('errors', { b: '' })).not.toEqual([]);
    expect(scan('errors', { b: 'bad \u202E' })).not.toEqual([]);
  });
});

describe('hostile identifiers (ids have one spelling; a click acts only on its own ticket)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { APPROVERS: 'U0BOB' } });
    seedPeople(h);
  });
  afterAll(async () => {
    await h.close();
  });

  it("button values that are not the bot's spelling of a ticket id, and containers that are not the ticket's, get the missing-ticket answer and reach nothing", async () => {
    const { rootTs, ticketId } = await fileExport(h);
    const before = h.dms.requests.length;
    const values = [
      `0${ticketId}`,
      `+${ticketId}`,
      `${ticketId}.0`,
      `${ticketId}e0`,
      ` ${ticketId}`,
      `${ticketId} `,
      String.fromCodePoint(0xff10 + ticketId),
      `0x${ticketId}`,
      `${ticketId}\u200b`,
      '-1',
      '0',
      '',
      '9'.repeat(40),
      'null',
      '[1]',
      '{"t":1}',
    ];
    for (const value of values) {
      const posted = h.slack.callsTo('chat.postEphemeral').length;
      await clickButton(h, { action: 'refresh', value, user: 'U0BOB', messageTs: rootTs });
      const answer = await h.slack.waitFor(
        'chat.postEphemeral',
        () => h.slack.callsTo('chat.postEphemeral').length > posted,
      );
      expect(String(answer.args['text']), JSON.stringify(value)).toBe(NO_SUCH_TICKET);
    }
    const containers: Record<string, unknown>[] = [
      { type: 'message', channel_id: 'C0EXPORTS', message_ts: `${rootTs}0` },
      { type: 'message', channel_id: 'C0EXPORTS', message_ts: ` ${rootTs}` },
      { type: 'message', channel_id: 'C0EXPORTS' },
      { type: 'view', view_id: 'V0MODAL' },
      { type: 'attachment' },
    ];
    for (const container of containers) {
      const posted = h.slack.callsTo('chat.postEphemeral').length;
      const published = h.slack.callsTo('views.publish').length;
      await h.interaction({
        type: 'block_actions',
        team: { id: 'T1', domain: 'acme' },
        user: { id: 'U0BOB', username: 'u0bob', name: 'u0bob', team_id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy-verification-token',
        trigger_id: 'trigger-hostile-container',
        container,
        channel: { id: 'C0EXPORTS', name: 'exports' },
        actions: [
          {
            type: 'button',
            action_id: 'ticket:refresh',
            block_id: `ticket:${ticketId}`,
            value: String(ticketId),
            text: { type: 'plain_text', text: 'x' },
            action_ts: '1700000000.000001',
          },
        ],
      });
      await vi.waitFor(
        () =>
          expect(
            h.slack.callsTo('chat.postEphemeral').length + h.slack.callsTo('views.publish').length,
          ).toBeGreaterThan(posted + published),
        { timeout: 5_000, interval: 10 },
      );
      const said = [
        ...h.slack
          .callsTo('chat.postEphemeral')
          .slice(posted)
          .map((c) => String(c.args['text'])),
        ...h.slack
          .callsTo('views.publish')
          .slice(published)
          .map((c) => JSON.stringify(c.args['view'])),
      ];
      expect(said.join('\n'), JSON.stringify(container)).toContain("That button doesn't lead to a ticket I can act on");
    }
    // A container naming the channel in another spelling is not one Slack sends: refused outright (400), nothing said.
    const said = h.slack.calls.length;
    const res = await h.interaction({
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: 'U0BOB', username: 'u0bob', name: 'u0bob', team_id: 'T1' },
      api_app_id: 'A1',
      trigger_id: 'trigger-hostile-container',
      container: { type: 'message', channel_id: 'c0exports', message_ts: rootTs },
      channel: { id: 'C0EXPORTS', name: 'exports' },
      actions: [
        {
          type: 'button',
          action_id: 'ticket:refresh',
          block_id: `ticket:${ticketId}`,
          value: String(ticketId),
          action_ts: '1700000000.000001',
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(h.slack.calls.length).toBe(said);
    // Not one status check, approval or anything else reached DMS.
    expect(h.dms.requests.length).toBe(before);
  });

  it('/dms status with ids in other spellings is answered with what to type, without asking DMS', async () => {
    const before = h.dms.requests.length;
    for (const id of ['１２３', '١٢٣', '0x7b', '+123', '123.0', '1.23e2', '12 3', '123\u200b', '9223372036854775808']) {
      const res = await h.command(`status ${id}`, { user: 'U0ALICE' });
      const body = JSON.parse(await res.text()) as { text?: string };
      expect(body.text, id).toMatch(/digits 0–9/);
    }
    expect(h.dms.requests.length).toBe(before);
  });
});
