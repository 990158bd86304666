/**
 * Issue 8, parts 1 and 2: ack latency and trigger budget of `/dms export` in HTTP mode, measured side by side with a
 * floor in one run (these machines are noisy: compare ratios and distributions, not absolute times).
 *
 * - Floor: a bare Bolt app whose `/dms` listener only acks, behind a node http server calling the HTTPReceiver's
 *   requestListener exactly as ours does.
 * - Ours: the real app as the test harness wires it (HTTP mode, SQLite store, FakeSlack, DMS emulator), LOG_LEVEL warn
 *   (and, as a second variant, info — the production default).
 * - Driver: a worker thread (its own event loop, so the client's work is not charged to the servers) keeping `c` signed
 *   `/dms export` requests in flight over keep-alive connections; per-request latency = send → response end.
 * - Trigger budget: for ours, views.open's arrival at the FakeSlack (its `at`, Date.now()) minus the client's send time
 *   (Date.now() just before the request is written), matched by trigger_id.
 *
 * Run: `npx tsc -p tsconfig.json --outDir /tmp/benchbuild && node /tmp/benchbuild/bench/ack.js [--concurrency 50,200,500]
 * [--requests 2000] [--warmup 200] [--no-info] [--json]`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { BOT_TOKEN, SIGNING_SECRET, startHarness, type Harness } from '../test/support/harness.js';
import { FakeSlack } from '../test/support/fake-slack.js';

export interface AckBenchOptions {
  /** Requests kept in flight, one level after the other. */
  concurrency: number[];
  /** Measured requests per app and level (split over the interleaved rounds). */
  requestsPerLevel: number;
  /** Unmeasured requests at the start of each round's run (at least `c`: the opening burst and connection set-up). */
  warmup: number;
  /** Also measure our app at LOG_LEVEL info (production default). Default true. */
  info?: boolean;
  /** Interleaved rounds per level (floor, ours, ours@info, then reversed, …). Default 2. */
  rounds?: number;
}

/** A latency distribution in milliseconds. */
export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export type Variant = 'floor' | 'ours' | 'oursInfo';

export interface VariantResult {
  /** Send → response end, ms. */
  latency: Distribution;
  /** Requests answered, by HTTP status (-1: connection error). */
  statuses: Record<string, number>;
  /** Measured requests / time from the first measured send to the last measured answer (acks, not work after them). */
  requestsPerSecond: number;
}

export interface TriggerBudget {
  /** Client send → views.open received by the FakeSlack, ms (Date.now() resolution). */
  distribution: Distribution;
  /** Measured requests of ours. */
  requests: number;
  /** Measured requests whose trigger_id reached views.open exactly once. */
  matched: number;
  /** trigger_ids seen in more than one views.open. */
  duplicates: number;
  /** Measured requests without a views.open. */
  missing: number;
  /** Measured requests / time from the first measured send to the last of their views.open calls (all the work). */
  completedPerSecond: number;
}

export interface LevelResult {
  concurrency: number;
  floor: VariantResult;
  ours: VariantResult;
  oursInfo?: VariantResult;
  /** ours / floor. */
  ratio: { p50: number; p99: number };
  ratioInfo?: { p50: number; p99: number };
  trigger: TriggerBudget;
  triggerInfo?: TriggerBudget;
}

export interface AckBenchResult {
  startedAt: string;
  durationMs: number;
  options: Required<AckBenchOptions>;
  machine: { cpus: number; cpuModel: string; totalMemoryGiB: number; node: string; platform: string; release: string; loadavg: number[] };
  levels: LevelResult[];
  notes: string[];
}

/** What the driver measured for one run, per request i (trigger_id `prefix + i`). */
interface RunSamples {
  /** Send → response end (performance.now()). */
  latencyMs: Float64Array;
  /** Date.now() just before the request was written (for the trigger budget). */
  sentAtMs: Float64Array;
  /** The driver's performance.now() at send. */
  startMs: Float64Array;
  /** HTTP status, -1 for a connection error. */
  status: Int32Array;
}

