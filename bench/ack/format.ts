/** The ack bench's result as Markdown (the tables in BENCHMARKS.md). */
import type { AckBenchResult, CapacityResult, LevelResult, TriggerBudget, VariantResult } from './types.js';

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–');
const ratioText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const non200 = (statuses: Record<string, number>) =>
  Object.entries(statuses).reduce((s, [k, n]) => (k === '200' ? s : s + n), 0);

/** Title and the machine and run line. */
function header(result: AckBenchResult): string[] {
  const m = result.machine;
  const o = result.options;
  return [
    `### Ack latency and trigger budget (\`/dms export\`, HTTP mode)`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform} ${m.release}, load ${m.loadavg.join(' ')}. ` +
      `Run ${result.startedAt}, ${(result.durationMs / 1000).toFixed(1)} s; ${o.requestsPerLevel} measured requests per app and level in ${o.rounds} interleaved rounds, warm-up ${o.warmup}.`,
    '',
  ];
}

/** Table 1: ack latency per level and app, ours against the floor. */
function ackTable(levels: LevelResult[]): string[] {
  const lines = [
    '#### 1. Ack latency (send → response end, ms)',
    '',
    '| c | app | n | non-200 | p50 | p90 | p99 | max | req/s | p50 ours/floor | p99 ours/floor |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of levels) {
    const row = (name: string, v: VariantResult, r?: { p50: number; p99: number }) => {
      lines.push(
        `| ${l.concurrency} | ${name} | ${v.latency.n} | ${non200(v.statuses)} | ${ms(v.latency.p50)} | ${ms(v.latency.p90)} | ${ms(v.latency.p99)} | ${ms(v.latency.max)} | ${Math.round(v.requestsPerSecond)} | ${r ? ratioText(r.p50) : ''} | ${r ? `**${ratioText(r.p99)}**` : ''} |`,
      );
    };
    row('floor (bare Bolt)', l.floor);
    row('ours (warn)', l.ours, l.ratio);
    if (l.oursInfo && l.ratioInfo) row('ours (info)', l.oursInfo, l.ratioInfo);
  }
  lines.push('', 'Target: p99 ours/floor ≤ 1.2.', '');
  return lines;
}

/** Table 2: the trigger budget per level, and what went missing. */
function triggerTable(levels: LevelResult[]): string[] {
  const lines = [
    '#### 2. Trigger budget (client send → views.open at the fake Slack, ms)',
    '',
    '| c | app | requests | views.open matched | missing | duplicates | p50 | p90 | p99 | max | completed/s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const shedNotes: string[] = [];
  for (const l of levels) {
    const row = (name: string, t: TriggerBudget) => {
      lines.push(
        `| ${l.concurrency} | ${name} | ${t.requests} | ${t.matched} | ${t.missing} | ${t.duplicates} | ${ms(t.distribution.p50)} | ${ms(t.distribution.p90)} | **${ms(t.distribution.p99)}** | ${ms(t.distribution.max)} | ${Math.round(t.completedPerSecond)} |`,
      );
      if (t.missing > 0)
        shedNotes.push(
          `c=${l.concurrency} ${name}: ${t.shed} shed ("busy"), ${t.missing - t.shed} not opened (trigger too old)`,
        );
    };
    row('ours (warn)', l.trigger);
    if (l.triggerInfo) row('ours (info)', l.triggerInfo);
  }
  lines.push('', 'Target: p99 < 100 ms.');
  if (shedNotes.length) lines.push('', `Missing: ${shedNotes.join('; ')}.`);
  return lines;
}

/** The open-loop table (fixed arrival rates) and the driver's lag. */
function openTable(ol: NonNullable<AckBenchResult['openLoop']>): string[] {
  const lines = [
    '',
    '#### Open loop: fixed arrival rate (scheduled send → response end, ms)',
    '',
    '| offered req/s | floor p50 | floor p99 | ours p50 | ours p99 | p99 ours/floor | floor acks/s | ours acks/s | ours shed | ours non-200 | trigger p50 | trigger p99 | forms opened | forms/s | busy µs/req floor | busy µs/req ours |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of ol.rates) {
    const t = r.ours.trigger!;
    lines.push(
      `| ${r.rate} | ${ms(r.floor.latency.p50)} | ${ms(r.floor.latency.p99)} | ${ms(r.ours.latency.p50)} | ${ms(r.ours.latency.p99)} | **${ratioText(r.ratio.p99)}** | ${Math.round(r.floor.ackedPerSecond)} | ${Math.round(r.ours.ackedPerSecond)} | ${r.ours.shed} | ${non200(r.ours.statuses)} | ${ms(t.distribution.p50)} | **${ms(t.distribution.p99)}** | ${t.matched}/${t.requests} | ${Math.round(t.completedPerSecond)} | ${Math.round(r.floor.busyUsPerRequest)} | ${Math.round(r.ours.busyUsPerRequest)} |`,
    );
  }
  const lag = Math.max(...ol.rates.flatMap((r) => [r.floor.driverLagP99, r.ours.driverLagP99]));
  lines.push(
    '',
    `Driver send lag (actual − scheduled) p99 at most ${ms(lag)} ms over these runs. busy µs/req: the app's event-loop busy time (performance.eventLoopUtilization) per request, from the first send until its work was done.`,
  );
  return lines;
}

/** The capacity table: each app's highest rate kept up with, and every probe. */
function capacityTable(capacity: { floor: CapacityResult; ours: CapacityResult }): string[] {
  const lines = [
    '',
    '#### Capacity (highest offered rate kept up with)',
    '',
    '| app | capacity req/s | probes (req/s: ✓ kept up / ✗ why not) |',
    '|---|---:|---|',
  ];
  for (const [name, c] of [
    ['floor (bare Bolt)', capacity.floor],
    ['ours (warn)', capacity.ours],
  ] as const) {
    lines.push(
      `| ${name} | **${c.rate}** | ${c.probes.map((p) => `${p.rate}: ${p.keptUp ? '✓' : `✗ ${p.why}`}`).join('; ')} |`,
    );
  }
  return lines;
}

/** The result as Markdown: machine, ack latency per level and app, ratios, trigger budget, open loop, capacity. */
export function formatAckBench(result: AckBenchResult): string {
  const lines = [...header(result), ...ackTable(result.levels), ...triggerTable(result.levels)];
  const ol = result.openLoop;
  if (ol) {
    lines.push(...openTable(ol));
    if (ol.capacity) lines.push(...capacityTable(ol.capacity));
  }
  lines.push('', 'Notes:');
  for (const n of result.notes) lines.push(`- ${n}`);
  return lines.join('\n');
}
