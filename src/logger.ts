import { pino, type Logger, type DestinationStream } from 'pino';

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
// answer's ErrorMessage, a child binding). Runs on each finished line; a cheap test decides whether to look closer.
const SECRET_PARAM = String.raw`(?:x-amz-[a-z-]*|x-oss-[a-z-]*|x-obs-[a-z-]*|x-goog-[a-z-]*|signature|ossaccesskeyid|awsaccesskeyid|accesskeyid|expires|security-?token|x-security-token|access_token|token|credential)`;
// `=` or its percent-encoding, any number of times encoded (`%3D`, `%253D`).
const EQ = String.raw`(?:=|%(?:25)*3d)`;
const PRECHECK = /xox|xapp|signature|credential|token|expires|access|bearer|basic |ltai|sts\.|x-amz|x-oss|x-obs|password|secret/i;

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

/** Each rewrite with a cheap guard: a line pays only for the patterns it could match. */
const REWRITES: [(line: string) => boolean, RegExp, string][] = [
  // A URL (also percent-encoded) whose query carries a credential goes whole: the link itself grants access.
  [hasScheme, new RegExp(String.raw`[a-z][a-z0-9+.-]{0,30}(?::|%(?:25)*3a)(?:[/\\]|%(?:25)*(?:2f|5c)){2}[^\s"'<>|\\]*?(?:[?&]|%(?:25)*(?:3f|26))${SECRET_PARAM}${EQ}[^\s"'<>|\\]*`, 'gi'), '[redacted-url]'],
  // Slack tokens keep their kind.
  [(l) => l.includes('xox') || l.includes('xapp'), /\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g, '$1-[redacted]'],
  // A credential parameter or header field anywhere else (`Signature=`, `Credential=`, `Access=`, `security-token=`).
  [always, new RegExp(String.raw`\b(${SECRET_PARAM}|password|passwd|secret|client_secret)(${EQ}|":"|: ?)(?![^\s"'<>|&,;\\]*\[redacted)[^\s"'<>|&,;\\]+`, 'gi'), '$1$2[redacted]'],
  // Huawei Cloud's signature header names its access key as `Access=`.
  [(l) => l.includes('Access='), /\bAccess=(?!\[redacted)[^\s"',;\\&]+/g, 'Access=[redacted]'],
  // Authorization schemes.
  [always, /\b(Bearer|Basic|ACS3-HMAC-SHA256|SDK-HMAC-SHA256|OSS4?-HMAC-SHA256|AWS4-HMAC-SHA256)\s+(?!\[redacted)[^\s"',;\\]+/g, '$1 [redacted]'],
  // Alibaba Cloud access key ids and STS tokens, Huawei Cloud AKs (20 upper-case letters and digits, both kinds).
  [(l) => hasKeyLikeRun(l, 20), /\b(?:LTAI[A-Za-z0-9]{8,40}|STS\.[A-Za-z0-9._-]{16,}|(?=[A-Z0-9]{20}\b)(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{20})\b/g, '[redacted-key]'],
  // Secret keys: 30+ characters mixing upper case, lower case and digits (hashes and ids are one case or hex).
  [(l) => hasKeyLikeRun(l, 30), /(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{30,}={0,2}(?![A-Za-z0-9+/=]))(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*\d)[A-Za-z0-9+/]{30,}={0,2}/g, '[redacted-key]'],
];

/** Masks secrets in free text by their look (tokens, signed links, credential parameters, keys), not by key name. */
export function redactSecrets(text: string): string {
  // The common line holds none of these: two cheap scans, no rewrite (see the report's micro-measurement).
  if (!PRECHECK.test(text) && !hasKeyLikeRun(text, 20)) return text;
  let out = text;
  for (const [worth, pattern, replacement] of REWRITES) if (worth(out)) out = out.replace(pattern, replacement);
  return out;
}

/** Builds the application logger (JSON lines, secrets redacted). Pass a destination in tests to capture lines. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // Key names first (cheap, structural), then values in the finished line: a secret under any key is masked.
      hooks: { streamWrite: redactSecrets },
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { app: 'dms-cts-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
