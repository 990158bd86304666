/** Escapes user text for mrkdwn so `<!channel>`, `<@U1>` or `<http://x|y>` render as text, not as pings or links. */
export function escapeMrkdwn(text: string): string {
  return sanitize(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Bidi overrides/isolates and C0/C1 controls (except tab and newline) can disguise what a message says.
const UNSAFE_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Removes characters that can disguise text (bidi overrides, control characters). */
export function sanitize(text: string): string {
  return text.replace(UNSAFE_CHARS, '');
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
  return '```' + safe + '```';
}

/** Plain text (modal labels, option text, headers) cut to a Block Kit limit. */
export function plain(text: string, max: number): string {
  return truncate(sanitize(text).replace(/\s+/g, ' ').trim(), max, '…');
}

/** A user mention for an id we know is a Slack user id; anything else is shown escaped. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}
