import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSignature, dmsPushSignature, verifyDmsPushSignature } from '../../../../src/dms/push/signature.js';

const URL = 'https://bot.example.com/dms/events/t0ken';
const EVENT = '{"taskId":"12345","module":"数据导出","event":"执行成功","eventTime":"1625630049930"}';

describe('DMS push signature (HMAC_SHA1, the unconfirmed construction of push.md)', () => {
  it('is base64 HMAC-SHA1 keyed by the secret over the webhook URL followed by the compact message event (pinned by openssl)', () => {
    // printf '%s' "$URL$EVENT" | openssl dgst -sha1 -hmac calibrate-me -binary | base64
    expect(dmsPushSignature('calibrate-me', URL, EVENT)).toBe('BT08JuK/H+hNpCjuG32NttL1GVo=');
    expect(
      verifyDmsPushSignature({
        secret: 'calibrate-me',
        webhookUrl: URL,
        messageEventJson: EVENT,
        signatureText: 'BT08JuK/H+hNpCjuG32NttL1GVo=',
      }),
    ).toBe(true);
  });

  it('refuses another secret, another URL, a changed event, and anything that is not the signature', () => {
    const good = dmsPushSignature('calibrate-me', URL, EVENT);
    const check = (
      o: Partial<{ secret: string; webhookUrl: string; messageEventJson: string; signatureText: string }>,
    ) =>
      verifyDmsPushSignature({
        secret: 'calibrate-me',
        webhookUrl: URL,
        messageEventJson: EVENT,
        signatureText: good,
        ...o,
      });
    expect(check({ secret: 'calibrate-me!' })).toBe(false);
    expect(check({ webhookUrl: `${URL}x` })).toBe(false);
    expect(check({ messageEventJson: EVENT.replace('12345', '12346') })).toBe(false);
    for (const signatureText of [
      '',
      'x',
      good.slice(0, -1),
      `${good}=`,
      good.toLowerCase(),
      Buffer.from(good).toString('hex'),
    ])
      expect(check({ signatureText })).toBe(false);
  });

  it('verifies exactly its own signature for any secret, URL and event (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.webUrl(),
        fc.json(),
        fc.string(),
        (secret, webhookUrl, messageEventJson, other) => {
          const sig = dmsPushSignature(secret, webhookUrl, messageEventJson);
          expect(verifyDmsPushSignature({ secret, webhookUrl, messageEventJson, signatureText: sig })).toBe(true);
          if (other !== sig)
            expect(verifyDmsPushSignature({ secret, webhookUrl, messageEventJson, signatureText: other })).toBe(false);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('describes a received signature for the log without giving it away', () => {
    const sig = dmsPushSignature('s', URL, EVENT);
    const d = describeSignature('HMAC_SHA1', sig);
    expect(d).toEqual({ method: 'HMAC_SHA1', length: 28, prefix: sig.slice(0, 4) });
    expect(JSON.stringify(d)).not.toContain(sig.slice(0, 8));
    expect(describeSignature(undefined, 'short')).toEqual({ method: 'absent', length: 5, prefix: '' });
  });
});
