import type { KnownBlock } from '@slack/types';
import { SECRET_PARAM } from './secret-params.js';

declare const MRKDWN: unique symbol;
/**
 * Text already escaped for mrkdwn (by `escapeMrkdwn`, `cloudText`, `userMessageFor`, ...). A renderer that takes
 * `Mrkdwn` cannot be handed raw text, and the escapes below refuse `Mrkdwn` (`Raw`), so escaping twice
 * (`&amp;lt;` shown to people) and not escaping at all are both compile errors where the type is used.
 */
export type Mrkdwn = string & { readonly [MRKDWN]: true };
/** Any string but already-escaped mrkdwn. */
export type Raw<T extends string> = T & (T extends Mrkdwn ? never : unknown);

/** Marks text built only from escaped parts and the bot's own words as mrkdwn. */
export function asMrkdwn(text: string): Mrkdwn {
  return text as Mrkdwn;
}

/** Escapes user text for mrkdwn so `<!channel>`, `<@U1>` or `<http://x|y>` render as text, not as pings or links. */
export function escapeMrkdwn<T extends string>(text: Raw<T>): Mrkdwn {
  return asMrkdwn(sanitize(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

// Bidi overrides/isolates and C0/C1 controls (except tab and newline) can disguise what a message says.
const UNSAFE_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Removes characters that can disguise text (bidi overrides, control characters). */
export function sanitize(text: string): string {
  // A lone surrogate cannot be encoded for Slack: it becomes U+FFFD (in a /u pattern \p{Cs} matches only those).
  return text.replace(UNSAFE_CHARS, '').replace(/\p{Cs}/gu, '\uFFFD');
}

export const TRUNCATED_MARKER = '… (truncated)';

/** Cuts text to at most `max` characters (code points kept whole), marking the cut explicitly. */
export function truncate(text: string, max: number, marker = TRUNCATED_MARKER): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - marker.length);
  // Do not split a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  // Never leave half of an escape entity (`&am`) behind.
  return text.slice(0, cut).replace(/&[a-z]{0,4}$/, '') + marker;
}

/** A mrkdwn code block holding user text that cannot break out of it, within `max` characters overall. */
export function codeBlock(text: string, max: number): string {
  // A run of backticks would close the fence: separate them with zero-width spaces.
  const body = truncate(escapeMrkdwn(text).replace(/`(?=`)/g, '`\u200b'), max - 8);
  // A backtick right next to a fence would lengthen it: keep them apart.
  const safe = (body.startsWith('`') ? '\u200b' : '') + body + (body.endsWith('`') ? '\u200b' : '');
  return `\`\`\`${safe}\`\`\``;
}

/** Plain text (modal labels, option text, headers) cut to a Block Kit limit. */
export function plain(text: string, max: number): string {
  return truncate(sanitize(text).replace(/\s+/g, ' ').trim(), max, '…');
}

/** The note that replaces a link in cloud text. */
export const LINK_REMOVED = '[link removed]';
/** The note where the ticket has a download the person can ask for privately. */
export const LINK_REMOVED_DOWNLOAD = '[link removed — press Send me the link]';

// A top-level domain: two or more letters of any script, or its punycode spelling (`xn--p1ai` is `рф`).
const TLD = String.raw`(?:\p{L}{2,}|xn--[\p{L}\p{N}-]+)`;
// Anything a reader or Slack could follow, after folding look-alikes: `scheme://` (also percent-encoded or with
// backslashes, any scheme), `//host.tld`, `www.`, `mailto:`, `host.tld/path` or `host.tld?query`.
const URL_LIKE = new RegExp(
  [
    String.raw`[\p{L}][\p{L}\p{N}+.-]{0,30}(?::|%(?:25)*3a)(?:[/\\]|%(?:25)*(?:2f|5c)){2}[^\s<>"'|]*`,
    String.raw`(?<![\p{L}\p{N}:/])//[\p{L}\p{N}-]+(?:[.\u3002][\p{L}\p{N}-]+)+[^\s<>"'|]*`,
    String.raw`\bwww\d{0,3}[.\u3002][^\s<>"'|]+`,
    String.raw`\bmailto:[^\s<>"'|]+`,
    // (Each starts only where its run of name characters starts: a start inside a run would rescan it, quadratically.)
    String.raw`(?<![\p{L}\p{N}.\u3002-])[\p{L}\p{N}-]+(?:[.\u3002][\p{L}\p{N}-]+)*[.\u3002]${TLD}(?::\d+)?[/?][^\s<>"'|]*`,
    // An address Slack turns into a mailto link by itself.
    String.raw`(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:[.\u3002][\p{L}\p{N}-]+)*[.\u3002]${TLD}`,
    String.raw`[?&]${SECRET_PARAM}=[^\s<>"'|&]*(?:&[\w.-]+=[^\s<>"'|&]*)*`,
  ].join('|'),
  'giu',
);
const LONE_SURROGATE = /\p{Cs}/gu;
// A bare host Slack may turn into a link by itself (`evil.com`, `evil.zip`, `пример.рф`): any `label.label` whose last
// label is two or more letters, since new top-level domains keep coming and no list stays complete. Database host
// names are kept where a database is named (see `withoutLinks`' `keepHosts`).
const BARE_HOST = new RegExp(
  String.raw`(?<![\p{L}\p{N}_@.-])(?:[\p{L}\p{N}-]+[.\u3002])+${TLD}(?![\p{L}\p{N}_-])`,
  'giu',
);
// Cloud error codes are dotted identifiers (`InvalidParameter.OrderId`, `Throttling.User`) and look like hosts: one
// whose every label starts with a capital is kept readable, but its dots become `·` so Slack cannot link it.
const CODE_LIKE = /^\p{Lu}[\p{L}\p{N}]*(?:\.\p{Lu}[\p{L}\p{N}]*)+$/u;
/** Characters that can split a link so a filter misses it while a reader still follows it. */
const HIDERS = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * Replaces every link in text that came from a cloud (DMS, CTS) with a note: any URL, in any disguise we can fold
 * (full-width letters, zero-width characters, percent-encoding). Cloud text is data; a link in it may be a pre-signed
 * download or a lure, and neither belongs in a channel or a log.
 */
