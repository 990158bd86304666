import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ParsedUrlQuery, parse as parseQueryString } from 'node:querystring';
import { type App, defaultBodyLimit, HTTPModuleFunctions, type ReceiverEvent, verifySlackRequest } from '@slack/bolt';
import type { Logger } from 'pino';
import { buildNoticeModal, explanationOption } from '../../blocks/dms/export-modal.js';
import { errorFields } from '../core/errors.js';
import { userMessageFor } from '../core/user-message.js';
import {
  type Answerable,
  type AppIdentity,
  audienceOf,
  foreignReason,
  readEnvelope,
  type SlackEnvelope,
} from './envelope.js';
import type { Messenger } from './messenger.js';

/**
 * The request layer's guard, the same for HTTP and Socket Mode: every payload is read against the envelope schemas
 * before Bolt routes it, payloads for another app or workspace are refused, and every payload gets exactly one ack —
 * with the coded error (short id) when a listener threw, never Bolt's silent 404 after 3 s.
 */
export interface GuardDeps {
  logger: Logger;
  messenger: Messenger;
  /** This app's identity (auth.test at start); undefined until known, and then every payload is refused. */
  identity(): AppIdentity | undefined;
}

/** What to do with a parsed body. */
type Judgement =
  | { verdict: 'dispatch'; envelope: SlackEnvelope }
  /** Malformed, but the person can be told: an ack with `answer`. */
  | { verdict: 'answer'; answer: Record<string, unknown> | undefined }
  /** Not for us, or not readable and nobody to tell: HTTP `status`; over the socket, an empty ack. */
  | { verdict: 'refuse'; status: 400 | 403 };

const errorId = () => randomBytes(4).toString('hex');

/** Reads a body against the envelope schemas and this app's identity; logs every refusal (paths and ids, no values). */
function judge(body: unknown, deps: GuardDeps): Judgement {
  const read = readEnvelope(body);
  if (!read.ok) {
    const id = errorId();
    deps.logger.warn(
      { errorId: id, issues: read.issues, kind: read.answerable.kind },
      'refused a Slack payload that is not a well-formed envelope',
    );
    const answer = unreadableAnswer(read.answerable, id);
    return answer ? { verdict: 'answer', answer } : { verdict: 'refuse', status: 400 };
  }
  const me = deps.identity();
  const audience = audienceOf(read.envelope);
  const why = me ? foreignReason(audience, me) : 'identity unknown';
  if (why) {
    deps.logger.warn(
      {
        mismatch: why,
        appId: audience.appId.slice(0, 32),
        teamId: audience.teamId?.slice(0, 32),
        enterpriseId: audience.enterpriseId?.slice(0, 32),
      },
      'refused a Slack payload for another app or workspace',
    );
    return { verdict: 'refuse', status: 403 };
  }
  return { verdict: 'dispatch', envelope: read.envelope };
}

/** Words for a person whose request Slack sent in a shape we cannot read, as the ack of that request. */
function unreadableAnswer(a: Answerable, id: string): Record<string, unknown> | undefined {
  if (!a.userId) return undefined;
  const text = `I could not read this request from Slack (error id \`${id}\`). Please try again; if it keeps happening, give this id to the bot's operators.`;
  if (a.kind === 'command') return { response_type: 'ephemeral', text };
  if (a.kind === 'view_submission')
    return { response_action: 'push', view: buildNoticeModal('Could not read this', text) };
  if (a.kind === 'block_suggestion')
    return { options: [explanationOption(`Could not read this request (error id ${id}).`, 'unreadable')] };
  return undefined;
}

/** A slow or aborted upload must not hold the request forever: the body is read within this. */
const BODY_READ_MS = 10_000;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new Error('body read timed out')), BODY_READ_MS);
    timer.unref();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        clearTimeout(timer);
        req.removeAllListeners('data');
        req.resume();
        resolve('too large');
      } else chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * HTTP: reads and checks a request to /slack/events before Bolt's receiver sees it (Bolt parses the body inside its
 * receiver, where a signed `payload=null` throws out of reach of any middleware). Resolves true when the request is
 * to be handed to the receiver (its body kept on `rawBody`, which the receiver reuses); otherwise it was answered.
 */
