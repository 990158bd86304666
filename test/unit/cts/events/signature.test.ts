import { createSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificateHash, checkSmnUrl, smnHost, verifySmnSignature } from '../../../../src/cts/events/signature.js';
import {
  parseSmnTimestamp,
  parseTopicUrn,
  type SmnMessage,
  stringToSign,
  topicUrnProblem,
} from '../../../../src/cts/events/smn-message.js';
import { selfSignedCertificate } from '../../../../src/sandbox/smn/certificate.js';

const NOW = Date.UTC(2026, 11, 3, 20, 0, 0);
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const cert = new X509Certificate(
  selfSignedCertificate({
    ...keys,
    commonName: 'smn.cn-north-4.myhuaweicloud.com',
    serial: randomBytes(8),
    notBefore: NOW - 86_400_000,
    notAfter: NOW + 86_400_000,
  }),
);

const notification = (over: Partial<SmnMessage> = {}): SmnMessage =>
  ({
    type: 'Notification',
    signature: 'x'.repeat(16),
    topic_urn: 'urn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:xxxx',
    message_id: '88c726942175432bac921eafd0036163',
    message: 'My test message',
    subject: 'demo',
    signing_cert_url: 'https://smn.cn-north-4.myhuaweicloud.com/smn/c.pem',
    timestamp: '2016-08-15T07:29:16Z',
    ...over,
  }) as SmnMessage;

const sign = (m: SmnMessage, key = keys.privateKey) =>
  ({ ...m, signature: createSign('sha256').update(stringToSign(m)).sign(key).toString('base64') }) as SmnMessage;

describe('the string SMN signs', () => {
  it('is the sorted keys of a Notification, each as key\\nvalue\\n (the documented example)', () => {
    expect(stringToSign(notification())).toBe(
      'message\nMy test message\nmessage_id\n88c726942175432bac921eafd0036163\nsubject\ndemo\ntimestamp\n2016-08-15T07:29:16Z\ntopic_urn\nurn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:xxxx\ntype\nNotification\n',
    );
  });

  it('leaves out an empty subject, and signs subscribe_url for (un)subscription confirmations', () => {
    expect(stringToSign(notification({ subject: '' } as Partial<SmnMessage>))).not.toContain('subject');
    expect(stringToSign(notification({ subject: null } as Partial<SmnMessage>))).not.toContain('subject');
    const conf = {
      ...notification(),
      type: 'SubscriptionConfirmation',
      subscribe_url: 'https://smn.cn-north-4.myhuaweicloud.com/smn/subscription/confirm?token=1',
    } as SmnMessage;
    expect(stringToSign(conf)).toBe(
      'message\nMy test message\nmessage_id\n88c726942175432bac921eafd0036163\nsubscribe_url\nhttps://smn.cn-north-4.myhuaweicloud.com/smn/subscription/confirm?token=1\ntimestamp\n2016-08-15T07:29:16Z\ntopic_urn\nurn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:xxxx\ntype\nSubscriptionConfirmation\n',
    );
  });
});

