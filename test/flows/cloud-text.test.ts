import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildTrackerListMessage,
  buildTrackerNotCreatedMessage,
  buildTrackerRootMessage,
  buildTrackerStatusReply,
  type TrackerSummary,
} from '../../blocks/cts/tracker-message.js';
import {
  cloudCode,
  cloudText,
  fallbackText,
  guardOutgoing,
  LINK_REMOVED,
  withoutLinks,
} from '../../blocks/kit/text.js';
import { ticketCardBlocks } from '../../blocks/tickets/home.js';
import { buildGiveUpReply, buildRootMessage, buildStatusReply, cloudField } from '../../blocks/tickets/root.js';
import { CloudApiError } from '../../src/core/errors.js';
import type { DbId } from '../../src/core/ids.js';
import { userMessageFor } from '../../src/core/user-message.js';
import { trackerStatusInfo } from '../../src/cts/tracker-service.js';
import { exportStatusInfo } from '../../src/dms/statuses.js';
import { type DmsTicketDeps, DmsTicketService } from '../../src/dms/ticket-service.js';
import { commonDetailsSchema } from '../../src/tickets/details.js';
import type { SlackCall } from '../support/fake-slack.js';
import { fileExport, seedPeople, tick } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

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
const MENTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0123|@admins>',
  '<@U0MALLORY>',
  '<#C0SECRET>',
  '<!date^1^{date}|x>',
  '&lt;!channel&gt;',
  '*bold* _it_ ~s~ `code` ```fence```',
];

/** Cloud strings: random text with mentions and links spliced in. */
const cloudString = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12, unit: 'grapheme' }),
      fc.constantFrom(...LINKS),
      fc.constantFrom(...MENTIONS),
      fc.constantFrom(' ', '\n', '|', '<', '>', '&'),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** Folds what a reader (or Slack) might undo: width, invisible characters, percent-encoding. */
