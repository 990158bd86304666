/**
 * A tracking window as DMS can take it: two `yyyy-MM-dd HH:mm:ss` wall times in the DMS zone. Where a picked instant
 * falls in the hour that repeats when clocks go back, its wall time names two instants and DMS may read either; the
 * boundary is then moved outward to the nearest wall time that cannot be misread against the person (the start to
 * just before the repeated hour, the end to just after it), so the filed window always covers what was picked.
 */
import type { TimeZone } from '../../core/time-zone.js';
import { firstChange, formatInZone, offsetAt, sameWallInstants, zoneLabel } from '../../core/wall-clock.js';

/** One filed boundary: the wall time DMS gets and the instants it may read it as. */
export interface DmsBoundary {
  wall: string;
  /** Earliest and latest instant with this wall time (equal unless it is in a repeated hour). */
  earliest: number;
  latest: number;
}

/** A wall-clock stretch that happens twice, e.g. 01:00–02:00 on 2026-11-01, first EDT then EST. */
export interface RepeatedStretch {
  date: string;
  from: string;
  to: string;
  before: string;
  after: string;
}

/** Why a boundary is not simply the picked instant's wall time, for the preview and the ticket. */
export interface BoundaryNote {
  which: 'start' | 'end';
  picked: number;
  /** True when the boundary was moved; false when the wall time is ambiguous but every reading covers the pick. */
  widened: boolean;
  repeated: RepeatedStretch;
}

/** The window as filed with DMS. */
export interface DmsWindow {
  zone: TimeZone;
  start: DmsBoundary;
  end: DmsBoundary;
  notes: BoundaryNote[];
}

// Each step moves past one clock change; real zones never chain more than a couple within a window's reach.
const MAX_STEPS = 4;

function boundaryAt(t: number, zone: TimeZone): DmsBoundary {
  const readings = sameWallInstants(t, zone);
  return { wall: formatInZone(t, zone), earliest: readings[0]!, latest: readings.at(-1)! };
}

/** The repeated stretch a wall time with two readings sits in. */
function repeatedStretch(earliest: number, latest: number, zone: TimeZone): RepeatedStretch | undefined {
  const change = firstChange(earliest, latest, zone);
  if (change === undefined) return undefined;
  const back = offsetAt(earliest, zone) - offsetAt(change, zone);
  if (back <= 0) return undefined;
  const from = formatInZone(change, zone);
  const to = formatInZone(change + back, zone);
  return {
    date: from.slice(0, 10),
    from: from.slice(11, 16),
    to: to.slice(11, 16),
    before: zoneLabel(change - 1, zone),
    after: zoneLabel(change, zone),
  };
}

/** The latest wall time at or before `s` that DMS cannot read as any instant after `s`. */
function startBoundary(s: number, zone: TimeZone): DmsBoundary | undefined {
  let t = s;
  for (let i = 0; i < MAX_STEPS; i++) {
    const b = boundaryAt(t, zone);
    if (b.latest <= s) return b;
    // The wall time comes round again after s: clocks go back between t and b.latest. Step to before the repeat.
    const change = firstChange(t, b.latest, zone);
    if (change === undefined) return undefined;
    const back = offsetAt(t, zone) - offsetAt(change, zone);
    t = back > 0 ? Math.min(t - 1, change - back - 1) : t - 1;
  }
  return undefined;
}

/** The earliest wall time at or after `e` that DMS cannot read as any instant before `e`. */
function endBoundary(e: number, zone: TimeZone): DmsBoundary | undefined {
  let t = e;
  for (let i = 0; i < MAX_STEPS; i++) {
    const b = boundaryAt(t, zone);
    if (b.earliest >= e) return b;
    // The wall time happened already before e: clocks went back between b.earliest and t. Step past the repeat.
    const change = firstChange(b.earliest, t, zone);
    if (change === undefined) return undefined;
    const back = offsetAt(b.earliest, zone) - offsetAt(change, zone);
    t = back > 0 ? Math.max(t + 1, change + back) : t + 1;
  }
  return undefined;
}

/** A problem with the window as DMS would take it, on the picker it belongs to. */
export type DmsWindowError = { field: 'start' | 'end'; message: string };

/**
 * Converts picked instants (start < end, already checked) to the window filed with DMS, widening an ambiguous boundary
 * outward. Refuses (never throws) when no wall-clock window in the zone covers the picks with start before end.
 */
export function toDmsWindow(
  start: number,
  end: number,
  zone: TimeZone,
): { ok: true; window: DmsWindow } | { ok: false; error: DmsWindowError } {
  const s = Math.floor(start);
  const e = Math.floor(end);
  const a = startBoundary(s, zone);
  const b = endBoundary(e, zone);
  const picked = `${formatInZone(s, zone)} → ${formatInZone(e, zone)}`;
  if (!a || !b || a.wall >= b.wall) {
    return {
      ok: false,
      error: {
        field: 'end',
        message:
          `In ${zone} wall-clock time (what DMS gets) this window reads ${picked}, and clocks change in between, ` +
          `so DMS cannot be given an end after its start that covers it. Pick a window that ends before the clock change or starts after it.`,
      },
    };
  }
  const notes: BoundaryNote[] = [];
  for (const [which, picks, filed] of [
    ['start', s, a],
    ['end', e, b],
  ] as const) {
    const own = sameWallInstants(picks, zone);
    const ambiguous = own.length > 1 || filed.earliest !== filed.latest;
    if (!ambiguous) continue;
    const repeated =
      own.length > 1
        ? repeatedStretch(own[0]!, own.at(-1)!, zone)
        : repeatedStretch(filed.earliest, filed.latest, zone);
    if (repeated) notes.push({ which, picked: picks, widened: filed.wall !== formatInZone(picks, zone), repeated });
  }
  return { ok: true, window: { zone, start: a, end: b, notes } };
}

/** The preview/ticket sentence for a window with notes; undefined when DMS reads it exactly as picked. */
export function dmsWindowNote(w: DmsWindow): string | undefined {
  if (w.notes.length === 0) return undefined;
  const seen = new Set<string>();
  const stretches: string[] = [];
  for (const n of w.notes) {
    const r = n.repeated;
    const text = `${r.from}–${r.to} on ${r.date} happens twice in ${w.zone} (${r.before}, then ${r.after})`;
    if (!seen.has(text)) stretches.push(text);
    seen.add(text);
  }
  const widened = w.notes.some((n) => n.widened);
  const filed = `${w.start.wall} → ${w.end.wall}`;
  const tail = widened
    ? `DMS cannot tell which one a time in it means, so the window filed with DMS is widened to ${filed} to cover the picked times.`
    : `DMS may read ${filed} as the longer of the two, which still covers the picked times.`;
  return `${stretches.join('; ')}: ${tail}`;
}
