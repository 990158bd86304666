import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { encodeMetadata } from '../../blocks/kit/metadata.js';
import { type ChatOpsApp, createApp } from '../../src/app.js';
import { type Config, ctsSettings, readConfig, sqlitePath } from '../../src/config.js';
import { createLogger } from '../../src/core/logger.js';
import { CtsClient } from '../../src/cts/client.js';
import type { SmnFetch } from '../../src/cts/events/certificates.js';
import { DmsClient } from '../../src/dms/client.js';
import { ModalSeal } from '../../src/slack/click-origin.js';
import type { UserMap } from '../../src/slack/user-map.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { slackRequestOf, validateAck } from './block-kit-rules.js';
import { CtsEmulator } from './cts-emulator.js';
import { DmsEmulator } from './dms-emulator.js';
import { FakeSlack } from './fake-slack.js';
import { type FakeSocketMode, slashCommand } from './fake-socket-mode.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-bot-token-SECRET-111';
export const APP_TOKEN = 'xapp-1-test-app-token-SECRET';
export const CTS_AK = 'HWTESTAKSECRET0000001';
export const CTS_SK = 'hw-test-sk-SECRET-value-0123456789';
export const CTS_PROJECT = '0123456789abcdef0123456789abcdef';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface HarnessOptions {
  slack?: FakeSlack;
  dms?: DmsEmulator;
  /** Pass an emulator (or true for a fresh one) to configure CTS; omit to run without CTS. */
  cts?: CtsEmulator | true;
  dbPath?: string;
  env?: Record<string, string>;
  userMap?: UserMap;
  clock?: FakeClock;
  /** A store to use instead of the SQLite file (e.g. PostgreSQL shared by several app instances). */
  store?: Store;
  /** This instance's replica name on ticket leases. */
  owner?: string;
  /** Runs the app in Socket Mode against this endpoint (app token set, no signing secret); default HTTP mode. */
  socketMode?: FakeSocketMode;
  /** The GET for SMN URLs (the SMN emulator's `fetch`): certificates and subscription confirmations. */
  smnFetch?: SmnFetch;
  /**
   * Real milliseconds a submission waits for DMS to name a database's engine. Default 5 s, not production's 800 ms:
   * on a loaded test machine a loopback SearchDatabase can take longer than 800 ms, and a test about something else
   * must not fail closed on it. Tests of the budget itself set it.
   */
  sqlEngineBudgetMs?: number;
}

