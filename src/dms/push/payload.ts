import { z } from 'zod';

/** The largest DMS push body read (bytes): a message event with its recipients fits in a few KiB. */
export const MAX_PUSH_BODY_BYTES = 64 * 1024;

/** The header every DMS custom-webhook request carries (push.md): `DMS-Event: Message Hook`. */
export const DMS_EVENT_HEADER = 'dms-event';
export const DMS_EVENT_VALUE = 'Message Hook';

// The sample sends ids and times as strings; a number is accepted too (JSON producers differ), never anything else.
const digits = (max: number) =>
  z
    .union([z.string().trim(), z.number().int().nonnegative()])
    .transform((v) => String(v))
    .refine((v) => new RegExp(`^\\d{1,${max}}$`).test(v), `must be a number of at most ${max} digits`);
const text = (max: number) => z.string().max(max).optional();

/**
 * The part of a message event the bot reads. `event`, `module` and `category` are localized display text (never
 * interpreted: the API read is the truth); other fields DMS adds are kept for the signature and otherwise ignored.
 */
export const dmsMessageEventSchema = z.looseObject({
  taskId: digits(19),
  eventTime: digits(16).optional(),
  event: text(200),
  module: text(200),
  category: text(200),
  taskName: text(1000),
});

/** A DMS custom-webhook request body. */
export const dmsPushBodySchema = z.object({
  messageEvent: dmsMessageEventSchema,
  signatureMethod: z.string().max(40).optional(),
  signatureText: z.string().max(400).optional(),
});

/** What the bot keeps of one push. */
export interface DmsPush {
  taskId: string;
  event: string;
  eventTime: string;
  /** When it arrived (the bot's clock). */
  receivedAt: number;
}

/** The de-duplication key of a push: the same ticket, event and event time is the same push (push.md). */
export function pushKey(p: Pick<DmsPush, 'taskId' | 'event' | 'eventTime'>): string {
  return JSON.stringify([p.taskId, p.event, p.eventTime]);
}

export type ParsedPushBody =
  | { ok: true; body: z.output<typeof dmsPushBodySchema>; messageEventJson: string }
  | { ok: false; problem: string };

/**
 * Parses a raw body. `messageEventJson` is the message event re-serialized compactly with its keys in the order they
 * arrived (what the signature is computed over).
 */
export function parsePushBody(raw: string): ParsedPushBody {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'body is not JSON' };
  }
  const parsed = dmsPushBodySchema.safeParse(json);
  if (!parsed.success) {
    // Paths only: zod's messages can quote what was received.
    return {
      ok: false,
      problem: `invalid fields: ${[...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || 'body'))].slice(0, 5).join(', ')}`,
    };
  }
  const event = (json as { messageEvent: unknown }).messageEvent;
  return { ok: true, body: parsed.data, messageEventJson: JSON.stringify(event) };
}
