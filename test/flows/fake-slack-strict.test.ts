import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { FakeSlackWorker } from '../support/fake-slack-worker.js';
import { assertNothingRefused, blockSuggestion, type Harness, startHarness } from '../support/harness.js';

const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];

describe('the fake Slack refuses what Slack refuses', () => {
  let slack: FakeSlack | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
    if (h) {
      h.slack.takeRefusals();
      await h.close();
      h = undefined;
    }
  });

  it('answers a Web API call with invalid blocks as Slack does (the WebClient throws invalid_blocks) and records it', async () => {
    slack = await FakeSlack.start();
    const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: tooLong })).rejects.toMatchObject({
      data: { ok: false, error: 'invalid_blocks' },
    });
    await expect(
      client.views.open({
        trigger_id: 't',
        view: { type: 'modal', title: { type: 'plain_text', text: 'A title far longer than 24' }, blocks: [] },
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    const refused = slack.callsTo('chat.postMessage')[0]!.response!;
    expect((refused['response_metadata'] as { messages: string[] }).messages[0]).toMatch(
      /^\[ERROR\] \[section\.text\] .*\[json-pointer:\/blocks\/0\/text\/text\]$/,
    );
    expect(() => assertNothingRefused(slack!)).toThrow(/would have refused 2 payload/);
    // Valid calls still go through, and once taken the refusals are gone.
    await expect(
      client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] }),
    ).resolves.toMatchObject({ ok: true });
    expect(() => assertNothingRefused(slack!)).not.toThrow();
  });

  it('answers a refused response_url post with HTTP 400 and the error code', async () => {
    slack = await FakeSlack.start();
    const res = await fetch(slack.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', blocks: tooLong }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('invalid_blocks');
    expect(slack.takeRefusals()).toHaveLength(1);
  });

  it('accepts anything when not strict', async () => {
    slack = await FakeSlack.start();
    slack.strict = false;
    const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: tooLong })).resolves.toMatchObject({
      ok: true,
    });
    expect(slack.refusals).toEqual([]);
  });

  it('the worker-hosted fake (benches) runs the same rules from a transpiled copy', async () => {
    const worker = await FakeSlackWorker.start();
    try {
      const remote = await worker.create();
      const client = new WebClient('xoxb-test', { slackApiUrl: remote.url, retryConfig: { retries: 0 } });
      await expect(client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: tooLong })).rejects.toMatchObject({
        data: { error: 'invalid_blocks' },
      });
      await remote.close();
    } finally {
      await worker.terminate();
    }
  });

  it('the harness checks what the app acks with, and its close() fails a test that left refusals', async () => {
    h = await startHarness();
    // A real ack: the database picker's options pass.
    await h.interaction(blockSuggestion('export-db-select', 'export-db-block', 'orders'));
    expect(h.slack.refusals).toEqual([]);
    // An ack Slack would refuse (as if the app had answered it), recorded by the same path the harness uses.
    h.slack.refuse('ack to view_submission', {
      ok: false,
      error: 'invalid_arguments',
      problems: ['[view.title] …'],
      rules: ['view.title'],
    });
    const closing = h;
    h = undefined;
    await expect(closing.close()).rejects.toThrow(
      /Slack would have refused 1 payload\(s\) the bot sent:\nack to view_submission: invalid_arguments/,
    );
  });
});
