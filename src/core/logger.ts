import { type DestinationStream, type Logger, pino } from 'pino';
import { SECRET_PARAM } from '../../blocks/kit/secret-params.js';

/** Every log path that may carry a secret; pino replaces these with "[redacted]". */
export const redactPaths = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'accessKeyId',
  'accessKeySecret',
  'securityToken',
  'ak',
  'sk',
  'password',
  'authorization',
  'Authorization',
  'url',
  'downloadUrl',
  'URL',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-acs-security-token"]',
  'headers["X-Security-Token"]',
  'headers["x-security-token"]',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_APP_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.accessKeySecret',
  '*.securityToken',
  '*.sk',
  '*.authorization',
  '*.Authorization',
  '*.downloadUrl',
  '*.url',
  '*.URL',
  'err.config',
  'err.request',
];

// Value redaction: secrets found by what they look like, wherever they sit (a message, an error's text, a cloud
// answer's ErrorMessage, a child binding, JSON inside a string). Each string in the finished line (keys too) is decoded
// and scanned as plain text (see redactLine). A cheap test on the raw line decides whether to look at all.

// `=` or its percent-encoding, any number of times encoded (`%3D`, `%253D`).
const EQ = String.raw`(?:=|%(?:25)*3d)`;
/** A field or parameter whose value is a secret: a listed name, with any prefix (`DB_PASSWORD`, `mysqlPwd`). */
const SECRET_NAME = String.raw`(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?${SECRET_PARAM}(?![A-Za-z0-9_])`;
/** An object key that names a secret (its string or number value is masked whatever it looks like). */
const SECRET_KEY = new RegExp(String.raw`^[A-Za-z0-9_.-]*?${SECRET_PARAM}$`, 'i');
/**
 * Whether a line could hold a secret: a stem of every name in SECRET_PARAM (keep the two in step), a token or key
 * prefix, an auth scheme, a JWT, a PEM block, URL user info; or (hasKeyLikeRun) a 20-character key-like run. Flat
 * literal stems, not SECRET_PARAM itself: half the cost on the common line, which matches none.
 */
const PRECHECK =
  /pass|pwd|secret|token|sig|cred|expires|polic|auth|api.?key|accesskey|access=|private|x-amz|x-oss|x-obs|x-goog|xox|xapp|bearer|basic |hmac|ltai|sts\.|eyj|:\/\/[^\s/?#@"]*@/i;

/** True when `text` has a run of at least `min` key-like characters (a regex for this backtracks at every position). */
function hasKeyLikeRun(text: string, min: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A-Z, a-z, 0-9, '+', '/'
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47) {
      if (++run >= min) return true;
    } else run = 0;
  }
  return false;
}
const always = (): boolean => true;
const hasScheme = (l: string): boolean => /:\/\/|:\\\\|%(?:25)*3a/i.test(l);

