/**
 * The crash scenario's processes: the compiled app spawned again and again on one SQLite file, killed with SIGKILL
 * when an armed crash point fires (an event seen at the fake Slack or DMS while that process is the live one).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DmsEmulator } from '../../../src/sandbox/dms/index.js';
import type { FakeSlack } from '../../../test/support/fake-slack.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../../../test/support/harness.js';
import type { Condition } from '../support.js';

/** Where a kill may land: `reply`/`final` (Slack just accepted a thread reply / the final one), `root`, `create`
 * (CreateOrder at DMS), `poll` (a status check at DMS), `time` (a random moment). */
export type Trigger = 'reply' | 'final' | 'root' | 'create' | 'poll' | 'time';

/** One process of the app (a generation): spawned, maybe killed, maybe still live. */
export interface Gen {
  index: number;
  child: ChildProcessWithoutNullStreams;
  startedAt: number;
  ready: Promise<number>;
  exited: Promise<number | null>;
  port?: number;
  killed?: { trigger: string; at: number; reply?: { threadTs: string; status: string } };
  /** Thread replies Slack took from this process after it was killed (sent before it died). */
  repliesAfterKill: number;
  stderr: string[];
}

/** A crash point armed for one process: fires on the n-th matching event. */
interface Armed {
  trigger: Exclude<Trigger, 'time'>;
  remaining: number;
  gen: Gen;
  fire: (t: string) => void;
}

/** The environment each process starts with: the fakes, the SQLite file, fast watcher and lease settings. */
export function crashEnv(slack: FakeSlack, dms: DmsEmulator, home: string, dbFile: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    DMS_ENDPOINT: dms.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: dms.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: dms.accessKeySecret,
    DATABASE_URL: `sqlite:${dbFile}`,
    WATCH_INTERVAL_MS: '200',
    WATCH_MAX_INTERVAL_MS: '1000',
    WATCH_MAX_CALLS_PER_SECOND: '10000',
    // A restarted process has a new lease owner: the dead one's leases must run out before it takes them.
    WATCH_LEASE_MS: '2000',
    // Creates cut short by a kill are looked for once DMS_TIMEOUT_MS × 2 + 10 s have passed.
    DMS_TIMEOUT_MS: '2000',
    RATE_LIMIT_PER_USER_PER_HOUR: '10000',
    LOG_LEVEL: 'info',
  };
}

/** Every process of one crash run, the live one, and the armed crash point. */
export class Fleet {
  readonly gens: Gen[] = [];
  /** Index of the newest process (the one DMS and Slack traffic is charged to). */
  current = -1;
  live: Gen | undefined;
  /** The last thread reply Slack accepted (what a `reply`/`final` kill cut off). */
  lastReply: { threadTs: string; status: string } | undefined;
  private armed: Armed | undefined;

  constructor(
    private readonly o: { mainJs: string; root: string; env: Record<string, string> },
    readonly changed: Condition,
    private readonly now: () => number,
  ) {}

  /** An event that may be an armed crash point: counts it against the live process's trigger. */
  event(kind: Trigger): void {
    const armed = this.armed;
    if (!armed || armed.trigger !== kind || armed.gen !== this.live) return;
    armed.remaining -= 1;
    if (armed.remaining <= 0) armed.fire(kind);
  }

  /** Arms a crash point for `gen`: `fire` runs (synchronously) on the `n`-th matching event. */
  arm(trigger: Exclude<Trigger, 'time'>, n: number, gen: Gen, fire: (t: string) => void): void {
    this.armed = { trigger, remaining: n, gen, fire };
  }

  /** Starts a process and waits until it listens; it becomes the live one. */
  async bringUp(): Promise<Gen> {
    const g = this.spawn();
    await g.ready;
    this.live = g;
    this.changed.poke();
    return g;
  }

  /** SIGKILLs `g` (once), remembering why and when. */
  kill(g: Gen, trigger: string): void {
    if (g.killed) return;
    g.killed = {
      trigger,
      at: this.now(),
      ...((trigger === 'reply' || trigger === 'final') && this.lastReply ? { reply: this.lastReply } : {}),
    };
    if (this.live === g) this.live = undefined;
    this.armed = undefined;
    g.child.kill('SIGKILL');
    this.changed.poke();
  }

  /** The live process, once there is one. */
  async waitLive(): Promise<Gen> {
    for (;;) {
      if (this.live) return this.live;
      await this.changed.wait(() => this.live !== undefined, 60_000);
    }
  }

  private spawn(): Gen {
    const child = spawn(process.execPath, [this.o.mainJs], { cwd: this.o.root, env: this.o.env });
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    let onExit!: (code: number | null) => void;
    const exited = new Promise<number | null>((r) => (onExit = r));
    child.on('exit', (code) => onExit(code));
    const ready = new Promise<number>((resolveReady, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.includes('bot started')) return;
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'bot started' && entry.port) resolveReady(entry.port);
        } catch {
          // not JSON
        }
      });
      void exited.then((code) =>
        reject(new Error(`app exited with ${code} before it started: ${stderr.join('').slice(0, 500)}`)),
      );
    });
    const g: Gen = {
      index: this.gens.length,
      child,
      startedAt: this.now(),
      ready,
      exited,
      repliesAfterKill: 0,
      stderr,
    };
    void ready.then(
      (p) => (g.port = p),
      () => undefined,
    );
    this.gens.push(g);
    this.current = g.index;
    return g;
  }
}
