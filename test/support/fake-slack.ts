import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SlackVerdict, validateSlackPayload } from './block-kit-rules.js';

/** One Web API call the fake received. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  at: number;
  /** What the fake answered. */
  response?: Record<string, unknown>;
}

export interface FakeUser {
  id: string;
  name: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
  /** Fields of users.info's `user` that override the defaults as sent (e.g. `{ tz: undefined, tz_offset: 3600 }`; undefined omits). */
  userFields?: Record<string, unknown>;
}

type Waiter = { method: string; pred: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void };

// Fields the WebClient JSON-encodes inside a form body.
const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'options', 'metadata', 'unfurls', 'outputs']);

/** A loopback Slack Web API: records every call, answers like Slack, and can fail on demand. */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: SlackCall[] = [];
  readonly users = new Map<string, FakeUser>();
  /** Channels where chat.postMessage answers with this error (e.g. not_in_channel). */
  readonly channelErrors = new Map<string, string>();
  /** User groups for usergroups.users.list: group id -> member user ids. */
  readonly userGroups = new Map<string, string[]>();
  private readonly failures: { method: string; error: string; status?: number; retryAfter?: number }[] = [];
  private readonly waiters: Waiter[] = [];
  private tsCounter = 0;
  private viewCounter = 0;
  private server!: Server;
  url = '';
  /**
   * Payloads Slack would have refused (Block Kit and message limits, see block-kit-rules.ts), one line each. Web API
   * calls and response_url posts are refused here as Slack refuses them; the harness adds refused acks, and fails a
   * test whose run left any (Harness.close). Set `strict` false to accept anything (a test of the fake itself).
   */
  readonly refusals: string[] = [];
  strict = true;
  /**
   * Links posted in messages (`channel:ts` → URLs, as a link_shared event names them): chat.unfurl may only unfurl
   * these, as Slack answers `cannot_unfurl_url` for a URL that is not in the message.
   */
  readonly sharedLinks = new Map<string, string[]>();
  /**
   * Workflow step executions Slack started (function_execution_id → the step's declared outputs and the workflow
   * token): functions.completeSuccess/completeError end one once, with outputs the step declares.
   */
  readonly executions = new Map<
    string,
    { token: string; outputs: { name: string; type: string; required: boolean }[]; ended?: 'success' | 'error' }
  >();
  /** Socket Mode: what apps.connections.open hands out (a ws:// URL, or a function issuing a fresh one per call). */
  socketUrl?: string | (() => string);

  /** Starts the fake on 127.0.0.1 with a random port. */
  static async start(): Promise<FakeSlack> {
    const f = new FakeSlack();
    f.server = createServer((req, res) => void f.handle(req, res));
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}/api/`;
    return f;
  }

  /** URL to use as a slash command's response_url. */
  get responseUrl(): string {
    return this.url.replace(/api\/$/, 'respond/1');
  }

  addUser(u: FakeUser): void {
    this.users.set(u.id, u);
  }

  /** Makes the next call of `method` fail with `error` (HTTP 429 with Retry-After when `retryAfter` is set). */
  failNext(method: string, error: string, opts: { retryAfter?: number } = {}): void {
    this.failures.push({ method, error, retryAfter: opts.retryAfter });
  }

  /** Calls of one method, in order. */
  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call (past or future) of `method` that matches. Event-driven: no polling. */
  waitFor(method: string, pred: (c: SlackCall) => boolean = () => true): Promise<SlackCall> {
    const seen = (method === 'response_url' ? this.responses : this.calls).find((c) => c.method === method && pred(c));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ method, pred, resolve }));
  }

  /** Every text a person could read in messages the bot posted (text + block texts), for content assertions. */
  postedTexts(): string[] {
    return this.calls
      .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method))
      .map((c) => JSON.stringify({ text: c.args['text'], blocks: c.args['blocks'] }));
  }

  /** Records a refusal of something the app sent (an ack the harness saw); returns the verdict. */
  refuse(where: string, verdict: SlackVerdict): SlackVerdict {
    if (!verdict.ok) this.refusals.push(`${where}: ${verdict.error}: ${verdict.problems.join('; ')}`);
    return verdict;
  }

  /** Hands over (and forgets) the refusals so far: for tests that make the app send something invalid on purpose. */
  takeRefusals(): string[] {
    return this.refusals.splice(0);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/respond/')) {
      const call: SlackCall = {
        method: 'response_url',
        args: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        at: Date.now(),
      };
      const verdict = this.check('response_url', call.args);
      if (!verdict.ok) call.response = { ok: false, error: verdict.error };
      this.record(call, this.responses);
      // Slack answers a refused response_url post with HTTP 400 and the error code as text.
      if (!verdict.ok) res.writeHead(400, { 'content-type': 'text/plain' }).end(verdict.error);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseBody(raw, req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : (args['token'] as string | undefined);
    const call: SlackCall = { method, args, token, at: Date.now() };
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const f = this.failures.splice(failure, 1)[0]!;
      this.record(call);
      if (f.retryAfter !== undefined) {
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(f.retryAfter) })
          .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else {
        send(res, { ok: false, error: f.error });
      }
      return;
    }
    const verdict = this.check(method, args);
    call.response = verdict.ok
      ? this.answer(method, args, token)
      : {
          ok: false,
          error: verdict.error,
          response_metadata: { messages: verdict.problems.map((p) => `[ERROR] ${p}`) },
        };
    this.record(call);
    send(res, call.response);
  }

  /** Slack's own checks of a payload (when strict), recording a refusal. */
  private check(method: string, args: Record<string, unknown>): SlackVerdict {
    if (!this.strict) return { ok: true };
    return this.refuse(method, validateSlackPayload(method, args));
  }

  private record(call: SlackCall, into: SlackCall[] = this.calls): void {
    into.push(call);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.method === call.method && w.pred(call)) {
        this.waiters.splice(i, 1);
        w.resolve(call);
      }
    }
  }

  // https://api.slack.com/methods/chat.unfurl: channel and ts, or unfurl_id and source; unfurls keyed by posted URLs.
  private unfurl(args: Record<string, unknown>): Record<string, unknown> {
    const unfurls = args['unfurls'];
    if (!unfurls || typeof unfurls !== 'object' || Array.isArray(unfurls))
      return { ok: false, error: 'invalid_unfurls_format' };
    const byMessage = args['channel'] !== undefined && args['ts'] !== undefined;
    const byId = args['unfurl_id'] !== undefined && args['source'] !== undefined;
    if (byMessage === byId) return { ok: false, error: 'invalid_arguments' };
    const posted = byMessage ? this.sharedLinks.get(`${String(args['channel'])}:${String(args['ts'])}`) : undefined;
    if (byMessage && !posted) return { ok: false, error: 'cannot_unfurl_message' };
    for (const url of Object.keys(unfurls))
      if (posted && !posted.includes(url)) return { ok: false, error: 'cannot_unfurl_url' };
    return { ok: true };
  }

  // https://api.slack.com/methods/functions.completeSuccess, functions.completeError
  private completeFunction(method: string, args: Record<string, unknown>, token?: string): Record<string, unknown> {
    const id = String(args['function_execution_id'] ?? '');
    const run = this.executions.get(id);
    if (!run) return { ok: false, error: 'function_execution_not_found' };
    if (token !== run.token) return { ok: false, error: 'invalid_auth' };
    if (run.ended) return { ok: false, error: 'execution_not_in_running_state' };
    if (method === 'functions.completeError') {
      if (typeof args['error'] !== 'string' || args['error'] === '') return { ok: false, error: 'invalid_arguments' };
      run.ended = 'error';
      return { ok: true };
    }
    const outputs = args['outputs'];
    if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs))
      return { ok: false, error: 'invalid_arguments' };
    const given = outputs as Record<string, unknown>;
    const declared = new Map(run.outputs.map((o) => [o.name, o]));
    const bad = [
      ...Object.keys(given).filter((k) => !declared.has(k)),
      ...run.outputs
        .filter((o) =>
          o.required
            ? !outputFits(o.type, given[o.name])
            : given[o.name] !== undefined && !outputFits(o.type, given[o.name]),
        )
        .map((o) => o.name),
    ];
    if (bad.length)
      return {
        ok: false,
        error: 'parameter_validation_failed',
        response_metadata: { messages: bad.map((b) => `[ERROR] ${b}`) },
      };
    run.ended = 'success';
    return { ok: true };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private answer(method: string, args: Record<string, unknown>, token?: string): Record<string, unknown> {
    switch (method) {
      case 'apps.connections.open':
        // Only an app-level token opens a Socket Mode connection; Slack refuses a bot token.
        if (!token?.startsWith('xapp-')) return { ok: false, error: token ? 'not_allowed_token_type' : 'not_authed' };
        if (this.socketUrl === undefined) return { ok: false, error: 'fake_socket_mode_not_started' };
        return { ok: true, url: typeof this.socketUrl === 'function' ? this.socketUrl() : this.socketUrl };
      case 'auth.test':
        // As Slack answers for a bot token: the workspace and the bot, not the app (bots.info names that).
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', team: 'acme', user: 'chatops' };
      case 'bots.info':
        return args['bot'] === 'BBOT'
          ? { ok: true, bot: { id: 'BBOT', app_id: 'A1', user_id: 'UBOT', name: 'chatops' } }
          : { ok: false, error: 'bot_not_found' };
      case 'views.open':
      case 'views.push':
      case 'views.update': {
        const id = (args['view_id'] as string | undefined) ?? `V${String(++this.viewCounter).padStart(8, '0')}`;
        // Slack answers with the whole view, unset fields at their defaults (private_metadata and callback_id "").
        const view = { private_metadata: '', callback_id: '', ...(args['view'] as object) };
        return { ok: true, view: { ...view, id, hash: `h${this.viewCounter}` } };
      }
      case 'chat.postMessage': {
        const channel = String(args['channel']);
        const err = this.channelErrors.get(channel);
        if (err) return { ok: false, error: err };
        const dm = /^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel;
        return { ok: true, channel: dm, ts: this.nextTs(), message: { text: args['text'] } };
      }
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.getPermalink': {
        const channel = String(args['channel'] ?? '');
        const ts = String(args['message_ts'] ?? '');
        if (!/^[CGD][A-Z0-9]+$/.test(channel) || this.channelErrors.has(channel))
          return { ok: false, error: 'channel_not_found' };
        if (!/^\d+\.\d+$/.test(ts)) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel, permalink: `https://acme.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
      }
      case 'chat.unfurl':
        return this.unfurl(args);
      case 'functions.completeSuccess':
      case 'functions.completeError':
        return this.completeFunction(method, args, token);
      case 'usergroups.users.list': {
        const members = this.userGroups.get(String(args['usergroup']));
        return members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' };
      }
      case 'views.publish':
        return {
          ok: true,
          view: { ...(args['view'] as object), id: `VHOME${String(args['user_id'])}`, hash: `h${++this.viewCounter}` },
        };
      case 'users.lookupByEmail': {
        const email = String(args['email']).toLowerCase();
        const u = [...this.users.values()].find((x) => x.email?.toLowerCase() === email);
        return u
          ? {
              ok: true,
              user: {
                id: u.id,
                name: u.name.toLowerCase().replace(/\s+/g, '.'),
                real_name: u.name,
                deleted: false,
                profile: { email: u.email },
              },
            }
          : { ok: false, error: 'users_not_found' };
      }
      case 'users.info': {
        const u = this.users.get(String(args['user']));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: u.id,
            name: u.name.toLowerCase().replace(/\s+/g, '.'),
            real_name: u.name,
            tz: u.tz ?? 'Asia/Shanghai',
            is_bot: u.isBot ?? false,
            profile: { real_name: u.name, email: u.email },
            ...u.userFields,
          },
        };
      }
      default:
        return { ok: true };
    }
  }
}

/** A value of a workflow step's output type (https://api.slack.com/automation/types). */
function outputFits(type: string, v: unknown): boolean {
  if (type === 'string' || type === 'slack#/types/timestamp') return typeof v === 'string';
  if (type === 'integer') return Number.isInteger(v);
  if (type === 'number') return typeof v === 'number';
  if (type === 'boolean') return typeof v === 'boolean';
  if (type === 'slack#/types/user_id') return typeof v === 'string' && /^[UW][A-Z0-9]+$/.test(v);
  if (type === 'slack#/types/channel_id') return typeof v === 'string' && /^[CGD][A-Z0-9]+$/.test(v);
  return v !== undefined;
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = JSON_FIELDS.has(k) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function send(res: ServerResponse, body: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
