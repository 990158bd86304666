import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ticketCardBlocks } from '../blocks/home.js';
import { buildGiveUpReply, buildRootMessage, buildStatusReply, cloudField } from '../blocks/ticket-message.js';
import { buildTrackerListMessage, buildTrackerNotCreatedMessage, buildTrackerRootMessage, buildTrackerStatusReply, type TrackerSummary } from '../blocks/tracker-message.js';
import { cloudText, fallbackText, guardOutgoing, LINK_REMOVED, withoutLinks } from '../blocks/text.js';
import { trackerStatusInfo } from '../src/cts-service.js';
import { exportStatusInfo } from '../src/dms/statuses.js';
import { CloudApiError } from '../src/errors.js';
import { userMessageFor } from '../src/user-errors.js';
import type { SlackCall } from './support/fake-slack.js';
import { fileExport, seedPeople, tick } from './support/flows.js';
import { startHarness, type Harness } from './support/harness.js';

/** A host and a secret no random text contains: if either shows, a link got through. */
const HOST = 'zq9evil';
const SECRET = 'K7SECRETq2';

/** Links in every disguise we know of, each pointing at HOST and carrying SECRET. */
const LINKS = [
  `https://${HOST}.example/a.zip?X-Amz-Signature=${SECRET}&X-Amz-Expires=60`,
  `http://${HOST}.example/path/${SECRET}`,
  `<https://${HOST}.example/${SECRET}|click here>`,
  `<http://${HOST}.example?token=${SECRET}>`,
  `www.${HOST}.example/${SECRET}`,
  `WWW.${HOST}.example?Signature=${SECRET}`,
  `${HOST}.example.com/${SECRET}`,
  `bucket.${HOST}.aliyuncs.com/r.zip?OSSAccessKeyId=LTAI5t${SECRET}&Expires=1&Signature=${SECRET}`,
  `//${HOST}.example/${SECRET}`,
  `hxxps://${HOST}.example/${SECRET}`,
  `ｈｔｔｐｓ：／／${HOST}.example/${SECRET}`,
  `ht\u200btps://${HOST}.example/${SECRET}`,
  `https:/\u2060/${HOST}.example/${SECRET}`,
  `https%3A%2F%2F${HOST}.example%2F${SECRET}`,
  `https%253A%252F%252F${HOST}.example%252F${SECRET}`,
  `https:\\\\${HOST}.example\\${SECRET}`,
  `obs://${HOST}-bucket/${SECRET}`,
  `mailto:${HOST}@example.com?body=${SECRET}`,
  `?security-token=${SECRET}&x-oss-signature=${SECRET}`,
  `${HOST}.com`,
  `${SECRET}.${HOST}.io`,
];
const MENTIONS = ['<!channel>', '<!here>', '<!everyone>', '<!subteam^S0123|@admins>', '<@U0MALLORY>', '<#C0SECRET>', '<!date^1^{date}|x>', '&lt;!channel&gt;', '*bold* _it_ ~s~ `code` ```fence```'];

/** Cloud strings: random text with mentions and links spliced in. */
const cloudString = fc
  .array(fc.oneof(fc.string({ maxLength: 12, unit: 'grapheme' }), fc.constantFrom(...LINKS), fc.constantFrom(...MENTIONS), fc.constantFrom(' ', '\n', '|', '<', '>', '&')), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''));

/** Folds what a reader (or Slack) might undo: width, invisible characters, percent-encoding. */
function unfold(text: string): string {
  let out = text.normalize('NFKC').replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '');
  for (let i = 0; i < 3; i++) out = out.replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return out;
}

/** Every text the body carries (its fallback `text`, every mrkdwn and plain_text), and whether Slack parses it. */
function textsOf(body: unknown): { text: string; parsed: boolean }[] {
  const out: { text: string; parsed: boolean }[] = [];
  const walk = (v: unknown, key?: string, parent?: Record<string, unknown>): void => {
    if (typeof v === 'string') {
      // plain_text is shown as typed: `<!channel>` there is just characters. mrkdwn and fallback text are parsed.
      if (key === 'text') out.push({ text: v, parsed: parent?.['type'] !== 'plain_text' });
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, v as Record<string, unknown>);
  };
  walk(body);
  return out;
}

/** Asserts nothing active: no `<` but the bot's own date tokens and known mentions, no link, no secret. */
function expectInert(body: unknown, allowedMentions: string[] = []): void {
  for (const { text, parsed } of textsOf(body)) {
    let rest = text.replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '');
    for (const m of allowedMentions) rest = rest.split(m).join('');
    if (parsed) expect(rest, `an active token in: ${text}`).not.toMatch(/</);
    const plain = unfold(text);
    expect(plain.toLowerCase(), `a link in: ${text}`).not.toContain(HOST);
    expect(plain, `a secret in: ${text}`).not.toContain(SECRET);
  }
}

