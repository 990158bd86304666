import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * DMS custom-webhook signatures (HMAC_SHA1). DMS documents only that `signatureText` is the base64 HMAC-SHA1
 * "computed from the webhook URL, the secret and the message event"; the order, the serialization and the key are not
 * documented (../shared/reference/push.md). The construction here is our reading, UNCONFIRMED:
 *
 *   signatureText = base64( HMAC-SHA1( key = secret, data = webhookUrl + JSON.stringify(messageEvent) ) )
 *
 * where `messageEvent` is serialized compactly with its keys in the order they arrived. An operator confirms (or
 * refutes) it with the console's Test button: the receiver logs what it received (redacted) and whether it verified.
 * The URL path carries the real authentication (an unguessable token); this is an extra check.
 */

/** The signature the construction above gives for one message event (base64). */
export function dmsPushSignature(secret: string, webhookUrl: string, messageEventJson: string): string {
  return createHmac('sha1', secret).update(`${webhookUrl}${messageEventJson}`, 'utf8').digest('base64');
}

/** Whether `signatureText` is the construction's signature for this event (constant time; false for anything malformed). */
export function verifyDmsPushSignature(input: {
  secret: string;
  webhookUrl: string;
  messageEventJson: string;
  signatureText: string;
}): boolean {
  const expected = Buffer.from(dmsPushSignature(input.secret, input.webhookUrl, input.messageEventJson), 'utf8');
  const received = Buffer.from(input.signatureText.trim(), 'utf8');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** A log-safe description of a received signature: method, length and its first 4 characters (never the whole). */
export function describeSignature(
  method: string | undefined,
  signatureText: string | undefined,
): { method: string; length: number; prefix: string } {
  const text = signatureText ?? '';
  return { method: method ?? 'absent', length: text.length, prefix: text.length >= 16 ? text.slice(0, 4) : '' };
}
