/** The watcher scale bench's report as Markdown (the tables in BENCHMARKS.md). */
import { finalChangeFloor } from './theory.js';
import type { WatcherScaleReport } from './types.js';

/** A number with `d` decimals, '–' when not finite. */
export const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
/** A whole number with thousands separators, '–' when not finite. */
export const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

/** The settings line, and a what-if warning when experiments were on. */
function settings(r: WatcherScaleReport): string[] {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `Settings: Q = ${o.quota} calls/s, intervalMs ${o.intervalMs}, maxIntervalMs ${o.maxIntervalMs}, concurrency ${o.concurrency}; ` +
      `window ${o.simulatedSeconds} s (changes measured after a warm-up of ${r.results.map((x) => `${x.warmupSeconds} s`).join(' / ')}, then drained); changes every ${o.meanChangeSeconds} s on average ` +
      `(exponential), ${o.minChanges}–${o.maxChanges} changes after the first status; seed ${o.seed}; store ${o.store === 'file' ? 'SQLite temp file (WAL)' : "SQLite ':memory:'"}; ` +
      `driver ${o.driver === 'tick' ? 'the watcher’s tick rule' : `a pass every ${o.stepMs} ms`}; ${r.node}.`,
  );
  const on = Object.entries(o.experiments)
    .filter(([, v]) => v)
    .map(([k]) => k);
  if (on.length) lines.push('', `**What-if run (bench-side patches, not the product as shipped): ${on.join(', ')}.**`);
  return lines;
}

/** Delay from a change to its thread, against the bound and what theory expects. */
function delayTable(r: WatcherScaleReport): string[] {
  const lines: string[] = [];
  lines.push('');
  lines.push('Delay from a status change to the thread post that shows it (or a later status), seconds:');
  lines.push('');
  lines.push(
    '| N | bound N/(2Q) | back-off implied | back-off demand (calls/s) | expected | mean | p50 | p95 | max | mean/bound | mean/expected | changes | superseded | own-reply mean | first status after filing: mean / p95 | queue lag mean / max |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const p = s.product;
    lines.push(
      `| ${int(s.n)} | ${f(s.theory.roundRobinBound)} | ${f(s.theory.backoffImplied)} | ${f(s.theory.backoffDemandPerSecond)}${s.theory.saturated ? ' (≥ Q)' : ''} | ${f(s.theory.expected)} | ` +
        `${f(p.reflect.mean)} | ${f(p.reflect.p50)} | ${f(p.reflect.p95)} | ${f(p.reflect.max)} | ${f(p.reflect.mean / s.theory.roundRobinBound, 2)} | ${f(p.reflect.mean / s.theory.expected, 2)} | ` +
        `${int(p.reflect.count)} | ${int(p.superseded)} (${f((100 * p.superseded) / Math.max(1, p.reflect.count))}%) | ${f(p.posted.mean)} | ${f(p.firstStatus.mean)} / ${f(p.firstStatus.p95)} | ${f(p.queueLag.mean)} / ${f(p.queueLag.max)} |`,
    );
  }
  return lines;
}

/** Cloud calls against the quota, Slack calls per change, invariants and resources. */
function callsTable(r: WatcherScaleReport): string[] {
  const lines: string[] = [];
  lines.push('');
  lines.push('Cloud (DMS) calls, Slack calls and resources:');
  lines.push('');
  lines.push(
    '| N | DMS calls/min | mean/s | max in an aligned second | max in any 1-s window | seconds over Q | idle checks | Slack calls per posted change | per change (incl. superseded) | unreflected / dup / out of order / stale | RSS start → populated → after (MB) | heap after (MB) | populate wall / CPU (s) | run wall / CPU (s) | simulated s | CPU share of a core |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const p = s.product;
    const res = p.resources;
    lines.push(
      `| ${int(s.n)} | ${int(p.calls.perMinute)} | ${f(p.calls.perSecondMean, 2)} | ${p.calls.maxInAlignedSecond} | ${p.calls.maxInAnyWindow} | ${p.calls.secondsOverQuota} | ${f(100 * p.idleCheckShare)}% | ` +
        `${f(p.slack.perPostedChange, 2)} | ${f(p.slack.perChange, 2)} | ${p.unreflected} / ${p.invariants.duplicates} / ${p.invariants.outOfOrder} / ${p.invariants.stale} | ` +
        `${int(res.rssStartMb)} → ${int(res.rssPopulatedMb)} → ${int(res.rssAfterMb)} | ${int(res.heapUsedAfterMb)} | ${f(res.populateWallS)} / ${f(res.populateCpuS)} | ${f(res.runWallS)} / ${f(res.runCpuS)} | ${int(p.simulatedSecondsRun)} | ${f(100 * res.cpuShareOfOneCore, 2)}% |`,
    );
  }
  return lines;
}