type Rewrite = [(text: string) => boolean, RegExp, string | ((...m: string[]) => string)];
/** Each rewrite with a cheap guard: a text pays only for the patterns it could match. */
const REWRITES: Rewrite[] = [
  // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, ...): the whole block, or to the end when it was cut.
  [
    (l) => /private key/i.test(l),
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    '[redacted-private-key]',
  ],
  // A URL (also percent-encoded) whose query carries a credential goes whole: the link itself grants access.
  [
    hasScheme,
    new RegExp(
      String.raw`[a-z][a-z0-9+.-]{0,30}(?::|%(?:25)*3a)(?:[/\\]|%(?:25)*(?:2f|5c)){2}[^\s"'<>|\\]*?(?:[?&]|%(?:25)*(?:3f|26))${SECRET_PARAM}${EQ}[^\s"'<>|\\]*`,
      'gi',
    ),
    '[redacted-url]',
  ],
  // The password in a URL's user info (`mysql://root:hunter2@host`, any scheme); up to the last `@` of the authority.
  [(l) => l.includes('@'), /\b([a-z][a-z0-9+.-]{0,30}:\/\/[^\s/?#@:"'`<>]*):[^\s/?#"'`<>]*@/gi, '$1:[redacted]@'],
  // JSON Web Tokens (header.payload.signature, base64url; the header is always `{"...`).
  [(l) => l.includes('eyJ'), /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  // Slack tokens keep their kind.
  [(l) => l.includes('xox') || l.includes('xapp'), /\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g, '$1-[redacted]'],
  // Authorization schemes, the space also percent- or form-encoded (`Bearer%20…`, `Bearer+…`).
  [
    always,
    /\b(Bearer|Basic|ACS3-HMAC-SHA256|SDK-HMAC-SHA256|OSS4?-HMAC-SHA256|AWS4-HMAC-SHA256)(\s+|%(?:25)*20|\+)(?![^\s"'`,;]*\[redacted)[^\s"'`,;\\]+/gi,
    '$1$2[redacted]',
  ],
  // A secret field or parameter anywhere: `key=value`, `key: value`, `key => value`, `"key":"value"` (JSON inside a
  // string, also escaped once more), with or without quotes (' " `) around the value, `=` also percent-encoded.
  // A quoted value goes up to its closing quote (spaces and all); a bare one up to a space, quote or separator.
  [
    always,
    new RegExp(
      String.raw`(${SECRET_NAME}\\*["'\x60]?\s*(?:${EQ}|:=?|=>)\s*)(?:(\\*["'\x60])([^\n]*?)(?=\\*\2|\n|$)|((?![^\s"'\x60<>|&,;]*\[redacted)[^\s"'\x60<>|&,;]+))`,
      'gi',
    ),
    (_m, head, quote, quoted, bare) =>
      quote !== undefined
        ? quoted === '' || quoted!.startsWith('[redacted')
          ? `${head}${quote}${quoted}`
          : `${head}${quote}[redacted]`
        : bare !== undefined
          ? `${head}[redacted]`
          : _m!,
  ],
  // Huawei Cloud's signature header names its access key as `Access=`.
  [(l) => l.includes('Access='), /\bAccess=(?!\[redacted)[^\s"',;\\&]+/g, 'Access=[redacted]'],
  // Alibaba Cloud access key ids and STS tokens, Huawei Cloud AKs (20 upper-case letters and digits, both kinds).
  [
    (l) => hasKeyLikeRun(l, 20),
    /\b(?:LTAI[A-Za-z0-9]{8,40}|STS\.[A-Za-z0-9._-]{16,}|(?=[A-Z0-9]{20}\b)(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{20})\b/g,
    '[redacted-key]',
  ],
  // Secret keys: 30+ characters mixing upper case, lower case and digits (hashes and ids are one case or hex).
  [
    (l) => hasKeyLikeRun(l, 30),
    /(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{30,}={0,2}(?![A-Za-z0-9+/=]))(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*\d)[A-Za-z0-9+/]{30,}={0,2}/g,
    '[redacted-key]',
  ],
];

/** Whether text is worth a closer look: two cheap scans. */
function mayHoldSecret(text: string): boolean {
  return PRECHECK.test(text) || hasKeyLikeRun(text, 20);
}

/** Masks secrets in free text by their look (tokens, signed links, credential fields, keys), not by key name. */
export function redactSecrets(text: string): string {
  if (!mayHoldSecret(text)) return text;
  let out = text;
  for (const [worth, pattern, replacement] of REWRITES) {
    if (worth(out))
      out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** A JSON string literal, and when it is a key, its string or number value. */
const JSON_STRING = /("(?:[^"\\]|\\.)*")(?:(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*))?/g;

/** Decodes a JSON string literal, masks secrets in it, and encodes it again only when something changed. */
function redactLiteral(literal: string): string {
  let text: unknown;
  try {
    text = JSON.parse(literal);
  } catch {
    return redactSecrets(literal);
  }
  if (typeof text !== 'string') return literal;
  const out = redactSecrets(text);
  return out === text ? literal : JSON.stringify(out);
}

/**
 * Masks secrets in one finished JSON log line. Every string literal (keys too) is decoded and scanned as text, so
 * quotes and escapes are real characters, not JSON's `\"`; a string or number under a key that names a secret is
 * masked whatever it looks like. Literal by literal, so duplicate keys (a binding named like a field) are each seen,
 * and a line with nothing to mask is returned byte for byte.
 */
export function redactLine(line: string): string {
  if (!mayHoldSecret(line)) return line;
  return line.replace(JSON_STRING, (_all, literal: string, colon: string | undefined, value: string | undefined) => {
    if (colon === undefined || value === undefined) return redactLiteral(literal);
    const key = redactLiteral(literal);
    let name: unknown;
    try {
      name = JSON.parse(literal);
    } catch {
      name = '';
    }
    const secretKey = typeof name === 'string' && SECRET_KEY.test(name);
    if (secretKey) return `${key}${colon}${value === '"[redacted]"' ? value : '"[redacted]"'}`;
    return `${key}${colon}${value.startsWith('"') ? redactLiteral(value) : value}`;
  });
}

/** Builds the application logger (JSON lines, secrets redacted). Pass a destination in tests to capture lines. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // Key names first (cheap, structural), then values in the finished line: a secret under any key is masked.
      hooks: { streamWrite: redactLine },
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { app: 'dms-cts-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
