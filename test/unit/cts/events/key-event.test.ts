import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildKeyEventMessage, buildRawEventMessage } from '../../../../blocks/cts/key-event.js';
import { buildSubscriptionList } from '../../../../blocks/cts/subscriptions.js';
import { parseKeyEvent, passesFilters, resourceKey } from '../../../../src/cts/events/key-event.js';
import { validateSubscribeForm } from '../../../../src/cts/events/subscriptions.js';
import { validateSlackPayload } from '../../../support/block-kit-rules.js';

const none = { serviceTypes: [], resourceTypes: [], traceNames: [] };

describe('reading a CTS trace from an SMN message', () => {
  it('reads the fields leniently (numbers or text, user as object or JSON text) and refuses what is not a trace', () => {
    const e = parseKeyEvent(
      JSON.stringify({
        trace_name: 'deleteServer',
        service_type: 'ECS',
        resource_type: 'ecs',
        resource_name: 'web-1',
        code: 200,
        time: 1764792062000,
        user: JSON.stringify({ name: 'alice', domain: { name: 'acme' } }),
        unexpected: { nested: true },
      }),
    );
    expect(e).toMatchObject({ traceName: 'deleteServer', code: '200', time: 1764792062000, user: 'alice (acme)' });
    expect(parseKeyEvent('Server web-1 was deleted')).toBeUndefined();
    expect(parseKeyEvent('{"hello":"world"}')).toBeUndefined();
    expect(parseKeyEvent('[1,2]')).toBeUndefined();
  });

  it('filters case-insensitively, lets an unreadable event through only unfiltered subscriptions, keys threads by resource', () => {
    const e = parseKeyEvent(JSON.stringify({ trace_name: 'deleteServer', service_type: 'ECS', resource_id: 'i-1' }))!;
    expect(passesFilters(e, { ...none, serviceTypes: ['ecs'] })).toBe(true);
    expect(passesFilters(e, { ...none, serviceTypes: ['vpc'] })).toBe(false);
    expect(passesFilters(e, { ...none, traceNames: ['DELETESERVER'], resourceTypes: [] })).toBe(true);
    expect(passesFilters(undefined, none)).toBe(true);
    expect(passesFilters(undefined, { ...none, traceNames: ['x'] })).toBe(false);
    expect(resourceKey(e)).toBe('ecs||i-1');
    expect(resourceKey(parseKeyEvent(JSON.stringify({ trace_name: 'login' })))).toBeUndefined();
  });
});

describe('what a channel is shown', () => {
  const field = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constantFrom('<!channel>', '<https://evil.example|x>', 'evil.zip/a', '*bold*', '`'),
  );
  it('any trace renders as a message Slack accepts, escaped, without links or broadcasts (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          trace_name: field,
          resource_name: field,
          user: field,
          code: field,
          trace_id: field,
          service_type: field,
        }),
        fc.string({ maxLength: 300 }),
        (t, topic) => {
          const e = parseKeyEvent(JSON.stringify(t));
          const msg = e
            ? buildKeyEventMessage(e, topic, { reply: false })
            : buildRawEventMessage(undefined, JSON.stringify(t), topic);
          const verdict = validateSlackPayload('chat.postMessage', { channel: 'C1', ...msg });
          expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
          const all = JSON.stringify(msg);
          expect(all).not.toContain('<!channel>');
          expect(all).not.toContain('evil.example');
          expect(msg.text).not.toMatch(/<[^@#!]/);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('the subscription list holds any number of subscriptions within Slack limits', () => {
    const subs = Array.from({ length: 60 }, (_, i) => ({
      id: i + 1,
      topicUrn: `urn:smn:cn-north-4:${'a'.repeat(64)}:${'t'.repeat(200)}${i}`,
      channelId: 'C1',
      filters: {
        serviceTypes: ['ECS'],
        resourceTypes: [],
        traceNames: Array.from({ length: 20 }, () => 'x'.repeat(64)),
      },
      createdBy: 'U0ALICE',
      createdAt: 0,
    }));
    const verdict = validateSlackPayload('chat.postEphemeral', {
      channel: 'C1',
      user: 'U1',
      ...buildSubscriptionList('C1', subs),
    });
    expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
  });

  it('validates the form: at most 20 filters of safe names', () => {
    const topicUrn = 'urn:smn:cn-north-4:0123abcd:t';
    expect(validateSubscribeForm({ topicUrn, traceNames: 'a, b,\na' }, ['cn-north-4'])).toEqual({
      ok: true,
      value: { topicUrn, filters: { serviceTypes: [], resourceTypes: [], traceNames: ['a', 'b'] } },
    });
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`).join(',');
    expect(validateSubscribeForm({ topicUrn, traceNames: many }, ['cn-north-4'])).toMatchObject({
      ok: false,
      errors: { traceNames: 'At most 20 trace names.' },
    });
    expect(validateSubscribeForm({ topicUrn, serviceTypes: '<!here>' }, ['cn-north-4'])).toMatchObject({ ok: false });
  });
});
