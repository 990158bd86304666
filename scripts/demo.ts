/**
 * `npm run demo`: the real app, a fake Slack workspace and the sandbox clouds, on loopback; plays a short scripted
 * conversation and prints what people would see. No Slack workspace, no cloud account, no credentials.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackerIds } from '../blocks/cts/ids.js';
import { ExportIds, TrackIds } from '../blocks/dms/ids.js';
import { createApp } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { createLogger } from '../src/core/logger.js';
import { CtsClient } from '../src/cts/client.js';
import { DmsClient } from '../src/dms/client.js';
import { connectDmsPushes, startSandbox } from '../src/sandbox/index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { FakeSlack, type SlackCall } from '../test/support/fake-slack.js';
import { readable, renderBlocks } from './render.js';

const SECRET = 'demo-signing-secret';
const DEMO_PUSH_TOKEN = 'demo-push-token-0123456789abcdef01234567';
const CHANNEL = 'C0DATAREQ';
const names = new Map([
  ['U0ALICE', 'alice'],
  ['U0BOB', 'bob (approver)'],
  [CHANNEL, 'data-requests'],
  ['D0ALICE', 'alice (DM)'],
]);
let out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const say = (who: string, what: string) => out(`\n${who} ${what}`);

/** Plays the conversation, writing the transcript line by line to `write`. */
export async function runDemo(write?: (line: string) => void): Promise<void> {
  if (write) {
    out = (s = '') => {
      write(s);
    };
  }
  const started = Date.now();
  const slack = await FakeSlack.start();
  slack.addUser({ id: 'U0ALICE', name: 'Alice Analyst', email: 'alice@example.com', tz: 'Europe/Berlin' });
  slack.addUser({ id: 'U0BOB', name: 'Bob DBA', email: 'bob@example.com' });
  const logger = createLogger('silent');
  const sandbox = await startSandbox({ logger, advanceEvery: 1, latencyMs: [5, 40] });
  const config = readConfig({
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    SANDBOX: '1',
    DMS_ENDPOINT: sandbox.dmsEndpoint,
    CTS_ENDPOINT: sandbox.ctsSettings.endpoint,
    HUAWEICLOUD_SDK_AK: sandbox.ctsSettings.ak,
    HUAWEICLOUD_SDK_SK: sandbox.ctsSettings.sk,
    CTS_PROJECT_ID: sandbox.ctsSettings.projectId,
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'chatops-demo-')), 'demo.db')}`,
    WATCH_INTERVAL_MS: '150',
    WATCH_MAX_INTERVAL_MS: '300',
    APPROVERS: 'U0BOB',
    LOG_LEVEL: 'silent',
    // DMS pushes on: the sandbox DMS notifies the bot's webhook as tickets move (README "DMS pushes").
    DMS_WEBHOOK_TOKEN: DEMO_PUSH_TOKEN,
    DMS_WEBHOOK_SECRET: 'demo-webhook-secret',
    DMS_WEBHOOK_PUBLIC_URL: 'https://bot.example.com',
  });
  const dms = new DmsClient({
    endpoint: config.DMS_ENDPOINT,
    regionId: config.DMS_REGION,
    timeoutMs: 5_000,
    credentials: sandbox.dmsCredentials,
    logger,
  });
  const cts = new CtsClient({
    endpoint: sandbox.ctsSettings.endpoint,
    projectId: sandbox.ctsSettings.projectId,
    ak: sandbox.ctsSettings.ak,
    sk: sandbox.ctsSettings.sk,
    logger,
  });
  const app = createApp({
    config,
    logger,
    store: new SqliteStore(config.DATABASE_URL.slice('sqlite:'.length)),
    dms,
    cts,
  });
  const port = await app.start();
  const pushes = connectDmsPushes(sandbox, config, port)!;
  const post = async (body: string, type = 'application/x-www-form-urlencoded') => {
    const ts = Math.floor(Date.now() / 1000);
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': type, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
      body,
    });
    const text = await res.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  let trigger = 0;
  const command = (cmd: string, text: string, user = 'U0ALICE') =>
    post(
      new URLSearchParams({
        team_id: 'T1',
        channel_id: CHANNEL,
        channel_name: 'data-requests',
        user_id: user,
        user_name: names.get(user) ?? user,
        command: cmd,
        text,
        api_app_id: 'A1',
        response_url: slack.responseUrl,
        trigger_id: `demo-${++trigger}`,
      }).toString(),
    );
  const submit = (view: Record<string, unknown>, values: Record<string, unknown>, user = 'U0ALICE') =>
    post(
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'view_submission',
          team: { id: 'T1' },
          user: { id: user, name: user },
          api_app_id: 'A1',
          trigger_id: 'demo-submit',
          view: { ...view, state: { values } },
        }),
      }).toString(),
    );
  const within = <T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> =>
    Promise.race([
      p,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref()),
    ]);

  const showModal = (call: SlackCall) => {
    const view = call.response?.['view'] as { title?: { text: string }; blocks?: unknown } | undefined;
    out(`  ┌ modal: ${view?.title?.text ?? ''}`);
    for (const l of renderBlocks(view?.blocks, names, '  │ ')) out(l);
    out('  └');
  };
  const showMessage = (label: string, call: SlackCall) => {
    out(`  ${label}`);
    for (const l of renderBlocks(call.args['blocks'], names, '    ')) out(l);
  };
  /** Prints each thread reply under `rootTs` once, until `done` matches one. */
  const followThread = async (rootTs: string, done: RegExp) => {
    const printed = new Set<SlackCall>();
    for (;;) {
      const next = await within(
        slack.waitFor('chat.postMessage', (c) => c.args['thread_ts'] === rootTs && !printed.has(c)),
        'a thread reply',
      );
      printed.add(next);
      out(`    ↳ ${readable(String(next.args['text']).replace(/^\[sandbox\] /, ''), names).split('\n')[0]}`);
      if (done.test(String(next.args['text']))) return;
    }
  };
  const rootOf = (text: RegExp) =>
    within(
      slack.waitFor(
        'chat.postMessage',
        (c) => c.args['channel'] === CHANNEL && c.args['thread_ts'] === undefined && text.test(String(c.args['text'])),
      ),
      'the ticket message',
    );

  out('DMS & CTS Ops: a scripted conversation against the sandbox clouds (nothing real is called).');

  // 1. A data export, from form to private result.
  say('alice', `types /dms export in #data-requests`);
  const opened = await command('/dms', 'export').then(() =>
    within(
      slack.waitFor('views.open', (c) => c.args['trigger_id'] === `demo-${trigger}`),
      'the export form',
    ),
  );
  showModal(opened);
  say('alice', 'picks orders_dev, writes a query and presses Create ticket');
  const exportView = opened.response!['view'] as Record<string, unknown>;
  await submit(exportView, {
    [ExportIds.dbBlock]: {
      [ExportIds.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1002:P', text: { type: 'plain_text', text: 'orders_dev · dev · mysql' } },
      },
    },
    [ExportIds.logicBlock]: { [ExportIds.logicCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [ExportIds.sqlBlock]: {
      [ExportIds.sqlInput]: {
        type: 'plain_text_input',
        value: "SELECT id, status, total FROM orders WHERE created_at >= '2026-11-01'",
      },
    },
    [ExportIds.reasonBlock]: { [ExportIds.reasonInput]: { type: 'plain_text_input', value: 'November revenue check' } },
    [ExportIds.rowsBlock]: { [ExportIds.rowsInput]: { type: 'number_input', value: '1200' } },
    [ExportIds.skipCheckBlock]: { [ExportIds.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [ExportIds.skipReasonBlock]: { [ExportIds.skipReasonInput]: { type: 'plain_text_input', value: null } },
    [ExportIds.commentBlock]: { [ExportIds.commentInput]: { type: 'plain_text_input', value: null } },
    [ExportIds.relatedBlock]: { [ExportIds.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
  });
  const filed = await within(
    slack.waitFor(
      'views.update',
      (c) => c.args['view_id'] === exportView['id'] && /is filed/.test(JSON.stringify(c.args['view'])),
    ),
    'the ticket to be filed',
  );
  out(
    `  the form now says: ${readable(String(((filed.args['view'] as { blocks: { text: { text: string } }[] }).blocks.at(-1) ?? { text: { text: '' } }).text.text), names)}`,
  );
  const exportRoot = await rootOf(/Data export ticket/);
  showMessage('#data-requests, the bot posts:', exportRoot);
  out('  and follows it in the thread (the sandbox moves the ticket along by itself):');
  const exportTs = String(exportRoot.response!['ts']);
  await followThread(exportTs, /Export finished/);
  showMessage(
    'the last reply in full:',
    slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args['thread_ts'] === exportTs)
      .at(-1)!,
  );
  const finished = await within(
    slack.waitFor(
      'chat.update',
      (c) => c.args['ts'] === exportTs && /No more updates here/.test(JSON.stringify(c.args['blocks'])),
    ),
    'the finished ticket message',
  );
  showMessage('and the ticket message, finished:', finished);
  const dm = await within(
    slack.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'U0ALICE' && /download the result/.test(String(c.args['text'])),
    ),
    'the private result',
  );
  out(`  alice's DM from the bot: ${readable(String(dm.args['text']).replace(/^\[sandbox\] /, ''), names)}`);
  const exportId = String(exportRoot.args['text']).match(/ticket (\d+)/)?.[1];
  const pushed = pushes.sent.filter((p) => p.taskId === exportId);
  out(
    `  (DMS pushed ${pushed.length} status changes of this ticket to the bot's webhook, signed; ${pushed.filter((p) => p.status === 200).length} answered 200 at once, each a hint: the bot checked the ticket through the API before the thread heard of it)`,
  );

  // 2. Data tracking.
  say('alice', 'types /dms track, picks a window of the last two hours and tables orders, order_items');
  const trackOpened = await command('/dms', 'track').then(() =>
    within(
      slack.waitFor('views.open', (c) => c.args['trigger_id'] === `demo-${trigger}`),
      'the tracking form',
    ),
  );
  const now = Math.floor(Date.now() / 1000);
  await submit(trackOpened.response!['view'] as Record<string, unknown>, {
    [TrackIds.dbBlock]: {
      [TrackIds.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
      },
    },
    [TrackIds.tablesBlock]: { [TrackIds.tablesInput]: { type: 'plain_text_input', value: 'orders, order_items' } },
    [TrackIds.typesBlock]: {
      [TrackIds.typesCheckbox]: { type: 'checkboxes', selected_options: [{ value: 'DELETE' }, { value: 'UPDATE' }] },
    },
    [TrackIds.startBlock]: { [TrackIds.startPicker]: { type: 'datetimepicker', selected_date_time: now - 2 * 3600 } },
    [TrackIds.endBlock]: { [TrackIds.endPicker]: { type: 'datetimepicker', selected_date_time: now - 600 } },
    [TrackIds.reasonBlock]: { [TrackIds.reasonInput]: { type: 'plain_text_input', value: 'Who deleted order 4711?' } },
    [TrackIds.relatedBlock]: { [TrackIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
  });
  const trackRoot = await rootOf(/Data tracking ticket/);
  showMessage('#data-requests, the bot posts:', trackRoot);
  await followThread(String(trackRoot.response!['ts']), /Tracking finished|failed/);

  // 3. A CTS tracker.
  say('alice', 'types /cts tracker data and describes an OBS data tracker');
  const ctsOpened = await command('/cts', 'tracker data').then(() =>
    within(
      slack.waitFor('views.open', (c) => c.args['trigger_id'] === `demo-${trigger}`),
      'the tracker form',
    ),
  );
  showModal(ctsOpened);
  const radio = (value: string) => ({
    type: 'radio_buttons',
    selected_option: { value, text: { type: 'plain_text', text: value } },
  });
  const input = (value: string | null) => ({ type: 'plain_text_input', value });
  const boxes = (...values: string[]) => ({
    type: 'checkboxes',
    selected_options: values.map((value) => ({ value, text: { type: 'plain_text', text: value } })),
  });
  await submit(ctsOpened.response!['view'] as Record<string, unknown>, {
    [TrackerIds.typeBlock]: { [TrackerIds.typeRadio]: radio('data') },
    [TrackerIds.nameBlock]: { [TrackerIds.nameInput]: input('orders-writes') },
    [TrackerIds.dataBucketBlock]: { [TrackerIds.dataBucketInput]: input('orders-prod') },
    [TrackerIds.operationsBlock]: { [TrackerIds.operationsCheckbox]: boxes('WRITE') },
    [TrackerIds.bucketBlock]: { [TrackerIds.bucketInput]: input('orders-audit') },
    [TrackerIds.prefixBlock]: { [TrackerIds.prefixInput]: input(null) },
    [TrackerIds.obsOptionsBlock]: { [TrackerIds.obsOptionsCheckbox]: boxes() },
    [TrackerIds.compressBlock]: { [TrackerIds.compressRadio]: radio('gzip') },
    [TrackerIds.retentionBlock]: {
      [TrackerIds.retentionSelect]: {
        type: 'static_select',
        selected_option: { value: '90', text: { type: 'plain_text', text: '90' } },
      },
    },
    [TrackerIds.analysisBlock]: { [TrackerIds.analysisCheckbox]: boxes() },
  });
  const trackerRoot = await rootOf(/CTS tracker/);
  showMessage('#data-requests, the bot posts:', trackerRoot);
  await followThread(String(trackerRoot.response!['ts']), /./);

  // 4. A message shortcut: a ticket from a message that already holds the SQL.
  say('bob', 'posts in #data-requests: "can someone export ```SELECT id, total FROM orders WHERE total > 1000```?"');
  say('alice', 'picks More actions → DMS data export on that message');
  const messageTs = '1764000000.000100';
  await post(
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'message_action',
        callback_id: 'dms-export-from-message',
        trigger_id: `demo-${++trigger}`,
        team: { id: 'T1', domain: 'demo' },
        user: { id: 'U0ALICE', name: 'alice' },
        api_app_id: 'A1',
        channel: { id: CHANNEL, name: 'data-requests' },
        message_ts: messageTs,
        message: {
          type: 'message',
          user: 'U0BOB',
          ts: messageTs,
          text: 'can someone export ```SELECT id, total FROM orders WHERE total &gt; 1000```?',
        },
        response_url: slack.responseUrl,
      }),
    }).toString(),
  );
  const fromMessage = await within(
    slack.waitFor('views.open', (c) => c.args['trigger_id'] === `demo-${trigger}`),
    'the export form from the message',
  );
  showModal(fromMessage);
  say('alice', 'picks orders_dev, gives a reason and presses Create ticket');
  const shortcutView = fromMessage.response!['view'] as Record<string, unknown>;
  await submit(shortcutView, {
    [ExportIds.dbBlock]: {
      [ExportIds.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1002:P', text: { type: 'plain_text', text: 'orders_dev · dev · mysql' } },
      },
    },
    [ExportIds.logicBlock]: { [ExportIds.logicCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [ExportIds.sqlBlock]: {
      [ExportIds.sqlInput]: { type: 'plain_text_input', value: 'SELECT id, total FROM orders WHERE total > 1000' },
    },
    [ExportIds.reasonBlock]: { [ExportIds.reasonInput]: { type: 'plain_text_input', value: 'Large orders review' } },
    [ExportIds.rowsBlock]: { [ExportIds.rowsInput]: { type: 'number_input', value: '80' } },
    [ExportIds.skipCheckBlock]: { [ExportIds.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [ExportIds.skipReasonBlock]: { [ExportIds.skipReasonInput]: { type: 'plain_text_input', value: null } },
    [ExportIds.commentBlock]: { [ExportIds.commentInput]: { type: 'plain_text_input', value: null } },
    [ExportIds.relatedBlock]: { [ExportIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
  });
  const shortcutRoot = await within(
    slack.waitFor(
      'chat.postMessage',
      (c) =>
        c.args['channel'] === CHANNEL &&
        c.args['thread_ts'] === undefined &&
        /Filed from/.test(JSON.stringify(c.args['blocks'])),
    ),
    "the ticket message linked to bob's message",
  );
  showMessage("#data-requests, the bot posts (linked to bob's message):", shortcutRoot);

  out(
    `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Every message above carried the sandbox banner. To use the bot for real, create the Slack app from manifest.yml (README, "Slack app setup").`,
  );
  await app.stop();
  await Promise.all([slack.close(), sandbox.close()]);
}

// Run as a program (`npm run demo`), not when a test imports it.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runDemo().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