function unfold(text: string): string {
  let out = text.normalize('NFKC').replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '');
  for (let i = 0; i < 3; i++)
    out = out.replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
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
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, k, v as Record<string, unknown>);
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
  [
    'root message (unknown JobStatus, note)',
    (s) =>
      buildRootMessage({
        title: 'Data export · DMS ticket 1',
        summary: 'Data export ticket 1',
        requesterSlackId: 'U0ALICE',
        statusInfo: exportStatusInfo(s),
        fields: [],
        note: s,
        updatedAt: 1,
      }),
  ],
  // A database may be named by its host, so bare hosts stay there (by design); every other link goes.
  [
    'database field',
    (s) => ({ text: cloudField(s.split(`${HOST}.com`).join('').split(`${SECRET}.${HOST}.io`).join('')) }),
  ],
  [
    'status reply',
    (s) =>
      buildStatusReply({
        summary: 'Data export ticket 1',
        status: s,
        info: exportStatusInfo(s),
        previous: exportStatusInfo(s),
        extra: [cloudText(s)],
      }),
  ],
  [
    'give-up reply',
    (s) => buildGiveUpReply({ summary: 'Data export ticket 1', hours: 24, lastLabel: exportStatusInfo(s).label }),
  ],
  [
    'tracker root (CTS detail, every setting)',
    (s) =>
      buildTrackerRootMessage({
        summary: summary(s),
        requesterSlackId: 'U0ALICE',
        status: `error:${s}`,
        statusInfo: trackerStatusInfo(`error:${s}`),
        checking: false,
        notes: [s],
        updatedAt: 1,
        followHours: 1,
      }),
  ],
  [
    'tracker status reply',
    (s) =>
      buildTrackerStatusReply({
        name: s,
        status: s,
        info: trackerStatusInfo(`error:${s}`),
        previous: trackerStatusInfo(s),
      }),
  ],
  [
    'tracker list',
    (s) =>
      buildTrackerListMessage([{ summary: summary(s), status: `error:${s}`, info: trackerStatusInfo(`error:${s}`) }]),
  ],
  [
    'tracker not created',
    (s) =>
      buildTrackerNotCreatedMessage(
        userMessageFor(
          new CloudApiError({
            service: 'CTS',
            action: 'CreateTracker',
            errorCode: s,
            errorMessage: s,
            httpStatus: 400,
            retryable: false,
          }),
          pino({ level: 'silent' }),
        ),
        summary(s),
      ),
  ],
  [
    'home card',
    (s) =>
      ticketCardBlocks(
        {
          ticketId: 1,
          title: s,
          statusInfo: exportStatusInfo(s),
          channelId: 'C0X',
          updatedAt: 1,
          actions: [],
          done: false,
        },
        false,
      ),
  ],
  [
    'cloud error shown to a person',
    (s) => ({
      text: userMessageFor(
        new CloudApiError({
          service: 'DMS',
          action: 'CreateOrder',
          errorCode: s,
          errorMessage: s,
          requestId: s,
          retryable: false,
        }),
        pino({ level: 'silent' }),
      ),
    }),
  ],
  [
    'explained cloud error',
    (s) => ({
      text: userMessageFor(
        new CloudApiError(
          { service: 'CTS', action: 'CreateTracker', errorCode: s, errorMessage: s, retryable: false },
          `CTS said ${s}`,
        ),
        pino({ level: 'silent' }),
      ),
    }),
  ],
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
    for (const s of [
      'EXPORT_SUCCESS',
      'Error: 3.5 rows/s',
      'orders_prod (product)',
      'order:FINISH',
      'CTS.0201',
      'APIGW.0308',
    ])
      expect(withoutLinks(s)).toBe(s);
    // A dotted error code in running text reads the same, but its dots cannot make a link; as a code it is exact.
    expect(withoutLinks('InvalidParameter.OrderId')).toBe('InvalidParameter\u00b7OrderId');
    expect(cloudCode('InvalidParameter.OrderId')).toBe('InvalidParameter.OrderId');
    expect(cloudCode('evil.zip <@U0ADMIN>')).toBe(`${LINK_REMOVED} &lt;@U0ADMIN&gt;`);
    expect(cloudField('rm-bp1.mysql.rds.aliyuncs.com:3306 · orders')).toBe(
      'rm-bp1.mysql.rds.aliyuncs.com:3306 · orders',
    );
    expect(cloudField(`orders ${LINKS[0]}`)).toBe(`orders ${LINK_REMOVED}`);
  });

  it('the outgoing net neutralises broadcast mentions everywhere and signed links outside the DM', () => {
    const body = {
      text: 'hi <!channel> https://x.example/a?Signature=s1',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '<!here|here> <https://x.example/a?X-Amz-Signature=s2|get>' },
        },
      ],
    };
    const out = guardOutgoing(body);
    expect(JSON.stringify(out)).not.toMatch(/<!channel>|<!here|Signature=s/);
    expect(out.text).toContain(LINK_REMOVED);
    const dm = guardOutgoing(
      { text: '<https://x.example/a?Signature=s1|download> <!everyone>' },
      { privateLink: true },
    );
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
  const sentSince = (from: number): SlackCall[] =>
    h.slack.calls.slice(from).filter((c) => /^(chat\.|views\.)/.test(c.method));

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
    h.dms.failNext(
      'GetDataExportDownloadURL',
      { kind: 'business', code: `Forbidden.${LINKS[0]}`, message: `See ${LINKS[1]} and ${LINKS[7]}` },
      5,
    );
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
      const { TrackerIds: Ids } = await import('../../blocks/cts/ids.js');
      const input = (value: string | null) => ({ type: 'plain_text_input', value });
      const radio = (value: string) => ({
        type: 'radio_buttons',
        selected_option: { value, text: { type: 'plain_text', text: value } },
      });
      const boxes = (...values: string[]) => ({
        type: 'checkboxes',
        selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })),
      });
      await h.command('tracker', { command: '/cts', channel: 'C0OPS' });
      const open = await h.slack.waitFor('views.open', () => true);
      const view = {
        ...(open.args['view'] as Record<string, unknown>),
        id: String((open.response?.['view'] as { id: string } | undefined)?.id),
      };
      const { viewSubmission } = await import('../support/harness.js');
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