export async function precheckHttp(
  req: IncomingMessage,
  res: ServerResponse,
  signingSecret: string,
  deps: GuardDeps,
): Promise<boolean> {
  if (req.method !== 'POST') return true;
  let raw: Buffer | 'too large';
  try {
    raw = await readBody(req, defaultBodyLimit);
  } catch (err) {
    deps.logger.warn({ err: errorFields(err) }, 'Slack request body could not be read');
    if (!res.headersSent) res.writeHead(400).end();
    return false;
  }
  if (raw === 'too large') {
    res.writeHead(413).end();
    return false;
  }
  const rawBody = raw;
  // The body is read here exactly as Bolt will read it (HTTPModuleFunctions: `node:querystring` for this exact
  // content type, which turns a repeated key into an array; JSON otherwise), so what is judged is what Bolt routes.
  const form =
    req.headers['content-type'] === 'application/x-www-form-urlencoded'
      ? parseQueryString(rawBody.toString())
      : undefined;
  if (form && isSslCheck(form)) {
    // Slack's unsigned SSL check, taken only in the shape Slack sends it; Bolt answers it with a bare 200. The body
    // is reduced to just that, whatever Bolt's version does with anything else.
    Object.assign(req, { rawBody: Buffer.from('ssl_check=1') });
    return true;
  }
  try {
    verifySlackRequest({
      signingSecret,
      body: rawBody.toString(),
      headers: {
        'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
        'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
      },
    });
  } catch (err) {
    deps.logger.warn({ err: errorFields(err) }, 'Slack request signature refused');
    res.writeHead(401).end();
    return false;
  }
  if (form) {
    // A repeated key (Bolt would see an array where Slack sends one string), or an `ssl_check` that is not Slack's
    // SSL check (Bolt would answer it as one, or trip over it), is not a body Slack sends: refused, never routed.
    const repeated = Object.keys(form).filter((k) => Array.isArray(form[k]));
    if (repeated.length > 0 || 'ssl_check' in form) {
      deps.logger.warn(
        { repeated: repeated.slice(0, 10).map((k) => k.slice(0, 40)), sslCheck: 'ssl_check' in form },
        'refused a signed Slack form body with repeated keys or a stray ssl_check',
      );
      res.writeHead(400).end();
      return false;
    }
  }
  let body: unknown;
  try {
    // Bolt's own parser, so what is checked here is what Bolt will route.
    body = HTTPModuleFunctions.parseHTTPRequestBody(Object.assign(req, { rawBody }));
  } catch {
    deps.logger.warn('refused a signed Slack request whose body does not parse');
    res.writeHead(400).end();
    return false;
  }
  const t = body as { type?: unknown } | null;
  if (t !== null && typeof t === 'object' && t.type === 'url_verification') return true;
  const j = judge(body, deps);
  if (j.verdict === 'refuse') {
    res.writeHead(j.status).end();
    return false;
  }
  if (j.verdict === 'answer') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(j.answer));
    return false;
  }
  return true;
}

/** Slack's SSL check as Slack sends it: `ssl_check=1`, with at most a `token`, each once. */
function isSslCheck(form: ParsedUrlQuery): boolean {
  return (
    form['ssl_check'] === '1' &&
    Object.keys(form).every((k) => k === 'ssl_check' || (k === 'token' && typeof form[k] === 'string'))
  );
}

/** The part of the Socket Mode client (an eventemitter3 emitter) the frame guard uses. */
export interface FrameSource {
  listeners(event: 'ws_message'): unknown[];
  removeAllListeners(event: 'ws_message'): unknown;
  on(event: 'ws_message', fn: (data: unknown, isBinary: boolean) => void): unknown;
}

/**
 * Socket Mode: the socket client routes a frame by fields it reads without checking them (`payload.event.type` becomes
 * an event name it emits, a `null` payload throws in its message handler). Frames are checked here first; a frame
 * that is not a well-formed envelope is rewritten into an inert `interactive` one with the same envelope id, so it
 * still reaches `guardDispatch` and is acked (and answered, where a person can be) like any refused payload.
 */
export function guardSocketFrames(client: FrameSource, logger: Logger): void {
  const original = client.listeners('ws_message') as ((data: unknown, isBinary: boolean) => Promise<void>)[];
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const frame = checkFrame(data, isBinary, logger);
    if (frame === undefined) return;
    for (const l of original) {
      void l(frame, false).catch((err: unknown) =>
        logger.error({ err: errorFields(err) }, 'Socket Mode frame handling failed'),
      );
    }
  });
}

