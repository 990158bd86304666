/** The push bench's results as Markdown tables. */
import type { PushBurstResult } from './burst.js';
import type { PushModeResult, PushScaleOptions } from './options.js';

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** The workload line and one row per size and mode. */
export function formatPushScale(rows: readonly PushModeResult[], o: PushScaleOptions): string {
  const head =
    `Q = ${o.quota}/s, reconcile ${o.reconcileSeconds} s, mean change ${o.meanChangeSeconds} s per ticket (4–5 changes), ` +
    `push delay ${o.pushDelayMs[0]}–${o.pushDelayMs[1]} ms, ${o.dropRate * 100} % lost in push-drop, window ` +
    `${o.simulatedSeconds} s (measured after ${o.warmupSeconds} s), seed ${o.seed}\n\n`;
  const lines = [
    '| N | mode | changes | shown | p50 (s) | p99 (s) | max (s) | lost pushes | lost: max (s) | changes/min | DMS calls/min | push checks/min | routine/min | cycle (s) | max calls in 1 s | wall (s) |',
    '| -: | - | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: |',
  ];
  for (const r of rows) {
    const drop = r.mode === 'push-drop';
    lines.push(
      `| ${r.n.toLocaleString('en-US')} | ${r.mode} | ${r.changes} | ${r.shown} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ` +
        `${f(r.max)} | ${drop ? r.lost : '–'} | ${drop ? f(r.lostMax) : '–'} | ${f(r.changesPerMin)} | ` +
        `${f(r.callsPerMin)} | ${f(r.pushCallsPerMin)} | ${f(r.routinePerMin)} | ${f(r.cycleSeconds, 0)} | ` +
        `${r.maxCallsInAnySecond} | ${f(r.wallSeconds)} |`,
    );
  }
  return head + lines.join('\n');
}

/** The burst as one row. */
export function formatPushBurst(r: PushBurstResult): string {
  return [
    '| pushes | sent over (ms) | answered 2xx | p50 (ms) | p99 (ms) | max (ms) | threads posted | lost | all posted after (s) | DMS checks | max sent in 1 s (Q) | max received by DMS in 1 s |',
    '| -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: |',
    `| ${r.pushes} | ${r.sentOverMs} | ${r.answered2xx} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} | ${r.posted} | ` +
      `${r.lost} | ${f(r.allPostedAfterS)} | ${r.checks} | ${r.maxChecksInAnySecond} (${r.quota}) | ${r.maxReceivedInAnySecond} |`,
  ].join('\n');
}