const summary = (s: string): TrackerSummary => ({
  name: s,
  type: s,
  id: s,
  obs: { bucket: s, prefix: s, compress: s, retentionDays: 30 },
  lts: true,
  encryption: true,
  kmsId: s,
  dataBucket: { name: s, events: [s, s] },
});

/** Every builder that renders cloud text, each fed `s` in every cloud field. */
const renderers: [string, (s: string) => unknown][] = [
  ['root message (unknown JobStatus, note)', (s) => buildRootMessage({ title: 'Data export · DMS ticket 1', summary: 'Data export ticket 1', requesterSlackId: 'U0ALICE', statusInfo: exportStatusInfo(s), fields: [], note: s, updatedAt: 1 })],
  // A database may be named by its host, so bare hosts stay there (by design); every other link goes.
  ['database field', (s) => ({ text: cloudField(s.split(`${HOST}.com`).join('').split(`${SECRET}.${HOST}.io`).join('')) })],
  ['status reply', (s) => buildStatusReply({ summary: 'Data export ticket 1', status: s, info: exportStatusInfo(s), previous: exportStatusInfo(s), extra: [cloudText(s)] })],
  ['give-up reply', (s) => buildGiveUpReply({ summary: 'Data export ticket 1', hours: 24, lastLabel: exportStatusInfo(s).label })],
  ['tracker root (CTS detail, every setting)', (s) => buildTrackerRootMessage({ summary: summary(s), requesterSlackId: 'U0ALICE', status: `error:${s}`, statusInfo: trackerStatusInfo(`error:${s}`), checking: false, notes: [s], updatedAt: 1, followHours: 1 })],
  ['tracker status reply', (s) => buildTrackerStatusReply({ name: s, status: s, info: trackerStatusInfo(`error:${s}`), previous: trackerStatusInfo(s) })],
  ['tracker list', (s) => buildTrackerListMessage([{ summary: summary(s), status: `error:${s}`, info: trackerStatusInfo(`error:${s}`) }])],
  ['tracker not created', (s) => buildTrackerNotCreatedMessage(s, summary(s))],
  ['home card', (s) => ticketCardBlocks({ ticketId: 1, title: s, statusInfo: exportStatusInfo(s), channelId: 'C0X', updatedAt: 1, actions: [], done: false }, false)],
  ['cloud error shown to a person', (s) => ({ text: userMessageFor(new CloudApiError({ service: 'DMS', action: 'CreateOrder', errorCode: s, errorMessage: s, requestId: s, retryable: false }), pino({ level: 'silent' })) })],
  ['explained cloud error', (s) => ({ text: userMessageFor(new CloudApiError({ service: 'CTS', action: 'CreateTracker', errorCode: s, errorMessage: s, retryable: false }, `CTS said ${s}`), pino({ level: 'silent' })) })],
  ['fallback text', (s) => ({ text: fallbackText(s) })],
];

