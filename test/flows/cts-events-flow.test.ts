import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionIds as Ids } from '../../blocks/cts/ids.js';
import { SmnEmulator } from '../../src/sandbox/smn/emulator.js';
import { CHANNEL, endpoint, posts, roots, startWithSmn, subscribe, textOf, trace } from '../support/cts-events.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { threadReplies, tsOf } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';

const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });

let smn: SmnEmulator;
let h: Harness | undefined;

beforeAll(async () => {
  smn = await SmnEmulator.start({ region: 'cn-north-4' });
});
afterAll(async () => {
  await smn.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startWithSmn(smn, env);
  return h;
}

describe('CTS key events through SMN: subscription confirmation', () => {
  it('/cts subscribe maps the topic; a signed confirmation is answered 200 and confirmed by a GET on subscribe_url', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    expect(await subscribe(x, topic)).toEqual({});
    const told = await x.slack.waitFor('chat.postEphemeral', (c) =>
      String(c.args['text']).includes('will be posted in this channel'),
    );
    expect(told.args['user']).toBe('U0ALICE');
    const audit = await x.app.services.store.listAudit({});
    expect(audit.map((a) => `${a.action}:${a.decision}`)).toEqual(
      expect.arrayContaining(['cts.subscribe:allowed', 'cts.subscribe:done']),
    );

    const msg = smn.subscriptionConfirmation(topic);
    const res = await smn.send(endpoint(x), msg);
    expect(res.status).toBe(200);
    const token = new URL(msg.subscribe_url).searchParams.get('token');
    const confirmed = await x.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('is confirmed'));
    expect(confirmed.args['channel']).toBe(CHANNEL);
    expect(smn.confirmed).toContain(token);
    // Headers are read case-insensitively; lower-case spellings are as good.
    const again = smn.subscriptionConfirmation(topic);
    const lower = await fetch(endpoint(x), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-smn-message-type': again.type,
        'x-smn-topic-urn': again.topic_urn,
      },
      body: JSON.stringify(again),
    });
    expect(lower.status).toBe(200);
  });

  it('refuses a confirmation for a topic no channel asked for (403), and never confirms it', async () => {
    const x = await start();
    await subscribe(x, smn.topicUrn('cts-events'));
    const msg = smn.subscriptionConfirmation(smn.topicUrn('someone-elses-topic'));
    const res = await smn.send(endpoint(x), msg);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('unknown_topic');
    expect(smn.confirmed).not.toContain(new URL(msg.subscribe_url).searchParams.get('token'));
  });

  it('refuses a forged signature, a foreign certificate host and a foreign subscribe_url, fetching nothing from them', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    const confirmedBefore = smn.confirmed.length;
    const forged = smn.signed(smn.subscriptionConfirmation(topic), forger.privateKey);
    expect((await smn.send(endpoint(x), forged)).status).toBe(403);
    // A valid signature over other content does not carry over either.
    const good = smn.subscriptionConfirmation(topic);
    expect((await smn.send(endpoint(x), { ...good, subscribe_url: `${good.subscribe_url}&x=1` })).status).toBe(403);
    const fetchesBefore = smn.certFetches;
    for (const signing_cert_url of [
      'https://smn.evil.com/smn/c.pem',
      'https://evil-myhuaweicloud.com/smn/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com.evil.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com@127.0.0.1/c.pem',
      'http://smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https://127.0.0.1/c.pem',
    ]) {
      const res = await smn.send(endpoint(x), smn.signed({ ...smn.subscriptionConfirmation(topic), signing_cert_url }));
      expect(res.status, signing_cert_url).toBe(403);
      expect(await res.text()).toBe('foreign_certificate_host');
    }
    expect(smn.certFetches).toBe(fetchesBefore);
    const offHost = smn.signed({
      ...smn.subscriptionConfirmation(topic),
      subscribe_url: 'https://evil.com/confirm?token=x',
    });
    expect(await (await smn.send(endpoint(x), offHost)).text()).toBe('foreign_subscribe_host');
    expect(smn.confirmed).toHaveLength(confirmedBefore);
    expect(posts(x).filter((c) => textOf(c).includes('confirmed'))).toHaveLength(0);
  });
});

