import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownTimeZone, type TimeZone } from '../../../../src/core/time-zone.js';
import { formatInZone, offsetAt } from '../../../../src/core/wall-clock.js';
import { toDmsWindow } from '../../../../src/dms/track/dms-window.js';
import { checkTrackWindow, readPickedSeconds, type WindowRules } from '../../../../src/dms/track/time-window.js';

const at = (iso: string): number => Date.parse(iso) / 1000;
const HOUR = 3_600;
const DAY = 86_400;
const zone = (name: string): TimeZone => knownTimeZone(name)!;
const NY = zone('America/New_York');

/**
 * Oracle, independent of the code under test: every instant whose wall time in the zone is `wall`, found by trying
 * every quarter-hour offset from UTC−14 to UTC+14 (every offset in use since 1980 is a multiple of 15 minutes).
 */
function instantsWithWall(wall: string, z: TimeZone): number[] {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(wall)!;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const out: number[] = [];
  for (let q = -56; q <= 56; q++) {
    const t = asUtc - q * 900;
    if (formatInZone(t, z) === wall) out.push(t);
  }
  return out;
}

/** Clock changes of a zone in 2025–2026, to the second (weekly offset scan, then halving; none are a week apart). */
const transitionCache = new Map<string, number[]>();
function transitionsOf(z: TimeZone): number[] {
  const hit = transitionCache.get(z);
  if (hit) return hit;
  const out: number[] = [];
  const from = at('2025-01-01T00:00:00Z');
  let prev = offsetAt(from, z);
  for (let t = from + 7 * DAY; t <= at('2027-01-01T00:00:00Z'); t += 7 * DAY) {
    const o = offsetAt(t, z);
    if (o !== prev) {
      let lo = t - 7 * DAY;
      let hi = t;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid, z) === prev) lo = mid;
        else hi = mid;
      }
      out.push(hi);
      prev = o;
    }
  }
  transitionCache.set(z, out);
  return out;
}

describe('the window DMS gets (wall clock in DMS_TIMEZONE)', () => {
  it('the issue’s case: 01:50 EDT → 01:20 EST is widened outward to cover both instants, in order', () => {
    const r = toDmsWindow(at('2026-11-01T05:50:00Z'), at('2026-11-01T06:20:00Z'), NY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.window.start.wall).toBe('2026-11-01 00:59:59');
    expect(r.window.end.wall).toBe('2026-11-01 02:00:00');
    expect(r.window.notes.map((n) => [n.which, n.widened, n.repeated])).toEqual([
      ['start', true, { date: '2026-11-01', from: '01:00', to: '02:00', before: 'EDT', after: 'EST' }],
      ['end', true, { date: '2026-11-01', from: '01:00', to: '02:00', before: 'EDT', after: 'EST' }],
    ]);
  });

  it('an ambiguous boundary that already covers the pick is kept, and the note says DMS may read it wider', () => {
    // 01:20 EST (the second 01:20) → 01:50 EST: the start may be read as 01:20 EDT, an hour earlier; the end must move.
    const now = at('2026-11-02T00:00:00Z');
    const r = checkTrackWindow(at('2026-11-01T06:20:00Z'), at('2026-11-01T06:50:00Z'), {
      nowSeconds: now,
      maxWindowHours: 72,
      maxLookbackDays: 30,
      dmsZone: NY,
    });
    expect(r.ok && [r.window.start.wall, r.window.end.wall]).toEqual(['2026-11-01 01:20:00', '2026-11-01 02:00:00']);
    expect(r.ok && r.note).toBe(
      '01:00–02:00 on 2026-11-01 happens twice in America/New_York (EDT, then EST): DMS cannot tell which one a time in it means, so the window filed with DMS is widened to 2026-11-01 01:20:00 → 2026-11-01 02:00:00 to cover the picked times.',
    );
  });

  it('spring-forward needs nothing: every picked instant has one wall time, and the gap is never filed', () => {
    const r = toDmsWindow(at('2026-03-08T06:30:00Z'), at('2026-03-08T07:30:00Z'), NY);
    expect(r.ok && [r.window.start.wall, r.window.end.wall, r.window.notes]).toEqual([
      '2026-03-08 01:30:00',
      '2026-03-08 03:30:00',
      [],
    ]);
  });

  it('half-hour clock changes (Lord Howe) and zones without abbreviations name the offsets', () => {
    const r = toDmsWindow(at('2026-04-04T14:40:00Z'), at('2026-04-04T15:10:00Z'), zone('Australia/Lord_Howe'));
    expect(r.ok && [r.window.start.wall, r.window.end.wall]).toEqual(['2026-04-05 01:29:59', '2026-04-05 02:00:00']);
    expect(r.ok && r.window.notes[0]!.repeated).toEqual({
      date: '2026-04-05',
      from: '01:30',
      to: '02:00',
      before: 'UTC+11:00',
      after: 'UTC+10:30',
    });
  });

  it('refuses inline, naming the times, when the widened end would be in the future', () => {
    // Now is 01:30 EST (the second time round); the person picked an end of 01:25 EST: DMS may read 01:25 as EDT.
    const now = at('2026-11-01T06:30:00Z');
    const r = checkTrackWindow(at('2026-11-01T06:00:00Z'), at('2026-11-01T06:25:00Z'), {
      nowSeconds: now,
      maxWindowHours: 72,
      maxLookbackDays: 30,
      dmsZone: NY,
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          field: 'end',
          message:
            'Around the clock change, DMS may read this window as 2026-11-01 01:00 EDT (UTC−04:00) → 2026-11-01 02:00 EST (UTC−05:00), which ends in the future. Pick an end before the clock change, or wait until 2026-11-01 02:00 EST (UTC−05:00) has passed.',
        },
      ],
    });
  });

  it('refuses a window that is within the limit as picked but over it as DMS may read it', () => {
    const rules: WindowRules & { dmsZone: TimeZone } = {
      nowSeconds: at('2026-11-02T00:00:00Z'),
      maxWindowHours: 1,
      maxLookbackDays: 30,
      dmsZone: NY,
    };
    const r = checkTrackWindow(at('2026-11-01T05:30:00Z'), at('2026-11-01T06:30:00Z'), rules);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.field).toBe('end');
    expect(!r.ok && r.errors[0]!.message).toMatch(
      /DMS may read this window as 2026-11-01 00:59 EDT .* → 2026-11-01 02:00 EST .*: 2 hours 1 second; the longest allowed is 1 hour/,
    );
  });

  it('PROPERTY: around every clock change of every zone, a window is refused inline or filed in order and covering the picks', () => {
    const zones = Intl.supportedValuesOf('timeZone').map(zone);
    const stats = { filed: 0, refused: 0, widened: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.nat(),
        fc.integer({ min: -3 * HOUR, max: 3 * HOUR }),
        fc.integer({ min: 1, max: 4 * HOUR }),
        fc.constantFrom(0, 1, 90, DAY),
        (z, which, shift, length, slack) => {
          const changes = transitionsOf(z);
          const anchor =
            changes.length > 0 ? changes[which % changes.length]! : at('2026-06-15T12:00:00Z') + (which % 400) * DAY;
          const s = anchor + shift;
          const e = s + length;
          const r = checkTrackWindow(s, e, {
            nowSeconds: e + slack,
            maxWindowHours: 72,
            maxLookbackDays: 30,
            dmsZone: z,
          });
          if (!r.ok) {
            stats.refused++;
            expect(r.errors.length).toBeGreaterThan(0);
            for (const err of r.errors) expect(err.message.length).toBeGreaterThan(20);
            return;
          }
          stats.filed++;
          const { start, end } = r.window;
          expect(start.wall < end.wall, `${z}: ${start.wall} < ${end.wall}`).toBe(true);
          const startReadings = instantsWithWall(start.wall, z);
          const endReadings = instantsWithWall(end.wall, z);
          expect(startReadings.length).toBeGreaterThan(0);
          expect(endReadings.length).toBeGreaterThan(0);
          expect(
            Math.max(...startReadings),
            `${z}: every reading of ${start.wall} is at or before the picked start`,
          ).toBeLessThanOrEqual(s);
          expect(
            Math.min(...endReadings),
            `${z}: every reading of ${end.wall} is at or after the picked end`,
          ).toBeGreaterThanOrEqual(e);
          expect(start.earliest).toBe(Math.min(...startReadings));
          expect(end.latest).toBe(Math.max(...endReadings));
          if (r.note === undefined) expect([start.wall, end.wall]).toEqual([formatInZone(s, z), formatInZone(e, z)]);
          else stats.widened++;
        },
      ),
      { seed: 42, numRuns: 600 },
    );
    // Not vacuous: most windows are filed, some of them across a repeated hour, and the refusals are the rare ones.
    expect(stats.filed).toBeGreaterThan(stats.refused * 4);
    expect(stats.widened).toBeGreaterThan(20);
  });
});