/** Block Kit's limits: Slack refuses a message (and the channel never hears) past any of them. */
function expectWithinLimits(body: unknown): void {
  const b = body as {
    text?: string;
    blocks?: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text?: string }[] }[];
  };
  if (b.text !== undefined) expect(b.text.length, 'fallback text').toBeLessThanOrEqual(3_000);
  for (const block of b.blocks ?? []) {
    if (block.type === 'header') expect(block.text!.text.length, 'header').toBeLessThanOrEqual(150);
    else if (block.text) expect(block.text.text.length, 'section text').toBeLessThanOrEqual(3_000);
    for (const f of block.fields ?? []) expect(f.text.length, 'field').toBeLessThanOrEqual(2_000);
    for (const e of block.elements ?? [])
      if (e.text !== undefined) expect(e.text.length, 'context element').toBeLessThanOrEqual(2_000);
  }
  expect(JSON.stringify(b.blocks ?? []).length, 'all blocks').toBeLessThanOrEqual(40_000);
}

/** Long cloud strings of the characters escaping makes longest (`&` → `&amp;`), with links and mentions. */
const longCloudString = fc
  .array(
    fc.oneof(
      fc.constantFrom('&', '<', '>', '&&&&&&&&&&', '<<<<>>>>', ...MENTIONS, ...LINKS),
      fc.string({ maxLength: 30, unit: 'grapheme' }),
    ),
    { minLength: 1, maxLength: 400 },
  )
  .chain((parts) =>
    fc.integer({ min: 1, max: 12 }).map((times) => Array.from({ length: times }, () => parts.join('')).join('')),
  );

