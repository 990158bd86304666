import { createHash, createHmac } from 'node:crypto';

/** The algorithm name Huawei Cloud's API gateway expects in `Authorization` and the string to sign. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** Hex SHA-256 of the exact bytes given (a string is taken as UTF-8). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Formats a date as `X-Sdk-Date` wants it: UTC `YYYYMMDDTHHMMSSZ`. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses an `X-Sdk-Date` value back to a Date; undefined when it is not exactly `YYYYMMDDTHHMMSSZ`. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` is encoded. */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A stray `%` is not an escape: sign the literal text, as the gateway would see it.
    return value;
  }
}

/** Canonical URI: each segment of the path (as sent) decoded then RFC 3986 encoded, always ending with `/`. */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => rfc3986Encode(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Canonical query: decoded pairs re-encoded, sorted by key then value, joined `k=v&...`; empty when there are none. */
export function canonicalQuery(params: Iterable<[string, string]>): string {
  const pairs = [...params].map(([k, v]) => [rfc3986Encode(k), rfc3986Encode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak === bk ? compare(av, bv) : compare(ak, bk)));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Builds a query string the way `canonicalQuery` encodes it, so what is sent is exactly what is signed. */
export function encodeQuery(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => `${rfc3986Encode(k)}=${rfc3986Encode(v)}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lower-cases header names; later duplicates (by case-insensitive name) win. */
export function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Inputs to the canonical request; `headers` must have lower-case names and hold every signed header. */
export interface CanonicalRequestParts {
  method: string;
  /** The path exactly as sent on the wire (without the query). */
  path: string;
  /** Decoded query pairs. */
  query: Iterable<[string, string]>;
  headers: Record<string, string>;
  /** Lower-case names of the signed headers; sorted here. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the exact body bytes. */
  bodyHash: string;
}

/** The six-line canonical request of SDK-HMAC-SHA256. Throws when a signed header is absent. */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  const names = [...parts.signedHeaders].sort(compare);
  const canonicalHeaders = names
    .map((name) => {
      const value = parts.headers[name];
      if (value === undefined) throw new Error(`signed header ${name} is missing`);
      return `${name}:${value.trim()}\n`;
    })
    .join('');
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.path),
    canonicalQuery(parts.query),
    canonicalHeaders,
    names.join(';'),
    parts.bodyHash,
  ].join('\n');
}

/** The string to sign: algorithm, `X-Sdk-Date` value and hex SHA-256 of the canonical request, one per line. */
export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

/** Hex HMAC-SHA256 of the string to sign keyed by the SK (no key derivation). */
export function computeSignature(sk: string, toSign: string): string {
  return createHmac('sha256', sk).update(toSign).digest('hex');
}

/** The pieces of an `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header. */
export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an SDK-HMAC-SHA256 `Authorization` header; undefined when it is not one. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const prefix = `${SIGNING_ALGORITHM} `;
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!access || !signedHeaders || !signature) return undefined;
  return { access, signedHeaders: signedHeaders.split(';'), signature };
}

/** What `signRequest` needs: the full URL as it will be sent, the headers to send and sign, and the exact body. */
export interface SignRequestInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | Uint8Array;
  ak: string;
  sk: string;
  /** Signing time; defaults to now. */
  date?: Date;
}

/**
 * Signs a request with SDK-HMAC-SHA256 and returns the headers to send: the given ones plus `Host`, `X-Sdk-Date`
 * and `Authorization`. Every given header is signed except names containing `_` (the gateway drops those).
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const sdkDate = formatSdkDate(input.date ?? new Date());
  const toSend: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'host' && lower !== 'x-sdk-date' && lower !== 'authorization') toSend[name] = value;
  }
  toSend['Host'] = input.url.host;
  toSend['X-Sdk-Date'] = sdkDate;

  const lower = lowerCaseHeaders(toSend);
  const signedHeaders = Object.keys(lower).filter((name) => !name.includes('_'));
  const canonical = canonicalRequest({
    method: input.method,
    path: input.url.pathname,
    query: input.url.searchParams,
    headers: lower,
    signedHeaders,
    bodyHash: sha256Hex(input.body),
  });
  const signature = computeSignature(input.sk, stringToSign(sdkDate, canonical));
  toSend['Authorization'] =
    `${SIGNING_ALGORITHM} Access=${input.ak}, SignedHeaders=${[...signedHeaders].sort(compare).join(';')}, Signature=${signature}`;
  return toSend;
}
