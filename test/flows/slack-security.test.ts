import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportIds } from '../../blocks/dms/ids.js';
import { exportValues, filed, openModal, seedPeople, submit } from '../support/flows.js';
import {
  assertNoSecretsLogged,
  type Harness,
  SIGNING_SECRET,
  slackSignature,
  startHarness,
} from '../support/harness.js';

// Slack's documented request-signing example (../shared/reference/slack.md, "Request signing").
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TS = 1531420618;
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const nowSec = () => Math.floor(Date.now() / 1000);

/** Bolt's verifier as the receiver calls it, at a chosen "now". */
function boltAccepts(body: string, signature: string, timestamp: number, nowMilliseconds: number): boolean {
  return isValidSlackRequest({
    signingSecret: DOC_SECRET,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds,
  });
}

describe("Slack's documented signing example", () => {
  it('our test helper computes the documented signature', () => {
    expect(slackSignature(DOC_SECRET, DOC_TS, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  it("Bolt's verifier accepts it at its own time and rejects a changed byte or a stale timestamp", () => {
    const at = DOC_TS * 1000;
    expect(boltAccepts(DOC_BODY, DOC_SIGNATURE, DOC_TS, at)).toBe(true);
    expect(() =>
      verifySlackRequest({
        signingSecret: DOC_SECRET,
        body: DOC_BODY,
        headers: { 'x-slack-signature': DOC_SIGNATURE, 'x-slack-request-timestamp': DOC_TS },
        nowMilliseconds: at,
      }),
    ).not.toThrow();

    // One byte of the body changed (the last hex digit of trigger_id: c -> d).
    const tampered = `${DOC_BODY.slice(0, -1)}d`;
    expect(tampered).toHaveLength(DOC_BODY.length);
    expect(tampered).not.toBe(DOC_BODY);
    expect(boltAccepts(tampered, DOC_SIGNATURE, DOC_TS, at)).toBe(false);
    expect(() =>
      verifySlackRequest({
        signingSecret: DOC_SECRET,
        body: tampered,
        headers: { 'x-slack-signature': DOC_SIGNATURE, 'x-slack-request-timestamp': DOC_TS },
        nowMilliseconds: at,
      }),
    ).toThrow(/signature mismatch/);

    // Replayed 6 minutes later: stale, although the signature is right. 4 minutes later is still inside the window.
    expect(boltAccepts(DOC_BODY, DOC_SIGNATURE, DOC_TS, at + 6 * 60_000)).toBe(false);
    expect(() =>
      verifySlackRequest({
        signingSecret: DOC_SECRET,
        body: DOC_BODY,
        headers: { 'x-slack-signature': DOC_SIGNATURE, 'x-slack-request-timestamp': DOC_TS },
        nowMilliseconds: at + 6 * 60_000,
      }),
    ).toThrow(/stale/);
    expect(boltAccepts(DOC_BODY, DOC_SIGNATURE, DOC_TS, at + 4 * 60_000)).toBe(true);
  });
});

describe('request signing against the running app', () => {
  let h: Harness;
  let trigger = 0;

  /** POSTs a body signed with the documented secret (the one the app under test is configured with). */
  const signedPost = (body: string, timestamp: number) =>
    h.post(body, { timestamp, signature: slackSignature(DOC_SECRET, timestamp, body) });

  /** A `/dms export` slash command: accepted, it makes the app call views.open with this trigger id. */
  const exportCommand = (triggerId: string) =>
    new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: 'T1',
      team_domain: 'acme',
      channel_id: 'C0EXPORTS',
      channel_name: 'exports',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/dms',
      text: 'export',
      api_app_id: 'A1',
      response_url: h.slack.responseUrl,
      trigger_id: triggerId,
    }).toString();

  /** Every Web API call the app made apart from the ones it makes at start (auth.test, bots.info: who it is). */
  const slackWork = () => h.slack.calls.filter((c) => c.method !== 'auth.test' && c.method !== 'bots.info');

  beforeEach(async () => {
    h = await startHarness({ env: { SLACK_SIGNING_SECRET: DOC_SECRET } });
    trigger = 0;
  });
  afterEach(async () => {
    const logs = h.logs;
    await h.close();
    assertNoSecretsLogged(logs, [DOC_SECRET]);
  });

  it("rejects Slack's documented request as stale at its 2018 timestamp, and accepts the same request signed now", async () => {
    // Byte for byte what Slack documents: right secret, right signature, but the timestamp is years old.
    const replay = await h.post(DOC_BODY, { timestamp: DOC_TS, signature: DOC_SIGNATURE });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('');

    // The documented body names /webhook-collect, which this app has no listener for (Bolt would answer 404 after
    // its 3 s unhandled-request timer). Only the command is swapped for /dms (empty text: the help answer), so an
    // accepted request is answered at once.
    const dmsBody = DOC_BODY.replace('command=%2Fwebhook-collect', 'command=%2Fdms');
    expect(dmsBody).not.toBe(DOC_BODY);
    const staleDms = await signedPost(dmsBody, DOC_TS);
    expect(staleDms.status).toBe(401);

    // Signed now, the documented body is still not run: it predates api_app_id, so it names no app (the person is
    // told their request could not be read). The same command for this app (A1) in this workspace (T1) is answered.
    const unread = await signedPost(dmsBody, nowSec());
    expect(((await unread.json()) as { text: string }).text).toMatch(
      /could not read this request from Slack \(error id `[0-9a-f]{8}`\)/,
    );
    const ours = `${dmsBody.replace('team_id=T1DC2JH3J', 'team_id=T1')}&api_app_id=A1`;
    const fresh = await signedPost(ours, nowSec());
    expect(fresh.status).toBe(200);
    const answer = (await fresh.json()) as { response_type?: string; text?: string };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('`/dms export`');
  });

  it('rejects bad, missing and stale signatures before any work, and accepts a request 4 minutes old', async () => {
    const rejected: string[] = [];
    const expectRejected = async (res: Promise<Response>, triggerId: string) => {
      rejected.push(triggerId);
      const r = await res;
      expect(r.status, triggerId).toBe(401);
      expect(await r.text(), triggerId).toBe('');
    };

    // Signed with another secret (the harness default), and signed right but then one hex digit flipped.
    let id = `t-${++trigger}-other-secret`;
    let ts = nowSec();
    let body = exportCommand(id);
    expect(SIGNING_SECRET).not.toBe(DOC_SECRET);
    await expectRejected(h.post(body, { timestamp: ts, signature: slackSignature(SIGNING_SECRET, ts, body) }), id);

    id = `t-${++trigger}-flipped`;
    ts = nowSec();
    body = exportCommand(id);
    const good = slackSignature(DOC_SECRET, ts, body);
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    expect(flipped).not.toBe(good);
    await expectRejected(h.post(body, { timestamp: ts, signature: flipped }), id);

    // Signed for a different body: the body was changed in transit.
    id = `t-${++trigger}-other-body`;
    ts = nowSec();
    body = exportCommand(id);
    await expectRejected(
      h.post(body.replace('text=export', 'text=change'), {
        timestamp: ts,
        signature: slackSignature(DOC_SECRET, ts, body),
      }),
      id,
    );

    // No X-Slack-Signature header at all.
    id = `t-${++trigger}-unsigned`;
    await expectRejected(h.post(exportCommand(id), { timestamp: nowSec(), signature: null }), id);

    // Correctly signed, but 6 minutes old.
    id = `t-${++trigger}-six-minutes`;
    await expectRejected(signedPost(exportCommand(id), nowSec() - 6 * 60), id);

    // Correctly signed, but dated 6 minutes ahead: as suspect as a stale one.
    id = `t-${++trigger}-future`;
    await expectRejected(signedPost(exportCommand(id), nowSec() + 6 * 60), id);
    expect(h.logs.filter((l) => l.includes('timestamp is in the future'))).toHaveLength(1);

    // Nothing reached a listener: no Slack call, no DMS call.
    expect(slackWork()).toEqual([]);
    expect(h.dms.requests).toHaveLength(0);

    // Correctly signed and 4 minutes old: inside Slack's 5-minute window, so the command runs.
    const acceptedId = `t-${++trigger}-four-minutes`;
    const accepted = await signedPost(exportCommand(acceptedId), nowSec() - 4 * 60);
    expect(accepted.status).toBe(200);
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === acceptedId);
    expect((opened.args['view'] as Record<string, unknown>)['callback_id']).toBe(ExportIds.modal);

    // The accepted request did its work; none of the rejected ones did, then or since.
    expect(h.slack.callsTo('views.open').map((c) => c.args['trigger_id'])).toEqual([acceptedId]);
    expect(slackWork().map((c) => c.method)).toEqual(['views.open']);
    for (const r of rejected) expect(JSON.stringify(h.slack.calls)).not.toContain(r);
    expect(h.dms.requests).toHaveLength(0);
    // The request check said why it refused, once per rejected request (the future one is refused before it).
    expect(h.logs.filter((l) => l.includes('Slack request signature refused'))).toHaveLength(rejected.length - 1);
  });
});

describe('Slack retries of a modal submission', () => {
  it('never file a second ticket, even after a restart', async () => {
    const h1 = await startHarness();
    let h2: Harness | undefined;
    try {
      seedPeople(h1);
      const view = await openModal(h1, 'export');
      const first = await submit(h1, view, exportValues());
      expect(first.response_action).toBe('update');
      expect(JSON.stringify(first.view)).toContain('Creating ticket');

      // Slack did not see our answer in time and sends the identical request again.
      const retry1 = await submit(h1, view, exportValues(), 'U0ALICE', {
        'X-Slack-Retry-Num': '1',
        'X-Slack-Retry-Reason': 'http_timeout',
      });
      expect(retry1).toEqual({});
      await filed(h1);
      expect(h1.dms.calls('CreateOrder')).toHaveLength(1);
      const ignored = (logs: string[]) => logs.filter((l) => l.includes('duplicate submission ignored')).length;
      expect(ignored(h1.logs)).toBe(1);
      await h1.stop();
      assertNoSecretsLogged(h1.logs, [SIGNING_SECRET, h1.dms.accessKeySecret]);

      // A new process on the same database gets Slack's next retry.
      h2 = await startHarness({ slack: h1.slack, dms: h1.dms, dbPath: h1.dbPath });
      const retry2 = await submit(h2, view, exportValues(), 'U0ALICE', {
        'X-Slack-Retry-Num': '2',
        'X-Slack-Retry-Reason': 'http_timeout',
      });
      expect(retry2).toEqual({});
      expect(ignored(h2.logs)).toBe(1);

      expect(h2.dms.calls('CreateOrder')).toHaveLength(1);
      const roots = h2.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args['thread_ts'] === undefined && /ticket \d+/.test(String(c.args['text'])));
      expect(roots).toHaveLength(1);
      expect(
        h2.slack.callsTo('views.update').filter((c) => JSON.stringify(c.args['view']).includes('is filed')),
      ).toHaveLength(1);
    } finally {
      if (h2) await h2.close();
      else await h1.close();
    }
  });
});
