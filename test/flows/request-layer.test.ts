import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnvelopeType, FakeSocketMode } from '../support/fake-socket-mode.js';
import { exportValues, openModal, seedPeople } from '../support/flows.js';
import { type Harness, startHarness, viewSubmission } from '../support/harness.js';
import { encode, formBody, formTricks, mutatedSample, respelledId, samples } from '../support/slack-payloads.js';

/** Unhandled rejections and exceptions while a test runs (the process must record none). */
function watchProcess(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const onRejection = (r: unknown) => seen.push(r);
  const onException = (e: unknown) => seen.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

const healthz = async (h: Harness) => (await fetch(`http://127.0.0.1:${h.port}/healthz`)).status;
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('the request layer (HTTP): bodies that are not well-formed Slack envelopes', () => {
  let h: Harness;
  let watch: ReturnType<typeof watchProcess>;
  beforeEach(async () => {
    watch = watchProcess();
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
    watch.stop();
    expect(watch.seen).toEqual([]);
  });

  it('answers a signed payload=null, JSON null and other non-envelopes with 400, logs it, and keeps serving', async () => {
    const poisons: [string, string][] = [
      [form({ payload: 'null' }), 'application/x-www-form-urlencoded'],
      ['null', 'application/json'],
      [form({ payload: '1' }), 'application/x-www-form-urlencoded'],
      [form({ payload: '"x"' }), 'application/x-www-form-urlencoded'],
      [form({ payload: '[]' }), 'application/x-www-form-urlencoded'],
      ['[]', 'application/json'],
      ['"text"', 'application/json'],
      ['{}', 'application/json'],
      [form({ payload: '{"type":"block_actions"}' }), 'application/x-www-form-urlencoded'],
      ['{"event":null}', 'application/json'],
      ['{"type":"event_callback","event":{"type":"close"},"api_app_id":"A1","team_id":"T1"}', 'application/json'],
      [form({ payload: '{' }), 'application/x-www-form-urlencoded'],
      ['not json', 'application/json'],
    ];
    for (const [body, contentType] of poisons) {
      const res = await h.post(body, { contentType });
      expect(res.status, body).toBe(400);
    }
    expect(await healthz(h)).toBe(200);
    expect(h.logs.filter((l) => l.includes('not a well-formed envelope')).length).toBeGreaterThanOrEqual(9);
    // And it still works: a real command is answered.
    await openModal(h, 'export');
  });

  it('refuses a submission or click missing a part Slack always sends, before any work, answering the person where it can', async () => {
    const view = await openModal(h, 'export');
    const full = viewSubmission(view, exportValues());
    const opensBefore = h.slack.calls.length;
    // No user: nobody to answer, 400.
    const { user: _u, ...noUser } = full;
    expect((await h.interaction(noUser)).status).toBe(400);
    // No view.state / no view.blocks: the person is told in a pushed modal, with an error id (the form stays underneath).
    for (const broken of [
      { ...full, view: { ...(full['view'] as object), state: undefined } },
      { ...full, view: { ...(full['view'] as object), blocks: 'x' } },
    ]) {
      const res = await h.interaction(broken);
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { response_action: string; view: unknown };
      expect(answer.response_action).toBe('push');
      expect(JSON.stringify(answer.view)).toMatch(/could not read this request from Slack \(error id `[0-9a-f]{8}`\)/);
    }
    // A click without its container, or with a retyped action list.
    const click = {
      type: 'block_actions',
      user: { id: 'U0ALICE', team_id: 'T1' },
      team: { id: 'T1' },
      api_app_id: 'A1',
      trigger_id: 't',
      channel: { id: 'C0EXPORTS' },
      actions: [{ type: 'button', action_id: 'ticket:refresh', block_id: 'b', value: '1' }],
    };
    expect((await h.interaction(click)).status).toBe(400);
    expect((await h.interaction({ ...click, container: { type: 'message' }, actions: { 0: 1 } })).status).toBe(400);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
    expect(h.slack.calls.slice(opensBefore).filter((c) => c.method !== 'users.info')).toEqual([]);
  });

  it('refuses payloads for another app, workspace or Enterprise Grid org (403), logs them, and does no work', async () => {
    const before = h.slack.calls.length;
    const view = {
      id: 'V1',
      type: 'modal',
      callback_id: 'export-modal',
      private_metadata: '{"c":"C0EXPORTS"}',
      hash: 'h',
      blocks: [],
    };
    const submission = viewSubmission(view, exportValues());
    const cases: [string, Record<string, unknown>][] = [
      ['another app', { ...submission, api_app_id: 'A2' }],
      ['another workspace', { ...submission, team: { id: 'T2', domain: 'evil' } }],
      ['another org', { ...submission, enterprise: { id: 'E2' } }],
      [
        'installed elsewhere',
        { ...submission, view: { ...(submission['view'] as object), app_installed_team_id: 'T2' } },
      ],
    ];
    for (const [name, payload] of cases) expect((await h.interaction(payload)).status, name).toBe(403);
    const command = {
      token: 'x',
      team_id: 'T2',
      channel_id: 'C0EXPORTS',
      user_id: 'U0ALICE',
      command: '/dms',
      text: 'export',
      api_app_id: 'A1',
      response_url: h.slack.responseUrl,
      trigger_id: 't1',
    };
    expect((await h.post(form(command))).status).toBe(403);
    expect((await h.post(form({ ...command, team_id: 'T1', api_app_id: 'A9' }))).status).toBe(403);
    const event = {
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      authorizations: [{ team_id: 'T2', enterprise_id: null }],
      event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D1', tab: 'home' },
    };
    expect((await h.post(JSON.stringify(event), { contentType: 'application/json' })).status).toBe(403);
    expect(h.slack.calls.slice(before)).toEqual([]);
    expect(h.logs.filter((l) => l.includes('refused a Slack payload for another app or workspace'))).toHaveLength(7);
    expect(h.logs.some((l) => l.includes('"mismatch":"api_app_id"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"mismatch":"team"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"mismatch":"enterprise"'))).toBe(true);
  });

  it('answers a listener that throws before its ack with the coded error (short id, logged), never a silent 404', async () => {
    const view = await openModal(h, 'export');
    h.app.services.store.claimSubmission = async () => {
      throw new Error('disk on fire');
    };
    const started = Date.now();
    const res = await h.interaction(viewSubmission(view, exportValues()));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { response_action: string; view: unknown };
    expect(answer.response_action).toBe('push');
    const id = /error id `([0-9a-f]{8})`/.exec(JSON.stringify(answer.view))?.[1];
    expect(id).toBeDefined();
    expect(h.logs.some((l) => l.includes(`"errorId":"${id}"`) && l.includes('disk on fire'))).toBe(true);
  });

  it('tells the person ephemerally when a listener throws after its ack', async () => {
    h.app.services.store.getChannelSettings = async () => {
      throw new Error('store gone');
    };
    const res = await h.command('settings');
    expect(res.status).toBe(200);
    const told = await h.slack.waitFor('chat.postEphemeral', (c) =>
      /error id `[0-9a-f]{8}`/.test(String(c.args['text'])),
    );
    expect(told.args['user']).toBe('U0ALICE');
    expect(told.args['channel']).toBe('C0EXPORTS');
  });

  it('acks at once what no listener handles (a shortcut, an unknown view), instead of a 404 after 3 s', async () => {
    const started = Date.now();
    const res = await h.interaction({
      type: 'shortcut',
      user: { id: 'U0ALICE', team_id: 'T1' },
      team: { id: 'T1' },
      api_app_id: 'A1',
      callback_id: 'nope',
      trigger_id: 't',
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('property: signed, mutated envelopes of every payload type (HTTP)', () => {
  let h: Harness;
  let watch: ReturnType<typeof watchProcess>;
  beforeAll(async () => {
    watch = watchProcess();
    // Info, not debug: thousands of requests' debug lines would cost more than the requests.
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
    seedPeople(h);
  });
  afterAll(async () => {
    await h.close();
    watch.stop();
  });

  it('every answer is 2xx or 4xx within 3 s, the process stays up with /healthz 200, and nothing went unhandled', async () => {
    const all = samples(h.slack.responseUrl);
    // The unmutated samples are accepted (2xx): the schemas do not refuse what Slack sends.
    for (const s of all) {
      const { body, contentType } = encode(s, s.body);
      expect((await h.post(body, { contentType })).status, s.name).toBe(200);
    }
    let requests = 0;
    const slow: [number, string][] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedSample(all), { minLength: 16, maxLength: 16 }), async (batch) => {
        await Promise.all(
          batch.map(async ({ sample, body, what }) => {
            const started = Date.now();
            const res = await h.post(encode(sample, body).body, { contentType: encode(sample, body).contentType });
            await res.arrayBuffer();
            requests += 1;
            const ms = Date.now() - started;
            if (process.env['PROP_DEBUG']) slow.push([ms, `${sample.name}: ${what}`]);
            if (!((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500)) || ms >= 3_000) {
              throw new Error(`${sample.name} with ${what}: HTTP ${res.status} after ${ms} ms`);
            }
          }),
        );
      }),
      { seed: 42, numRuns: 75 },
    );
    if (process.env['PROP_DEBUG']) console.log(slow.sort((a, b) => b[0] - a[0]).slice(0, 15));
    expect(requests).toBe(1_200);
    expect(await healthz(h)).toBe(200);
    expect(watch.seen).toEqual([]);
  }, 60_000);
});

describe('form bodies read as Bolt reads them, and Slack ids in their one spelling (HTTP)', () => {
  let h: Harness;
  let watch: ReturnType<typeof watchProcess>;
  beforeAll(async () => {
    watch = watchProcess();
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
    seedPeople(h);
  });
  afterAll(async () => {
    await h.close();
    watch.stop();
  });
  const formType = 'application/x-www-form-urlencoded';
  const command = (over: Record<string, string> = {}) => ({
    token: 'x',
    team_id: 'T1',
    channel_id: 'C0EXPORTS',
    user_id: 'U0ALICE',
    command: '/dms',
    text: 'export',
    api_app_id: 'A1',
    response_url: h.slack.responseUrl,
    trigger_id: 't1',
    ...over,
  });

  it("refuses repeated keys and a stray ssl_check with 400 (no crash, no ack), and still answers Slack's own SSL check", async () => {
    const before = h.slack.calls.length;
    const cmd = Object.entries(command()) as [string, string][];
    const bodies = [
      'ssl_check=1&ssl_check=1&payload=null',
      'ssl_check=1&payload=null&ssl_check=1',
      'ssl_check=1&ssl_check=1&payload=1',
      'ssl_check=1&payload=1',
      'ssl_check=1&payload=%7B%7D',
      'payload=null&payload=null',
      `payload=${encodeURIComponent('{"type":"shortcut"}')}&payload=1`,
      formBody([...cmd, ['command', '/dms']]),
      formBody([...cmd, ['user_id', 'U0BOB']]),
      formBody([['user_id', 'U0BOB'], ...cmd]),
      formBody([...cmd, ['ssl_check', '1']]),
      formBody([...cmd, ['ssl_check', '0']]),
    ];
    for (const body of bodies) expect((await h.post(body, { contentType: formType })).status, body).toBe(400);
    for (const body of ['ssl_check=1', 'ssl_check=1&token=legacy'])
      expect((await h.post(body, { contentType: formType, signature: null })).status, body).toBe(200);
    // Unsigned, a smuggled payload is not an SSL check: the signature is required (and missing).
    expect(
      (
        await h.post(`ssl_check=1&${formBody([['payload', '{"type":"shortcut"}']])}`, {
          contentType: formType,
          signature: null,
        })
      ).status,
    ).toBe(401);
    expect(h.slack.calls.slice(before)).toEqual([]);
    expect(await healthz(h)).toBe(200);
    expect(watch.seen).toEqual([]);
  });

  it('refuses a command whose user, channel or team id is not spelled as Slack spells it, before any work', async () => {
    const before = h.slack.calls.length;
    for (const over of [
      { user_id: 'u0alice' },
      { user_id: 'U０ALICE' },
      { user_id: 'U0ALICE ' },
      { user_id: '<@U0ALICE>' },
    ] as Record<string, string>[]) {
      expect((await h.post(form(command(over)))).status, JSON.stringify(over)).toBe(400);
    }
    // The person is known (canonical user id): told their request could not be read, and nothing opens.
    for (const over of [
      { channel_id: 'c0exports' },
      { channel_id: 'C0EXPORTS\u200b' },
      { team_id: 't1' },
      { team_id: 'Ｔ1' },
      { api_app_id: 'a1' },
    ] as Record<string, string>[]) {
      const res = await h.post(form(command(over)));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text).toMatch(/could not read this request/);
    }
    expect(h.slack.calls.slice(before)).toEqual([]);
  });

  it('property: reordered, repeated and ssl_check-laced form bodies, and payloads that are not objects', async () => {
    const all = samples(h.slack.responseUrl);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(formTricks(all), { minLength: 8, maxLength: 8 }), async (batch) => {
        await Promise.all(
          batch.map(async (t) => {
            const res = await h.post(t.body, { contentType: formType });
            await res.arrayBuffer();
            if (t.refused) refused += 1;
            if (res.status !== (t.refused ? 400 : 200))
              throw new Error(`${t.sample.name} (${t.what}): HTTP ${res.status}`);
          }),
        );
      }),
      { seed: 42, numRuns: 40 },
    );
    expect(refused).toBeGreaterThan(150);
    expect(await healthz(h)).toBe(200);
    expect(watch.seen).toEqual([]);
  }, 30_000);

  it('property: any Slack id in any position, respelled (case, full-width, homoglyph, blanks, invisibles), is refused and never dispatched', async () => {
    const all = samples(h.slack.responseUrl);
    await fc.assert(
      fc.asyncProperty(respelledId(all), async ({ sample, body, what }) => {
        const slackBefore = h.slack.calls.length;
        const dmsBefore = h.dms.requests.length;
        const res = await h.post(encode(sample, body).body, { contentType: encode(sample, body).contentType });
        const text = await res.text();
        // Refused (400), or where the person is named canonically, told in the ack that it could not be read.
        const told = res.status === 200 && /could not read this request/i.test(text);
        if (res.status !== 400 && !told)
          throw new Error(`${sample.name}, ${what}: HTTP ${res.status} ${text.slice(0, 200)}`);
        await new Promise((r) => setImmediate(r));
        if (h.slack.calls.length !== slackBefore || h.dms.requests.length !== dmsBefore)
          throw new Error(`${sample.name}, ${what}: dispatched`);
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(watch.seen).toEqual([]);
  }, 30_000);
});

describe('property: the same mutated envelopes over Socket Mode', () => {
  let h: Harness;
  let socket: FakeSocketMode;
  let watch: ReturnType<typeof watchProcess>;
  beforeAll(async () => {
    watch = watchProcess();
    socket = await FakeSocketMode.start();
    h = await startHarness({ socketMode: socket, env: { LOG_LEVEL: 'info' } });
    seedPeople(h);
  });
  afterAll(async () => {
    await h.close();
    watch.stop();
  });

  it('every envelope is acked once within 3 s on the same connection, and the connection and /healthz stay up', async () => {
    const all = samples(h.slack.responseUrl);
    const within3s = <T>(p: Promise<T>, what: string) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no ack within 3 s: ${what}`)), 3_000).unref(),
        ),
      ]);
    // Whole-frame poisons the socket client itself would choke on.
    for (const [type, payload] of [
      ['events_api', null],
      ['events_api', {}],
      ['events_api', { event: null }],
      ['events_api', { event: { type: 'close' } }],
      ['interactive', null],
      ['slash_commands', 'x'],
      ['error', {}],
    ] as [EnvelopeType, Record<string, unknown>][]) {
      const id = socket.send({ type, payload });
      await within3s(socket.ackOf(id), `${type} ${JSON.stringify(payload)}`);
    }
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedSample(all), { minLength: 5, maxLength: 5 }), async (batch) => {
        const sent = batch.map(({ sample, body, what }) => ({
          id: socket.send({ type: sample.envelope, payload: body as Record<string, unknown> }),
          what: `${sample.name} with ${what}`,
        }));
        await Promise.all(sent.map(({ id, what }) => within3s(socket.ackOf(id), what)));
      }),
      { seed: 42, numRuns: 60 },
    );
    // A Slack id respelled in any position is refused over the socket as well: acked, logged as refused, no work done.
    await fc.assert(
      fc.asyncProperty(respelledId(all), async ({ sample, body, what }) => {
        const slackBefore = h.slack.calls.length;
        const refusedBefore = h.logs.filter((l) => l.includes('not a well-formed envelope')).length;
        await within3s(
          socket.ackOf(socket.send({ type: sample.envelope, payload: body as Record<string, unknown> })),
          what,
        );
        const refused = h.logs.filter((l) => l.includes('not a well-formed envelope')).length - refusedBefore;
        if (refused !== 1 || h.slack.calls.length !== slackBefore)
          throw new Error(`${sample.name}, ${what}: not refused over the socket`);
      }),
      { seed: 42, numRuns: 100 },
    );
    expect(socket.connections).toBe(1);
    expect(socket.openConnections).toEqual([1]);
    expect(socket.protocolErrors).toEqual([]);
    const ids = new Set(socket.deliveries.map((d) => d.envelope.envelope_id));
    expect(socket.acks.length).toBe(ids.size);
    expect(await healthz(h)).toBe(200);
    expect(watch.seen).toEqual([]);
  }, 60_000);
});
