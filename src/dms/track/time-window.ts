/**
 * Data-tracking windows: Slack's datetimepicker hands us UNIX seconds, while DMS wants `yyyy-MM-dd HH:mm:ss` wall
 * time in the zone of the DMS instance (see dms-window.ts for the clock changes).
 */

import { knownTimeZone, personZone, type TimeZone, UTC, unknownZoneNote } from '../../core/time-zone.js';
import { describeInZone, isShowable } from '../../core/wall-clock.js';
import { type DmsWindow, dmsWindowNote, toDmsWindow } from './dms-window.js';

export { isValidTimeZone } from '../../core/time-zone.js';
export { describeInZone, formatInZone } from '../../core/wall-clock.js';

/** Limits a tracking window must respect; `nowSeconds` is injected so tests control time. */
export interface WindowRules {
  nowSeconds: number;
  maxWindowHours: number;
  maxLookbackDays: number;
}

/** A problem to show next to one of the two pickers. */
export type WindowError = { field: 'start' | 'end'; message: string };

/** 2001-01-01T00:00:00Z: nothing DMS can track is older, and Slack's picker never sends less. */
export const EARLIEST_PICK = 978_307_200;
/** 9999-12-31T23:59:59Z: past it a number is not a date anyone picks. */
export const LATEST_PICK = 253_402_300_799;

/** A datetimepicker value as Slack sent it (untrusted) -> whole UNIX seconds, or the reason it is not one. */
export function readPickedSeconds(
  raw: unknown,
  which: 'start' | 'end',
): { ok: true; seconds: number } | { ok: false; message: string } | { ok: 'missing' } {
  if (raw === undefined || raw === null) return { ok: 'missing' };
  const label = `The ${which} time`;
  if (typeof raw !== 'number' || !Number.isFinite(raw))
    return {
      ok: false,
      message: `${label} is not a value the date-and-time picker sends. Pick the ${which} time again.`,
    };
  if (raw < EARLIEST_PICK)
    return { ok: false, message: `${label} is before 2001, which DMS cannot track. Pick a recent ${which} time.` };
  if (raw > LATEST_PICK) return { ok: false, message: `${label} is in the future.` };
  return { ok: true, seconds: Math.floor(raw) };
}

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
 * Check a tracking window: values the picker can send; end after start; neither in the future; length <=
 * maxWindowHours; start not older than maxLookbackDays. At most one error per field, most basic first, because a
 * Slack modal shows a single message under each input.
 */
export function validateTrackWindow(startRaw: unknown, endRaw: unknown, rules: WindowRules): WindowError[] {
  const startPick = readPickedSeconds(Number.isNaN(startRaw) ? undefined : startRaw, 'start');
  const endPick = readPickedSeconds(Number.isNaN(endRaw) ? undefined : endRaw, 'end');
  const start = startPick.ok === true ? startPick.seconds : undefined;
  const end = endPick.ok === true ? endPick.seconds : undefined;
  const { nowSeconds, maxWindowHours, maxLookbackDays } = rules;
  let startError: string | undefined;
  let endError: string | undefined;

  if (startPick.ok === 'missing') startError = 'Pick a start time.';
  else if (startPick.ok === false) startError = startPick.message;
  else if (start! > nowSeconds) startError = 'The start time is in the future.';
  else if (nowSeconds - start! > maxLookbackDays * 86_400) {
    startError = `The start time is ${spanText(nowSeconds - start!, 'day')} ago; the furthest back allowed is ${plural(maxLookbackDays, 'day')}.`;
  }

  if (endPick.ok === 'missing') endError = 'Pick an end time.';
  else if (endPick.ok === false) endError = endPick.message;
  else if (end! > nowSeconds) endError = 'The end time is in the future.';
  else if (start !== undefined && end! <= start) endError = 'The end time must be after the start time.';
  else if (start !== undefined && end! - start > maxWindowHours * 3_600) {
    endError = `The window is ${spanText(end! - start, 'hour')} long; the longest allowed is ${plural(maxWindowHours, 'hour')}.`;
  }

  const errors: WindowError[] = [];
  if (startError) errors.push({ field: 'start', message: startError });
  if (endError) errors.push({ field: 'end', message: endError });
  return errors;
}

