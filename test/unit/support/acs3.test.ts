import { stringify } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import {
  type Acs3VerifyOptions,
  acs3Signature,
  acs3StringToSign,
  canonicalizeAcs3,
  canonicalQueryString,
  EMPTY_BODY_SHA256,
  parseAcs3Authorization,
  rfc3986Encode,
  sha256Hex,
  signAcs3Request,
  verifyAcs3Request,
} from '../../support/acs3.js';

// Published ACS3 test vector (reference/dms.md).
const VECTOR = {
  query: 'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
  headers: {
    host: 'ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action': 'RunInstances',
    'x-acs-version': '2014-05-26',
    'x-acs-date': '2023-10-26T10:22:32Z',
    'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': EMPTY_BODY_SHA256,
  },
  secret: 'YourAccessKeySecret',
  hashedCanonicalRequest: '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
  signature: '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
  signedHeaders: 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
};
const VECTOR_NOW = Date.UTC(2023, 9, 26, 10, 22, 32);

function vectorRequest(
  overrides: { headers?: Record<string, string>; url?: string; body?: string; signature?: string } = {},
) {
  const headers: Record<string, string> = {
    ...VECTOR.headers,
    authorization: `ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=${VECTOR.signedHeaders},Signature=${overrides.signature ?? VECTOR.signature}`,
    ...overrides.headers,
  };
  return {
    method: 'POST',
    url: overrides.url ?? `/?${VECTOR.query}`,
    headers,
    body: Buffer.from(overrides.body ?? ''),
  };
}

const vectorOpts: Acs3VerifyOptions = {
  lookupSecret: (ak) => (ak === 'YourAccessKeyId' ? VECTOR.secret : undefined),
  now: VECTOR_NOW,
};

describe('ACS3 canonicalisation', () => {
  it('reproduces the published test vector exactly', () => {
    const canonical = canonicalizeAcs3({
      method: 'POST',
      path: '/',
      query: VECTOR.query,
      headers: VECTOR.headers,
      signedHeaders: VECTOR.signedHeaders.split(';'),
      hashedPayload: EMPTY_BODY_SHA256,
    });
    const lines = canonical.split('\n');
    expect(lines[lines.length - 2]).toBe(VECTOR.signedHeaders);
    expect(sha256Hex(canonical)).toBe(VECTOR.hashedCanonicalRequest);
    expect(acs3Signature(VECTOR.secret, acs3StringToSign(canonical))).toBe(VECTOR.signature);
  });

  it('rebuilds canonical headers from the signed list regardless of order/case', () => {
    const shuffled = [
      'X-ACS-VERSION',
      'host',
      'x-acs-date',
      'x-acs-action',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ];
    const canonical = canonicalizeAcs3({
      method: 'post',
      path: '/',
      query: VECTOR.query,
      headers: { ...VECTOR.headers, 'user-agent': 'not signed' },
      signedHeaders: shuffled,
      hashedPayload: EMPTY_BODY_SHA256,
    });
    expect(sha256Hex(canonical)).toBe(VECTOR.hashedCanonicalRequest);
  });

  it("RFC 3986 encodes, escaping !'()* and keeping ~", () => {
    expect(rfc3986Encode("a b!'()*~+/=&")).toBe('a%20b%21%27%28%29%2A~%2B%2F%3D%26');
  });

  it('decodes then re-encodes the query, so raw and escaped forms agree', () => {
    const raw = 'b=x(y)!*&a=1+2&c=%7E';
    const escaped = 'a=1%202&c=~&b=x%28y%29%21%2A';
    expect(canonicalQueryString(raw)).toBe('a=1%202&b=x%28y%29%21%2A&c=~');
    expect(canonicalQueryString(escaped)).toBe(canonicalQueryString(raw));
    expect(canonicalQueryString({ b: 'x(y)!*', a: '1 2', c: '~' })).toBe(canonicalQueryString(raw));
  });

  it('parses the Authorization header', () => {
    expect(
      parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=abc'),
    ).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      credential: 'AK',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'abc',
    });
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK')).toBeUndefined();
    expect(parseAcs3Authorization(undefined)).toBeUndefined();
  });
});

