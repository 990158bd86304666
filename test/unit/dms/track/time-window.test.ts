import { describe, expect, it } from 'vitest';
import { knownTimeZone } from '../../../../src/core/time-zone.js';
import {
  describeInZone as describeIn,
  formatInZone as formatIn,
  isValidTimeZone,
  validateTrackWindow,
  type WindowRules,
} from '../../../../src/dms/track/time-window.js';

/** The formatters take only zones that passed the gate; every zone named in these cases is a real one. */
const zone = (name: string) => {
  const z = knownTimeZone(name);
  if (!z) throw new Error(`test zone ${name} unknown`);
  return z;
};
const formatInZone = (t: number, name: string) => formatIn(t, zone(name));
const describeInZone = (t: number, name: string) => describeIn(t, zone(name));

/** ISO instant -> UNIX seconds, so each case reads as the instant it is about. */
const at = (iso: string): number => Date.parse(iso) / 1000;

describe('formatInZone', () => {
  it('converts exactly in Asia/Shanghai (UTC+8, no DST)', () => {
    expect(formatInZone(at('2026-01-15T04:05:06Z'), 'Asia/Shanghai')).toBe('2026-01-15 12:05:06');
    expect(formatInZone(at('2026-07-15T04:05:06Z'), 'Asia/Shanghai')).toBe('2026-07-15 12:05:06');
  });

  it('crosses the date line into the next day', () => {
    expect(formatInZone(at('2026-12-31T23:30:00Z'), 'Asia/Shanghai')).toBe('2027-01-01 07:30:00');
  });

  it('formats midnight as 00, not 24', () => {
    expect(formatInZone(at('2026-01-15T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-01-16 00:00:00');
    expect(formatInZone(at('2026-01-15T05:00:00Z'), 'America/New_York')).toBe('2026-01-15 00:00:00');
    expect(formatInZone(at('2026-01-15T00:00:00Z'), 'UTC')).toBe('2026-01-15 00:00:00');
  });

  it('America/New_York spring-forward skips 02:00-02:59', () => {
    expect(formatInZone(at('2026-03-08T06:59:59Z'), 'America/New_York')).toBe('2026-03-08 01:59:59');
    expect(formatInZone(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08 03:00:00');
  });

  it('America/New_York fall-back shows 01:30 twice', () => {
    expect(formatInZone(at('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30:00');
    expect(formatInZone(at('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30:00');
  });

  it('Europe/Berlin spring-forward and fall-back', () => {
    expect(formatInZone(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe('2026-03-29 01:59:59');
    expect(formatInZone(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29 03:00:00');
    expect(formatInZone(at('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25 02:30:00');
    expect(formatInZone(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25 02:30:00');
  });

  it('drops fractional seconds rather than rounding up', () => {
    expect(formatInZone(at('2026-01-15T04:05:06Z') + 0.999, 'UTC')).toBe('2026-01-15 04:05:06');
  });

  it('throws a RangeError for a time no date can show (callers check picks first)', () => {
    expect(() => formatInZone(Number.NaN, 'UTC')).toThrow(RangeError);
    expect(() => formatInZone(1e20, 'UTC')).toThrow(RangeError);
  });
});

describe('isValidTimeZone', () => {
  it.each(['Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'UTC', 'Etc/GMT-8', 'Asia/Kolkata'])(
    '%s is valid',
    (tz) => {
      expect(isValidTimeZone(tz)).toBe(true);
    },
  );

  it.each(['', ' ', 'Mars/Olympus_Mons', 'Asia/Beijing', '+08:00', '-05:00', 'GMT+8 ', 'Asia Shanghai'])(
    '%j is not',
    (tz) => {
      expect(isValidTimeZone(tz)).toBe(false);
    },
  );
});

describe('describeInZone', () => {
  it('fall-back: the same wall time shows different offsets', () => {
    expect(describeInZone(at('2026-11-01T05:30:00Z'), 'America/New_York')).toBe(
      '2026-11-01 01:30 EDT (UTC\u221204:00)',
    );
    expect(describeInZone(at('2026-11-01T06:30:00Z'), 'America/New_York')).toBe(
      '2026-11-01 01:30 EST (UTC\u221205:00)',
    );
  });

  it('spring-forward', () => {
    expect(describeInZone(at('2026-03-08T06:59:59Z'), 'America/New_York')).toBe(
      '2026-03-08 01:59 EST (UTC\u221205:00)',
    );
    expect(describeInZone(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe(
      '2026-03-08 03:00 EDT (UTC\u221204:00)',
    );
  });

  it('the brief example: Los Angeles in winter', () => {
    expect(describeInZone(at('2026-03-08T09:30:00Z'), 'America/Los_Angeles')).toBe(
      '2026-03-08 01:30 PST (UTC\u221208:00)',
    );
  });

  it('zones without an English abbreviation show only the offset', () => {
    expect(describeInZone(at('2026-01-15T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-01-16 00:00 UTC+08:00');
    expect(describeInZone(at('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25 02:30 UTC+02:00');
    expect(describeInZone(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25 02:30 UTC+01:00');
    expect(describeInZone(at('2026-01-15T00:00:00Z'), 'UTC')).toBe('2026-01-15 00:00 UTC+00:00');
  });

  it('handles offsets that are not whole hours, on both sides of UTC', () => {
    expect(describeInZone(at('2026-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe('2026-01-15 17:45 UTC+05:45');
    expect(describeInZone(at('2026-01-15T12:00:00Z'), 'America/St_Johns')).toMatch(
      /^2026-01-15 08:30 .*UTC\u221203:30\)?$/,
    );
  });
});

describe('validateTrackWindow', () => {
  const now = at('2026-06-01T12:00:00Z');
  const rules: WindowRules = { nowSeconds: now, maxWindowHours: 72, maxLookbackDays: 30 };
  const HOUR = 3_600;
  const DAY = 86_400;

  it('accepts an ordinary window', () => {
    expect(validateTrackWindow(now - 2 * HOUR, now - HOUR, rules)).toEqual([]);
  });

  it('asks for missing times', () => {
    expect(validateTrackWindow(undefined, undefined, rules)).toEqual([
      { field: 'start', message: 'Pick a start time.' },
      { field: 'end', message: 'Pick an end time.' },
    ]);
    expect(validateTrackWindow(now - HOUR, undefined, rules)).toEqual([{ field: 'end', message: 'Pick an end time.' }]);
    expect(validateTrackWindow(undefined, now, rules)).toEqual([{ field: 'start', message: 'Pick a start time.' }]);
  });

  it('treats NaN as missing', () => {
    expect(validateTrackWindow(Number.NaN, now, rules)).toEqual([{ field: 'start', message: 'Pick a start time.' }]);
  });

  it('end must be after start (equal is not enough)', () => {
    const expected = [{ field: 'end', message: 'The end time must be after the start time.' }];
    expect(validateTrackWindow(now - HOUR, now - HOUR, rules)).toEqual(expected);
    expect(validateTrackWindow(now - HOUR, now - 2 * HOUR, rules)).toEqual(expected);
  });

  it('now itself is allowed; one second later is the future', () => {
    expect(validateTrackWindow(now - HOUR, now, rules)).toEqual([]);
    expect(validateTrackWindow(now - HOUR, now + 1, rules)).toEqual([
      { field: 'end', message: 'The end time is in the future.' },
    ]);
    expect(validateTrackWindow(now + 1, now + 2, rules)).toEqual([
      { field: 'start', message: 'The start time is in the future.' },
      { field: 'end', message: 'The end time is in the future.' },
    ]);
  });

  it('exactly maxWindowHours is fine; one second more is not', () => {
    expect(validateTrackWindow(now - 72 * HOUR, now, rules)).toEqual([]);
    expect(validateTrackWindow(now - 72 * HOUR - 1, now, rules)).toEqual([
      { field: 'end', message: 'The window is 72 hours 1 second long; the longest allowed is 72 hours.' },
    ]);
  });

  it('names the actual length and the limit', () => {
    expect(validateTrackWindow(now - 80 * HOUR, now, rules)).toEqual([
      { field: 'end', message: 'The window is 80 hours long; the longest allowed is 72 hours.' },
    ]);
    expect(validateTrackWindow(now - 3 * HOUR - 61, now, { ...rules, maxWindowHours: 1 })).toEqual([
      { field: 'end', message: 'The window is 3 hours 1 minute 1 second long; the longest allowed is 1 hour.' },
    ]);
  });

  it('exactly maxLookbackDays back is fine; one second more is not', () => {
    expect(validateTrackWindow(now - 30 * DAY, now - 30 * DAY + HOUR, rules)).toEqual([]);
    expect(validateTrackWindow(now - 30 * DAY - 1, now - 30 * DAY + HOUR, rules)).toEqual([
      { field: 'start', message: 'The start time is 30 days 1 second ago; the furthest back allowed is 30 days.' },
    ]);
  });

  it('reports a too-old start and a too-long window together', () => {
    expect(validateTrackWindow(now - 40 * DAY, now, { ...rules, maxLookbackDays: 1 })).toEqual([
      { field: 'start', message: 'The start time is 40 days ago; the furthest back allowed is 1 day.' },
      { field: 'end', message: 'The window is 960 hours long; the longest allowed is 72 hours.' },
    ]);
  });

  it('gives at most one error per field, the most basic first', () => {
    const errors = validateTrackWindow(now - 100 * DAY, now + DAY, rules);
    expect(errors).toEqual([
      { field: 'start', message: 'The start time is 100 days ago; the furthest back allowed is 30 days.' },
      { field: 'end', message: 'The end time is in the future.' },
    ]);
  });
});
