import { afterEach, describe, expect, it } from 'vitest';
import { fileExport, seedPeople } from '../support/flows.js';
import { type Harness, policyFiles, startHarness } from '../support/harness.js';
import { eventCallback, linkShared } from '../support/slack-events.js';

const policyFile = policyFiles('unfurl-flow-');
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env });
  seedPeople(h);
  return h;
}

let events = 0;
/** Pastes links in a message (Slack then sends link_shared); resolves once the app has answered the event. */
async function paste(
  h: Harness,
  o: { channel: string; user?: string; urls: string[]; source?: 'composer' | 'conversations_history' },
): Promise<string> {
  const messageTs = `1700000500.${String(++events).padStart(6, '0')}`;
  h.slack.sharedLinks.set(`${o.channel}:${messageTs}`, o.urls);
  const res = await h.post(JSON.stringify(eventCallback(linkShared({ ...o, messageTs }), `Ev0LINK${events}`)), {
    contentType: 'application/json',
  });
  expect(res.status).toBe(200);
  return messageTs;
}

/** Waits until the app logged its decision on every link or unfurled; returns the chat.unfurl calls for the message. */
async function settle(h: Harness, ts: string, expectUnfurl: boolean) {
  if (expectUnfurl) await h.slack.waitFor('chat.unfurl', (c) => c.args['ts'] === ts);
  else await new Promise((r) => setTimeout(r, 300));
  return h.slack.callsTo('chat.unfurl').filter((c) => c.args['ts'] === ts);
}

const link = (id: number | string) => `https://dms.aliyun.com/?orderId=${id}`;

describe('DMS ticket links unfurl into a small card', () => {
  it('a followed ticket’s link, pasted in its channel, shows kind, status, requester and age — no SQL, no reason', async () => {
    const h = await start();
    const { orderId } = await fileExport(h);
    h.clock.advance(3 * 3600_000);
    const ts = await paste(h, { channel: 'C0EXPORTS', user: 'U0BOB', urls: [link(orderId), 'https://example.com/x'] });
    const [call] = await settle(h, ts, true);
    const unfurls = call!.args['unfurls'] as Record<string, { blocks: unknown[] }>;
    expect(Object.keys(unfurls)).toEqual([link(orderId)]);
    const card = JSON.stringify(unfurls[link(orderId)]);
    expect(card).toContain(`Data export · DMS ticket ${orderId}`);
    expect(card).toContain('<@U0ALICE>');
    expect(card).toContain('(3 h ago)');
    expect(card).not.toContain('SELECT');
    expect(card).not.toContain('Quarterly audit');
  });

  it('another channel: only for someone involved (requester, related user, approver); nothing for others, unknown tickets or other hosts', async () => {
    const h = await start({ APPROVERS: 'U0DAVE' });
    h.slack.addUser({ id: 'U0DAVE', name: 'Dave Approver', email: 'dave@example.com' });
    h.slack.addUser({ id: 'U0EVE', name: 'Eve Outsider', email: 'eve@example.com' });
    const { orderId } = await fileExport(h);
    for (const user of ['U0ALICE', 'U0BOB', 'U0DAVE']) {
      const ts = await paste(h, { channel: 'C0OTHER', user, urls: [link(orderId)] });
      expect(await settle(h, ts, true), user).toHaveLength(1);
    }
    const outsider = await paste(h, { channel: 'C0OTHER', user: 'U0EVE', urls: [link(orderId)] });
    const unknown = await paste(h, { channel: 'C0EXPORTS', urls: [link(999_999_999)] });
    const elsewhere = await paste(h, {
      channel: 'C0EXPORTS',
      urls: [`https://dms.aliyun.com.evil.example/?orderId=${orderId}`, `http://dms.aliyun.com/?orderId=${orderId}`],
    });
    const respelled = await paste(h, {
      channel: 'C0EXPORTS',
      urls: [link(`0${orderId}`), `${link(orderId)}&orderId=1`],
    });
    for (const ts of [outsider, unknown, elsewhere, respelled]) expect(await settle(h, ts, false)).toEqual([]);
  });

  it('the policy decides as for /dms status in that channel; a link still in the composer waits until it is posted', async () => {
    const h = await start({
      POLICY_FILE: policyFile([
        'rules:',
        '  - name: no-status-in-public',
        '    deny: [dms.status]',
        '    channels: [C0PUBLIC]',
      ]),
    });
    const { orderId } = await fileExport(h);
    const denied = await paste(h, { channel: 'C0PUBLIC', urls: [link(orderId)] });
    const composing = await paste(h, { channel: 'C0EXPORTS', urls: [link(orderId)], source: 'composer' });
    for (const ts of [denied, composing]) expect(await settle(h, ts, false)).toEqual([]);
  });
});
