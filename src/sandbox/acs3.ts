/**
 * ACS3-HMAC-SHA256 (Alibaba Cloud signature v3) canonicalisation, signing and verification.
 *
 * Test-side code: the DMS emulator uses it to check that requests are signed the way the real gateway expects, and tests
 * use it to sign hand-built requests. Written from the rules in /work/shared/reference/dms.md.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The only algorithm this module understands. */
export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** hex(sha256('')): the payload hash of an empty body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Largest accepted distance between `x-acs-date` and the verifier's clock. */
export const ACS3_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Headers as Node exposes them (lower-case names; repeated headers as arrays). */
export type Acs3Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Query given either raw (as on the wire, without the leading `?`), as decoded pairs, or as a decoded map. */
export type Acs3Query = string | ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** Why a request was rejected; the names are the gateway's error codes. */
export type Acs3FailureCode =
  | 'IncompleteSignature'
  | 'SignatureDoesNotMatch'
  | 'InvalidAccessKeyId.NotFound'
  | 'InvalidTimeStamp.Expired'
  | 'InvalidTimeStamp.Format';

/** HTTP status the gateway answers with for each failure code. */
export const ACS3_FAILURE_STATUS: Readonly<Record<Acs3FailureCode, number>> = {
  IncompleteSignature: 400,
  SignatureDoesNotMatch: 400,
  'InvalidAccessKeyId.NotFound': 404,
  'InvalidTimeStamp.Expired': 400,
  'InvalidTimeStamp.Format': 400,
};

/** Headers that every ACS3 RPC request must carry and sign. */
const REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-content-sha256',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-version',
] as const;

/** Percent-encodes a string per RFC 3986 (unreserved characters `A-Za-z0-9-_.~` stay; `!'()*` are escaped too). */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes one query/form component: `+` means space, malformed escapes are kept literally. */
export function decodeComponent(value: string): string {
  const spaced = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed percent sequence: decode the valid escapes one by one and keep the rest as-is.
    return spaced.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Splits a raw query string (no leading `?`) into decoded name/value pairs, in wire order. */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return pairs;
}

function queryPairs(query: Acs3Query): Array<readonly [string, string]> {
  if (typeof query === 'string') return parseRawQuery(query.startsWith('?') ? query.slice(1) : query);
  if (Array.isArray(query)) return [...(query as ReadonlyArray<readonly [string, string]>)];
  return Object.entries(query as Readonly<Record<string, string>>);
}

