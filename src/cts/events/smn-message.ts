import { z } from 'zod';

/** Largest SMN message body we read (SMN messages are at most 256 KB; the JSON around them adds a little). */
export const SMN_BODY_LIMIT_BYTES = 320 * 1024;

const text = (max: number) => z.string().max(max);
const common = {
  // base64 of an RSA signature (4096-bit keys give 684 characters).
  signature: z
    .string()
    .min(16)
    .max(2048)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  topic_urn: text(400).min(1),
  message_id: text(128).regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an SMN message id'),
  signature_version: text(16).optional(),
  message: text(SMN_BODY_LIMIT_BYTES),
  signing_cert_url: text(2048).min(1),
  timestamp: text(40),
};
const confirmation = {
  ...common,
  subscribe_url: text(2048).min(1),
};

/** An SMN HTTP(S) message body, one schema per type (smn_ug_a9002); unknown fields are dropped. */
export const smnMessageSchema = z.union([
  z.object({ type: z.literal('SubscriptionConfirmation'), ...confirmation }),
  z.object({ type: z.literal('UnsubscribeConfirmation'), ...confirmation }),
  z.object({
    type: z.literal('Notification'),
    ...common,
    subject: text(1024).nullish(),
    unsubscribe_url: text(2048).nullish(),
  }),
]);
export type SmnMessage = z.output<typeof smnMessageSchema>;
export type SmnMessageType = SmnMessage['type'];

/**
 * The string SMN signs (smn_ug_a9003): the type's keys in alphabetical order, each as `key\nvalue\n`. A Notification's
 * `subject` is left out when it is empty.
 */
export function stringToSign(m: SmnMessage): string {
  const pairs: [string, string][] =
    m.type === 'Notification'
      ? [
          ['message', m.message],
          ['message_id', m.message_id],
          ...(m.subject ? ([['subject', m.subject]] as [string, string][]) : []),
          ['timestamp', m.timestamp],
          ['topic_urn', m.topic_urn],
          ['type', m.type],
        ]
      : [
          ['message', m.message],
          ['message_id', m.message_id],
          ['subscribe_url', m.subscribe_url],
          ['timestamp', m.timestamp],
          ['topic_urn', m.topic_urn],
          ['type', m.type],
        ];
  return pairs.map(([k, v]) => `${k}\n${v}\n`).join('');
}

/** An SMN topic, from its URN `urn:smn:<region>:<project id>:<topic name>`. */
export interface TopicUrn {
  urn: string;
  region: string;
  projectId: string;
  name: string;
}

// Topic names: letters, digits, hyphens and underscores, starting with a letter or digit, at most 255 (SMN's rule).
const TOPIC_URN = /^urn:smn:([a-z]{2}(?:-[a-z]+)+-\d+):([A-Za-z0-9]{1,64}):([A-Za-z0-9][A-Za-z0-9_-]{0,254})$/;

/** Parses an SMN topic URN; undefined when it is not one. */
export function parseTopicUrn(raw: string): TopicUrn | undefined {
  const m = TOPIC_URN.exec(raw);
  if (!m) return undefined;
  return { urn: raw, region: m[1]!, projectId: m[2]!, name: m[3]! };
}

/** Why a typed topic URN is not one, in words for the person (undefined when it is fine). */
export function topicUrnProblem(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return 'Enter the SMN topic URN.';
  if (!v.startsWith('urn:smn:')) return 'An SMN topic URN starts with urn:smn: (copy it from the SMN console).';
  if (!parseTopicUrn(v))
    return 'Expected urn:smn:<region>:<project id>:<topic name>, e.g. urn:smn:cn-north-4:0123abcd:cts-events (topic names: letters, digits, - and _).';
  return undefined;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Epoch milliseconds of an SMN timestamp (`2016-08-15T07:29:16Z`, UTC); undefined when it is not one. */
export function parseSmnTimestamp(raw: string): number | undefined {
  const m = TIMESTAMP.exec(raw);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not round-trip is not a date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59)
    return undefined;
  if (s > 59) return undefined;
  return ms;
}
