/**
 * SDK-HMAC-SHA256 (Huawei Cloud API gateway AK/SK signature) verification, written from the rules in
 * /work/shared/reference/cts.md ("AK/SK signing (SDK-HMAC-SHA256)") and deliberately independent of the product's
 * signer (`src/cts/signer.ts`): nothing here is imported from `src/`, so a canonicalisation bug in the signer is not
 * silently repeated by the verifier. The CTS emulator uses it to judge requests the way the real gateway would.
 *
 * Everything is rebuilt from what was received: the raw request target (path and query as on the wire), the received
 * headers and the raw body bytes. Percent-decoding and RFC 3986 encoding work on bytes (not on JS strings), so any
 * received octet has exactly one canonical form.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The algorithm name in `Authorization` and in the first line of the string to sign. */
export const SDK_HMAC_ALGORITHM = 'SDK-HMAC-SHA256';

/** Largest accepted distance between `X-Sdk-Date` and the verifier's clock (15 minutes). */
export const SDK_HMAC_MAX_SKEW_MS = 15 * 60 * 1000;

/** Headers every request must both send and sign. */
export const SDK_HMAC_REQUIRED_SIGNED_HEADERS: readonly string[] = ['host', 'x-sdk-date'];

/** Headers as a server receives them (any name case; repeated headers possibly as arrays). */
export type SdkHmacHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Why a request was rejected, in the order the checks run. */
export type SdkHmacFailureReason =
  | 'missing-authorization'
  | 'malformed-authorization'
  | 'unknown-access-key'
  | 'missing-date'
  | 'malformed-date'
  | 'stale-date'
  | 'required-header-unsigned'
  | 'missing-signed-header'
  | 'signature-mismatch';

/** A parsed `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header. */
export interface SdkHmacAuthorization {
  algorithm: string;
  access: string;
  /** As listed in the header, lower-cased, in the order given. */
  signedHeaders: string[];
  signature: string;
}

/** A request as a server received it. */
export interface SdkHmacReceivedRequest {
  method: string;
  /** Request target as received (Node's `req.url`), e.g. `/v3/p/trackers?tracker_name=a%20b`. */
  url: string;
  headers: SdkHmacHeaders;
  /** Raw body bytes; empty for no body. */
  body: Uint8Array;
}

/** How {@link verifySdkHmacRequest} finds secrets and the time. */
export interface SdkHmacVerifyOptions {
  /** Returns the SK for an AK, or undefined when the AK is unknown. */
  lookupSecret: (access: string) => string | undefined;
  /** The verifier's clock. */
  now: Date;
  /** Allowed |X-Sdk-Date - now|; default {@link SDK_HMAC_MAX_SKEW_MS}. */
  maxSkewMs?: number;
}

/** Outcome of {@link verifySdkHmacRequest}; the canonical request and string to sign are given once they were built. */
export type SdkHmacVerifyResult =
  | { ok: true; access: string; signedHeaders: string[]; canonicalRequest: string; stringToSign: string }
  | {
      ok: false;
      reason: SdkHmacFailureReason;
      message: string;
      access?: string;
      canonicalRequest?: string;
      stringToSign?: string;
    };

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

function isHexDigit(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/** Percent-decodes to bytes: each `%XX` becomes one octet, a `%` not followed by two hex digits stays literal. */
export function percentDecodeBytes(text: string, plusIsSpace: boolean): Buffer {
  const src = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < src.length; i += 1) {
    const byte = src[i] as number;
    if (byte === 0x25 && isHexDigit(src[i + 1]) && isHexDigit(src[i + 2])) {
      out.push(Number.parseInt(String.fromCharCode(src[i + 1] as number, src[i + 2] as number), 16));
      i += 2;
    } else if (plusIsSpace && byte === 0x2b) {
      out.push(0x20);
    } else {
      out.push(byte);
    }
  }
  return Buffer.from(out);
}

