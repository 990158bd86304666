/**
 * Identifiers, parsed once where they enter the bot (typed text, option and button values, policy file, cloud
 * answers) into one canonical spelling each. Everything after the edge — policy, picker, store, audit, cloud
 * client — only sees these branded types, so two spellings of one thing can never get two decisions.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A DMS database id: decimal digits 0–9, no sign, no leading zeros, 1 … DB_ID_MAX. */
export type DbId = Brand<string, 'DbId'>;
/** A DMS ticket (order) id: decimal digits 0–9, no leading zeros, 1 … 2^63−1 (DMS's Long). */
export type OrderId = Brand<string, 'OrderId'>;
/** A Slack user id (`U…`/`W…`). */
export type SlackUserId = Brand<string, 'SlackUserId'>;
/** A Slack conversation id (`C…` channel, `G…` private channel, `D…` direct message). */
export type ChannelId = Brand<string, 'ChannelId'>;
/** A Slack user-group id (`S…`). */
export type UsergroupId = Brand<string, 'UsergroupId'>;

/** A parse result: the canonical id, or why the input is refused (plain words, safe to show once escaped). */
export type Parsed<T> = { ok: true; id: T } | { ok: false; reason: string };

/**
 * The largest database id the bot accepts. DMS stores ids as Java Longs, but the create APIs carry the id as a
 * JSON number in CreateOrder and CreateFreeLockCorrectOrder (see `dbIdOnWire`), which is exact only up to 2^53−1: a
 * larger id would silently name another database.
 */
export const DB_ID_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** DMS's Long. */
export const ORDER_ID_MAX = 9_223_372_036_854_775_807n;

/** How an offending character reads in a message: itself when plain ASCII, else its code point. */
function shown(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp > 0x20 && cp < 0x7f ? `“${ch}”` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Parses a positive decimal id (digits 0–9 only; leading zeros dropped; surrounding ASCII blanks ignored). */
function parseDecimal(raw: unknown, max: bigint, what: string): Parsed<string> {
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw > 0 && BigInt(raw) <= max
      ? { ok: true, id: String(raw) }
      : { ok: false, reason: `${what} must be a whole number from 1 to ${max}.` };
  }
  if (typeof raw !== 'string') return { ok: false, reason: `${what} is missing.` };
  const t = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (t === '') return { ok: false, reason: `${what} is empty.` };
  const bad = /[^0-9]/u.exec(t);
  if (bad) {
    const ch = String.fromCodePoint(t.codePointAt(bad.index)!);
    const kind = /^\p{Nd}$/u.test(ch) ? ', a non-ASCII digit' : '';
    return { ok: false, reason: `${what} must use the digits 0–9 only (it has ${shown(ch)}${kind}).` };
  }
  const digits = t.replace(/^0+/, '');
  if (digits === '') return { ok: false, reason: `${what} cannot be 0.` };
  if (digits.length > 19 || BigInt(digits) > max)
    return { ok: false, reason: `${what} is too large (the largest is ${max}).` };
  return { ok: true, id: digits };
}

/** A database id as typed, chosen or configured: canonical, or why not. */
export function parseDbId(raw: unknown): Parsed<DbId> {
  return parseDecimal(raw, DB_ID_MAX, 'A DMS database id') as Parsed<DbId>;
}

