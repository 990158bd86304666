/**
 * The one list of names whose value is a credential: query parameters that make a link a key (pre-signed OSS/OBS/S3/
 * GCS/Azure links, STS tokens, signed expiry) and fields that hold a password, secret, API key or token. blocks/kit/text.ts
 * removes links carrying them from channel text; src/core/logger.ts masks their values in log lines. One list, so a name
 * added for one is covered by both.
 */
export const SECRET_PARAM = String.raw`(?:x-(?:amz|oss|obs|goog)-[a-z-]*|signature|sig|ossaccesskeyid|awsaccesskeyid|accesskeyid|accesskeysecret|expires|x-security-token|security-?token|(?:access|refresh|id|auth|session)[_-]?token|token|credential|policy|password|passwd|pwd|client[_-]?secret|secret[_-]?key|secret|api[_-]?key|private[_-]?key|authorization)`;