/**
 * The whole check: the picked instants (validateTrackWindow), then the window as DMS will read it in its zone, which
 * around a clock change may be wider than the picks and must still keep the rules. Never throws.
 */
export function checkTrackWindow(
  startRaw: unknown,
  endRaw: unknown,
  rules: WindowRules & { dmsZone: TimeZone },
): { ok: true; start: number; end: number; window: DmsWindow; note?: string } | { ok: false; errors: WindowError[] } {
  const errors = validateTrackWindow(startRaw, endRaw, rules);
  if (errors.length > 0) return { ok: false, errors };
  const start = Math.floor(startRaw as number);
  const end = Math.floor(endRaw as number);
  const converted = toDmsWindow(start, end, rules.dmsZone);
  if (!converted.ok) return { ok: false, errors: [converted.error] };
  const w = converted.window;
  const note = dmsWindowNote(w);
  if (note === undefined) return { ok: true, start, end, window: w };
  // DMS may read the filed walls as earlier/later instants than picked: the rules hold for whatever it reads.
  const why = `Around the clock change, DMS may read this window as ${describeInZone(w.start.earliest, rules.dmsZone)} → ${describeInZone(w.end.latest, rules.dmsZone)}`;
  if (w.end.latest > rules.nowSeconds) {
    return {
      ok: false,
      errors: [
        {
          field: 'end',
          message: `${why}, which ends in the future. Pick an end before the clock change, or wait until ${describeInZone(w.end.latest, rules.dmsZone)} has passed.`,
        },
      ],
    };
  }
  if (w.end.latest - w.start.earliest > rules.maxWindowHours * 3_600) {
    return {
      ok: false,
      errors: [
        {
          field: 'end',
          message: `${why}: ${spanText(w.end.latest - w.start.earliest, 'hour')}; the longest allowed is ${plural(rules.maxWindowHours, 'hour')}. Pick a shorter window.`,
        },
      ],
    };
  }
  if (rules.nowSeconds - w.start.earliest > rules.maxLookbackDays * 86_400) {
    return {
      ok: false,
      errors: [
        {
          field: 'start',
          message: `${why}, which starts more than ${plural(rules.maxLookbackDays, 'day')} ago. Pick a later start.`,
        },
      ],
    };
  }
  return { ok: true, start, end, window: w, note };
}

/**
 * The window in the DMS zone and, when different, the person's Slack zone; an unknown zone (a Slack profile, or a
 * stored ticket read by a runtime that lacks its zone) shows UTC and says so. Never throws.
 */
export function describeWindow(d: {
  startSeconds: number;
  endSeconds: number;
  dmsZone: string;
  userZone?: string;
  who?: 'you' | 'requester';
}): string {
  if (!isShowable(d.startSeconds) || !isShowable(d.endSeconds)) return 'not a time that can be shown';
  const inZone = (tz: TimeZone) => `${describeInZone(d.startSeconds, tz)} → ${describeInZone(d.endSeconds, tz)}`;
  const dms = knownTimeZone(d.dmsZone);
  const lines = [
    dms ? `${inZone(dms)} (DMS, ${dms})` : `${inZone(UTC)} (times in UTC; the DMS time zone is unknown here)`,
  ];
  const person = personZone(d.userZone);
  const who = d.who ?? 'requester';
  if (person?.unknownName !== undefined) lines.push(`${inZone(UTC)} (${unknownZoneNote(person.unknownName, who)})`);
  else if (person && person.zone !== (dms ?? UTC)) lines.push(`${inZone(person.zone)} (${who}, ${person.zone})`);
  return lines.join('\n');
}
