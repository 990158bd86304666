import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportIds as Ids } from '../../blocks/dms/ids.js';
import { FakeSocketMode, slashCommand } from '../support/fake-socket-mode.js';
import { exportValues, filed, seedPeople } from '../support/flows.js';
import { APP_TOKEN, BOT_TOKEN, type Harness, startHarness, viewSubmission } from '../support/harness.js';

/** Awaits a promise, failing with `what` after `ms` instead of hanging the run. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Bolt's socket client waits clientPingTimeout (5 s by default, not configurable through src/app.ts) before reconnecting. */
const RECONNECT_MS = 8_000;
const STEP_MS = 3_000;

describe('Socket Mode', () => {
  let h: Harness;
  let socket: FakeSocketMode;
  let trigger = 0;

  beforeEach(async () => {
    socket = await FakeSocketMode.start();
    h = await startHarness({ socketMode: socket });
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
    expect(socket.protocolErrors).toEqual([]);
  });

  /** Sends `/dms <text>` as a slash_commands envelope; resolves with its envelope_id, its ack and the modal opened. */
  async function command(text: string): Promise<{
    envelopeId: string;
    ackPayload?: Record<string, unknown>;
    view: Record<string, unknown>;
    triggerId: string;
  }> {
    const triggerId = `trigger-sm-${++trigger}`;
    const envelopeId = socket.send({
      type: 'slash_commands',
      payload: slashCommand(text, { triggerId, responseUrl: h.slack.responseUrl }),
    });
    const ack = await within(socket.ackOf(envelopeId), STEP_MS, `the ack of /dms ${text}`);
    const open = await within(
      h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === triggerId),
      STEP_MS,
      `views.open for ${triggerId}`,
    );
    return { envelopeId, ackPayload: ack.payload, view: open.response!['view'] as Record<string, unknown>, triggerId };
  }

  /** Sends a view_submission for `view` with the filled export form as an interactive envelope. */
  function submitExport(view: Record<string, unknown>): string {
    return socket.send({
      type: 'interactive',
      payload: viewSubmission(view, exportValues()),
      accepts_response_payload: true,
    });
  }

  it('files an export end to end over the socket, then reconnects after the socket drops and keeps serving', async () => {
    // Connected at start-up with the app token (never the bot token) to a URL apps.connections.open handed out.
    expect(socket.connections).toBe(1);
    const opens = h.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(APP_TOKEN);
    expect(String(opens[0]!.response?.['url'])).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);

    // /dms export: acked on the socket (no body: the modal is the answer), then views.open with the trigger.
    const first = await command('export');
    expect(socket.acks[0]).toMatchObject({ envelope_id: first.envelopeId, connection: 1 });
    expect(first.ackPayload ?? {}).toEqual({});
    expect(first.view['callback_id']).toBe(Ids.modal);
    expect(h.slack.callsTo('views.open')[0]!.token).toBe(BOT_TOKEN);

    // The filled form: the ack itself carries response_action update (the "creating" view).
    const submission = submitExport(first.view);
    const ack = await within(socket.ackOf(submission), STEP_MS, 'the ack of the view_submission');
    expect(ack.payload?.['response_action']).toBe('update');
    expect(JSON.stringify(ack.payload?.['view'])).toContain('Creating ticket');
    expect(ack.latencyMs).toBeLessThan(3_000);

    const root = await within(filed(h), STEP_MS, 'the ticket to be filed');
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    const orderId = (h.dms.calls('CreateOrder')[0]!.response as { CreateOrderResult: { OrderIds: number[] } })
      .CreateOrderResult.OrderIds[0]!;
    expect(root).toBeDefined();
    expect(root.args['channel']).toBe('C0EXPORTS');
    expect(JSON.stringify(root.args['blocks'])).toContain(`DMS ticket ${orderId}`);

    // The socket drops without a close handshake: the app asks for a new URL and connects again.
    socket.disconnectAll();
    await within(socket.connected(2), RECONNECT_MS, 'the app to reconnect');
    expect(socket.connections).toBe(2);
    expect(socket.openConnections).toEqual([2]);
    const reopens = h.slack.callsTo('apps.connections.open');
    expect(reopens).toHaveLength(2);
    expect(reopens.every((c) => c.token === APP_TOKEN)).toBe(true);

    // A second command over the new connection is acked there and handled.
    const second = await command('export');
    const secondAck = socket.acks.find((a) => a.envelope_id === second.envelopeId)!;
    expect(secondAck.connection).toBe(2);
    expect(socket.deliveries.find((d) => d.envelope.envelope_id === second.envelopeId)!.connection).toBe(2);
    expect(h.slack.callsTo('views.open')).toHaveLength(2);
    expect(second.view['callback_id']).toBe(Ids.modal);

    // Each envelope was acked exactly once; the app token was only ever used to open connections.
    expect(socket.acks.map((a) => a.envelope_id)).toEqual([first.envelopeId, submission, second.envelopeId]);
    expect(h.slack.calls.filter((c) => c.token === APP_TOKEN).every((c) => c.method === 'apps.connections.open')).toBe(
      true,
    );
  });

  it('reconnects when Slack asks for a refresh (disconnect: refresh_requested) and keeps serving', async () => {
    await command('export');
    socket.requestRefresh();
    await within(socket.connected(2), RECONNECT_MS, 'the app to reconnect after refresh_requested');
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(2);
    const after = await command('export');
    expect(socket.acks.find((a) => a.envelope_id === after.envelopeId)!.connection).toBe(2);
  });

  it('answers /healthz on its PORT in Socket Mode', async () => {
    const res = await within(fetch(`http://127.0.0.1:${h.port}/healthz`), STEP_MS, '/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('files one ticket when Slack delivers the same submission envelope twice', async () => {
    const { view } = await command('export');
    const submission = submitExport(view);
    socket.redeliver(submission);
    expect(
      socket.deliveries.filter((d) => d.envelope.envelope_id === submission).map((d) => d.envelope.retry_attempt),
    ).toEqual([undefined, 1]);

    const acks = await within(socket.acksOf(submission, 2), STEP_MS, 'both deliveries to be acked');
    // One delivery files the ticket (update to "creating"); the other is acknowledged and ignored.
    const actions = acks.map((a) => a.payload?.['response_action'] ?? 'none').sort();
    expect(actions).toEqual(['none', 'update']);

    await within(filed(h), STEP_MS, 'the ticket to be filed');
    expect(h.dms.calls('CreateOrder')).toHaveLength(1);
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args['thread_ts'] === undefined && /ticket \d+/.test(String(c.args['text']))),
    ).toHaveLength(1);
    expect(h.logs.some((l) => l.includes('duplicate submission ignored'))).toBe(true);
  });
});
