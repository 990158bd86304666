import { createSign, type KeyObject } from 'node:crypto';

// A minimal DER encoder: just what a self-signed X.509 v3 certificate needs (node:crypto reads certificates but
// cannot make them, and the sandbox must not need openssl or a new dependency).

/** DER length octets. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: tag, length, content. */
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const nullValue = () => tlv(0x05, Buffer.alloc(0));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));

/** A positive INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  return tlv(0x02, b[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (years 1950–2049) or GeneralizedTime, as RFC 5280 asks. */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString(); // 2026-12-03T20:05:47.123Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20261203200547
  const year = Number(iso.slice(0, 4));
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

/**
 * A self-signed X.509 v3 certificate (PEM) for an RSA key pair, signed with SHA-256 (PKCS#1 v1.5), whose subject and
 * issuer are `CN=<commonName>`, valid from `notBefore` to `notAfter` (epoch ms).
 */
export function selfSignedCertificate(opts: {
  publicKey: KeyObject;
  privateKey: KeyObject;
  commonName: string;
  serial: Buffer;
  notBefore: number;
  notAfter: number;
}): string {
  const algorithm = sequence(oid(SHA256_WITH_RSA), nullValue());
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8(opts.commonName))));
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // [0] EXPLICIT version: v3
    integer(opts.serial),
    algorithm,
    name,
    sequence(time(opts.notBefore), time(opts.notAfter)),
    name,
    opts.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = createSign('sha256').update(tbs).sign(opts.privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