describe('verifySmnSignature', () => {
  it('accepts a signature by the certificate key over the string to sign', () => {
    expect(verifySmnSignature(sign(notification()), cert, NOW)).toBe(true);
  });

  it('refuses another key, any changed signed field, a signature moved to another type, and a certificate out of date', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifySmnSignature(sign(notification(), other.privateKey), cert, NOW)).toBe(false);
    const good = sign(notification());
    for (const change of [
      { message: 'My test message!' },
      { message_id: '88c726942175432bac921eafd0036164' },
      { subject: 'demo2' },
      { subject: '' },
      { timestamp: '2016-08-15T07:29:17Z' },
      { topic_urn: 'urn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:yyyy' },
      { type: 'UnsubscribeConfirmation', subscribe_url: 'x' },
      { signature: `A${good.signature.slice(1)}` },
      { signature: 'not base64 at all!!' },
    ])
      expect(verifySmnSignature({ ...good, ...change } as SmnMessage, cert, NOW)).toBe(false);
    expect(verifySmnSignature(good, cert, NOW + 2 * 86_400_000)).toBe(false);
    expect(verifySmnSignature(good, cert, NOW - 2 * 86_400_000)).toBe(false);
  });

  it('uses the certificate signature algorithm when it can read it (SHA-256 here)', () => {
    expect(certificateHash(cert)).toBe('sha256');
  });

  it('never throws and verifies nothing it was not given (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.base64String({ minLength: 16, maxLength: 400 }),
        (message, subject, signature) => {
          expect(
            verifySmnSignature(notification({ message, subject, signature } as Partial<SmnMessage>), cert, NOW),
          ).toBe(false);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('the SMN host rule for signing_cert_url and subscribe_url', () => {
  const regions = ['cn-north-4', 'eu-west-101'];
  it('accepts https on the exact SMN host of a configured region', () => {
    for (const u of [
      'https://smn.cn-north-4.myhuaweicloud.com/smn/SMN_cn-north-4_abc.pem',
      'https://smn.cn-north-4.myhuaweicloud.com:443/smn/x.pem',
      'https://SMN.CN-NORTH-4.myhuaweicloud.com/smn/x.pem',
      'https://smn.eu-west-101.myhuaweicloud.eu/smn/x.pem',
    ])
      expect(checkSmnUrl(u, regions)).toMatchObject({ ok: true });
    expect(smnHost('cn-north-4')).toBe('smn.cn-north-4.myhuaweicloud.com');
  });

  it('refuses look-alikes, other regions, http, userinfo, ports, IP literals and parser tricks', () => {
    for (const u of [
      'http://smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https://smn.evil.com/c.pem',
      'https://evil-myhuaweicloud.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com.evil.com/c.pem',
      'https://evil.com/smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com.:443/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com./c.pem',
      'https://x.smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https://smn.ap-southeast-1.myhuaweicloud.com/c.pem',
      'https://smn.eu-west-101.myhuaweicloud.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com@evil.com/c.pem',
      'https://user:pw@smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com:8443/c.pem',
      'https://127.0.0.1/c.pem',
      'https://[::1]/c.pem',
      'https://2130706433/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com\\@evil.com/c.pem',
      'https://smn.cn-north-4.myhuaweicloud.com /c.pem',
      ' https://smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https:smn.cn-north-4.myhuaweicloud.com/c.pem',
      'https:///smn.cn-north-4.myhuaweicloud.com/c.pem',
      '//smn.cn-north-4.myhuaweicloud.com/c.pem',
      'file:///etc/passwd',
      'https://smn.cn-north-4.myhuaweicloud.com\u0000.evil.com/c.pem',
      'https://smn.cn-north-4.myhuaweiclοud.com/c.pem', // Greek omicron
    ])
      expect(checkSmnUrl(u, regions), u).toMatchObject({ ok: false });
  });

  it('accepts only URLs whose parsed host is an allowed one (seeded property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withFragments: true, withQueryParameters: true }), (u) => {
        const r = checkSmnUrl(u, regions);
        if (r.ok)
          expect(['smn.cn-north-4.myhuaweicloud.com', 'smn.eu-west-101.myhuaweicloud.eu']).toContain(r.url.hostname);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('topic URNs and timestamps', () => {
  it('parses urn:smn:<region>:<project>:<name> and says what is wrong otherwise', () => {
    expect(parseTopicUrn('urn:smn:cn-north-4:0123abcd:cts-events')).toEqual({
      urn: 'urn:smn:cn-north-4:0123abcd:cts-events',
      region: 'cn-north-4',
      projectId: '0123abcd',
      name: 'cts-events',
    });
    for (const bad of [
      '',
      'urn:smn:cn-north-4:0123abcd',
      'urn:smn:CN:0123abcd:x',
      'urn:smn:cn-north-4:01:x:y',
      'urn:smn:cn-north-4:0123:-x',
    ])
      expect(parseTopicUrn(bad)).toBeUndefined();
    expect(topicUrnProblem('')).toMatch(/Enter/);
    expect(topicUrnProblem('arn:aws:sns:x')).toMatch(/starts with urn:smn:/);
    expect(topicUrnProblem('urn:smn:cn-north-4:x')).toMatch(/urn:smn:<region>:<project id>:<topic name>/);
    expect(topicUrnProblem('urn:smn:cn-north-4:0123abcd:cts-events')).toBeUndefined();
  });

  it('reads SMN timestamps as UTC and refuses what is not one', () => {
    expect(parseSmnTimestamp('2016-08-15T07:29:16Z')).toBe(Date.UTC(2016, 7, 15, 7, 29, 16));
    expect(parseSmnTimestamp('2016-08-15T07:29:16.250Z')).toBe(Date.UTC(2016, 7, 15, 7, 29, 16, 250));
    for (const bad of [
      '2016-08-15 07:29:16Z',
      '2016-02-30T00:00:00Z',
      '2016-08-15T24:00:00Z',
      '2016-08-15T07:29:16+08:00',
      '1471246156',
    ])
      expect(parseSmnTimestamp(bad)).toBeUndefined();
  });
});