/** RFC 3986 encodes bytes (a string is taken as UTF-8): only `A-Z a-z 0-9 - . _ ~` stay, the rest become `%XX` (upper case). */
export function rfc3986EncodeBytes(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let out = '';
  for (const byte of bytes) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Canonical URI from the raw path: split on `/`, each segment decoded then RFC 3986 encoded, a trailing `/` appended if missing. */
export function canonicalUriFromRaw(rawPath: string): string {
  const joined = rawPath
    .split('/')
    .map((segment) => rfc3986EncodeBytes(percentDecodeBytes(segment, false)))
    .join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

/** Canonical query from the raw query (no `?`): pairs decoded (`+` is a space) and re-encoded, sorted by key then value, `k=v` joined by `&`. */
export function canonicalQueryFromRaw(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([
      rfc3986EncodeBytes(percentDecodeBytes(key, true)),
      rfc3986EncodeBytes(percentDecodeBytes(value, true)),
    ]);
  }
  // Encoded strings are pure ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A received header's value by case-insensitive name (repeated values comma-joined); undefined when absent. */
export function receivedHeader(headers: SdkHmacHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}

/** Builds the six-line canonical request from a received request and the SignedHeaders list; throws if a signed header is absent. */
export function canonicalRequestFromReceived(req: SdkHmacReceivedRequest, signedHeaders: readonly string[]): string {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQuery = q === -1 ? '' : req.url.slice(q + 1);
  const names = signedHeaders.map((n) => n.toLowerCase()).sort();
  let headerBlock = '';
  for (const name of names) {
    const value = receivedHeader(req.headers, name);
    if (value === undefined) throw new Error(`signed header "${name}" was not received`);
    headerBlock += `${name}:${value.trim()}\n`;
  }
  return [
    req.method.toUpperCase(),
    canonicalUriFromRaw(rawPath),
    canonicalQueryFromRaw(rawQuery),
    headerBlock,
    names.join(';'),
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
}

/** The string to sign: `SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex sha256(canonical request)}`. */
export function sdkHmacStringToSign(sdkDate: string, canonicalRequest: string): string {
  return `${SDK_HMAC_ALGORITHM}\n${sdkDate}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
}

/** hex(HMAC-SHA256(SK, string to sign)); no key derivation. */
export function sdkHmacSignature(sk: string, stringToSign: string): string {
  return createHmac('sha256', sk).update(stringToSign, 'utf8').digest('hex');
}

/** Parses an `Authorization` header of the form `ALG Access=..., SignedHeaders=a;b, Signature=...`; undefined when malformed. */
export function parseSdkHmacAuthorization(value: string): SdkHmacAuthorization | undefined {
  const m = /^\s*(\S+)\s+(\S[\s\S]*?)\s*$/.exec(value);
  if (!m) return undefined;
  const algorithm = m[1] as string;
  const fields = new Map<string, string>();
  for (const part of (m[2] as string).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const key = part.slice(0, eq).trim();
    const fieldValue = part.slice(eq + 1).trim();
    if (!['Access', 'SignedHeaders', 'Signature'].includes(key) || fields.has(key) || fieldValue === '')
      return undefined;
    fields.set(key, fieldValue);
  }
  const access = fields.get('Access');
  const signedList = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (access === undefined || signedList === undefined || signature === undefined) return undefined;
  const signedHeaders = signedList.split(';').map((n) => n.trim().toLowerCase());
  if (signedHeaders.some((n) => !HEADER_TOKEN.test(n))) return undefined;
  return { algorithm, access, signedHeaders, signature };
}

/** Parses `X-Sdk-Date` (UTC `YYYYMMDDTHHMMSSZ`, a real calendar time) to a Date; undefined when malformed. */
export function parseSdkHmacDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCDate() === day && date.getUTCMonth() === month - 1 ? date : undefined;
}

/** Constant-time string equality (compares fixed-length digests, so neither content nor length leaks through timing). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

function fail(
  reason: SdkHmacFailureReason,
  message: string,
  extra: { access?: string; canonicalRequest?: string; stringToSign?: string } = {},
): SdkHmacVerifyResult {
  return { ok: false, reason, message, ...extra };
}

/** Verifies an SDK-HMAC-SHA256 signed request as received (Authorization, AK, X-Sdk-Date, signed headers, signature). */
export function verifySdkHmacRequest(req: SdkHmacReceivedRequest, opts: SdkHmacVerifyOptions): SdkHmacVerifyResult {
  const header = receivedHeader(req.headers, 'authorization');
  if (header === undefined) return fail('missing-authorization', 'Authorization header not found');
  const auth = parseSdkHmacAuthorization(header);
  if (!auth)
    return fail('malformed-authorization', 'Authorization header is not Access=..., SignedHeaders=..., Signature=...');
  if (auth.algorithm !== SDK_HMAC_ALGORITHM) {
    return fail('malformed-authorization', `unsupported signing algorithm "${auth.algorithm}"`);
  }
  const { access } = auth;
  const sk = opts.lookupSecret(access);
  if (sk === undefined) return fail('unknown-access-key', `unknown access key "${access}"`, { access });

  const sdkDate = receivedHeader(req.headers, 'x-sdk-date');
  if (sdkDate === undefined) return fail('missing-date', 'X-Sdk-Date header is missing', { access });
  const signedAt = parseSdkHmacDate(sdkDate.trim());
  if (!signedAt) return fail('malformed-date', `X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHMMSSZ`, { access });
  const skew = Math.abs(opts.now.getTime() - signedAt.getTime());
  if (skew > (opts.maxSkewMs ?? SDK_HMAC_MAX_SKEW_MS)) {
    return fail('stale-date', `X-Sdk-Date "${sdkDate}" is ${Math.round(skew / 1000)} s away from the server clock`, {
      access,
    });
  }

  for (const name of SDK_HMAC_REQUIRED_SIGNED_HEADERS) {
    if (!auth.signedHeaders.includes(name))
      return fail('required-header-unsigned', `header "${name}" must be signed`, { access });
  }
  for (const name of auth.signedHeaders) {
    // The gateway drops header names containing `_`, so such a header can never be verified.
    if (name.includes('_') || receivedHeader(req.headers, name) === undefined) {
      return fail('missing-signed-header', `signed header "${name}" was not received`, { access });
    }
  }

  const canonicalRequest = canonicalRequestFromReceived(req, auth.signedHeaders);
  const stringToSign = sdkHmacStringToSign(sdkDate.trim(), canonicalRequest);
  const expected = sdkHmacSignature(sk, stringToSign);
  if (!constantTimeEqual(expected, auth.signature)) {
    return fail('signature-mismatch', 'verify aksk signature fail', { access, canonicalRequest, stringToSign });
  }
  return { ok: true, access, signedHeaders: [...auth.signedHeaders].sort(), canonicalRequest, stringToSign };
}
