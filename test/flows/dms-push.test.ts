import { afterEach, describe, expect, it } from 'vitest';
import type { DmsPushSender } from '../../src/sandbox/dms-push-sender.js';
import type { Ticket } from '../../src/store/types.js';
import { followedExport, PUSH_SECRET, PUSH_TOKEN, pushOutcomes, startPushHarness, until } from '../support/dms-push.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { seedPeople } from '../support/flows.js';
import type { Harness } from '../support/harness.js';

describe('DMS webhook pushes as triggers (POST /dms/events/<token>)', () => {
  let h: Harness;
  let sender: DmsPushSender;
  let url: string;
  afterEach(async () => {
    await h.close();
  });
  const start = async (env?: Record<string, string>) => {
    ({ h, sender, url } = await startPushHarness({ env }));
    seedPeople(h);
  };
  const polls = () => h.dms.calls('GetDataExportOrderDetail').length;
  const replies = (t: Ticket) =>
    h.slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === t.rootTs && c.args['thread_ts']);
  /** Delivers what is on its way, lets the dispatcher nudge the watcher, then runs one pass (fake clock). */
  const settle = async (nudges: number) => {
    await sender.settled();
    await until(() => h.app.watcher.nudges.size >= nudges, `${nudges} nudged ticket(s)`);
    await h.app.watcher.runDue();
    await h.app.services.dmsPush.dispatcher!.settled();
  };

  it('a signed push for a followed ticket: answered 200 at once, checked through the API ahead of the queue, posted as the API says', async () => {
    await start();
    const t = await followedExport(h);
    const before = polls();
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    await sender.settled();
    expect(sender.sent.map((s) => s.status)).toEqual([200]);
    // Nothing was asked of DMS while answering: the check comes after, from the watcher.
    expect(polls()).toBe(before);
    await settle(1);
    expect(polls()).toBe(before + 1);
    expect(replies(t).map((c) => String(c.args['text']))).toEqual([expect.stringMatching(/Exporting/)]);
    expect(await pushOutcomes(h)).toEqual({ followed: 1 });
    expect(
      (await h.app.services.metrics.pushLag.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value,
    ).toBe(1);
    // Pushes are arriving: the next routine check of this ticket is a reconciling one, 10 minutes away.
    const stored = await h.app.services.store.getTicket(t.id);
    expect(stored!.nextPollAt - h.clock.now()).toBeGreaterThanOrEqual(600_000);
  });

  it('a forged signature is refused (401), checks nothing, and is logged for calibration without the secret or the signature', async () => {
    await start();
    const t = await followedExport(h);
    const before = polls();
    const forged = sender.pushFor(
      { orderId: Number(t.externalId), pluginType: 'DATA_EXPORT', status: 'DOING_EXPORT' },
      'not-the-secret',
    );
    expect(await sender.deliver(forged)).toBe(401);
    // A body changed after signing does not verify either.
    const signed = sender.pushFor({ orderId: Number(t.externalId), pluginType: 'DATA_EXPORT', status: 'DOING_EXPORT' });
    expect(
      await sender.deliver({ ...signed, body: signed.body.replace(`"taskId":"${t.externalId}"`, '"taskId":"1"') }),
    ).toBe(401);
    expect(await pushOutcomes(h)).toEqual({ bad_signature: 2 });
    expect(h.app.watcher.nudges.size).toBe(0);
    expect(polls()).toBe(before);
    const line = h.logs.find((l) => l.includes('signature did not verify'));
    expect(line).toBeDefined();
    expect(line).toContain(t.externalId);
    const sig = (JSON.parse(forged.body) as { signatureText: string }).signatureText;
    for (const l of h.logs) {
      expect(l).not.toContain(sig);
      expect(l).not.toContain(PUSH_SECRET);
      expect(l).not.toContain(PUSH_TOKEN);
    }
  });

  it('an unknown token is 404 and logged without the token; a missing DMS-Event header, a malformed body and an oversized one are refused', async () => {
    await start();
    const t = await followedExport(h);
    const push = sender.pushFor({ orderId: Number(t.externalId), pluginType: 'DATA_EXPORT', status: 'DOING_EXPORT' });
    const wrong = `${PUSH_TOKEN.slice(0, -1)}x`;
    expect(await sender.deliver(push, undefined, url.replace(PUSH_TOKEN, wrong))).toBe(404);
    expect(await sender.deliver(push, undefined, url.replace(PUSH_TOKEN, ''))).toBe(404);
    expect(h.logs.some((l) => l.includes('unknown webhook token'))).toBe(true);
    expect(h.logs.some((l) => l.includes(wrong))).toBe(false);
    expect(await sender.deliver(push, {})).toBe(400);
    expect(await sender.deliver({ ...push, body: '{"messageEvent":{"taskId":"12; DROP"}}' })).toBe(400);
    expect(await sender.deliver({ ...push, body: 'not json' })).toBe(400);
    expect(await sender.deliver({ ...push, body: `{"pad":"${'x'.repeat(70_000)}"}` })).toBe(413);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(await pushOutcomes(h)).toEqual({
      unknown_token: 2,
      not_dms: 1,
      malformed: 2,
    });
    expect(h.app.watcher.nudges.size).toBe(0);
  });

  it('a push for a ticket not followed here is answered 200, counted and dropped (no API call)', async () => {
    await start();
    const before = h.dms.requests.length;
    expect(
      await sender.deliver(sender.pushFor({ orderId: 999_999, pluginType: 'DATA_EXPORT', status: 'EXPORT_SUCCESS' })),
    ).toBe(200);
    await h.app.services.dmsPush.dispatcher!.settled();
    expect(await pushOutcomes(h)).toEqual({ unknown_ticket: 1 });
    expect(h.app.watcher.nudges.size).toBe(0);
    expect(h.dms.requests.length).toBe(before);
  });

  it('a push sent twice is one check and one reply', async () => {
    await start();
    const t = await followedExport(h);
    sender.hold = true;
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    const [push] = sender.held;
    expect(await sender.deliver(push!)).toBe(200);
    expect(await sender.deliver(push!)).toBe(200);
    const before = polls();
    await settle(1);
    expect(polls()).toBe(before + 1);
    expect(replies(t)).toHaveLength(1);
    expect(await pushOutcomes(h)).toEqual({ followed: 1, duplicate: 1 });
  });

  it('pushes out of order change nothing: the thread hears what the API says, once per change', async () => {
    await start();
    const t = await followedExport(h);
    sender.hold = true;
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    h.dms.setStatus(Number(t.externalId), 'EXPORT_FAIL');
    const [first, second] = sender.held;
    expect(await sender.deliver(second!)).toBe(200);
    await settle(1);
    expect(await sender.deliver(first!)).toBe(200);
    await h.app.services.dmsPush.dispatcher!.settled();
    const texts = replies(t).map((c) => String(c.args['text']));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/failed/i);
    // The late push found the ticket finished: dropped like any ticket not followed.
    expect(await pushOutcomes(h)).toEqual({ followed: 1, unknown_ticket: 1 });
  });

  it('a lost push: the reconciling check catches the change within DMS_RECONCILE_INTERVAL_SECONDS (fake clock)', async () => {
    await start({ DMS_RECONCILE_INTERVAL_SECONDS: '600' });
    const t = await followedExport(h);
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    await settle(1);
    expect(replies(t)).toHaveLength(1);
    // The next change's push never arrives.
    sender.hold = true;
    h.clock.advance(10_000);
    h.dms.setStatus(Number(t.externalId), 'EXPORT_FAIL');
    sender.held.length = 0;
    h.clock.advance(580_000);
    await h.app.watcher.runDue();
    expect(replies(t)).toHaveLength(1);
    h.clock.advance(10_000);
    await h.app.watcher.runDue();
    expect(replies(t)).toHaveLength(2);
    expect(String(replies(t)[1]!.args['text'])).toMatch(/failed/i);
  });

  it('when pushes stop (none for DMS_PUSH_QUIET_MINUTES) routine checks return to the normal cadence', async () => {
    await start({ DMS_PUSH_QUIET_MINUTES: '5' });
    const t = await followedExport(h);
    const { cadence } = h.app.services.dmsPush;
    expect(cadence.floorMs('dms_export', h.clock.now())).toBe(0);
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    await settle(1);
    expect(cadence.floorMs('dms_export', h.clock.now())).toBe(600_000);
    // Another kind never pushed for keeps its cadence.
    expect(cadence.floorMs('dms_track', h.clock.now())).toBe(0);
    h.clock.advance(5 * 60_000 + 1);
    expect(cadence.floorMs('dms_export', h.clock.now())).toBe(0);
  });

  it('a burst: every push answered 200, each ticket checked once, never more checks in a second than the quota', async () => {
    await start({ WATCH_MAX_CALLS_PER_SECOND: '5' });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 20; i++) tickets.push(await followedExport(h));
    const before = polls();
    for (const t of tickets) h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    await sender.settled();
    expect(sender.sent.map((s) => s.status)).toEqual(Array(20).fill(200));
    await until(() => h.app.watcher.nudges.size === 20, '20 nudged tickets');
    for (let second = 0; second < 4; second++) {
      const at = polls();
      await h.app.watcher.runDue();
      expect(polls() - at).toBeLessThanOrEqual(5);
      h.clock.advance(1_000);
    }
    await h.app.services.dmsPush.dispatcher!.settled();
    expect(polls() - before).toBe(20);
    for (const t of tickets) expect(replies(t)).toHaveLength(1);
    expect(await pushOutcomes(h)).toEqual({ followed: 20 });
  });

  it('Socket Mode serves the webhook too, on PORT next to /healthz', async () => {
    const socket = await FakeSocketMode.start();
    ({ h, sender, url } = await startPushHarness({ socketMode: socket }));
    seedPeople(h);
    expect((await fetch(url.replace(/\/dms\/events\/.*/, '/healthz'))).status).toBe(200);
    const t = await followedExport(h);
    h.dms.setStatus(Number(t.externalId), 'DOING_EXPORT');
    await settle(1);
    expect(sender.sent.map((s) => s.status)).toEqual([200]);
    expect(replies(t)).toHaveLength(1);
  });
});