/** A ticket id as typed after `/dms status` (a leading `#` is allowed): canonical, or why not. */
export function parseOrderId(raw: unknown): Parsed<OrderId> {
  const text = typeof raw === 'string' ? raw.trim().replace(/^#/, '') : raw;
  return parseDecimal(text, ORDER_ID_MAX, 'A DMS ticket id') as Parsed<OrderId>;
}

/** A database id from a trusted source (a DMS answer, our own stored details): the id, or undefined. */
export function dbIdOrUndefined(raw: unknown): DbId | undefined {
  const p = parseDbId(raw);
  return p.ok ? p.id : undefined;
}

/**
 * Slack ids exactly as Slack spells them: one type letter, then upper-case ASCII letters and digits. Real ids are
 * 9–12 characters long; the length is not held (any id of two or more characters fits), the alphabet and case are:
 * `u0mal`, `U０MAL` (full-width) or `U0MAL ` are not U0MAL, and are refused rather than read as another person.
 */
export const SLACK_ID_PATTERN = {
  user: /^[UW][A-Z0-9]{1,30}$/,
  channel: /^[CGD][A-Z0-9]{1,30}$/,
  group: /^S[A-Z0-9]{1,30}$/,
  team: /^T[A-Z0-9]{1,30}$/,
  enterprise: /^E[A-Z0-9]{1,30}$/,
  app: /^A[A-Z0-9]{1,30}$/,
} as const;
const SLACK_ID = SLACK_ID_PATTERN;

function parseSlack<T>(raw: unknown, re: RegExp, what: string): Parsed<T> {
  return typeof raw === 'string' && re.test(raw)
    ? { ok: true, id: raw as T }
    : { ok: false, reason: `must be a ${what}` };
}

/** A Slack user id exactly as Slack spells it (upper case). */
export function parseSlackUserId(raw: unknown): Parsed<SlackUserId> {
  return parseSlack(raw, SLACK_ID.user, 'Slack user id (U…/W…)');
}

/** A Slack conversation id exactly as Slack spells it (upper case). */
export function parseChannelId(raw: unknown): Parsed<ChannelId> {
  return parseSlack(raw, SLACK_ID.channel, 'Slack channel id (C…/G…/D…)');
}

/** A Slack user-group id exactly as Slack spells it (upper case). */
export function parseUsergroupId(raw: unknown): Parsed<UsergroupId> {
  return parseSlack(raw, SLACK_ID.group, 'Slack user-group id (S…)');
}

/** What a database picker option's value says: `db:<id>:<L|P|T>` (logical, physical, or typed by hand). */
export interface DatabaseChoice {
  id: DbId;
  /** undefined: a typed id, the form's checkbox says whether it is logical. */
  logic: boolean | undefined;
}

/** Reads a picker value back (option values come back from Slack, so they are parsed like typed text). */
export function parseDatabaseChoice(value: string): DatabaseChoice | undefined {
  const m = /^db:([^:]{1,40}):([LPT])$/.exec(value);
  if (!m) return undefined;
  const id = parseDbId(m[1]);
  return id.ok && id.id === m[1] ? { id: id.id, logic: m[2] === 'T' ? undefined : m[2] === 'L' } : undefined;
}

/**
 * How each DMS create action declares its database id on the wire (the API pages' field tables and the official
 * SDK's models): CreateOrder's DATA_EXPORT `PluginParam.dbId` and CreateFreeLockCorrectOrder's `DbItemList[].DbId`
 * are Long (a JSON number); CreateDataTrackOrder's `Param.DbId` is a String (`"DbId":"1001"`).
 */
export const DB_ID_WIRE_TYPE = {
  CreateOrder: 'Long',
  CreateFreeLockCorrectOrder: 'Long',
  CreateDataTrackOrder: 'String',
} as const;
export type DbIdWireAction = keyof typeof DB_ID_WIRE_TYPE;
type DbIdWire<A extends DbIdWireAction> = (typeof DB_ID_WIRE_TYPE)[A] extends 'Long' ? number : string;

/**
 * The one place a database id is put on the wire, in the type the action declares (see DB_ID_WIRE_TYPE). A Long
 * travels as a JSON number, exact only up to 2^53−1; DB_ID_MAX keeps that exact.
 */
export function dbIdOnWire<A extends DbIdWireAction>(action: A, id: DbId): DbIdWire<A> {
  // The conditional return type cannot be narrowed by TypeScript from the runtime check; the table above decides it.
  return (DB_ID_WIRE_TYPE[action] === 'Long' ? Number(id) : String(id)) as DbIdWire<A>;
}