export function withoutLinks(text: string, note = LINK_REMOVED, opts: { keepHosts?: boolean } = {}): string {
  // A lone surrogate (`\p{Cs}` in a /u pattern matches only unpaired ones) becomes U+FFFD first: NFKC needs whole text.
  const folded = text.replace(LONE_SURROGATE, '\uFFFD').normalize('NFKC').replace(HIDERS, '');
  const noUrls = folded.replace(URL_LIKE, note);
  const cleaned = opts.keepHosts
    ? noUrls
    : noUrls.replace(BARE_HOST, (host) => (CODE_LIKE.test(host) ? host.replace(/\./g, '\u00b7') : note));
  // Text without a link is returned as it came (no folding), so statuses and codes keep their spelling.
  return cleaned === folded ? text.replace(LONE_SURROGATE, '\uFFFD') : cleaned;
}

/** Cloud text for mrkdwn (blocks and fallback text alike): links removed, escaped, cut to `max`. */
export function cloudText<T extends string>(text: Raw<T>, max = 500, note = LINK_REMOVED): Mrkdwn {
  // Escaping can make text five times longer (`&` → `&amp;`): cut after it, so `max` bounds what is sent
  // (`truncate` never leaves half an entity).
  return asMrkdwn(truncate(escapeMrkdwn(withoutLinks(text, note)), max));
}

/**
 * A cloud error code for mrkdwn: kept exactly when it has the shape cloud codes have (`InvalidParameter.Sql`,
 * `Throttling.User`: every dotted label capitalised), so people can look it up; anything else is cloud text.
 */
export function cloudCode<T extends string>(code: Raw<T>, max = 80): Mrkdwn {
  const kept = withoutLinks(code, LINK_REMOVED, { keepHosts: true });
  return CODE_LIKE.test(kept) ? asMrkdwn(truncate(escapeMrkdwn(kept), max)) : cloudText(code, max);
}

/** Cloud text as plain text (headers, parts of a fallback): links removed first, then cut, so no cut hides a link. */
export function cloudPlain(text: string, max: number): string {
  return plain(withoutLinks(text), max);
}

/** A message's fallback `text` (notifications, screen readers): the same escape as the blocks, links removed, at most `max` characters. */
export function fallbackText<T extends string>(text: Raw<T>, max = 3000): Mrkdwn {
  return cloudText(text, max);
}

/**
 * A message of one section from already-safe mrkdwn (built with the escapes above): its fallback `text` is that same
 * string, so what notifications show and what the message shows can never be escaped differently.
 */
export function mrkdwnMessage(mrkdwn: string): { text: string; blocks: KnownBlock[] } {
  const text = truncate(mrkdwn, 3000);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** A user mention for an id we know is a Slack user id; anything else is shown escaped. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

// A broadcast or group mention can only come from text that escaped its escape: the bot never sends one.
const BROADCAST = /<!(?:channel|here|everyone|subteam\^[^>]*)(?:\|[^>]*)?>/gi;
// A link whose query carries a credential (pre-signed download, STS token): never in a channel message.
const SIGNED_LINK = new RegExp(
  String.raw`<?[a-z][a-z0-9+.-]{0,30}(?::|%(?:25)*3a)(?:[/\\]|%(?:25)*(?:2f|5c)){2}[^\s"'<>|]*?(?:[?&]|%(?:25)*(?:3f|26))${SECRET_PARAM}(?:=|%(?:25)*3d)[^\s"'<>]*>?`,
  'gi',
);

/**
 * The last line of defence on every message the bot sends: broadcast mentions are neutralised everywhere, and
 * (unless the message is the requester's own DM, where the download link belongs) signed links are removed. Builders
 * escape what they render; this catches a builder that forgot, so a slip is a visible "[link removed]", not a leak.
 */
export function guardOutgoing<T>(body: T, opts: { privateLink?: boolean; groups?: readonly string[] } = {}): T {
  // The user groups the bot itself means to mention (APPROVERS' groups asked to approve), exactly as it writes them.
  const allowed = new Set((opts.groups ?? []).map((g) => `<!subteam^${g}>`));
  const fix = (s: string): string => {
    const out = s.replace(BROADCAST, (m) => (allowed.has(m) ? m : escapeMrkdwn(m)));
    return opts.privateLink ? out : out.replace(SIGNED_LINK, LINK_REMOVED);
  };
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key === 'text' || key === 'alt_text' || key === 'title' ? fix(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(body) as T;
}
