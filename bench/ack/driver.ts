/**
 * The ack bench's load generator: a worker thread (its own event loop, so the client's work is not charged to the
 * servers) sending signed `/dms export` requests, closed loop (c in flight) or open loop (a fixed schedule).
 */
import { Worker } from 'node:worker_threads';
import { SIGNING_SECRET } from '../../test/support/harness.js';
import { exponentialGap, seededRandom } from '../lib/random.js';
import type { RunSamples } from './types.js';

/** Send times (ms from the start) of `n` requests at `rate` per second: evenly spaced, or Poisson from `seed`. */
export function arrivalSchedule(n: number, rate: number, poisson: boolean, seed: number): Float64Array {
  const random = seededRandom(seed);
  const at = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    at[i] = t;
    t += poisson ? exponentialGap(random, 1000 / rate) : 1000 / rate;
  }
  return at;
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

function samples(n) {
  return { latencyMs: new Float64Array(n), sentAtMs: new Float64Array(n), startMs: new Float64Array(n), lagMs: new Float64Array(n), status: new Int32Array(n), bodyBytes: new Int32Array(n) };
}

// Sends request i; t0 is its scheduled time (open loop) or now (closed loop). Calls done() once answered.
function send(agent, m, s, i, t0, done) {
  const b = body(m.prefix, i, m.responseUrl);
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', m.secret).update('v0:' + ts + ':' + b).digest('hex');
  let settled = false, bytes = 0;
  const settle = (code) => { if (settled) return; settled = true; s.status[i] = code; s.bodyBytes[i] = bytes; s.latencyMs[i] = performance.now() - t0; done(); };
  s.sentAtMs[i] = Date.now();
  s.startMs[i] = t0;
  s.lagMs[i] = performance.now() - t0;
  const req = http.request(m.url, {
    method: 'POST', agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(b), 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
  }, (res) => { res.on('data', (d) => { bytes += d.length; }); res.on('end', () => settle(res.statusCode)); res.on('error', () => settle(-1)); });
  req.on('error', () => settle(-1));
  req.end(b);
}

// Closed loop: n requests, c always in flight.
function closed(agent, m) {
  const { n, c } = m;
  const s = samples(n);
  let next = 0, done = 0;
  return new Promise((resolve) => {
    if (n === 0) return resolve(s);
    const finish = () => {
      done += 1;
      if (next < n) fire();
      else if (done === n) resolve(s);
    };
    const fire = () => { const i = next++; send(agent, m, s, i, performance.now(), finish); };
    for (let k = 0; k < Math.min(c, n); k++) fire();
  });
}

// Open loop: request i sent at m.at[i] ms from the start whatever the answers (the schedule comes from the main thread).
function open(agent, m) {
  const { at } = m;
  const n = at.length;
  const s = samples(n);
  return new Promise((resolve) => {
    if (n === 0) return resolve(s);
    const start = performance.now() + 5;
    let next = 0, done = 0;
    const finish = () => { done += 1; if (done === n) resolve(s); };
    const tick = () => {
      const now = performance.now();
      while (next < n && start + at[next] <= now) { send(agent, m, s, next, start + at[next], finish); next++; }
      if (next < n) setTimeout(tick, Math.max(0, start + at[next] - performance.now()));
    };
    setTimeout(tick, 5);
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
    agent = new http.Agent({ keepAlive: true, maxSockets: m.c ?? 1000 });
    agents.set(m.agent, agent);
  }
  const r = m.type === 'open' ? await open(agent, m) : await closed(agent, m);
  parentPort.postMessage({ id: m.id, ...r }, Object.values(r).map((a) => a.buffer));
});
`;

/** The load generator in its own thread (exported for profiling scripts). */
export class Driver {
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

  private ask(m: Record<string, unknown>): Promise<RunSamples> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id, secret: SIGNING_SECRET });
    });
  }

  /** Sends `n` requests keeping `c` in flight, on the keep-alive pool named `agent`. */
  run(m: {
    url: string;
    n: number;
    c: number;
    prefix: string;
    responseUrl: string;
    agent: string;
  }): Promise<RunSamples> {
    return this.ask({ ...m, type: 'closed' });
  }

  /** Sends `n` requests at `rate` per second (open loop), on the keep-alive pool named `agent` (up to 1000 sockets). */
  open(m: {
    url: string;
    n: number;
    rate: number;
    poisson: boolean;
    seed: number;
    prefix: string;
    responseUrl: string;
    agent: string;
  }): Promise<RunSamples> {
    const { n, rate, poisson, seed, ...rest } = m;
    return this.ask({ ...rest, type: 'open', at: arrivalSchedule(n, rate, poisson, seed) });
  }

  /** Closes every pooled connection. */
  closeConnections(): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.worker.postMessage({ type: 'close', id });
    });
  }

  /** Stops the driver thread. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