describe('CTS key events through SMN: notifications', () => {
  it('posts who did what to which resource, escaped and without links; a replay is ignored; stale and future ones are refused', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    const msg = smn.notification(topic, trace({ resource_name: 'web-1 <!channel> see https://evil.example/x' }));
    expect((await smn.send(endpoint(x), msg)).status).toBe(200);
    const posted = await x.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('CTS key event'));
    const text = textOf(posted);
    expect(text).toContain('*deleteServer* on ECS ecs');
    expect(text).toContain('by *alice (acme)*');
    expect(text).toContain('Result: *200* (warning)');
    expect(text).toContain('2026-12-03 20:01:02 UTC');
    expect(text).toContain('trace `a1b2c3d4-0000-4000-8000-000000000001`');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('evil.example');
    expect(JSON.stringify(posted.args['blocks'])).not.toContain('evil.example');

    const replay = await smn.send(endpoint(x), msg);
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('duplicate');
    const stale = smn.signed({
      ...smn.notification(topic, trace()),
      timestamp: new Date(x.clock.now() - 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(await (await smn.send(endpoint(x), stale)).text()).toBe('stale');
    const future = smn.signed({
      ...smn.notification(topic, trace()),
      timestamp: new Date(x.clock.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(await (await smn.send(endpoint(x), future)).text()).toBe('future');
    const metrics = await (await fetch(`http://127.0.0.1:${x.port}/metrics`)).text();
    for (const outcome of ['accepted', 'duplicate', 'stale', 'future'])
      expect(metrics).toContain(`chatops_push_events_total{source="cts",outcome="${outcome}"} 1`);
    await x.app.stop();
    expect(roots(x)).toHaveLength(1);
  });

  it('threads a burst of one resource under one root; another resource gets a root of its own', async () => {
    const x = await start({ CTS_EVENTS_THREAD_WINDOW_SECONDS: '600' });
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    const burst = [1, 2, 3, 4, 5].map((n) => smn.notification(topic, trace({ trace_id: `t-${n}` })));
    const answers = await Promise.all(burst.map((m) => smn.send(endpoint(x), m)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await smn.send(endpoint(x), smn.notification(topic, trace({ resource_id: 'other', resource_name: 'web-2' })));
    await x.app.stop();
    const [root, other] = roots(x);
    expect(roots(x)).toHaveLength(2);
    expect(textOf(other!)).toContain('web-2');
    expect(threadReplies(x, tsOf(root!))).toHaveLength(4);
  });

  it('keeps threading across a restart, and a new root once the window has passed', async () => {
    const x = await start({ CTS_EVENTS_THREAD_WINDOW_SECONDS: '600' });
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    await smn.send(endpoint(x), smn.notification(topic, trace()));
    await x.app.stop();
    const y = await startHarness({
      slack: x.slack,
      dms: x.dms,
      dbPath: x.dbPath,
      clock: x.clock,
      smnFetch: smn.fetch,
      env: { CTS_EVENTS_REGIONS: 'cn-north-4' },
    });
    try {
      const yEndpoint = `http://127.0.0.1:${y.port}/cts/events`;
      await smn.send(yEndpoint, smn.notification(topic, trace({ trace_id: 't-after' })));
      await y.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('t-after'));
      y.clock.advance(601_000);
      await smn.send(yEndpoint, smn.notification(topic, trace({ trace_id: 't-later' })));
      await y.app.stop();
      expect(roots(y)).toHaveLength(2);
      expect(threadReplies(y, tsOf(roots(y)[0]!)).map(textOf)).toEqual([expect.stringContaining('t-after')]);
      expect(textOf(roots(y)[1]!)).toContain('t-later');
    } finally {
      await y.close().catch(() => undefined);
    }
  });

  it('a slow certificate fetch is cut off at its bound (503, SMN retries) and holds up no other request', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    smn.certDelayMs = 5_000;
    try {
      const started = Date.now();
      const slow = smn.send(endpoint(x), smn.notification(topic, trace({ trace_id: 'slow-1' })));
      // Meanwhile other requests are answered at once.
      const other = await fetch(endpoint(x), { method: 'POST', body: '{"type":"Notification"}' });
      expect(other.status).toBe(400);
      expect(Date.now() - started).toBeLessThan(1_500);
      const res = await slow;
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('certificate_unavailable');
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      smn.certDelayMs = 0;
    }
    // The failure is remembered briefly (no fetch per message), then the certificate is fetched again.
    expect((await smn.send(endpoint(x), smn.notification(topic, trace()))).status).toBe(503);
    x.clock.advance(31_000);
    expect((await smn.send(endpoint(x), smn.notification(topic, trace({ trace_id: 'later' })))).status).toBe(200);
  });

  it("applies the channel's filters: only the listed trace names and services reach it", async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic, { services: 'ecs, VPC', traces: 'deleteServer' });
    await smn.send(endpoint(x), smn.notification(topic, trace({ trace_name: 'createServer', trace_id: 'c1' })));
    await smn.send(endpoint(x), smn.notification(topic, trace({ service_type: 'IAM', trace_id: 'c2' })));
    await smn.send(endpoint(x), smn.notification(topic, trace({ trace_id: 'c3' })));
    await x.app.stop();
    expect(roots(x)).toHaveLength(1);
    expect(textOf(roots(x)[0]!)).toContain('trace `c3`');
  });

  it('answers malformed bodies 400, mismatched headers 400 and oversized bodies 413, quickly', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(endpoint(x), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ type: 'Notification' }))).status).toBe(400);
    const msg = smn.notification(topic, trace());
    expect((await smn.send(endpoint(x), msg, { 'X-SMN-MESSAGE-TYPE': 'SubscriptionConfirmation' })).status).toBe(400);
    expect((await post('x'.repeat(400 * 1024))).status).toBe(413);
    expect((await fetch(endpoint(x))).status).toBe(405);
  });
});

