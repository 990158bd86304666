import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FakeSlack } from './fake-slack.js';

/**
 * FakeSlack instances hosted in a worker thread (their own event loop), for benches: Slack is remote in production, so
 * the CPU the fake spends parsing and answering Web API calls must not be charged to the app under test. The fakes
 * are the unchanged FakeSlack class; the app sees only their URL. Instead of the full call log (which stays in the
 * worker and is dropped as it is read), the bench asks for the arrival time (`at`, Date.now()) of each `views.open`
 * by trigger_id.
 */
export class FakeSlackWorker {
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (m: Record<string, unknown>) => void; reject: (err: unknown) => void }
  >();

  private constructor(
    private readonly worker: Worker,
    /** A transpiled copy of fake-slack.ts to delete at the end (running from sources). */
    private readonly tempModule?: string,
  ) {
    worker.on('message', (m: Record<string, unknown> & { id: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (typeof m['error'] === 'string') p?.reject(new Error(m['error']));
      else p?.resolve(m);
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Starts the worker (no fake yet). */
  static async start(): Promise<FakeSlackWorker> {
    const { url, temporary } = fakeSlackModule();
    const w = new FakeSlackWorker(
      new Worker(HOST_SOURCE, { eval: true, workerData: { moduleUrl: url } }),
      temporary ? fileURLToPath(url) : undefined,
    );
    try {
      await w.ask({ type: 'ping' });
    } catch (err) {
      await w.terminate();
      throw err;
    }
    return w;
  }

  private ask(m: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  /** A new FakeSlack in the worker; the handle's url/responseUrl point at it, close() stops it. */
  async create(): Promise<RemoteFakeSlack> {
    const r = await this.ask({ type: 'start' });
    return new RemoteFakeSlack(this, r['handle'] as number, r['url'] as string);
  }

  /**
   * Arrival times (Date.now() at the fake) of the views.open calls for triggers `prefix + 0 … prefix + (n-1)`: NaN when
   * none arrived; `count` says how many arrived per trigger (more than one: a duplicate). With `waitFor`, first waits
   * until every trigger i with waitFor[i] = 1 arrived, or no views.open or response_url call came for `quietMs`, or
   * `timeoutMs` passed. Reported triggers are forgotten by the worker. `responses`: response_url calls since the last ask.
   */
  async viewsOpened(
    slack: RemoteFakeSlack,
    prefix: string,
    n: number,
    opts: { waitFor?: Uint8Array; quietMs?: number; timeoutMs?: number } = {},
  ): Promise<{ at: Float64Array; count: Uint8Array; responses: number }> {
    const r = await this.ask({
      type: 'arrivals',
      handle: slack.fakeId,
      prefix,
      n,
      waitFor: opts.waitFor,
      quietMs: opts.quietMs ?? 1_000,
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    return { at: r['at'] as Float64Array, count: r['count'] as Uint8Array, responses: r['responses'] as number };
  }

  /** @internal */
  closeFake(handle: number): Promise<void> {
    return this.ask({ type: 'close', handle }).then(() => undefined);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
    if (this.tempModule) rmSync(dirname(this.tempModule), { recursive: true, force: true });
  }
}

/**
 * A FakeSlack whose server runs in a FakeSlackWorker: use its url/responseUrl (and close()); its `calls` stay empty in
 * this thread (ask the worker for views.open arrivals instead).
 */
export class RemoteFakeSlack extends FakeSlack {
  constructor(
    private readonly host: FakeSlackWorker,
    readonly fakeId: number,
    url: string,
  ) {
    super();
    this.url = url;
  }

  override close(): Promise<void> {
    return this.host.closeFake(this.fakeId);
  }
}

/** fake-slack.ts and the local modules it imports (the Block Kit rules), for the transpiled copy. */
const FAKE_SLACK_SOURCES = ['fake-slack', 'block-kit-rules', 'block-kit-blocks', 'block-kit-common'];

/**
 * The compiled FakeSlack module next to this one (dist/test/support/fake-slack.js); when running from sources (vitest),
 * fake-slack.ts and its imports transpiled once into a temporary ESM folder (a worker thread cannot load TypeScript on
 * Node 20).
 */
function fakeSlackModule(): { url: string; temporary: boolean } {
  const here = import.meta.url;
  const compiled = new URL('./fake-slack.js', here);
  if (here.endsWith('.js') && existsSync(fileURLToPath(compiled))) return { url: compiled.href, temporary: false };
  const ts = createRequire(here)('typescript') as typeof import('typescript');
  const dir = mkdtempSync(join(tmpdir(), 'fake-slack-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const name of FAKE_SLACK_SOURCES) {
    const source = readFileSync(fileURLToPath(new URL(`./${name}.ts`, here)), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, `${name}.js`), out.outputText);
  }
  return { url: pathToFileURL(join(dir, 'fake-slack.js')).href, temporary: true };
}

// The worker's side: plain JavaScript (eval), so it runs the same compiled and under vitest.
const HOST_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const fakes = new Map();
let nextHandle = 0;
let FakeSlack;

// Per fake: views.open arrivals by trigger_id (read from the call log, which is then dropped), response_url count.
function scan(f) {
  const calls = f.slack.calls;
  for (const c of calls) {
    if (c.method !== 'views.open') continue;
    const id = String(c.args.trigger_id);
    const list = f.views.get(id);
    if (list) list.push(c.at); else f.views.set(id, [c.at]);
    f.lastAt = Date.now();
  }
  calls.length = 0;
  const r = f.slack.responses.length;
  if (r > 0) { f.responses += r; f.lastAt = Date.now(); f.slack.responses.length = 0; }
}

async function arrivals(m) {
  const f = fakes.get(m.handle);
  const deadline = Date.now() + m.timeoutMs;
  f.lastAt = Date.now();
  if (m.waitFor) {
    let i = 0;
    for (;;) {
      scan(f);
      while (i < m.n && (!m.waitFor[i] || f.views.has(m.prefix + i))) i++;
      if (i >= m.n || Date.now() > deadline || Date.now() - f.lastAt > m.quietMs) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  scan(f);
  const at = new Float64Array(m.n).fill(NaN), count = new Uint8Array(m.n);
  for (let i = 0; i < m.n; i++) {
    const list = f.views.get(m.prefix + i);
    if (!list) continue;
    f.views.delete(m.prefix + i);
    at[i] = list[0];
    count[i] = Math.min(255, list.length);
  }
  const responses = f.responses;
  f.responses = 0;
  return { at, count, responses, transfer: [at.buffer, count.buffer] };
}

parentPort.on('message', async (m) => {
  try {
    if (!FakeSlack) FakeSlack = (await import(workerData.moduleUrl)).FakeSlack;
    if (m.type === 'ping') return parentPort.postMessage({ id: m.id });
    if (m.type === 'start') {
      const slack = await FakeSlack.start();
      const handle = ++nextHandle;
      fakes.set(handle, { slack, views: new Map(), responses: 0, lastAt: 0 });
      return parentPort.postMessage({ id: m.id, handle, url: slack.url });
    }
    if (m.type === 'close') {
      const f = fakes.get(m.handle);
      fakes.delete(m.handle);
      if (f) await f.slack.close();
      return parentPort.postMessage({ id: m.id });
    }
    if (m.type === 'arrivals') {
      const { transfer, ...r } = await arrivals(m);
      return parentPort.postMessage({ id: m.id, ...r }, transfer);
    }
    parentPort.postMessage({ id: m.id, error: 'unknown message ' + m.type });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.stack || err) });
  }
});
`;
