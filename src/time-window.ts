/**
 * Data-tracking windows: Slack's datetimepicker hands us UNIX seconds, while DMS wants
 * `yyyy-MM-dd HH:mm:ss` wall time in the zone of the DMS instance.
 */

interface WallTime {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  /** en-US short zone name: "EST" where one exists, otherwise "GMT+8"-style. */
  zoneName: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // hourCycle h23, not hour12:false: the latter renders midnight as "24" in some engines.
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallTime(unixSeconds: number, timeZone: string): WallTime {
  if (!Number.isFinite(unixSeconds)) throw new RangeError(`Not a time: ${unixSeconds}`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone: ${timeZone}`);
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(Math.floor(unixSeconds) * 1000)) parts[p.type] = p.value;
  const get = (type: string): string => parts[type] ?? '';
  return {
    year: get('year').padStart(4, '0'),
    month: get('month'),
    day: get('day'),
    // Belt and braces for engines that ignore hourCycle.
    hour: get('hour') === '24' ? '00' : get('hour'),
    minute: get('minute'),
    second: get('second'),
    zoneName: get('timeZoneName'),
  };
}

/** UNIX seconds -> 'yyyy-MM-dd HH:mm:ss' wall time in the IANA zone; throws RangeError for an unknown zone. */
export function formatInZone(unixSeconds: number, timeZone: string): string {
  const w = wallTime(unixSeconds, timeZone);
  return `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}:${w.second}`;
}

/** Is this a valid IANA zone name this runtime knows? */
export function isValidTimeZone(tz: string): boolean {
  // Newer runtimes also accept "+08:00"; refusing it keeps the answer the same on every Node version.
  if (tz.trim() === '' || /^[+-]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Human display, e.g. "2026-03-08 01:30 PST (UTC−08:00)"; zones without an English abbreviation show only the offset. */
export function describeInZone(unixSeconds: number, timeZone: string): string {
  const w = wallTime(unixSeconds, timeZone);
  // The offset is derived from the wall time itself, so it is right even where Intl has no name for the zone.
  const asUtc = Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day), Number(w.hour), Number(w.minute), Number(w.second));
  const offsetMinutes = Math.round((asUtc - Math.floor(unixSeconds) * 1000) / 60_000);
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '\u2212' : '+';
  const offset = `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const hasAbbreviation = w.zoneName !== '' && !/^(GMT|UTC)/.test(w.zoneName);
  const wall = `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
  return hasAbbreviation ? `${wall} ${w.zoneName} (${offset})` : `${wall} ${offset}`;
}

/** Limits a tracking window must respect; `nowSeconds` is injected so tests control time. */
export interface WindowRules {
  nowSeconds: number;
  maxWindowHours: number;
  maxLookbackDays: number;
}

/** A problem to show next to one of the two pickers. */
export type WindowError = { field: 'start' | 'end'; message: string };

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
] as const;

/** "72 hours 1 second": exact, so a window one second too long does not read as "72 hours". */
function spanText(seconds: number, largest: 'day' | 'hour'): string {
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [name, size] of UNITS.slice(largest === 'day' ? 0 : 1)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(plural(n, name));
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}

/**
 * Check a tracking window: end after start; neither in the future; length <= maxWindowHours;
 * start not older than maxLookbackDays. At most one error per field, most basic first,
 * because a Slack modal shows a single message under each input.
 */
export function validateTrackWindow(
  startSeconds: number | undefined,
  endSeconds: number | undefined,
  rules: WindowRules,
): WindowError[] {
  const start = startSeconds !== undefined && Number.isFinite(startSeconds) ? startSeconds : undefined;
  const end = endSeconds !== undefined && Number.isFinite(endSeconds) ? endSeconds : undefined;
  const { nowSeconds, maxWindowHours, maxLookbackDays } = rules;
  let startError: string | undefined;
  let endError: string | undefined;

  if (start === undefined) startError = 'Pick a start time.';
  else if (start > nowSeconds) startError = 'The start time is in the future.';
  else if (nowSeconds - start > maxLookbackDays * 86_400) {
    startError = `The start time is ${spanText(nowSeconds - start, 'day')} ago; the furthest back allowed is ${plural(maxLookbackDays, 'day')}.`;
  }

  if (end === undefined) endError = 'Pick an end time.';
  else if (end > nowSeconds) endError = 'The end time is in the future.';
  else if (start !== undefined && end <= start) endError = 'The end time must be after the start time.';
  else if (start !== undefined && end - start > maxWindowHours * 3_600) {
    endError = `The window is ${spanText(end - start, 'hour')} long; the longest allowed is ${plural(maxWindowHours, 'hour')}.`;
  }

  const errors: WindowError[] = [];
  if (startError) errors.push({ field: 'start', message: startError });
  if (endError) errors.push({ field: 'end', message: endError });
  return errors;
}

/** The window in the DMS zone and, when different, the requester's Slack zone. */
export function describeWindow(d: { startSeconds: number; endSeconds: number; dmsZone: string; userZone?: string }): string {
  const inZone = (tz: string) => `${describeInZone(d.startSeconds, tz)} → ${describeInZone(d.endSeconds, tz)}`;
  const lines = [`${inZone(d.dmsZone)} (DMS, ${d.dmsZone})`];
  if (d.userZone && d.userZone !== d.dmsZone) lines.push(`${inZone(d.userZone)} (requester, ${d.userZone})`);
  return lines.join('\n');
}