describe('cloud text through every renderer (property)', () => {
  it.each(renderers)('%s: nothing active, no link, no secret in text or blocks', (_name, render) => {
    fc.assert(
      fc.property(cloudString, (s) => expectInert(render(s), ['<@U0ALICE>', '<#C0X>'])),
      { seed: 42, numRuns: 150 },
    );
  });

  it('each known disguise is replaced by the note, and the words around it stay', () => {
    for (const link of LINKS) {
      const out = withoutLinks(`before ${link} after`);
      expect(out, link).toContain(LINK_REMOVED);
      expect(out, link).toMatch(/^before .*after$/);
      expect(unfold(out).toLowerCase(), link).not.toContain(HOST);
    }
  });

  it('leaves ordinary cloud words alone: statuses, error codes, and a database named by its host', () => {
    for (const s of ['EXPORT_SUCCESS', 'InvalidParameter.OrderId', 'Error: 3.5 rows/s', 'orders_prod (product)', 'order:FINISH', 'CTS.0201']) expect(withoutLinks(s)).toBe(s);
    expect(cloudField('rm-bp1.mysql.rds.aliyuncs.com:3306 · orders')).toBe('rm-bp1.mysql.rds.aliyuncs.com:3306 · orders');
    expect(cloudField(`orders ${LINKS[0]}`)).toBe(`orders ${LINK_REMOVED}`);
  });

  it('the outgoing net neutralises broadcast mentions everywhere and signed links outside the DM', () => {
    const body = { text: 'hi <!channel> https://x.example/a?Signature=s1', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<!here|here> <https://x.example/a?X-Amz-Signature=s2|get>' } }] };
    const out = guardOutgoing(body);
    expect(JSON.stringify(out)).not.toMatch(/<!channel>|<!here|Signature=s/);
    expect(out.text).toContain(LINK_REMOVED);
    const dm = guardOutgoing({ text: '<https://x.example/a?Signature=s1|download> <!everyone>' }, { privateLink: true });
    expect(dm.text).toBe('<https://x.example/a?Signature=s1|download> &lt;!everyone&gt;');
  });
});

describe('cloud text through the real app and fake Slack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  /** Every message and view the bot sent Slack after `from`. */
  const sentSince = (from: number): SlackCall[] => h.slack.calls.slice(from).filter((c) => /^(chat\.|views\.)/.test(c.method));

  it('a hostile JobStatus and TipMessage reach neither a channel message, its fallback text, nor a log line', async () => {
    const { orderId } = await fileExport(h);
    const from = h.slack.calls.length;
    const logsFrom = h.logs.length;
    const hostile = `<!channel> EXPORT_${'X'} see ${LINKS[0]} or ${LINKS[2]} ${LINKS[10]}`;
    h.dms.setStatus(orderId, hostile);
    await tick(h);
    h.dms.noResultTips.set(orderId, `The file expired; fetch it at ${LINKS[7]} <!here>`);
    h.dms.setStatus(orderId, 'EXPORT_SUCCESS');
    await tick(h);

    const sent = sentSince(from);
    expect(sent.length).toBeGreaterThan(2);
    for (const call of sent) expectInert(call.args, ['<@U0ALICE>', '<@U0BOB>']);
    const fallbacks = sent.map((c) => String(c.args['text'] ?? '')).join('\n');
    expect(fallbacks).toContain('&lt;!channel&gt;');
    expect(fallbacks).toContain(LINK_REMOVED);
    const thread = JSON.stringify(sent);
    expect(thread).toContain('[link removed');
    for (const line of h.logs.slice(logsFrom)) expect(line).not.toContain(SECRET);
  });

  it('a cloud error code and message holding a signed link are neither shown nor logged', async () => {
    const { orderId } = await fileExport(h);
    const from = h.slack.calls.length;
    const logsFrom = h.logs.length;
    h.dms.failNext('GetDataExportDownloadURL', { kind: 'business', code: `Forbidden.${LINKS[0]}`, message: `See ${LINKS[1]} and ${LINKS[7]}` }, 5);
    h.dms.setStatus(orderId, 'EXPORT_SUCCESS');
    await tick(h);
    const sent = sentSince(from);
    expect(sent.length).toBeGreaterThan(0);
    for (const call of sent) expectInert(call.args, ['<@U0ALICE>', '<@U0BOB>']);
    const logged = h.logs.slice(logsFrom).join('\n');
    expect(logged).not.toContain(SECRET);
  });
});

describe('CTS tracker detail through the real app', () => {
  it('a detail carrying mentions and a signed link is inert in the thread, the root and the logs', async () => {
    const h = await startHarness({ cts: true });
    try {
      const { TrackerIds: Ids } = await import('../blocks/cts-ids.js');
      const input = (value: string | null) => ({ type: 'plain_text_input', value });
      const radio = (value: string) => ({ type: 'radio_buttons', selected_option: { value, text: { type: 'plain_text', text: value } } });
      const boxes = (...values: string[]) => ({ type: 'checkboxes', selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })) });
      await h.command('tracker', { command: '/cts', channel: 'C0OPS' });
      const open = await h.slack.waitFor('views.open', () => true);
      const view = { ...(open.args['view'] as Record<string, unknown>), id: String((open.response?.['view'] as { id: string }).id) };
      const { viewSubmission } = await import('./support/harness.js');
      await h.interaction(
        viewSubmission(view, {
          [Ids.typeBlock]: { [Ids.typeRadio]: radio('data') },
          [Ids.nameBlock]: { [Ids.nameInput]: input('orders-writes') },
          [Ids.dataBucketBlock]: { [Ids.dataBucketInput]: input('orders-prod') },
          [Ids.operationsBlock]: { [Ids.operationsCheckbox]: boxes('WRITE') },
          [Ids.bucketBlock]: { [Ids.bucketInput]: input(null) },
          [Ids.prefixBlock]: { [Ids.prefixInput]: input(null) },
          [Ids.obsOptionsBlock]: { [Ids.obsOptionsCheckbox]: boxes() },
          [Ids.analysisBlock]: { [Ids.analysisCheckbox]: boxes() },
        }),
      );
      await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('Tracker created:'));
      h.clock.advance(1_000);
      await h.app.watcher.runDue();
      const from = h.slack.calls.length;
      const logsFrom = h.logs.length;
      h.cts!.setStatus('orders-writes', 'error', `<!channel> transfer broke: ${LINKS[7]} ${LINKS[13]}`);
      h.clock.advance(2_000);
      await h.app.watcher.runDue();
      const sent = h.slack.calls.slice(from).filter((c) => /^chat\./.test(c.method));
      expect(sent.length).toBeGreaterThan(0);
      for (const call of sent) expectInert(call.args, ['<@U0ALICE>']);
      expect(JSON.stringify(sent)).toContain('&lt;!channel&gt;');
      expect(h.logs.slice(logsFrom).join('\n')).not.toContain(SECRET);
    } finally {
      await h.close();
    }
  });
});
