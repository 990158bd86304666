import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery, rfc3986Encode, signRequest } from '../../../src/cts/signer.js';
import { CTS_VECTORS, type CtsVector } from '../../support/cts-vectors.js';
import {
  canonicalQueryFromRaw,
  canonicalRequestFromReceived,
  canonicalUriFromRaw,
  parseSdkHmacAuthorization,
  parseSdkHmacDate,
  rfc3986EncodeBytes,
  type SdkHmacReceivedRequest,
  type SdkHmacVerifyOptions,
  sdkHmacSignature,
  sdkHmacStringToSign,
  verifySdkHmacRequest,
} from '../../support/sdk-hmac.js';

const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

type Vector = CtsVector;
const VECTORS = CTS_VECTORS;

function vectorRequest(v: Vector, signature = v.signature): SdkHmacReceivedRequest {
  return {
    method: v.method,
    url: v.target,
    headers: {
      host: v.host,
      'x-sdk-date': v.date,
      // As Node hands them over: names lower-cased.
      ...Object.fromEntries(Object.entries(v.headers).map(([k, x]) => [k.toLowerCase(), x])),
      authorization: `SDK-HMAC-SHA256 Access=${v.ak}, SignedHeaders=${v.signedHeaders}, Signature=${signature}`,
    },
    body: Buffer.from(v.body, 'utf8'),
  };
}

function vectorOptions(v: Vector, now = parseSdkHmacDate(v.date)): SdkHmacVerifyOptions {
  if (!now) throw new Error(`bad vector date ${v.date}`);
  return { lookupSecret: (ak) => (ak === v.ak ? v.sk : undefined), now };
}

describe('SDK-HMAC-SHA256 verifier: published vectors', () => {
  for (const v of VECTORS) {
    it(`reproduces "${v.name}"`, () => {
      const req = vectorRequest(v);
      const canonical = canonicalRequestFromReceived(req, v.signedHeaders.split(';'));
      if (v.canonicalHash !== undefined) expect(sha256(canonical)).toBe(v.canonicalHash);
      expect(sdkHmacSignature(v.sk, sdkHmacStringToSign(v.date, canonical))).toBe(v.signature);

      const result = verifySdkHmacRequest(req, vectorOptions(v));
      expect(result).toMatchObject({ ok: true, access: v.ak, canonicalRequest: canonical });
    });
  }

  it('builds the signing-guide canonical request byte for byte (hand-written from the spec)', () => {
    const v = VECTORS[4];
    if (!v) throw new Error('missing vector');
    const expected = [
      'GET',
      '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
      'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
      'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
      'content-type;host;x-sdk-date',
      EMPTY_HASH,
    ].join('\n');
    expect(sha256(expected)).toBe(v.canonicalHash);
    expect(canonicalRequestFromReceived(vectorRequest(v), v.signedHeaders.split(';'))).toBe(expected);
  });

  it('rejects each vector with one bit of the signature flipped, and when replayed 16 minutes later', () => {
    for (const v of VECTORS) {
      const flipped = `${v.signature.slice(0, -1)}${v.signature.endsWith('0') ? '1' : '0'}`;
      expect(verifySdkHmacRequest(vectorRequest(v, flipped), vectorOptions(v))).toMatchObject({
        ok: false,
        reason: 'signature-mismatch',
      });
      const later = new Date((parseSdkHmacDate(v.date)?.getTime() ?? 0) + 16 * 60 * 1000);
      expect(verifySdkHmacRequest(vectorRequest(v), vectorOptions(v, later))).toMatchObject({
        ok: false,
        reason: 'stale-date',
      });
    }
  });
});