// The driver runs in a worker thread; it is plain JavaScript (eval) so it works the same compiled and under vitest.
const DRIVER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const http = process.getBuiltinModule('node:http');
const { createHmac } = process.getBuiltinModule('node:crypto');

function body(prefix, i, responseUrl) {
  return new URLSearchParams({
    token: 'legacy-verification-token', team_id: 'T1', team_domain: 'acme', channel_id: 'C0EXPORTS', channel_name: 'exports',
    user_id: 'U0ALICE', user_name: 'alice', command: '/dms', text: 'export', api_app_id: 'A1',
    response_url: responseUrl, trigger_id: prefix + i,
  }).toString();
}

function run(agent, m) {
  const { url, n, c, prefix, secret, responseUrl } = m;
  const latencyMs = new Float64Array(n), sentAtMs = new Float64Array(n), startMs = new Float64Array(n), status = new Int32Array(n);
  let next = 0, done = 0;
  return new Promise((resolve) => {
    if (n === 0) return resolve({ latencyMs, sentAtMs, startMs, status });
    const finish = () => {
      done += 1;
      if (next < n) fire();
      else if (done === n) resolve({ latencyMs, sentAtMs, startMs, status });
    };
    const fire = () => {
      const i = next++;
      const b = body(prefix, i, responseUrl);
      const ts = Math.floor(Date.now() / 1000);
      const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + b).digest('hex');
      let settled = false;
      const settle = (code) => { if (settled) return; settled = true; status[i] = code; latencyMs[i] = performance.now() - t0; finish(); };
      sentAtMs[i] = Date.now();
      const t0 = performance.now();
      startMs[i] = t0;
      const req = http.request(url, {
        method: 'POST', agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(b), 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
      }, (res) => { res.on('data', () => undefined); res.on('end', () => settle(res.statusCode)); res.on('error', () => settle(-1)); });
      req.on('error', () => settle(-1));
      req.end(b);
    };
    for (let k = 0; k < Math.min(c, n); k++) fire();
  });
}