describe('cloud text keeps every message within Slack limits (property)', () => {
  it.each(renderers)(
    '%s: every section, field and fallback within its limit, whatever the cloud sent',
    (_name, render) => {
      fc.assert(
        fc.property(longCloudString, (s) => expectWithinLimits(render(s))),
        { seed: 42, numRuns: 40 },
      );
    },
  );

  it('cloudText and fallbackText bound their output, not their input: 3,000 `&` stay within max', () => {
    const amps = '&'.repeat(3_000);
    expect(cloudText(amps, 2_900).length).toBeLessThanOrEqual(2_900);
    expect(fallbackText(amps).length).toBeLessThanOrEqual(3_000);
    // Never half an entity at the cut.
    expect(cloudText(amps, 1_000)).toMatch(/^(?:&amp;)+… \(truncated\)$/);
    const root = buildTrackerRootMessage({
      summary: summary(amps),
      requesterSlackId: 'U0ALICE',
      status: `error:${amps}`,
      statusInfo: trackerStatusInfo(`error:${amps}`),
      checking: false,
      notes: [amps, amps, amps],
      updatedAt: 1,
      followHours: 1,
    });
    expectWithinLimits(root);
  });

  it('link removal stays linear on long adversarial text (no quadratic rescans)', () => {
    const started = Date.now();
    for (const s of [
      'k'.repeat(100_000),
      'a.'.repeat(50_000),
      'a@'.repeat(50_000),
      `${'x'.repeat(50_000)}@${'y.'.repeat(20_000)}`,
      'k-'.repeat(50_000),
      `${'ab-'.repeat(10)}.`.repeat(3_000),
    ])
      cloudText(s, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('the not-created message shows the reason once escaped (no `&amp;lt;`)', () => {
    const reason = userMessageFor(
      new CloudApiError({
        service: 'CTS',
        action: 'CreateTracker',
        errorCode: 'CTS.0001',
        errorMessage: 'bucket <name> & key missing',
        httpStatus: 400,
        retryable: false,
      }),
      pino({ level: 'silent' }),
    );
    const msg = buildTrackerNotCreatedMessage(reason, summary('orders'));
    const all = JSON.stringify(msg);
    expect(all).toContain('bucket &lt;name&gt; &amp; key missing');
    expect(all).not.toContain('&amp;lt;');
    expect(all).not.toContain('&amp;amp;');
  });
});

describe('bare hosts and addresses in channel-bound cloud text', () => {
  it('any label.label with a last label of two or more letters is a host, and an address is a link', () => {
    for (const host of [
      'evil.zip',
      'evil.mov',
      'evil.fr',
      'evil.gov',
      'evil.tk',
      'пример.рф',
      'пример.рф/путь',
      'a@evil.com',
      'x.y.museum',
      'evil.xn--p1ai',
      'Evil.zip',
      'EVIL.Zip/x',
    ]) {
      const out = withoutLinks(`see ${host} now`);
      expect(out, host).not.toMatch(/evil|пример/i);
      expect(cloudText(`see ${host} now`), host).not.toMatch(/evil|пример/i);
    }
    // Shaped like a cloud error code (every label capitalised): kept readable, but with no dot left to link.
    expect(withoutLinks('EVIL.Zip')).toBe('EVIL\u00b7Zip');
  });

  it('property: generated host names never survive cloudText; database names keep their host in cloudField', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    const tld = fc.oneof(fc.stringMatching(/^[a-z]{2,8}$/), fc.constantFrom('рф', '中国', 'zip', 'mov'));
    fc.assert(
      fc.property(label, tld, fc.string({ maxLength: 10 }), (name, top, around) => {
        const host = `${name}.${top}`;
        expect(cloudText(`${around} ${host} ${around}`, 3_000)).not.toContain(host);
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(cloudField('rm-bp1.mysql.rds.aliyuncs.com:3306 · orders')).toBe(
      'rm-bp1.mysql.rds.aliyuncs.com:3306 · orders',
    );
  });
});

/** A DMS ticket service that only files: enough to drive the create paths whose errors embed DMS's words. */
class FilingService extends DmsTicketService {
  readonly kind = 'dms_order' as const;
  readonly kindLabel = 'Test';
  readonly details = commonDetailsSchema;
  poll(): Promise<{ status: string }> {
    return Promise.resolve({ status: 'x' });
  }
  statusInfo() {
    return exportStatusInfo(null);
  }
  renderRoot() {
    return { text: '' };
  }
  describeExisting(): Promise<Record<string, unknown>> {
    return Promise.resolve({});
  }
  fileWith(create: () => Promise<{ orderId: string }>) {
    return this.file({
      channelId: 'C0X',
      requester: { slackId: 'U0ALICE', name: 'Alice' } as never,
      commentText: 'why',
      details: {},
      create,
    });
  }
}

describe('errors that embed DMS words (property over every DMS error shape)', () => {
  const silent = pino({ level: 'silent' });
  const deps = {
    store: { beginCreate: async () => undefined, endCreate: async () => undefined },
    dms: { findOrdersByComment: async () => [] },
    logger: silent,
    clock: { now: () => 0 },
  } as unknown as DmsTicketDeps; // only the parts `file` touches before it throws
  const service = new FilingService(deps);
  const shapes = (s: string): CloudApiError[] => [
    new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: s,
      errorMessage: s,
      requestId: s,
      httpStatus: 503,
      retryable: true,
    }),
    new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: s,
      errorMessage: s,
      requestId: s,
      retryable: true,
    }),
    new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: s,
      errorMessage: s,
      requestId: s,
      httpStatus: 200,
      retryable: false,
      outcome: 'unknown',
    }),
    new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: s,
      errorMessage: s,
      requestId: s,
      httpStatus: 400,
      retryable: false,
    }),
    new CloudApiError(
      {
        service: 'DMS',
        action: 'CreateOrder',
        errorCode: s,
        errorMessage: s,
        requestId: s,
        httpStatus: 400,
        retryable: false,
      },
      `DMS refused: ${s}`,
    ),
  ];

  it('the "DMS did not confirm" error and every cloud error reach the person inert', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          cloudString,
          fc.constantFrom('<@U0ADMIN>', '<!channel>', '<#C0SECRET>', `<https://${HOST}.example/sso|Approve>`),
        ),
        async (s) => {
          for (const cause of shapes(s)) {
            const err = await service
              .fileWith(() => Promise.reject(cause))
              .then(
                () => undefined,
                (e: unknown) => e,
              );
            expect(err).toBeDefined();
            expectInert({ text: userMessageFor(err, silent) });
            expectInert({ text: userMessageFor(cause, silent) });
          }
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe('followed tickets: every string DMS sends is cloud text', () => {
  const hostile = `<https://${HOST}.example/sso|Approve in DMS> <@U0ADMIN> <#C0SECRET> <!channel> ${HOST}.zip a@${HOST}.com ${LINKS[0]}`;
  /** Mentions only: SQL is shown verbatim (in an escaped code block) so the reviewer reads what will run. */
  const hostileSql = `SELECT '<@U0ADMIN> <!channel> <#C0SECRET>' FROM orders WHERE id < 100`;
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  async function followAndWatch(orderId: string, statuses: string[]): Promise<void> {
    const from = h.slack.calls.length;
    const res = await h.command(`status ${orderId}`, { channel: 'C0OPS' });
    expect(res.status).toBe(200);
    await h.slack.waitFor('response_url', (c) => /Following/.test(String(c.args['text'] ?? '')));
    for (const status of statuses) {
      h.dms.setStatus(Number(orderId), status);
      await tick(h);
    }
    const sent = h.slack.calls.slice(from).filter((c) => /^(chat\.|views\.|response_url)/.test(c.method));
    expect(sent.filter((c) => c.method === 'chat.postMessage').length).toBeGreaterThan(0);
    for (const call of sent) expectInert(call.args, ['<@U0ALICE>']);
    expect(JSON.stringify(sent)).toContain('[link removed');
  }

  it('a data tracking ticket: TrackTypes, TableNames, window times, comment and committer', async () => {
    const { orderId } = await h.app.services.dms.createDataTrackOrder({
      dbId: '1001' as DbId,
      startTime: '2026-01-05 08:00:00',
      endTime: '2026-01-05 10:00:00',
      tables: ['orders'],
      trackTypes: ['UPDATE'],
      comment: 'x',
      relatedUserIds: ['51'],
    });
    const order = h.dms.getOrder(Number(orderId))!;
    Object.assign(order, { comment: hostile, committer: hostile, committerId: '77' });
    Object.assign(order.params, {
      TrackTypes: [`<https://${HOST}.example/sso|Approve in DMS>`, '<@U0ADMIN>', '<#C0SECRET>', hostile],
      TableNames: [hostile, 'orders'],
      JobStartTime: hostile,
      JobEndTime: hostile,
    });
    await followAndWatch(orderId, ['JOB_RUNNING', 'JOB_SUCCESS']);
  });

  it('a data export ticket: reason, comment and committer', async () => {
    const { orderId } = await h.app.services.dms.createDataExportOrder({
      dbId: '1001' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'x',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: 'x',
      relatedUserIds: ['51'],
    });
    const order = h.dms.getOrder(Number(orderId))!;
    Object.assign(order, { comment: hostile, committer: hostile, committerId: '77' });
    Object.assign(order.params, { classify: hostile, exeSQL: hostileSql });
    await followAndWatch(orderId, ['PRE_CHECK_SUCCESS']);
  });

  it('a data change ticket: reason, precheck tip, comment and committer', async () => {
    const { orderId } = await h.app.services.dms.createFreeLockCorrectOrder({
      databases: [{ dbId: '1001' as DbId, logic: false }],
      sql: "UPDATE orders SET status = 'paid' WHERE id = 42",
      classify: 'x',
      execMode: 'COMMITOR',
      comment: 'x',
      relatedUserIds: ['51'],
    });
    const order = h.dms.getOrder(Number(orderId))!;
    Object.assign(order, { comment: hostile, committer: hostile, committerId: '77', precheckUserTip: hostile });
    Object.assign(order.params, { Classify: hostile, ExecSQL: hostileSql });
    await followAndWatch(orderId, ['precheckFailed']);
  });

  it('any other ticket: its type and comment', async () => {
    const { orderId } = await h.app.services.dms.createDataExportOrder({
      dbId: '1001' as DbId,
      logic: false,
      sql: 'SELECT 1',
      classify: 'x',
      affectRows: 1,
      ignoreAffectRows: false,
      ignoreAffectRowsReason: '',
      comment: 'x',
      relatedUserIds: ['51'],
    });
    const order = h.dms.getOrder(Number(orderId))!;
    Object.assign(order, {
      pluginType: 'PERM_APPLY',
      statusCodeOverride: 'toaudit',
      comment: hostile,
      committer: hostile,
      committerId: '77',
    });
    await followAndWatch(orderId, []);
  });
});