/** The real app wired to a fake Slack and the DMS emulator, on loopback, with captured log lines. */
export interface Harness {
  app: ChatOpsApp;
  port: number;
  slack: FakeSlack;
  dms: DmsEmulator;
  /** Set when the harness was started with CTS. */
  cts?: CtsEmulator;
  /** Set when the harness runs in Socket Mode. */
  socket?: FakeSocketMode;
  clock: FakeClock;
  config: Config;
  dbPath: string;
  logs: string[];
  /** POSTs a raw body to /slack/events, signed unless told otherwise. */
  post(
    body: string,
    opts?: { contentType?: string; timestamp?: number; signature?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  command(
    text: string,
    opts?: { command?: string; user?: string; channel?: string; triggerId?: string },
  ): Promise<Response>;
  interaction(payload: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  /** Stops the app; the fakes stay up (a restart test builds a second app on them). */
  stop(): Promise<void>;
  /** Stops the app and the fakes. */
  close(): Promise<void>;
}

/** The product's DMS client pointed at an emulator (its credentials), with quick retries unless told otherwise. */
export function emulatorDmsClient(
  config: Config,
  dms: DmsEmulator,
  logger: Logger,
  retry: { retries?: number; retryMinTimeoutMs?: number } = { retries: 2, retryMinTimeoutMs: 5 },
): DmsClient {
  return new DmsClient({
    endpoint: config.DMS_ENDPOINT,
    regionId: config.DMS_REGION,
    tid: config.DMS_TID,
    timeoutMs: config.DMS_TIMEOUT_MS,
    credentials: { accessKeyId: dms.accessKeyId, accessKeySecret: dms.accessKeySecret },
    logger: logger.child({ component: 'dms' }),
    ...retry,
  });
}

/** Signs a body the way Slack does (v0 HMAC-SHA256 of `v0:ts:body`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Starts the real app with fakes. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const slack = opts.slack ?? (await FakeSlack.start());
  const dms = opts.dms ?? (await DmsEmulator.start());
  const ctsEmu =
    opts.cts === true ? await CtsEmulator.start({ ak: CTS_AK, sk: CTS_SK, projectId: CTS_PROJECT }) : opts.cts;
  const dbPath = opts.dbPath ?? join(mkdtempSync(join(tmpdir(), 'chatops-')), 'test.db');
  const clock = opts.clock ?? new FakeClock();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const socket = opts.socketMode;
  if (socket) slack.socketUrl = () => socket.issueUrl();
  const config = readConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    // Socket Mode: the app token instead of the signing secret (nothing is signed over the socket).
    ...(socket ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    DATABASE_URL: `sqlite:${dbPath}`,
    WATCH_INTERVAL_MS: '1000',
    WATCH_MAX_INTERVAL_MS: '8000',
    // The quota is tested on its own; flows here are about behaviour, not throughput.
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    LOG_LEVEL: 'debug',
    ...(ctsEmu
      ? {
          CTS_ENDPOINT: ctsEmu.endpoint,
          HUAWEICLOUD_SDK_AK: CTS_AK,
          HUAWEICLOUD_SDK_SK: CTS_SK,
          CTS_PROJECT_ID: CTS_PROJECT,
        }
      : {}),
    ...opts.env,
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const store = opts.store ?? new SqliteStore(sqlitePath(config.DATABASE_URL));
  const dmsClient = emulatorDmsClient(config, dms, logger);
  const cts = ctsSettings(config);
  const ctsClient = cts
    ? new CtsClient({
        endpoint: cts.endpoint!,
        projectId: cts.projectId,
        ak: cts.ak,
        sk: cts.sk,
        timeoutMs: cts.timeoutMs,
        logger: logger.child({ component: 'cts' }),
        retries: 2,
        sleep: async () => undefined,
      })
    : undefined;
  const app = createApp({
    config,
    logger,
    store,
    dms: dmsClient,
    cts: ctsClient,
    clock,
    userMap: opts.userMap,
    slackClientOptions: { retryConfig: { retries: 0 } },
    socketPingTimeoutMs: { client: 300, server: 5_000 },
    watcherOwner: opts.owner,
    smnFetch: opts.smnFetch,
    sqlEngineBudgetMs: opts.sqlEngineBudgetMs ?? 5_000,
  });
  const port = await app.start({ watch: false });
  const base = `http://127.0.0.1:${port}`;

  const post: Harness['post'] = async (body, o = {}) => {
    const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      ...o.headers,
    };
    if (o.signature !== null) headers['x-slack-signature'] = o.signature ?? slackSignature(SIGNING_SECRET, ts, body);
    return checkedAck(
      slack,
      headers['content-type']!,
      body,
      await fetch(`${base}/slack/events`, { method: 'POST', headers, body }),
    );
  };
  let trigger = 0;
  const h: Harness = {
    app,
    port,
    slack,
    dms,
    cts: ctsEmu,
    socket,
    clock,
    config,
    dbPath,
    logs,
    post,
    command(text, o = {}) {
      const fields = slashCommand(text, {
        ...o,
        triggerId: o.triggerId ?? `trigger-${++trigger}`,
        responseUrl: slack.responseUrl,
      });
      const body = new URLSearchParams(fields).toString();
      return post(body);
    },
    interaction(payload, headers) {
      return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { headers });
    },
    async stop() {
      await app.stop();
    },
    async close() {
      await app.stop();
      await Promise.all([slack.close(), dms.close(), ctsEmu?.close(), socket?.close()]);
      assertNoSecretsLogged(logs, [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, dms.accessKeySecret, CTS_SK]);
      if (socket) checkSocketAcks(slack, socket);
      assertNothingRefused(slack);
    },
  };
  return h;
}

/** A view_submission payload for a modal the app opened, with the given state values. */
export function viewSubmission(
  view: Record<string, unknown>,
  values: Record<string, Record<string, unknown>>,
  user = 'U0ALICE',
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'acme' },
    user: { id: user, name: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: 'trigger-submit',
    // Slack sends the whole view back (its blocks too); a view built by hand gets none.
    view: { type: 'modal', hash: 'h1', blocks: [], state: { values }, ...view },
  };
}

/** A block_suggestion payload (external select typing). */
export function blockSuggestion(
  actionId: string,
  blockId: string,
  value: string,
  user = 'U0ALICE',
): Record<string, unknown> {
  return {
    type: 'block_suggestion',
    user: { id: user, name: user.toLowerCase(), team_id: 'T1' },
    team: { id: 'T1', domain: 'acme' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    action_id: actionId,
    block_id: blockId,
    value,
    // Slack sends the whole view (state, blocks, hash, metadata) with a suggestion request.
    view: {
      id: 'V0OPTS',
      type: 'modal',
      callback_id: 'export-modal',
      private_metadata: '',
      hash: 'h0',
      state: { values: {} },
      blocks: [],
    },
  };
}

/** Every flow's log lines, checked when a harness closes: no configured secret may appear in any of them. */
export function assertNoSecretsLogged(lines: string[], secrets: string[]): void {
  for (const line of lines) {
    for (const secret of secrets) {
      if (line.includes(secret)) throw new Error(`a secret reached the log: ${line.slice(0, 200)}`);
    }
  }
}

/**
 * What the app answered a signed request with is shown by Slack too (a modal update, picker options, a command's
 * reply): checked like a Web API payload, refusals recorded on the fake Slack. Returns the response unread.
 */
async function checkedAck(slack: FakeSlack, contentType: string, body: string, res: Response): Promise<Response> {
  if (!contentType.includes('application/x-www-form-urlencoded')) return res;
  const reply = await res.clone().text();
  if (!reply.startsWith('{')) return res;
  let answer: unknown;
  try {
    answer = JSON.parse(reply);
  } catch {
    return res;
  }
  const request = slackRequestOf(body);
  slack.refuse(`ack to ${String(request['type'] ?? request['command'] ?? 'request')}`, validateAck(request, answer));
  return res;
}

/** The Socket Mode acks' payloads, checked like the HTTP responses. */
function checkSocketAcks(slack: FakeSlack, socket: FakeSocketMode): void {
  for (const ack of socket.acks) {
    const sent = socket.deliveries.find((d) => d.envelope.envelope_id === ack.envelope_id);
    if (sent && ack.payload)
      slack.refuse(`socket ack to ${sent.envelope.type}`, validateAck(sent.envelope.payload, ack.payload));
  }
}

/** Fails the test when the bot sent anything Slack would have refused (the fake answered it with Slack's error). */
export function assertNothingRefused(slack: FakeSlack): void {
  const refused = slack.takeRefusals();
  if (refused.length)
    throw new Error(
      `Slack would have refused ${refused.length} payload(s) the bot sent:\n${refused.map((r) => r.slice(0, 2000)).join('\n')}`,
    );
}

/** A form's private_metadata as the bot writes it when it opens the form: sealed to the form, the person and the channel. */
export function sealedFormMetadata(kind: string, channelId: string, userId = 'U0ALICE'): string {
  return encodeMetadata({ channelId, seal: new ModalSeal(BOT_TOKEN).seal({ kind, userId, channelId }) });
}

/** A writer of POLICY_FILEs into one temporary folder (prefix names it): each call returns a new file's path. */
export function policyFiles(prefix: string): (lines: string[]) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return (lines) => {
    const path = join(dir, `policy-${++n}.yaml`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
}
