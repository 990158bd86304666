/**
 * Instants <-> wall-clock time in an IANA zone, including the awkward parts: a wall time that happens twice when
 * clocks go back, and finding the clock change itself. Every function takes a `TimeZone` (see time-zone.ts), so no
 * unchecked zone name reaches Intl from here.
 */
import type { TimeZone } from './time-zone.js';

/** One wall-clock reading, zero-padded. */
export interface WallTime {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  /** en-US short zone name: "EST" where one exists, otherwise "GMT+8"-style. */
  zoneName: string;
}

/** The instants Intl can show: JavaScript dates reach ±8.64e15 ms; a day's margin keeps the offset probes inside. */
const MAX_SECONDS = 8.64e12 - 2 * 86_400;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** With the zone's short name (for display), or numbers only (about three times faster: offsets, DMS walls). */
function formatterFor(zone: TimeZone, named: boolean): Intl.DateTimeFormat {
  const key = `${named ? 'n' : 'p'}${zone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // hourCycle h23, not hour12:false: the latter renders midnight as "24" in some engines.
      hourCycle: 'h23',
      ...(named ? { timeZoneName: 'short' as const } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

/** Can this number of UNIX seconds be shown as a date at all? */
export function isShowable(unixSeconds: unknown): unixSeconds is number {
  return typeof unixSeconds === 'number' && Number.isFinite(unixSeconds) && Math.abs(unixSeconds) <= MAX_SECONDS;
}

/** The wall-clock reading of an instant in a zone; RangeError for an instant no date can show. */
export function wallTime(unixSeconds: number, zone: TimeZone, named = true): WallTime {
  if (!isShowable(unixSeconds)) throw new RangeError(`Not a time: ${unixSeconds}`);
  if (!named) {
    // "11/01/2026, 01:50:00": the en-US numeric pattern; anything else (eras, odd years) takes the parts path.
    const m = /^(\d{2})\/(\d{2})\/(\d{1,4}), (\d{2}):(\d{2}):(\d{2})$/.exec(
      formatterFor(zone, false).format(Math.floor(unixSeconds) * 1000),
    );
    if (m)
      return {
        year: m[3]!.padStart(4, '0'),
        month: m[1]!,
        day: m[2]!,
        hour: m[4] === '24' ? '00' : m[4]!,
        minute: m[5]!,
        second: m[6]!,
        zoneName: '',
      };
  }
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone, true).formatToParts(Math.floor(unixSeconds) * 1000)) parts[p.type] = p.value;
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

/** UNIX seconds -> 'yyyy-MM-dd HH:mm:ss' wall time in the zone (the format DMS takes). */
export function formatInZone(unixSeconds: number, zone: TimeZone): string {
  const w = wallTime(unixSeconds, zone, false);
  return `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}:${w.second}`;
}

/** The wall time read as if it were UTC, in seconds: wall time minus UTC is the zone's offset. */
function wallAsUtc(w: WallTime): number {
  return (
    Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day), Number(w.hour), Number(w.minute), Number(w.second)) /
    1000
  );
}

/** The zone's offset from UTC at an instant, in seconds (east positive). */
export function offsetAt(unixSeconds: number, zone: TimeZone): number {
  return wallAsUtc(wallTime(unixSeconds, zone, false)) - Math.floor(unixSeconds);
}

/** "EDT", or "UTC+08:00" where the zone has no English abbreviation. */
export function zoneLabel(unixSeconds: number, zone: TimeZone): string {
  const w = wallTime(unixSeconds, zone);
  if (w.zoneName !== '' && !/^(GMT|UTC)/.test(w.zoneName)) return w.zoneName;
  return offsetText(wallAsUtc(w) - Math.floor(unixSeconds));
}

/** "UTC−04:00" (a real minus sign). */
export function offsetText(offsetSeconds: number): string {
  const minutes = Math.round(offsetSeconds / 60);
  const abs = Math.abs(minutes);
  const sign = minutes < 0 ? '\u2212' : '+';
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Human display, e.g. "2026-03-08 01:30 PST (UTC−08:00)"; zones without an English abbreviation show only the offset. */
export function describeInZone(unixSeconds: number, zone: TimeZone): string {
  const w = wallTime(unixSeconds, zone);
  // The offset is derived from the wall time itself, so it is right even where Intl has no name for the zone.
  const offset = offsetText(wallAsUtc(w) - Math.floor(unixSeconds));
  const hasAbbreviation = w.zoneName !== '' && !/^(GMT|UTC)/.test(w.zoneName);
  const wall = `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
  return hasAbbreviation ? `${wall} ${w.zoneName} (${offset})` : `${wall} ${offset}`;
}

const HOUR = 3_600;

/**
 * Every instant whose wall time in the zone is the same as `unixSeconds`'s, ascending (one, or two where clocks go
 * back). Offsets on Earth lie within UTC−12 and UTC+14, so the candidates are the offsets in force within that reach,
 * probed hourly (no zone keeps an offset for less than an hour), each checked by formatting it back.
 */
export function sameWallInstants(unixSeconds: number, zone: TimeZone): number[] {
  const t = Math.floor(unixSeconds);
  const wall = formatInZone(t, zone);
  const asUtc = t + offsetAt(t, zone);
  const offsets = new Set<number>();
  for (let k = -15; k <= 13; k++) {
    const probe = asUtc + k * HOUR;
    if (isShowable(probe)) offsets.add(offsetAt(probe, zone));
  }
  const out = new Set<number>([t]);
  for (const o of offsets) {
    const candidate = asUtc - o;
    if (isShowable(candidate) && formatInZone(candidate, zone) === wall) out.add(candidate);
  }
  return [...out].sort((a, b) => a - b);
}

/** The first instant in (from, to] whose offset differs from the offset at `from` (the clock change), if any. */
export function firstChange(from: number, to: number, zone: TimeZone): number | undefined {
  const base = offsetAt(from, zone);
  // Coarse hourly steps first (two changes can cancel out across a long span), then halve down to the second.
  let lo = Math.floor(from);
  let hi: number | undefined;
  for (let t = lo + HOUR; ; t += HOUR) {
    const probe = Math.min(t, to);
    if (offsetAt(probe, zone) !== base) {
      hi = probe;
      break;
    }
    lo = probe;
    if (probe >= to) return undefined;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, zone) === base) lo = mid;
    else hi = mid;
  }
  return hi;
}