describe('datetimepicker values as Slack sends them (UNIX seconds, untrusted)', () => {
  it.each([
    ['a numeric string', '1773000000', /not a value the date-and-time picker sends/],
    ['NaN', Number.NaN, /not a value the date-and-time picker sends/],
    ['Infinity', Number.POSITIVE_INFINITY, /not a value the date-and-time picker sends/],
    ['an object', { seconds: 1 }, /not a value the date-and-time picker sends/],
    ['true', true, /not a value the date-and-time picker sends/],
    ['negative', -1, /before 2001, which DMS cannot track/],
    ['zero', 0, /before 2001/],
    ['2000-12-31', at('2000-12-31T23:59:59Z'), /before 2001/],
    ['far future', 1e20, /in the future/],
    ['Number.MAX_VALUE', Number.MAX_VALUE, /in the future/],
  ])('%s gets a clear message, never a throw', (_name, raw, message) => {
    const r = readPickedSeconds(raw, 'start');
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.message).toMatch(message);
  });

  it('null and undefined mean "not picked"; 2001-01-01 and fractional seconds are read', () => {
    expect(readPickedSeconds(null, 'end')).toEqual({ ok: 'missing' });
    expect(readPickedSeconds(undefined, 'end')).toEqual({ ok: 'missing' });
    expect(readPickedSeconds(978_307_200, 'end')).toEqual({ ok: true, seconds: 978_307_200 });
    expect(readPickedSeconds(1_773_000_000.75, 'end')).toEqual({ ok: true, seconds: 1_773_000_000 });
  });

  it('PROPERTY: any value in either picker gets errors or a window, never a throw', () => {
    const now = at('2026-06-01T12:00:00Z');
    const picks = fc.oneof(
      fc.anything(),
      fc.double(),
      fc.integer({ min: now - 40 * DAY, max: now + DAY }),
      fc.constant(null),
    );
    const zones = fc.constantFrom(
      ...['America/New_York', 'Asia/Shanghai', 'Europe/Dublin', 'Pacific/Apia', 'Australia/Lord_Howe'].map(zone),
    );
    fc.assert(
      fc.property(picks, picks, zones, (a, b, z) => {
        const r = checkTrackWindow(a, b, { nowSeconds: now, maxWindowHours: 72, maxLookbackDays: 30, dmsZone: z });
        if (r.ok) expect(r.window.start.wall < r.window.end.wall).toBe(true);
        else for (const e of r.errors) expect(e.message).toMatch(/\w/);
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
