import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/core/logger.js';
import { PushCadence } from '../../../../src/dms/push/cadence.js';
import type { DmsPush } from '../../../../src/dms/push/payload.js';
import { parsePushBody } from '../../../../src/dms/push/payload.js';
import { type DmsPushOutcome, DmsPushReceiver } from '../../../../src/dms/push/receiver.js';
import { RecentKeys } from '../../../../src/dms/push/recent-keys.js';
import { dmsPushSignature } from '../../../../src/dms/push/signature.js';

const TOKEN = 'push-token-0123456789abcdef0123456789abcdef';
const URL = `https://bot.example.com/dms/events/${TOKEN}`;

function receiver(secret?: string) {
  const outcomes: DmsPushOutcome[] = [];
  const accepted: DmsPush[] = [];
  let t = 1_000;
  const r = new DmsPushReceiver({
    token: TOKEN,
    secret,
    webhookUrl: URL,
    clock: { now: () => t },
    logger: createLogger('silent'),
    count: (o) => outcomes.push(o),
    accept: (p) => accepted.push(p),
  });
  return { r, outcomes, accepted, advance: (ms: number) => (t += ms) };
}
const event = (taskId: string, eventTime = '1625630049930', extra: Record<string, unknown> = {}) => ({
  submitterUid: '1',
  category: '工单',
  module: '数据导出',
  event: '执行成功',
  taskId,
  eventTime,
  ...extra,
});
const body = (ev: Record<string, unknown>, secret?: string) =>
  JSON.stringify({
    messageEvent: ev,
    ...(secret
      ? { signatureMethod: 'HMAC_SHA1', signatureText: dmsPushSignature(secret, URL, JSON.stringify(ev)) }
      : { signatureMethod: 'None' }),
  });

describe('DmsPushReceiver.take', () => {
  it('accepts a push (with or without a secret configured), keeping only the ticket id, event text and time', () => {
    const { r, accepted, outcomes } = receiver();
    expect(r.take('Message Hook', body(event('12345')))).toEqual({ status: 200, body: '{"ok":true}' });
    expect(accepted).toEqual([{ taskId: '12345', event: '执行成功', eventTime: '1625630049930', receivedAt: 1_000 }]);
    expect(outcomes).toEqual([]);
    // Numbers where the sample has strings are read as the same id.
    expect(r.take('Message Hook', body({ taskId: 12346, eventTime: 1625630049931 })).status).toBe(200);
    expect(accepted[1]).toMatchObject({ taskId: '12346', eventTime: '1625630049931' });
  });

  it('with a secret: only a verifying HMAC_SHA1 signature passes (fail closed)', () => {
    const { r, outcomes, accepted } = receiver('s3cret');
    expect(r.take('Message Hook', body(event('1'), 's3cret')).status).toBe(200);
    expect(r.take('Message Hook', body(event('2'), 'other')).status).toBe(401);
    expect(r.take('Message Hook', body(event('3'))).status).toBe(401);
    const unsignedMethod = JSON.parse(body(event('4'), 's3cret')) as Record<string, unknown>;
    expect(r.take('Message Hook', JSON.stringify({ ...unsignedMethod, signatureMethod: 'None' })).status).toBe(401);
    expect(outcomes).toEqual(['bad_signature', 'bad_signature', 'bad_signature']);
    expect(accepted.map((p) => p.taskId)).toEqual(['1']);
  });

  it('drops a push seen before (same ticket, event and event time); a new event time is a new push', () => {
    const { r, outcomes, accepted, advance } = receiver();
    r.take('Message Hook', body(event('7')));
    advance(1_000);
    r.take('Message Hook', body(event('7')));
    r.take('Message Hook', body(event('7', '1625630049999')));
    expect(outcomes).toEqual(['duplicate']);
    expect(accepted).toHaveLength(2);
  });

  it('refuses a request without the DMS-Event header value and bodies that are not a message event', () => {
    const { r, outcomes } = receiver();
    expect(r.take('', body(event('1'))).status).toBe(400);
    expect(r.take('Message Hook', '[]').status).toBe(400);
    expect(r.take('Message Hook', body(event('12a'))).status).toBe(400);
    expect(r.take('Message Hook', body(event('1'.repeat(20)))).status).toBe(400);
    expect(outcomes).toEqual(['not_dms', 'malformed', 'malformed', 'malformed']);
  });

  it('never throws and accepts only digit ticket ids, whatever the body (seeded property)', () => {
    const { r, accepted } = receiver();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.record({ messageEvent: fc.object() }).map((o) => JSON.stringify(o)),
        ),
        (raw) => {
          const answer = r.take('Message Hook', raw);
          expect([200, 400]).toContain(answer.status);
        },
      ),
      { seed: 42, numRuns: 500 },
    );
    for (const p of accepted) expect(p.taskId).toMatch(/^\d{1,19}$/);
  });
});

describe('parsePushBody', () => {
  it('keeps the message event as received (key order, unknown fields) for the signature', () => {
    const raw = '{"signatureMethod":"None","messageEvent":{"z":1,"taskId":"5","a":[{"uid":"1"}]}}';
    const parsed = parsePushBody(raw);
    expect(parsed.ok && parsed.messageEventJson).toBe('{"z":1,"taskId":"5","a":[{"uid":"1"}]}');
  });
});

describe('PushCadence', () => {
  it('slows routine checks of a kind to the reconcile interval while its pushes arrive, and only that kind', () => {
    const c = new PushCadence({ reconcileMs: 600_000, quietMs: 1_800_000 });
    expect(c.floorMs('dms_export', 0)).toBe(0);
    c.heard('dms_export', 1_000);
    expect(c.floorMs('dms_export', 1_000)).toBe(600_000);
    expect(c.floorMs('dms_change', 1_000)).toBe(0);
    expect(c.floorMs('dms_export', 1_801_000)).toBe(600_000);
    expect(c.floorMs('dms_export', 1_801_001)).toBe(0);
    // A push arriving late (an older clock reading) never moves "last heard" back.
    c.heard('dms_export', 2_000_000);
    c.heard('dms_export', 1_000);
    expect(c.live('dms_export', 3_800_000)).toBe(true);
  });
});

describe('RecentKeys', () => {
  it('remembers a key for its ttl and at most its capacity keys', () => {
    const k = new RecentKeys(2, 100);
    expect([k.add('a', 0), k.add('a', 50), k.add('a', 100)]).toEqual([true, false, true]);
    k.add('b', 100);
    k.add('c', 100);
    expect(k.add('a', 101)).toBe(true); // forgotten: capacity 2
    expect(k.add('c', 101)).toBe(false);
  });
});