describe('SDK-HMAC-SHA256 verifier: canonical pieces (expected values written by hand)', () => {
  it('RFC 3986 encodes bytes, keeping only A-Z a-z 0-9 - . _ ~', () => {
    expect(rfc3986EncodeBytes("a b!'()*~+/=&?#%é")).toBe('a%20b%21%27%28%29%2A~%2B%2F%3D%26%3F%23%25%C3%A9');
    expect(rfc3986EncodeBytes(Buffer.from([0xff, 0x00]))).toBe('%FF%00');
  });

  it('canonical URI: each raw segment decoded and re-encoded, trailing slash appended', () => {
    expect(canonicalUriFromRaw('')).toBe('/');
    expect(canonicalUriFromRaw('/')).toBe('/');
    expect(canonicalUriFromRaw('/v3/p/trackers')).toBe('/v3/p/trackers/');
    expect(canonicalUriFromRaw('/v3/p/trackers/')).toBe('/v3/p/trackers/');
    expect(canonicalUriFromRaw("/a%20b/c*d/(x)!'/~y")).toBe('/a%20b/c%2Ad/%28x%29%21%27/~y/');
    expect(canonicalUriFromRaw('/a%2fb/%7e/%C3%BC/ü')).toBe('/a%2Fb/~/%C3%BC/%C3%BC/');
    expect(canonicalUriFromRaw('/a+b/100%')).toBe('/a%2Bb/100%25/');
    // Decoding works on bytes: invalid UTF-8 keeps its octets, a malformed escape stays literal next to valid ones.
    expect(canonicalUriFromRaw('/%FF/a%zz%20b')).toBe('/%FF/a%25zz%20b/');
  });

  it('canonical query: decoded (+ is a space), re-encoded, sorted by key then value', () => {
    expect(canonicalQueryFromRaw('')).toBe('');
    expect(canonicalQueryFromRaw('b=2&a=z&a=y%20x')).toBe('a=y%20x&a=z&b=2');
    expect(canonicalQueryFromRaw('q=a+b*c%7e&flag&&e=')).toBe('e=&flag=&q=a%20b%2Ac~');
    expect(canonicalQueryFromRaw('k%2a=%e6%97%a5&B=1&a=1')).toBe('B=1&a=1&k%2A=%E6%97%A5');
    expect(canonicalQueryFromRaw('x=a%3Db%26c')).toBe('x=a%3Db%26c');
  });

  it('parses the Authorization header and rejects malformed ones', () => {
    expect(
      parseSdkHmacAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host;X-Sdk-Date, Signature=abc'),
    ).toEqual({
      algorithm: 'SDK-HMAC-SHA256',
      access: 'AK',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'abc',
    });
    expect(parseSdkHmacAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host')).toBeUndefined();
    expect(
      parseSdkHmacAuthorization('SDK-HMAC-SHA256 Access=AK, Access=BK, SignedHeaders=host, Signature=a'),
    ).toBeUndefined();
    expect(
      parseSdkHmacAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=a'),
    ).toBeUndefined();
    expect(parseSdkHmacAuthorization('SDK-HMAC-SHA256')).toBeUndefined();
  });

  it('accepts only real UTC times in YYYYMMDDTHHMMSSZ', () => {
    expect(parseSdkHmacDate('20191115T033655Z')?.toISOString()).toBe('2019-11-15T03:36:55.000Z');
    for (const bad of [
      '2019-11-15T03:36:55Z',
      '20191115T033655',
      '20191315T033655Z',
      '20190230T000000Z',
      '20191115T246000Z',
      ' 20191115T033655Z',
    ]) {
      expect(parseSdkHmacDate(bad), bad).toBeUndefined();
    }
  });
});

// Requests signed by the product's signer, sent over real HTTP, verified from what the server received.
describe('SDK-HMAC-SHA256 verifier against the product signer (src/cts/signer.ts)', () => {
  const AK = 'TESTAK0000000000';
  const SK = 'test-secret-key';
  const NOW = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
  const opts: SdkHmacVerifyOptions = { lookupSecret: (ak) => (ak === AK ? SK : undefined), now: NOW };
  let server: Server;
  let base: string;
  let received: SdkHmacReceivedRequest[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  interface SendOptions {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    sk?: string;
    date?: Date;
    /** Send to this URL instead of the signed one. */
    sendUrl?: URL;
    /** Send this body instead of the signed one. */
    sendBody?: string;
  }

  /** Signs with the product signer, sends over HTTP, returns the request as the server received it. */
  async function signAndSend(url: URL, o: SendOptions = {}): Promise<SdkHmacReceivedRequest> {
    const method = o.method ?? 'GET';
    const body = o.body ?? '';
    const headers = signRequest({
      method,
      url,
      headers: o.headers ?? {},
      body,
      ak: AK,
      sk: o.sk ?? SK,
      date: o.date ?? NOW,
    });
    received = [];
    const sendBody = o.sendBody ?? body;
    const response = await fetch(o.sendUrl ?? url, { method, headers, ...(sendBody === '' ? {} : { body: sendBody }) });
    expect(response.status).toBe(204);
    const got = received[0];
    if (!got) throw new Error('server received nothing');
    return got;
  }

  const trickyValues = {
    tracker_name: 'a b*c~d',
    unicode: 'héllo 日本 🚀',
    symbols: "!'()+/=&?#%:@$,;[]",
    empty: '',
    'key with space*~': 'v',
  };

  const cases: Array<{
    name: string;
    url: () => URL;
    send?: SendOptions;
    canonicalQuery?: string;
    canonicalUri?: string;
  }> = [
    {
      name: 'query built like the client (encodeQuery): spaces, *, ~, unicode, reserved characters, empty value',
      url: () => new URL(`${base}/v3/p1/trackers?${encodeQuery(trickyValues)}`),
      canonicalQuery:
        'empty=&key%20with%20space%2A~=v&symbols=%21%27%28%29%2B%2F%3D%26%3F%23%25%3A%40%24%2C%3B%5B%5D' +
        '&tracker_name=a%20b%2Ac~d&unicode=h%C3%A9llo%20%E6%97%A5%E6%9C%AC%20%F0%9F%9A%80',
    },
    {
      name: 'query built with URLSearchParams (space as +, ~ as %7E, * literal)',
      url: () => {
        const url = new URL(`${base}/v3/p1/trackers`);
        for (const [k, v] of Object.entries(trickyValues)) url.searchParams.append(k, v);
        return url;
      },
      canonicalQuery:
        'empty=&key%20with%20space%2A~=v&symbols=%21%27%28%29%2B%2F%3D%26%3F%23%25%3A%40%24%2C%3B%5B%5D' +
        '&tracker_name=a%20b%2Ac~d&unicode=h%C3%A9llo%20%E6%97%A5%E6%9C%AC%20%F0%9F%9A%80',
    },
    {
      name: 'raw query with duplicate keys, lower-case escapes, a bare key and upper/lower-case key order',
      url: () => new URL(`${base}/v3/p1/trackers?b=2&a=z&a=y%20x&A=1&k%2a=%7e&bare&tracker_type=data`),
      canonicalQuery: 'A=1&a=y%20x&a=z&b=2&bare=&k%2A=~&tracker_type=data',
    },
    {
      name: 'path segments needing encoding (encoded like the client builds the project id)',
      url: () => new URL(`${base}/v3/${rfc3986Encode("pr oj*'(ü)~!")}/trackers`),
      canonicalUri: '/v3/pr%20oj%2A%27%28%C3%BC%29~%21/trackers/',
    },
    {
      name: "path written raw (URL leaves * ' ( ) ! : @ $ , ; = literal, encodes space and unicode)",
      url: () => new URL(`${base}/v3/a b*'()!/ü:@$,;=/日本`),
      canonicalUri: '/v3/a%20b%2A%27%28%29%21/%C3%BC%3A%40%24%2C%3B%3D/%E6%97%A5%E6%9C%AC/',
    },
    {
      name: 'an encoded slash inside a segment, and a path ending with /',
      url: () => new URL(`${base}/v3/a%2Fb%2fc/tracker/`),
      canonicalUri: '/v3/a%2Fb%2Fc/tracker/',
    },
    {
      name: 'POST with a JSON body containing unicode, Content-Type and X-Project-Id signed, an underscore header sent unsigned',
      url: () => new URL(`${base}/v3/p1/tracker`),
      send: {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': 'p1', X_Custom: 'ignored' },
        body: '{"tracker_name":"ü 日本","data_bucket":{"data_event":["READ"]},"n":1}\n',
      },
    },
    {
      name: 'DELETE with an empty body and a security token',
      url: () => new URL(`${base}/v3/p1/trackers?tracker_name=t1&tracker_type=data`),
      send: { method: 'DELETE', headers: { 'X-Security-Token': 'tok/en+==' } },
    },
  ];

  for (const c of cases) {
    it(`accepts: ${c.name}`, async () => {
      const req = await signAndSend(c.url(), c.send);
      const result = verifySdkHmacRequest(req, opts);
      if (!result.ok) throw new Error(`${result.reason}: ${result.message}\n${result.canonicalRequest ?? ''}`);
      const lines = result.canonicalRequest.split('\n');
      if (c.canonicalUri !== undefined) expect(lines[1]).toBe(c.canonicalUri);
      if (c.canonicalQuery !== undefined) expect(lines[2]).toBe(c.canonicalQuery);
      expect(lines[lines.length - 1]).toBe(createHash('sha256').update(req.body).digest('hex'));
      expect(result.signedHeaders).toContain('host');
      expect(result.signedHeaders).toContain('x-sdk-date');
      expect(result.signedHeaders.some((h) => h.includes('_'))).toBe(false);
    });
  }

  it('hashes an empty body to the well-known value', async () => {
    const req = await signAndSend(new URL(`${base}/v3/p1/trackers`));
    const result = verifySdkHmacRequest(req, opts);
    expect(result.ok).toBe(true);
    expect(result.canonicalRequest?.endsWith(`\n${EMPTY_HASH}`)).toBe(true);
  });

  it('rejects a body changed after signing', async () => {
    const url = new URL(`${base}/v3/p1/tracker`);
    const req = await signAndSend(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"tracker_name":"a"}',
      sendBody: '{"tracker_name":"b"}',
    });
    expect(verifySdkHmacRequest(req, opts)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    // Whitespace is part of the body bytes too.
    const spaced = await signAndSend(url, { method: 'POST', body: '{"a":1}', sendBody: '{"a":1} ' });
    expect(verifySdkHmacRequest(spaced, opts)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects a query changed after signing (value, added parameter, or a different encoding of a different value)', async () => {
    const url = new URL(`${base}/v3/p1/trackers?tracker_name=a%20b&tracker_type=data`);
    for (const tampered of [
      '?tracker_name=a%20c&tracker_type=data',
      '?tracker_name=a%20b&tracker_type=data&x=1',
      '?tracker_name=a%2Bb&tracker_type=data',
    ]) {
      const req = await signAndSend(url, { sendUrl: new URL(tampered, url) });
      expect(verifySdkHmacRequest(req, opts), tampered).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    }
    // The same values, differently (but equivalently) encoded, still verify.
    const same = await signAndSend(url, { sendUrl: new URL('?tracker_type=data&tracker_name=a+b', url) });
    expect(verifySdkHmacRequest(same, opts).ok).toBe(true);
  });

  it('rejects a path changed after signing', async () => {
    const url = new URL(`${base}/v3/p1/trackers`);
    const req = await signAndSend(url, { sendUrl: new URL(`${base}/v3/p2/trackers`) });
    expect(verifySdkHmacRequest(req, opts)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects a wrong SK and an unknown AK', async () => {
    const url = new URL(`${base}/v3/p1/trackers`);
    const wrong = await signAndSend(url, { sk: 'not-the-secret' });
    expect(verifySdkHmacRequest(wrong, opts)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    const good = await signAndSend(url);
    expect(verifySdkHmacRequest(good, { ...opts, lookupSecret: () => undefined })).toMatchObject({
      ok: false,
      reason: 'unknown-access-key',
    });
  });

  it('rejects a date more than 15 minutes from the server clock, either way, and accepts one within', async () => {
    const url = new URL(`${base}/v3/p1/trackers`);
    for (const offsetMin of [-16, 16]) {
      const req = await signAndSend(url, { date: new Date(NOW.getTime() + offsetMin * 60 * 1000) });
      expect(verifySdkHmacRequest(req, opts), `${offsetMin} min`).toMatchObject({ ok: false, reason: 'stale-date' });
    }
    const recent = await signAndSend(url, { date: new Date(NOW.getTime() - 14 * 60 * 1000) });
    expect(verifySdkHmacRequest(recent, opts).ok).toBe(true);
  });

  it('rejects a changed X-Sdk-Date or signed header, a missing or malformed Authorization, and host/x-sdk-date not signed', async () => {
    const req = await signAndSend(new URL(`${base}/v3/p1/trackers`), { headers: { 'X-Project-Id': 'p1' } });
    expect(verifySdkHmacRequest(req, opts).ok).toBe(true);
    const withHeaders = (headers: Record<string, string | undefined>): SdkHmacReceivedRequest => ({
      ...req,
      headers: { ...req.headers, ...headers },
    });
    const auth = String(req.headers['authorization']);
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ 'x-sdk-date': '20240506T070810Z' }, 'signature-mismatch'],
      [{ 'x-project-id': 'p2' }, 'signature-mismatch'],
      [{ 'x-project-id': undefined }, 'missing-signed-header'],
      [{ 'x-sdk-date': undefined }, 'missing-date'],
      [{ 'x-sdk-date': '2024-05-06T07:08:09Z' }, 'malformed-date'],
      [{ authorization: undefined }, 'missing-authorization'],
      [{ authorization: auth.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SHA1') }, 'malformed-authorization'],
      [{ authorization: auth.replace(/, Signature=\w+/, '') }, 'malformed-authorization'],
      [{ authorization: auth.replace('SignedHeaders=host;', 'SignedHeaders=') }, 'required-header-unsigned'],
      [{ authorization: auth.replace(';x-sdk-date', '') }, 'required-header-unsigned'],
    ];
    for (const [headers, reason] of cases) {
      expect(verifySdkHmacRequest(withHeaders(headers), opts), JSON.stringify(headers)).toMatchObject({
        ok: false,
        reason,
      });
    }
  });
});
