import { createVerify, type X509Certificate } from 'node:crypto';
import { type SmnMessage, stringToSign } from './smn-message.js';

// Regions whose Huawei Cloud hosts are not under myhuaweicloud.com (as src/cts/endpoint.ts).
const HOST_EXCEPTIONS: Readonly<Record<string, string>> = { 'eu-west-101': 'myhuaweicloud.eu' };
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** The SMN host of a Huawei Cloud region, e.g. `smn.cn-north-4.myhuaweicloud.com`. */
export function smnHost(region: string): string {
  if (!REGION.test(region)) throw new Error('not a Huawei Cloud region id');
  return `smn.${region}.${HOST_EXCEPTIONS[region] ?? 'myhuaweicloud.com'}`;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Accepts a URL only when it is `https://` on the default port, without credentials, and its host is exactly the SMN
 * host of one of `regions` (no suffix match: `smn.evil.com`, `evil-myhuaweicloud.com`, an IP literal, a trailing dot
 * or another port are all refused). What it accepts is what is fetched: the caller uses the returned URL.
 */
export function checkSmnUrl(raw: string, regions: readonly string[]): UrlCheck {
  const no = (reason: string): UrlCheck => ({ ok: false, reason });
  if (raw.length > 2048) return no('too long');
  // Anything a URL parser would quietly fix up (spaces, backslashes, control characters) is refused instead.
  if (/[\s\\\u0000-\u001f\u007f]/.test(raw)) return no('contains characters a URL may not');
  // Spelled out as https://host: the parser would also read `https:host` or `https:///host` as that host.
  if (!/^https:\/\/[^/]/i.test(raw)) return no('not https');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return no('not a URL');
  }
  if (url.protocol !== 'https:') return no('not https');
  if (url.username !== '' || url.password !== '') return no('carries credentials');
  if (url.port !== '') return no('names a port');
  const allowed = new Set(regions.filter((r) => REGION.test(r)).map(smnHost));
  if (!allowed.has(url.hostname)) return no('host is not the SMN host of a configured region');
  return { ok: true, url };
}

// DER tags, and the signature algorithms a certificate may name (OID → hash).
const SEQUENCE = 0x30;
const OID = 0x06;
const RSA_HASHES: Readonly<Record<string, string>> = {
  '2a864886f70d01010b': 'sha256', // sha256WithRSAEncryption
  '2a864886f70d01010c': 'sha384',
  '2a864886f70d01010d': 'sha512',
};

/** Reads one DER element at `at`: its tag, where its content starts and ends. */
function derElement(der: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/**
 * The hash of the certificate's own RSA signature algorithm (what Java's sample uses), when it is SHA-256, -384 or
 * -512; otherwise SHA-256 (the Go sample's choice). SHA-1 is never used.
 */
export function certificateHash(cert: X509Certificate): string {
  try {
    const der = new Uint8Array(cert.raw);
    const outer = derElement(der, 0);
    if (outer.tag !== SEQUENCE) return 'sha256';
    const tbs = derElement(der, outer.start);
    const alg = derElement(der, tbs.end);
    if (alg.tag !== SEQUENCE) return 'sha256';
    const oid = derElement(der, alg.start);
    if (oid.tag !== OID) return 'sha256';
    return RSA_HASHES[Buffer.from(der.subarray(oid.start, oid.end)).toString('hex')] ?? 'sha256';
  } catch {
    return 'sha256';
  }
}

/**
 * True when `m.signature` is an RSA PKCS#1 v1.5 signature of the message's string to sign by the certificate's key,
 * and the certificate is valid at `now`. Never throws.
 */
export function verifySmnSignature(m: SmnMessage, cert: X509Certificate, now: number): boolean {
  try {
    if (cert.publicKey.asymmetricKeyType !== 'rsa') return false;
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return false;
    const verifier = createVerify(certificateHash(cert));
    verifier.update(stringToSign(m), 'utf8');
    return verifier.verify(cert.publicKey, Buffer.from(m.signature, 'base64'));
  } catch {
    return false;
  }
}