function checkFrame(data: unknown, isBinary: boolean, logger: Logger): string | undefined {
  if (isBinary || !(typeof data === 'string' || data instanceof Buffer || data instanceof ArrayBuffer))
    return undefined;
  const text = typeof data === 'string' ? data : Buffer.from(data as Buffer).toString('utf8');
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    logger.warn('dropped a Socket Mode frame that is not JSON');
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    logger.warn('dropped a Socket Mode frame that is not an object');
    return undefined;
  }
  const f = frame as Record<string, unknown>;
  if (f['type'] === 'hello' || f['type'] === 'disconnect') return text;
  const envelopeId = f['envelope_id'];
  if (typeof envelopeId !== 'string' || envelopeId.length === 0 || envelopeId.length > 255) {
    logger.warn('dropped a Socket Mode frame without an envelope id (it cannot be acknowledged)');
    return undefined;
  }
  const payload = f['payload'];
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  const known = f['type'] === 'slash_commands' || f['type'] === 'interactive' || f['type'] === 'events_api';
  const fine = known && isObject && (f['type'] !== 'events_api' || readEnvelope(payload).ok);
  if (fine) return text;
  // The guard refuses and acks it; the payload is kept (if an object) so a person named in it can be answered.
  return JSON.stringify({
    envelope_id: envelopeId,
    type: 'interactive',
    payload: isObject && f['type'] !== 'events_api' ? payload : {},
    accepts_response_payload: f['accepts_response_payload'] === true,
  });
}

/** Listener errors by the body they were thrown for (Bolt's error handler sees the body, the dispatch sees the ack). */
export type FailureBook = WeakMap<object, string>;

/** Records a listener error for the person's answer (the coded-error path: short id, logged). */
export function recordFailure(book: FailureBook, err: unknown, body: unknown, logger: Logger): void {
  const message = userMessageFor(err, logger, { where: 'listener' });
  if (typeof body === 'object' && body !== null) book.set(body, message);
}

/**
 * Wraps Bolt's dispatch (`App.processEvent`, which every receiver calls): envelope and audience are checked first;
 * the payload is acked exactly once whatever happens; and a listener that threw answers the person with its error id.
 */
export function guardDispatch(bolt: App, book: FailureBook, deps: GuardDeps): void {
  const dispatch = bolt.processEvent.bind(bolt);
  bolt.processEvent = async (event: ReceiverEvent): Promise<void> => {
    let acked = false;
    const ackOnce = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      try {
        await event.ack(response);
      } catch (err) {
        deps.logger.warn({ err: errorFields(err) }, 'Slack ack failed');
      }
    };
    const j = judge(event.body, deps);
    if (j.verdict !== 'dispatch') {
      await ackOnce(j.verdict === 'answer' ? j.answer : undefined);
      return;
    }
    const tracked: ReceiverEvent = {
      ...event,
      ack: async (response?: unknown) => {
        if (acked) throw new Error('already acknowledged');
        acked = true;
        await event.ack(response);
      },
    };
    try {
      await dispatch(tracked);
    } catch (err) {
      recordFailure(book, err, event.body, deps.logger);
    }
    const failure = book.get(event.body as object);
    if (failure === undefined) {
      // No listener for it (or one that never acked): Slack gets its ack now, not a 404 after 3 s.
      await ackOnce();
      return;
    }
    await answerFailure(j.envelope, failure, acked, ackOnce, deps);
  };
}

/** Tells the person their request failed: in the ack when it is still open, else ephemeral (or by DM). */
async function answerFailure(
  e: SlackEnvelope,
  message: string,
  acked: boolean,
  ack: (r?: unknown) => Promise<void>,
  deps: GuardDeps,
): Promise<void> {
  const text = `:warning: ${message}`;
  const tell = (channelId: string | undefined, userId: string) =>
    deps.messenger
      .tellUser(channelId, userId, { text })
      .catch((err: unknown) => deps.logger.warn({ err: errorFields(err) }, 'could not tell the person about an error'));
  if (e.kind === 'event') return ack();
  if (e.kind === 'command') {
    if (!acked) return ack({ response_type: 'ephemeral', text });
    return tell(e.body.channel_id, e.body.user_id);
  }
  const b = e.body;
  if (!acked) {
    if (b.type === 'view_submission')
      return ack({ response_action: 'push', view: buildNoticeModal('Something went wrong', text) });
    if (b.type === 'block_suggestion') return ack({ options: [explanationOption(message, 'error')] });
    await ack();
  }
  if (b.type === 'block_suggestion') return;
  const channelId =
    b.type === 'block_actions'
      ? (b.channel?.id ?? b.container.channel_id)
      : b.type === 'message_action'
        ? b.channel.id
        : undefined;
  await tell(channelId, b.user.id);
}
