import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CertificateCache,
  CertificateUnavailable,
  httpsSmnFetch,
  type SmnFetch,
} from '../../../../src/cts/events/certificates.js';
import { selfSignedCertificate } from '../../../../src/sandbox/smn/certificate.js';
import { FakeClock } from '../../../support/harness.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = selfSignedCertificate({
  ...keys,
  commonName: 'smn.cn-north-4.myhuaweicloud.com',
  serial: randomBytes(8),
  notBefore: Date.now() - 3_600_000,
  notAfter: Date.now() + 3_600_000,
});
const url = (n: number | string) => new URL(`https://smn.cn-north-4.myhuaweicloud.com/smn/${n}.pem`);

describe('the self-signed certificate the sandbox makes (minimal DER builder)', () => {
  it('parses with node:crypto, carries the key and name, and verifies with its own key', () => {
    const c = new X509Certificate(PEM);
    expect(c.subject).toBe('CN=smn.cn-north-4.myhuaweicloud.com');
    expect(c.issuer).toBe(c.subject);
    expect(c.verify(keys.publicKey)).toBe(true);
    expect(c.publicKey.export({ format: 'pem', type: 'spki' })).toBe(
      keys.publicKey.export({ format: 'pem', type: 'spki' }),
    );
    expect(c.checkPrivateKey(keys.privateKey)).toBe(true);
  });

  it('writes dates after 2049 as GeneralizedTime and big serials as positive integers', () => {
    const c = new X509Certificate(
      selfSignedCertificate({
        ...keys,
        commonName: 'x',
        serial: Buffer.from('ff00ff00', 'hex'),
        notBefore: Date.UTC(2049, 0, 1),
        notAfter: Date.UTC(2051, 0, 1),
      }),
    );
    expect(new Date(c.validTo).getUTCFullYear()).toBe(2051);
    expect(c.serialNumber.replace(/^0+/, '').toLowerCase()).toBe('ff00ff00');
  });
});

describe('CertificateCache', () => {
  const counting = (impl: SmnFetch) => {
    const calls: string[] = [];
    const fetch: SmnFetch = (u, o) => {
      calls.push(u.href);
      return impl(u, o);
    };
    return { calls, fetch };
  };

  it('fetches a URL once for concurrent and later asks, and again after its time', async () => {
    const clock = new FakeClock(Date.now());
    const f = counting(async () => ({ status: 200, body: PEM }));
    const cache = new CertificateCache({ fetch: f.fetch, clock, ttlMs: 60_000 });
    const got = await Promise.all([cache.get(url(1)), cache.get(url(1)), cache.get(url(1))]);
    expect(got[0]!.subject).toContain('smn.cn-north-4');
    await cache.get(url(1));
    expect(f.calls).toHaveLength(1);
    clock.advance(60_001);
    await cache.get(url(1));
    expect(f.calls).toHaveLength(2);
  });

  it('keeps at most maxEntries, the oldest dropped first', async () => {
    const f = counting(async () => ({ status: 200, body: PEM }));
    const cache = new CertificateCache({ fetch: f.fetch, clock: new FakeClock(), maxEntries: 3 });
    for (const n of [1, 2, 3, 4]) await cache.get(url(n));
    expect(cache.size).toBe(3);
    await cache.get(url(4));
    await cache.get(url(1));
    expect(f.calls.filter((c) => c.endsWith('/1.pem'))).toHaveLength(2);
  });

  it('gives up on a slow fetch within its bound (even one that ignores the signal) and remembers the failure briefly', async () => {
    const clock = new FakeClock(Date.now());
    const f = counting(() => new Promise(() => undefined));
    const cache = new CertificateCache({ fetch: f.fetch, clock, timeoutMs: 50, failureTtlMs: 1_000 });
    const started = Date.now();
    await expect(cache.get(url(1))).rejects.toMatchObject({ reason: 'timed out' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(cache.get(url(1))).rejects.toBeInstanceOf(CertificateUnavailable);
    expect(f.calls).toHaveLength(1);
    clock.advance(1_001);
    await expect(cache.get(url(1))).rejects.toBeInstanceOf(CertificateUnavailable);
    expect(f.calls).toHaveLength(2);
  });

  it('refuses HTTP errors and what is not a certificate, and more fetches at once than allowed', async () => {
    const bodies: Record<string, { status: number; body: string }> = {
      [url('404').href]: { status: 404, body: PEM },
      [url('junk').href]: { status: 200, body: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
    };
    const cache = new CertificateCache({ fetch: async (u) => bodies[u.href]!, clock: new FakeClock() });
    await expect(cache.get(url('404'))).rejects.toMatchObject({ reason: 'HTTP 404' });
    await expect(cache.get(url('junk'))).rejects.toMatchObject({ reason: 'not an X.509 certificate' });
    const slow = new CertificateCache({
      fetch: () => new Promise(() => undefined),
      clock: new FakeClock(),
      maxFetches: 2,
      timeoutMs: 100,
    });
    const pending = [slow.get(url('a')), slow.get(url('b'))];
    await expect(slow.get(url('c'))).rejects.toMatchObject({ reason: 'too many certificate fetches at once' });
    await Promise.allSettled(pending);
  });
});

describe('the production SMN fetch', () => {
  it('fetches over HTTPS only', async () => {
    const signal = new AbortController().signal;
    await expect(httpsSmnFetch(new URL('http://127.0.0.1:1/c.pem'), { signal, maxBytes: 10 })).rejects.toThrow(
      /HTTPS only/,
    );
  });
});
