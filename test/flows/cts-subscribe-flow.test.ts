import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionIds as Ids } from '../../blocks/cts/ids.js';
import { SmnEmulator } from '../../src/sandbox/smn/emulator.js';
import { CHANNEL, startWithSmn, subscribe, subscribeValues as values } from '../support/cts-events.js';
import { type Harness, policyFiles, viewSubmission } from '../support/harness.js';

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

describe('/cts subscribe and /cts subscriptions', () => {
  it('validates the topic URN and filters inline', async () => {
    const x = await start();
    expect((await subscribe(x, 'arn:aws:sns:us-east-1:1:x')).errors?.[Ids.topicBlock]).toMatch(/starts with urn:smn:/);
    expect((await subscribe(x, 'urn:smn:ap-southeast-1:0123abcd:t')).errors?.[Ids.topicBlock]).toMatch(
      /CTS_EVENTS_REGIONS/,
    );
    expect((await subscribe(x, smn.topicUrn('t'), { traces: 'delete Server' })).errors?.[Ids.traceBlock]).toMatch(
      /separated by commas/,
    );
    expect(await x.app.services.store.ctsEvents.subscriptions({ channelId: CHANNEL })).toEqual([]);
  });

  it('lists the channel subscriptions and removes one with its button (audited)', async () => {
    const x = await start();
    await subscribe(x, smn.topicUrn('a'));
    await subscribe(x, smn.topicUrn('b'), { traces: 'deleteServer' });
    expect((await x.command('subscriptions', { command: '/cts', channel: CHANNEL })).status).toBe(200);
    const list = await x.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes(Ids.remove));
    const blocks = list.args['blocks'] as { accessory?: { value: string; confirm?: unknown } }[];
    const buttons = blocks.filter((b) => b.accessory).map((b) => b.accessory!);
    expect(buttons).toHaveLength(2);
    expect(buttons[0]!.confirm).toBeDefined();
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: 'U0ALICE', username: 'u0alice', name: 'u0alice', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-remove',
      response_url: x.slack.responseUrl,
      container: { type: 'message', message_ts: '1700000000.000001', channel_id: CHANNEL, is_ephemeral: true },
      channel: { id: CHANNEL, name: 'ops' },
      actions: [
        {
          type: 'button',
          action_id: Ids.remove,
          block_id: 'b',
          value: buttons[0]!.value,
          action_ts: '1700000000.000002',
        },
      ],
    };
    expect((await x.interaction(payload)).status).toBe(200);
    await x.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('Removed'));
    const left = await x.app.services.store.ctsEvents.subscriptions({ channelId: CHANNEL });
    expect(left.map((s) => s.topicUrn)).toEqual([smn.topicUrn('b')]);
    // A button from another channel cannot remove this channel's subscription.
    expect(
      (
        await x.interaction({
          ...payload,
          channel: { id: 'C0ELSE', name: 'else' },
          actions: [{ ...payload.actions[0]!, value: String(left[0]!.id) }],
        })
      ).status,
    ).toBe(200);
    await x.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('already removed'));
    expect(await x.app.services.store.ctsEvents.subscriptions({ channelId: CHANNEL })).toHaveLength(1);
    const audit = await x.app.services.store.listAudit({});
    expect(audit.filter((a) => a.action === 'cts.unsubscribe').map((a) => a.detail)).toEqual([
      { topicUrn: smn.topicUrn('a') },
    ]);
  });

  it('the policy governs both: a denied person gets no form, and a forged submission is refused', async () => {
    const file = policyFiles('cts-events-policy-')([
      'default: allow',
      'rules:',
      '  - name: no-subscribing',
      '    deny: [cts.subscribe, cts.subscriptions]',
      '    users: [U0MALLORY]',
    ]);
    const x = await start({ POLICY_FILE: file });
    const opens = x.slack.callsTo('views.open').length;
    expect((await x.command('subscribe', { command: '/cts', channel: CHANNEL, user: 'U0MALLORY' })).status).toBe(200);
    const refused = await x.slack.waitFor('response_url', (c) => String(c.args['text']).includes('no-subscribing'));
    expect(String(refused.args['text'])).toContain('policy does not allow');
    expect(x.slack.callsTo('views.open')).toHaveLength(opens);
    // A submission of a form opened by someone allowed, replayed as Mallory, is refused (the seal names Alice).
    const ack = await x.interaction(
      viewSubmission(
        { callback_id: Ids.modal, id: 'V-forged', private_metadata: JSON.stringify({ c: CHANNEL }) },
        values(smn.topicUrn('t')),
        'U0MALLORY',
      ),
    );
    expect(JSON.stringify(await ack.json())).toContain('lost track of its channel');
    expect((await x.command('subscriptions', { command: '/cts', channel: CHANNEL, user: 'U0MALLORY' })).status).toBe(
      200,
    );
    await x.slack.waitFor('response_url', (c) => String(c.args['text']).includes('`/cts subscriptions`'));
    expect(await x.app.services.store.ctsEvents.subscriptions({ channelId: CHANNEL })).toEqual([]);
  });
});
