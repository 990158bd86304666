import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  lowerCaseHeaders,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  signRequest,
} from '../../../src/cts/signer.js';
import { CTS_VECTORS } from '../../support/cts-vectors.js';

const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// Every vector in shared/reference/cts.md, as URLs.
const vectors = CTS_VECTORS.map((v) => ({ ...v, url: `https://${v.host}${v.target}` }));

describe('signRequest against the published vectors', () => {
  for (const v of vectors) {
    it(v.name, () => {
      const date = parseSdkDate(v.date);
      expect(date).toBeDefined();
      const url = new URL(v.url);
      const headers = signRequest({
        method: v.method,
        url,
        headers: v.headers,
        body: v.body,
        ak: v.ak,
        sk: v.sk,
        date,
      });

      expect(headers['X-Sdk-Date']).toBe(v.date);
      expect(headers['Host']).toBe(url.host);
      expect(headers['Authorization']).toBe(
        `SDK-HMAC-SHA256 Access=${v.ak}, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`,
      );

      if (v.canonicalHash) {
        const canonical = canonicalRequest({
          method: v.method,
          path: url.pathname,
          query: url.searchParams,
          headers: lowerCaseHeaders(headers),
          signedHeaders: v.signedHeaders.split(';'),
          bodyHash: sha256Hex(v.body),
        });
        expect(sha256Hex(canonical)).toBe(v.canonicalHash);
      }
    });
  }
});

describe('canonicalisation', () => {
  it('hashes an empty body to the well-known value', () => {
    expect(sha256Hex('')).toBe(EMPTY_HASH);
    expect(sha256Hex(Buffer.alloc(0))).toBe(EMPTY_HASH);
  });

  it('appends a trailing slash to the canonical URI and RFC 3986-encodes each segment', () => {
    expect(canonicalUri('/v3/abc/tracker')).toBe('/v3/abc/tracker/');
    expect(canonicalUri('/v3/abc/tracker/')).toBe('/v3/abc/tracker/');
    expect(canonicalUri('/a%20b/c*d')).toBe('/a%20b/c%2Ad/');
    expect(canonicalUri('/')).toBe('/');
  });

  it('sorts the query by key then value and encodes both', () => {
    expect(
      canonicalQuery([
        ['b', '2'],
        ['a', 'z'],
        ['a', 'y x'],
      ]),
    ).toBe('a=y%20x&a=z&b=2');
    expect(canonicalQuery([])).toBe('');
  });

  it('formats and parses X-Sdk-Date', () => {
    const d = new Date(Date.UTC(2019, 10, 15, 3, 36, 55, 789));
    expect(formatSdkDate(d)).toBe('20191115T033655Z');
    expect(parseSdkDate('20191115T033655Z')?.toISOString()).toBe('2019-11-15T03:36:55.000Z');
    expect(parseSdkDate('2019-11-15T03:36:55Z')).toBeUndefined();
  });

  it('signs extra headers (e.g. X-Project-Id, X-Security-Token) but never names with underscores', () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://cts.cn-north-4.myhuaweicloud.com/v3/p1/trackers'),
      headers: { 'X-Project-Id': 'p1', 'X-Security-Token': 'tok', X_Custom: 'x' },
      body: '',
      ak: 'AK',
      sk: 'SK',
      date: new Date(0),
    });
    const auth = parseAuthorization(headers['Authorization'] ?? '');
    expect(auth?.signedHeaders).toEqual(['host', 'x-project-id', 'x-sdk-date', 'x-security-token']);
    expect(auth?.access).toBe('AK');
    expect(headers['X_Custom']).toBe('x');
  });

  it('rejects an Authorization header of another scheme', () => {
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=a, SignedHeaders=host')).toBeUndefined();
  });
});
