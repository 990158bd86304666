import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config.js';
import { knownTimeZone, personZone, slackZoneName } from '../../../src/core/time-zone.js';
import { describeWindow } from '../../../src/dms/track/time-window.js';

const BASE_ENV = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' };

describe('knownTimeZone: the one gate from an outside zone name to Intl', () => {
  it('knows every zone this runtime lists, as named', () => {
    for (const z of Intl.supportedValuesOf('timeZone')) expect(knownTimeZone(z)).toBe(z);
  });

  it.each(['Asia/Shanghai', 'America/New_York', 'UTC', 'Etc/GMT-8', 'Europe/Kyiv', 'Asia/Calcutta', ' Asia/Tokyo '])(
    '%j is known',
    (z) => {
      expect(knownTimeZone(z)).toBe(z.trim());
    },
  );

  it.each([
    '',
    '   ',
    'Mars/Olympus_Mons',
    'Asia/Beijing',
    'Factory',
    'Etc/Unknown',
    '+08:00',
    '-05:00',
    'GMT+8',
    'Asia Shanghai',
    '<!channel>',
    'America/New_York\u0000',
    'a'.repeat(10_000),
  ])('%j is not', (z) => {
    expect(knownTimeZone(z)).toBeUndefined();
  });

  it.each([undefined, null, 42, {}, ['UTC'], true, Symbol('UTC')])('a non-string (%s) is not a zone', (z) => {
    expect(knownTimeZone(z)).toBeUndefined();
  });

  it('PROPERTY: never throws, and whatever it lets through Intl accepts', () => {
    const names = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.constantFrom(...Intl.supportedValuesOf('timeZone')).map((z) => z.toLowerCase()),
      fc.stringMatching(/^[A-Za-z_]{1,12}\/[A-Za-z_+-]{1,14}$/),
    );
    fc.assert(
      fc.property(names, (raw) => {
        const z = knownTimeZone(raw);
        if (z !== undefined) expect(() => new Intl.DateTimeFormat('en-US', { timeZone: z }).format(0)).not.toThrow();
      }),
      { seed: 42, numRuns: 2_000 },
    );
  });
});

describe('a person’s Slack zone', () => {
  it('known: theirs; unknown: UTC with the name, cleaned and bounded; blank or missing: none', () => {
    expect(personZone('America/New_York')).toEqual({ zone: 'America/New_York' });
    expect(personZone('Mars/Olympus_Mons')).toEqual({ zone: 'UTC', unknownName: 'Mars/Olympus_Mons' });
    expect(personZone('Mars\u202E/evil\u0007')).toEqual({ zone: 'UTC', unknownName: 'Mars/evil' });
    expect(personZone('x'.repeat(500))?.unknownName).toBe(`${'x'.repeat(64)}…`);
    expect(personZone('')).toBeUndefined();
    expect(personZone(' \u200B ')).toBeUndefined();
    expect(personZone(undefined)).toBeUndefined();
    expect(personZone(7)).toBeUndefined();
    expect(slackZoneName(' Asia/Tokyo ')).toBe('Asia/Tokyo');
  });

  it('describeWindow shows UTC and says why for an unknown zone, the DMS zone included (a stored ticket read elsewhere)', () => {
    const t = Date.UTC(2026, 2, 9, 9) / 1000;
    expect(
      describeWindow({
        startSeconds: t,
        endSeconds: t + 7200,
        dmsZone: 'Asia/Shanghai',
        userZone: 'Mars/Olympus_Mons',
      }),
    ).toBe(
      '2026-03-09 17:00 UTC+08:00 → 2026-03-09 19:00 UTC+08:00 (DMS, Asia/Shanghai)\n' +
        "2026-03-09 09:00 UTC+00:00 → 2026-03-09 11:00 UTC+00:00 (times in UTC; the requester's Slack time zone “Mars/Olympus_Mons” is unknown here)",
    );
    expect(describeWindow({ startSeconds: t, endSeconds: t + 7200, dmsZone: 'Nowhere/Gone', who: 'you' })).toBe(
      '2026-03-09 09:00 UTC+00:00 → 2026-03-09 11:00 UTC+00:00 (times in UTC; the DMS time zone is unknown here)',
    );
  });

  it('PROPERTY: describeWindow never throws, whatever zones and seconds a stored ticket holds', () => {
    const zone = fc.oneof(fc.anything(), fc.string(), fc.constantFrom(...Intl.supportedValuesOf('timeZone')));
    const seconds = fc.oneof(fc.double(), fc.integer({ min: 978_307_200, max: 2_000_000_000 }));
    fc.assert(
      fc.property(seconds, seconds, zone, zone, (a, b, dmsZone, userZone) => {
        const text = describeWindow({
          startSeconds: a,
          endSeconds: b,
          dmsZone: dmsZone as string,
          userZone: userZone as string,
        });
        expect(typeof text).toBe('string');
      }),
      { seed: 42, numRuns: 1_000 },
    );
  });
});

describe('DMS_TIMEZONE goes through the same gate at start-up', () => {
  it.each(['Mars/Olympus', 'Asia/Beijing', '+08:00', 'Factory'])(
    '%j stops start-up, naming the variable but not the value',
    (v) => {
      expect(() => readConfig({ ...BASE_ENV, DMS_TIMEZONE: v })).toThrow(/DMS_TIMEZONE/);
      try {
        readConfig({ ...BASE_ENV, DMS_TIMEZONE: v });
      } catch (err) {
        expect(String(err)).not.toContain(v);
      }
    },
  );

  it('a known zone is kept as given; unset means Asia/Shanghai', () => {
    expect(readConfig({ ...BASE_ENV, DMS_TIMEZONE: ' America/New_York ' }).DMS_TIMEZONE).toBe('America/New_York');
    expect(readConfig({ ...BASE_ENV }).DMS_TIMEZONE).toBe('Asia/Shanghai');
  });
});

describe('no zone name reaches Intl except through the gate', () => {
  /** Every TypeScript file of the app (not tests). */
  function appFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? appFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  }
  it('only wall-clock.ts and time-zone.ts build Intl date formatters or use toLocale*String', () => {
    const offenders = ['src', 'blocks', 'handlers']
      .flatMap(appFiles)
      .filter((f) => !/src[\\/]core[\\/](wall-clock|time-zone)\.ts$/.test(f))
      .filter((f) =>
        /Intl\s*\.\s*DateTimeFormat|toLocale(Date|Time)?String\s*\(|timeZone\s*:/.test(readFileSync(f, 'utf8')),
      );
    expect(offenders).toEqual([]);
  });
});