const agents = new Map();
parentPort.on('message', async (m) => {
  if (m.type === 'close') {
    for (const a of agents.values()) a.destroy();
    agents.clear();
    parentPort.postMessage({ id: m.id });
    return;
  }
  let agent = agents.get(m.agent);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: m.c });
    agents.set(m.agent, agent);
  }
  const r = await run(agent, m);
  parentPort.postMessage({ id: m.id, ...r }, [r.latencyMs.buffer, r.sentAtMs.buffer, r.startMs.buffer, r.status.buffer]);
});
`;

/** The load generator in its own thread. */
class Driver {
  private readonly worker = new Worker(DRIVER_SOURCE, { eval: true });
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (m: RunSamples) => void; reject: (err: unknown) => void }>();

  constructor() {
    this.worker.on('message', (m: RunSamples & { id: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Sends `n` requests keeping `c` in flight, on the keep-alive pool named `agent`. */
  run(m: { url: string; n: number; c: number; prefix: string; responseUrl: string; agent: string }): Promise<RunSamples> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id, secret: SIGNING_SECRET });
    });
  }

  /** Closes every pooled connection. */
  closeConnections(): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.worker.postMessage({ type: 'close', id });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The floor: a bare Bolt app that only acks `/dms`, served like ours. */
async function startFloor(): Promise<{ url: string; slack: FakeSlack; close(): Promise<void> }> {
  const slack = await FakeSlack.start();
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  const app = new App({ receiver, token: BOT_TOKEN, deferInitialization: true, logLevel: LogLevel.WARN, clientOptions: { slackApiUrl: slack.url } });
  app.command('/dms', async ({ ack }) => ack());
  await app.init();
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/slack/events') {
      receiver.requestListener(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    url,
    slack,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.close();
    },
  };
}

/** Indexes views.open calls by trigger_id as they arrive (scans only the calls recorded since the last look). */
class ViewsOpenIndex {
  private seen = 0;
  readonly at = new Map<string, number[]>();
  constructor(private readonly slack: FakeSlack) {}

  scan(): void {
    const calls = this.slack.calls;
    for (; this.seen < calls.length; this.seen++) {
      const c = calls[this.seen]!;
      if (c.method !== 'views.open') continue;
      const id = String(c.args['trigger_id']);
      const list = this.at.get(id);
      if (list) list.push(c.at);
      else this.at.set(id, [c.at]);
    }
  }

  /** Waits until every trigger `prefix0 … prefix(n-1)` reached views.open (the app's work after the ack is done). */
  async drain(prefix: string, n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let i = 0;
    for (;;) {
      this.scan();
      while (i < n && this.at.has(prefix + i)) i++;
      if (i >= n || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Nearest-rank percentiles of finite samples. */
export function distribution(samples: ArrayLike<number>): Distribution {
  const xs = Float64Array.from(samples).filter((x) => Number.isFinite(x)).sort();
  const n = xs.length;
  if (n === 0) return { n: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const q = (p: number) => xs[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  let sum = 0;
  for (const x of xs) sum += x;
  return { n, mean: sum / n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: xs[n - 1]! };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Target {
  variant: Variant;
  url: string;
  responseUrl: string;
  views?: ViewsOpenIndex;
}

interface Collected {
  latency: Float64Array[];
  statuses: Record<string, number>;
  elapsedMs: number;
  /** Per run: trigger prefix, first measured index, send times. */
  sends: { prefix: string; from: number; sentAtMs: Float64Array }[];
}

/** Measures ours against the floor at each concurrency level, interleaving the apps so noise hits all of them. */
export async function runAckBench(opts: AckBenchOptions): Promise<AckBenchResult> {
  const options: Required<AckBenchOptions> = { info: true, rounds: 2, ...opts };
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const floor = await startFloor();
  const harnesses: Harness[] = [];
  const driver = new Driver();
  try {
    const ours = await startHarness({ env: { LOG_LEVEL: 'warn' } });
    harnesses.push(ours);
    const targets: Target[] = [
      { variant: 'floor', url: floor.url, responseUrl: floor.slack.responseUrl },
      { variant: 'ours', url: `http://127.0.0.1:${ours.port}/slack/events`, responseUrl: ours.slack.responseUrl, views: new ViewsOpenIndex(ours.slack) },
    ];
    if (options.info) {
      const info = await startHarness({ env: { LOG_LEVEL: 'info' } });
      harnesses.push(info);
      targets.push({ variant: 'oursInfo', url: `http://127.0.0.1:${info.port}/slack/events`, responseUrl: info.slack.responseUrl, views: new ViewsOpenIndex(info.slack) });
    }

    const levels: LevelResult[] = [];
    let runNo = 0;
    for (const c of options.concurrency) {
      const collected = new Map<Variant, Collected>(targets.map((t) => [t.variant, { latency: [], statuses: {}, elapsedMs: 0, sends: [] }]));
      for (let round = 0; round < options.rounds; round++) {
        // Measured requests this round: an even share, the remainder in the first rounds.
        const n = Math.floor(options.requestsPerLevel / options.rounds) + (round < options.requestsPerLevel % options.rounds ? 1 : 0);
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) {
          runNo += 1;
          // One continuous run: the first `warm` requests (at least c, so the opening burst and connection set-up fall
          // there) are not measured; the measured ones then run at steady state.
          const warm = Math.max(options.warmup, c);
          const prefix = `r${runNo}-`;
          const r = await driver.run({ url: t.url, c, responseUrl: t.responseUrl, agent: `${t.variant}-${c}-${round}`, n: warm + n, prefix });
          // Ours keeps working after the ack (policy gate, views.open): let it finish before the next run starts.
          await t.views?.drain(prefix, warm + n);
          await driver.closeConnections();
          const col = collected.get(t.variant)!;
          col.latency.push(r.latencyMs.slice(warm));
          let first = Infinity;
          let last = -Infinity;
          for (let i = warm; i < warm + n; i++) {
            first = Math.min(first, r.startMs[i]!);
            last = Math.max(last, r.startMs[i]! + r.latencyMs[i]!);
            const s = String(r.status[i]);
            col.statuses[s] = (col.statuses[s] ?? 0) + 1;
          }
          col.elapsedMs += last - first;
          col.sends.push({ prefix, from: warm, sentAtMs: r.sentAtMs });
          (globalThis as { gc?: () => void }).gc?.();
        }
      }
      const variant = (v: Variant): VariantResult | undefined => {
        const col = collected.get(v);
        if (!col) return undefined;
        const latency = distribution(concat(col.latency));
        return { latency, statuses: col.statuses, requestsPerSecond: col.elapsedMs > 0 ? (latency.n / col.elapsedMs) * 1000 : NaN };
      };
      const trigger = (v: Variant): TriggerBudget | undefined => {
        const col = collected.get(v);
        const views = targets.find((t) => t.variant === v)?.views;
        if (!col || !views) return undefined;
        views.scan();
        const deltas: number[] = [];
        let requests = 0;
        let duplicates = 0;
        let missing = 0;
        let spanMs = 0;
        for (const { prefix, from, sentAtMs } of col.sends) {
          let first = Infinity;
          let last = -Infinity;
          for (let i = from; i < sentAtMs.length; i++) {
            requests += 1;
            first = Math.min(first, sentAtMs[i]!);
            const at = views.at.get(prefix + i);
            if (!at) missing += 1;
            else if (at.length > 1) duplicates += 1;
            else {
              deltas.push(at[0]! - sentAtMs[i]!);
              last = Math.max(last, at[0]!);
            }
          }
          if (last > first) spanMs += last - first;
        }
        return { distribution: distribution(deltas), requests, matched: deltas.length, duplicates, missing, completedPerSecond: spanMs > 0 ? (deltas.length / spanMs) * 1000 : NaN };
      };
      const floorR = variant('floor')!;
      const oursR = variant('ours')!;
      const infoR = variant('oursInfo');
      const ratio = (a: VariantResult) => ({ p50: a.latency.p50 / floorR.latency.p50, p99: a.latency.p99 / floorR.latency.p99 });
      levels.push({
        concurrency: c,
        floor: floorR,
        ours: oursR,
        ...(infoR ? { oursInfo: infoR, ratioInfo: ratio(infoR) } : {}),
        ratio: ratio(oursR),
        trigger: trigger('ours')!,
        ...(infoR ? { triggerInfo: trigger('oursInfo')! } : {}),
      });
    }

    const cpus = os.cpus();
    return {
      startedAt,
      durationMs: Date.now() - started,
      options,
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? 'unknown',
        totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        platform: os.platform(),
        release: os.release(),
        loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      },
      levels,
      notes: [
        'Driver: a worker thread in the same process (own event loop), keep-alive connections, one freshly signed `/dms export` per request (unique trigger_id); latency = send → response end (performance.now()).',
        `Rounds per level: ${options.rounds}, interleaved (floor, ours${options.info ? ', ours@info' : ''}, then reversed); each round is one continuous run whose first max(${options.warmup}, c) requests are not measured (opening burst, connection set-up), so measured requests see steady state.`,
        'Ours: the test harness app (HTTP mode, SQLite store, FakeSlack, DMS emulator, FakeClock), LOG_LEVEL warn; ours@info: the same at LOG_LEVEL info (the production default). Log lines go to the harness\'s in-memory sink, not stdout.',
        'The FakeSlack (views.open) runs on the same event loop as our app, so its work is charged to ours; the floor makes no Slack call.',
        'Trigger budget: views.open `at` at the FakeSlack (Date.now(), whole ms) − client send time (Date.now() just before the request is written): includes the client→server hop; ±1 ms resolution.',
        'Closed loop: with c requests always in flight, latency ≈ c / throughput once the server is saturated, so the ratio reflects each app\'s CPU per request (work after the ack included).',
        'req/s counts answers (acks); completed/s counts requests whose views.open reached Slack. When acks outpace the work after them, that work queues behind new requests and the trigger time grows with the length of the run.',
      ],
    };
  } finally {
    await driver.closeConnections().catch(() => undefined);
    await driver.terminate();
    for (const h of harnesses) await h.close();
    await floor.close();
  }
}

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–');
const ratioText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/** The result as Markdown: machine, ack latency per level and app, ratios, trigger budget. */
export function formatAckBench(result: AckBenchResult): string {
  const m = result.machine;
  const o = result.options;
  const lines: string[] = [];
  lines.push(`### Ack latency and trigger budget (\`/dms export\`, HTTP mode)`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.platform} ${m.release}, load ${m.loadavg.join(' ')}. ` +
      `Run ${result.startedAt}, ${(result.durationMs / 1000).toFixed(1)} s; ${o.requestsPerLevel} measured requests per app and level in ${o.rounds} interleaved rounds, warm-up ${o.warmup}.`,
  );
  lines.push('');
  lines.push('#### 1. Ack latency (send → response end, ms)');
  lines.push('');
  lines.push('| c | app | n | non-200 | p50 | p90 | p99 | max | req/s | p50 ours/floor | p99 ours/floor |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of result.levels) {
    const row = (name: string, v: VariantResult, r?: { p50: number; p99: number }) => {
      const non200 = Object.entries(v.statuses).reduce((s, [k, n]) => (k === '200' ? s : s + n), 0);
      lines.push(
        `| ${l.concurrency} | ${name} | ${v.latency.n} | ${non200} | ${ms(v.latency.p50)} | ${ms(v.latency.p90)} | ${ms(v.latency.p99)} | ${ms(v.latency.max)} | ${Math.round(v.requestsPerSecond)} | ${r ? ratioText(r.p50) : ''} | ${r ? `**${ratioText(r.p99)}**` : ''} |`,
      );
    };
    row('floor (bare Bolt)', l.floor);
    row('ours (warn)', l.ours, l.ratio);
    if (l.oursInfo && l.ratioInfo) row('ours (info)', l.oursInfo, l.ratioInfo);
  }
  lines.push('');
  lines.push('Target: p99 ours/floor ≤ 1.2.');
  lines.push('');
  lines.push('#### 2. Trigger budget (client send → views.open at the fake Slack, ms)');
  lines.push('');
  lines.push('| c | app | requests | views.open matched | missing | duplicates | p50 | p90 | p99 | max | completed/s |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of result.levels) {
    const row = (name: string, t: TriggerBudget) =>
      lines.push(`| ${l.concurrency} | ${name} | ${t.requests} | ${t.matched} | ${t.missing} | ${t.duplicates} | ${ms(t.distribution.p50)} | ${ms(t.distribution.p90)} | **${ms(t.distribution.p99)}** | ${ms(t.distribution.max)} | ${Math.round(t.completedPerSecond)} |`);
    row('ours (warn)', l.trigger);
    if (l.triggerInfo) row('ours (info)', l.triggerInfo);
  }
  lines.push('');
  lines.push('Target: p99 < 100 ms.');
  lines.push('');
  lines.push('Notes:');
  for (const n of result.notes) lines.push(`- ${n}`);
  return lines.join('\n');
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const concurrency = (argValue(args, '--concurrency') ?? '50,200,500').split(',').map(Number);
  const result = await runAckBench({
    concurrency,
    requestsPerLevel: Number(argValue(args, '--requests') ?? 2000),
    warmup: Number(argValue(args, '--warmup') ?? 200),
    info: !args.includes('--no-info'),
  });
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : `${formatAckBench(result)}\n`);
}