describe('verifyAcs3Request', () => {
  it('accepts the published vector', () => {
    const result = verifyAcs3Request(vectorRequest(), vectorOpts);
    expect(result).toMatchObject({ ok: true, accessKeyId: 'YourAccessKeyId' });
  });

  it('rejects a wrong signature with SignatureDoesNotMatch and reports the server string to sign', () => {
    const result = verifyAcs3Request(vectorRequest({ signature: '0'.repeat(64) }), vectorOpts);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('SignatureDoesNotMatch');
    expect(result.httpStatus).toBe(400);
    expect(result.stringToSign).toBe(`ACS3-HMAC-SHA256\n${VECTOR.hashedCanonicalRequest}`);
  });

  it('rejects a tampered query', () => {
    const result = verifyAcs3Request(vectorRequest({ url: `/?${VECTOR.query}&Extra=1` }), vectorOpts);
    expect(result).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('rejects an unknown AccessKey id with InvalidAccessKeyId.NotFound (404)', () => {
    const result = verifyAcs3Request(vectorRequest(), { ...vectorOpts, lookupSecret: () => undefined });
    expect(result).toMatchObject({ ok: false, code: 'InvalidAccessKeyId.NotFound', httpStatus: 404 });
  });

  it('rejects a missing or malformed Authorization header with IncompleteSignature', () => {
    const req = vectorRequest();
    delete req.headers['authorization'];
    expect(verifyAcs3Request(req, vectorOpts)).toMatchObject({ ok: false, code: 'IncompleteSignature' });
    expect(verifyAcs3Request(vectorRequest({ headers: { authorization: 'garbage' } }), vectorOpts)).toMatchObject({
      ok: false,
      code: 'IncompleteSignature',
    });
  });

  it('rejects an x-acs-* header that is not signed', () => {
    const result = verifyAcs3Request(
      vectorRequest({ headers: { 'x-acs-credentials-provider': 'static_ak' } }),
      vectorOpts,
    );
    expect(result).toMatchObject({ ok: false, code: 'IncompleteSignature' });
  });

  it('rejects a date more than 15 minutes off the verifier clock', () => {
    const late = { ...vectorOpts, now: VECTOR_NOW + 15 * 60 * 1000 + 1000 };
    const early = { ...vectorOpts, now: VECTOR_NOW - 16 * 60 * 1000 };
    const edge = { ...vectorOpts, now: VECTOR_NOW + 14 * 60 * 1000 };
    expect(verifyAcs3Request(vectorRequest(), late)).toMatchObject({ ok: false, code: 'InvalidTimeStamp.Expired' });
    expect(verifyAcs3Request(vectorRequest(), early)).toMatchObject({ ok: false, code: 'InvalidTimeStamp.Expired' });
    expect(verifyAcs3Request(vectorRequest(), edge)).toMatchObject({ ok: true });
  });

  it('rejects a body whose sha256 differs from x-acs-content-sha256', () => {
    const result = verifyAcs3Request(vectorRequest({ body: 'a=1' }), vectorOpts);
    expect(result).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('verifies requests signed by signAcs3Request, including extra signed headers and querystring-style raw ()!*', () => {
    const body = 'PluginParam=%7B%22a%22%3A1%7D';
    const query = { Comment: "export (daily)! it's *fine*", PluginType: 'DATA_EXPORT' };
    const headers = signAcs3Request({
      method: 'POST',
      path: '/',
      query,
      headers: {
        host: '127.0.0.1:1234',
        'content-type': 'application/x-www-form-urlencoded',
        'x-acs-action': 'CreateOrder',
        'x-acs-version': '2018-11-01',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': 'n-1',
        'x-acs-credentials-provider': 'static_ak',
      },
      body,
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: VECTOR.secret,
    });
    expect(headers['authorization']).toContain('x-acs-credentials-provider');
    const url = `/?${stringify(query)}`;
    expect(url).toContain('(daily)!'); // Node's querystring leaves these raw
    const result = verifyAcs3Request({ method: 'POST', url, headers, body: Buffer.from(body) }, vectorOpts);
    expect(result).toMatchObject({ ok: true });
  });
});