describe('CTS key events through SMN: unsubscribing and limits', () => {
  it('logs a signed UnsubscribeConfirmation (200) and posts nothing', async () => {
    const x = await start();
    const topic = smn.topicUrn('cts-events');
    await subscribe(x, topic);
    const before = posts(x).length;
    expect((await smn.send(endpoint(x), smn.unsubscribeConfirmation(topic))).status).toBe(200);
    await x.app.stop();
    expect(x.logs.some((l) => l.includes('SMN says this endpoint was unsubscribed from the topic'))).toBe(true);
    expect(posts(x)).toHaveLength(before);
  });

  it('limits subscription changes per person per hour, across the form and the buttons', async () => {
    const x = await start();
    const subs = x.app.services.ctsSubscriptions;
    for (let i = 0; i < 20; i++) expect(await subs.takeChange('U0ALICE', `k${i}`)).toBeUndefined();
    expect(await subs.takeChange('U0ALICE', 'k20')).toMatch(/limit is 20/);
    expect((await subscribe(x, smn.topicUrn('t'))).errors?.[Ids.topicBlock]).toMatch(/limit is 20/);
    expect(await subs.takeChange('U0BOB', 'k0')).toBeUndefined();
    x.clock.advance(3_600_001);
    expect(await subs.takeChange('U0ALICE', 'k21')).toBeUndefined();
  });
});

describe('CTS key events in Socket Mode', () => {
  it('serves POST /cts/events on PORT too', async () => {
    const socket = await FakeSocketMode.start();
    h = await startHarness({ socketMode: socket, smnFetch: smn.fetch, env: { CTS_EVENTS_REGIONS: 'cn-north-4' } });
    const topic = smn.topicUrn('cts-events');
    await h.app.services.ctsSubscriptions.subscribe(
      { userId: 'U0ALICE', channelId: CHANNEL },
      { topicUrn: topic, filters: { serviceTypes: [], resourceTypes: [], traceNames: [] } },
    );
    expect((await smn.send(endpoint(h), smn.notification(topic, trace({ trace_id: 'sock-1' })))).status).toBe(200);
    const posted = await h.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('sock-1'));
    expect(posted.args['channel']).toBe(CHANNEL);
  });
});