/** Builds the canonical query string: decoded pairs re-encoded with RFC 3986 and sorted by name (then value). */
export function canonicalQueryString(query: Acs3Query): string {
  const encoded = queryPairs(query).map(([n, v]) => [rfc3986Encode(n), rfc3986Encode(v)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Returns a header's value as the canonical form signs it (trimmed; repeated values trimmed, sorted, comma-joined). */
export function headerValue(headers: Acs3Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  let found: string | readonly string[] | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower && value !== undefined) {
      found = value;
      break;
    }
  }
  if (found === undefined) return undefined;
  if (typeof found === 'string') return found.trim();
  return [...found]
    .map((v) => v.trim())
    .sort()
    .join(',');
}

/** Normalises a SignedHeaders list: lower-case, de-duplicated, sorted. */
export function normaliseSignedHeaders(signedHeaders: readonly string[]): string[] {
  return [...new Set(signedHeaders.map((h) => h.trim().toLowerCase()).filter((h) => h !== ''))].sort();
}

/** Input to {@link canonicalizeAcs3}. */
export interface Acs3CanonicalInput {
  method: string;
  /** Request path without the query, e.g. `/`. */
  path: string;
  query: Acs3Query;
  headers: Acs3Headers;
  /** Names of the headers to sign (any case/order; normalised here). */
  signedHeaders: readonly string[];
  /** hex sha256 of the body, i.e. the `x-acs-content-sha256` value. */
  hashedPayload: string;
}

/** Builds the ACS3 canonical request `METHOD\n/path\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`. */
export function canonicalizeAcs3(input: Acs3CanonicalInput): string {
  const signed = normaliseSignedHeaders(input.signedHeaders);
  const canonicalHeaders = signed.map((name) => `${name}:${headerValue(input.headers, name) ?? ''}\n`).join('');
  return [
    input.method.toUpperCase(),
    input.path === '' ? '/' : input.path,
    canonicalQueryString(input.query),
    canonicalHeaders,
    signed.join(';'),
    input.hashedPayload,
  ].join('\n');
}

/** hex(sha256(data)). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The string to sign for a canonical request: `ACS3-HMAC-SHA256\n` + hex(sha256(canonicalRequest)). */
export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** hex(HMAC-SHA256(secret, stringToSign)). */
export function acs3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** Parsed `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header. */
export interface Acs3Authorization {
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an ACS3 Authorization header; undefined when it is missing a part. */
export function parseAcs3Authorization(header: string | undefined): Acs3Authorization | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space <= 0) return undefined;
  const algorithm = trimmed.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) return undefined;
  return { algorithm, credential, signedHeaders: signedHeaders.split(';'), signature };
}

/** Input to {@link signAcs3Request}. */
export interface Acs3SignInput {
  method: string;
  path: string;
  query: Acs3Query;
  /** Headers to send; `x-acs-content-sha256` is filled in from the body if absent. */
  headers: Record<string, string>;
  body: string | Uint8Array;
  accessKeyId: string;
  accessKeySecret: string;
}

/** Signs a request like the SDK does (signs host, content-type and every x-acs-* header); returns the headers to send. */
export function signAcs3Request(input: Acs3SignInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers['x-acs-content-sha256'] ??= sha256Hex(input.body);
  const signed = Object.keys(headers).filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'));
  const canonical = canonicalizeAcs3({
    method: input.method,
    path: input.path,
    query: input.query,
    headers,
    signedHeaders: signed,
    hashedPayload: headers['x-acs-content-sha256'],
  });
  const signature = acs3Signature(input.accessKeySecret, acs3StringToSign(canonical));
  headers['authorization'] =
    `${ACS3_ALGORITHM} Credential=${input.accessKeyId},SignedHeaders=${normaliseSignedHeaders(signed).join(';')},Signature=${signature}`;
  return headers;
}

/** A request as received by a server. */
export interface Acs3ReceivedRequest {
  method: string;
  /** Request target as received, e.g. `/` or `/?a=b%20c`. */
  url: string;
  headers: Acs3Headers;
  /** Raw body bytes (after transfer decoding). */
  body: Uint8Array;
}

/** How {@link verifyAcs3Request} looks up secrets and time. */
export interface Acs3VerifyOptions {
  /** Returns the secret for an AccessKey id, or undefined if the id is unknown. */
  lookupSecret: (accessKeyId: string) => string | undefined;
  /** The verifier's clock, ms since the epoch. */
  now: number;
  /** Allowed |x-acs-date - now|; default 15 minutes. */
  maxSkewMs?: number;
}

/** Outcome of {@link verifyAcs3Request}. */
export type Acs3VerifyResult =
  | { ok: true; accessKeyId: string; signedHeaders: string[]; canonicalRequest: string; stringToSign: string }
  | {
      ok: false;
      code: Acs3FailureCode;
      httpStatus: number;
      message: string;
      accessKeyId?: string;
      canonicalRequest?: string;
      stringToSign?: string;
    };

function fail(
  code: Acs3FailureCode,
  message: string,
  extra: { accessKeyId?: string; canonicalRequest?: string; stringToSign?: string } = {},
): Acs3VerifyResult {
  return { ok: false, code, httpStatus: ACS3_FAILURE_STATUS[code], message, ...extra };
}

/** Parses `yyyy-MM-ddTHH:mm:ssZ` (UTC) to ms since the epoch; undefined if malformed. */
export function parseAcsDate(value: string): number | undefined {
  return utcFromMatch(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(value));
}

/** ms since the epoch from a match of (year, month, day, hour, minute, second); undefined for impossible dates. */
export function utcFromMatch(m: RegExpExecArray | null): number | undefined {
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** Constant-time comparison of two hex signatures (case-insensitive). */
export function signaturesEqual(expectedHex: string, receivedHex: string): boolean {
  const a = Buffer.from(expectedHex.toLowerCase(), 'utf8');
  const b = Buffer.from(receivedHex.toLowerCase(), 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a); // keep the timing roughly independent of where the inputs differ
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * Verifies an ACS3-HMAC-SHA256 signed request: Authorization present and well-formed, AccessKey known, the required
 * headers (host, x-acs-action/-version/-date/-signature-nonce/-content-sha256) present and signed, every other x-acs-*
 * header and content-type signed, x-acs-date within 15 minutes, x-acs-content-sha256 equal to sha256(body), and the
 * signature recomputed from the received SignedHeaders list equal to the one sent.
 */
export function verifyAcs3Request(req: Acs3ReceivedRequest, opts: Acs3VerifyOptions): Acs3VerifyResult {
  const auth = parseAcs3Authorization(headerValue(req.headers, 'authorization'));
  if (!auth) {
    return fail(
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards: missing or malformed Authorization header.',
    );
  }
  if (auth.algorithm !== ACS3_ALGORITHM) {
    return fail(
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards: unsupported algorithm "${auth.algorithm}".`,
    );
  }
  const accessKeyId = auth.credential;
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) {
    return fail('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', { accessKeyId });
  }
  const signed = normaliseSignedHeaders(auth.signedHeaders);
  for (const name of REQUIRED_SIGNED_HEADERS) {
    if (headerValue(req.headers, name) === undefined) {
      return fail(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header "${name}" is missing.`,
        { accessKeyId },
      );
    }
    if (!signed.includes(name)) {
      return fail(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header "${name}" is not signed.`,
        { accessKeyId },
      );
    }
  }
  for (const name of Object.keys(req.headers)) {
    const lower = name.toLowerCase();
    if ((lower.startsWith('x-acs-') || lower === 'content-type') && !signed.includes(lower)) {
      return fail(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: header "${lower}" is not signed.`,
        { accessKeyId },
      );
    }
  }
  for (const name of signed) {
    if (headerValue(req.headers, name) === undefined) {
      return fail(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: signed header "${name}" is missing.`,
        { accessKeyId },
      );
    }
  }
  const date = headerValue(req.headers, 'x-acs-date') ?? '';
  const dateMs = parseAcsDate(date);
  if (dateMs === undefined) {
    return fail('InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted: "${date}".`, {
      accessKeyId,
    });
  }
  if (Math.abs(dateMs - opts.now) > (opts.maxSkewMs ?? ACS3_MAX_CLOCK_SKEW_MS)) {
    return fail('InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: "${date}".`, {
      accessKeyId,
    });
  }
  const declaredHash = headerValue(req.headers, 'x-acs-content-sha256') ?? '';
  const actualHash = sha256Hex(req.body);
  if (declaredHash.toLowerCase() !== actualHash) {
    return fail(
      'SignatureDoesNotMatch',
      `The x-acs-content-sha256 header (${declaredHash}) does not match the sha256 of the request body (${actualHash}).`,
      { accessKeyId },
    );
  }
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const rawQuery = q === -1 ? '' : req.url.slice(q + 1);
  const canonicalRequest = canonicalizeAcs3({
    method: req.method,
    path,
    query: rawQuery,
    headers: req.headers,
    signedHeaders: signed,
    hashedPayload: declaredHash,
  });
  const stringToSign = acs3StringToSign(canonicalRequest);
  const expected = acs3Signature(secret, stringToSign);
  if (!signaturesEqual(expected, auth.signature)) {
    return fail(
      'SignatureDoesNotMatch',
      `The request signature does not conform to Aliyun standards. server string to sign is:${stringToSign}`,
      {
        accessKeyId,
        canonicalRequest,
        stringToSign,
      },
    );
  }
  return { ok: true, accessKeyId, signedHeaders: signed, canonicalRequest, stringToSign };
}
