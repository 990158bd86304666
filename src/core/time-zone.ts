/**
 * The one gate between a time-zone name from outside (a Slack profile, the environment, a stored ticket) and Intl.
 * `Intl.DateTimeFormat` throws a RangeError for a zone the runtime does not know; a name that has not been through
 * `knownTimeZone` never reaches it (the `TimeZone` brand makes the compiler check that).
 */

declare const zoneBrand: unique symbol;
/** A zone name this runtime's Intl accepts, as given (trimmed). Only `knownTimeZone` makes one. */
export type TimeZone = string & { readonly [zoneBrand]: true };

/** UTC: what times are shown in when a person's own zone cannot be used. */
export const UTC = 'UTC' as TimeZone;

const MAX_NAME = 64;
const known = new Map<string, TimeZone | null>();
// Bounded so that a stream of distinct junk names cannot grow it without limit.
const MAX_CACHED = 1_000;

/** An outside zone name -> a zone Intl knows here, or undefined (never throws, whatever the input). */
export function knownTimeZone(raw: unknown): TimeZone | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = raw.trim();
  // Offsets ("+08:00") are accepted by newer runtimes only: refusing them keeps the answer the same everywhere.
  if (name === '' || name.length > MAX_NAME || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  const hit = known.get(name);
  if (hit !== undefined) return hit ?? undefined;
  let zone: TimeZone | null = null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    zone = name as TimeZone;
  } catch {
    zone = null;
  }
  if (known.size >= MAX_CACHED) known.clear();
  known.set(name, zone);
  return zone ?? undefined;
}

/** Is this a zone name this runtime knows? */
export function isValidTimeZone(raw: unknown): boolean {
  return knownTimeZone(raw) !== undefined;
}

/**
 * A Slack profile's `tz` as we keep it: a short single-line string, or undefined when absent or blank. It may still be
 * a zone this runtime does not know; `personZone` decides how to show times to that person.
 */
export function slackZoneName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  // Controls and bidi characters could disguise the name where it is shown.
  const name = raw.replace(/[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g, '').trim();
  if (name === '') return undefined;
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
}

/** The zone to show a person's times in: theirs when known here, otherwise UTC with the name that was not understood. */
export type PersonZone = { zone: TimeZone; unknownName?: undefined } | { zone: typeof UTC; unknownName: string };

/** A person's Slack zone (raw, untrusted) -> how to show them times; undefined when they have none set. */
export function personZone(raw: unknown): PersonZone | undefined {
  const name = slackZoneName(raw);
  if (name === undefined) return undefined;
  const zone = knownTimeZone(name);
  return zone ? { zone } : { zone: UTC, unknownName: name };
}

/** "times in UTC; your Slack time zone “X” is unknown here" (who: "your" or "the requester's"). */
export function unknownZoneNote(unknownName: string, who: 'you' | 'requester'): string {
  const whose = who === 'you' ? 'your' : "the requester's";
  return `times in UTC; ${whose} Slack time zone “${unknownName}” is unknown here`;
}