/** The baselines (one timer per ticket, unthrottled and throttled to Q) on the same workload. */
function baselinesTable(r: WatcherScaleReport): string[] {
  const o = r.options;
  const lines: string[] = [];
  lines.push('');
  lines.push(`Baselines on the same workload (one timer per ticket, fixed ${o.baselineIntervalMs / 1000} s interval):`);
  lines.push('');
  lines.push(
    '| N | no quota: mean / p95 delay (s) | no quota: calls/s mean / max in a second | × quota | throttled to Q, re-armed after each check: mean / p95 (s) | its calls/s | its mean/bound | setInterval throttled to Q: queue growth (checks/s) | queued at window end |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const a = s.naive;
    const b = s.naiveThrottled;
    lines.push(
      `| ${int(s.n)} | ${f(a.reflect.mean)} / ${f(a.reflect.p95)} | ${f(a.calls.perSecondMean)} / ${a.calls.maxInAlignedSecond} | ${f(a.calls.perSecondMean / o.quota)} | ` +
        `${f(b.reflect.mean)} / ${f(b.reflect.p95)} | ${f(b.calls.perSecondMean, 2)} | ${f(b.reflect.mean / s.theory.roundRobinBound, 2)} | ${int(s.naiveOpenLoop.queueGrowthPerSecond)} | ${int(s.naiveOpenLoop.queuedAtWindowEnd)} |`,
    );
  }
  return lines;
}

/** Final changes against the single-check floor N/Q − life. */
function floorTable(r: WatcherScaleReport): string[] {
  const o = r.options;
  const lines: string[] = [];
  lines.push('');
  lines.push(
    'Final changes against the single-check floor: every ticket needs at least one check, so with N tickets followed and Q checks/s a ticket is ' +
      'followed N/Q on average at least (Little’s law), and its final change waits at least N/Q − its life (filing to final change) on average, ' +
      'whatever the scheduler. Where that floor exceeds N/(2Q), changes no longer fall at random points of the polling cycle and N/(2Q) is not reachable:',
  );
  lines.push('');
  lines.push(
    '| N | N/Q | mean life | floor N/Q − life | bound N/(2Q) | ours: final-change mean | ours/floor | round-robin baseline: final-change mean | its /floor |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.results) {
    const cycle = s.n / o.quota;
    const floor = finalChangeFloor(s.n, o.quota, s.product.finalLifeMean);
    const b = s.naiveThrottled;
    const ratio = (x: number) => (floor > 0 ? f(x / floor, 2) : '–');
    lines.push(
      `| ${int(s.n)} | ${f(cycle)} | ${f(s.product.finalLifeMean)} | ${floor > 0 ? f(floor) : '≤ 0'} | ${f(s.theory.roundRobinBound)} | ` +
        `${f(s.product.finalChange.mean)} | ${ratio(s.product.finalChange.mean)} | ${f(b.finalChange.mean)} | ${ratio(b.finalChange.mean)} |`,
    );
  }
  return lines;
}

/** The report as Markdown: settings, delays, calls and resources, baselines, the single-check floor. */
export function formatWatcherScale(r: WatcherScaleReport): string {
  return [...settings(r), ...delayTable(r), ...callsTable(r), ...baselinesTable(r), ...floorTable(r)].join('\n');
}
