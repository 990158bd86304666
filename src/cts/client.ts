import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CloudApiError, type CloudErrorDetails, errorFields } from '../core/errors.js';
import type { CloudCallObserver } from '../core/metrics.js';
import {
  type CreateTrackerRequest,
  ctsErrorBodySchema,
  type ListTrackersFilter,
  listTrackersResponseSchema,
  stripNulls,
  type Tracker,
  type TrackerType,
  trackerSchema,
} from './schemas.js';
import { encodeQuery, rfc3986Encode, signRequest } from './signer.js';
import { explainCtsError } from './tracker-form.js';

/** CTS API actions this client calls. */
export type CtsAction = 'CreateTracker' | 'ListTrackers';

/** How to reach CTS and how hard to try. */
export interface CtsClientOptions {
  /** Origin such as `https://cts.cn-north-4.myhuaweicloud.com` (see `resolveCtsEndpoint`). */
  endpoint: string;
  projectId: string;
  ak: string;
  sk: string;
  /** Sent as `X-Security-Token` with temporary credentials. */
  securityToken?: string;
  /** Per-attempt time limit; default 10 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable failures; default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry up to `retryMaxDelayMs`. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Longest backoff delay (a server's Retry-After may be longer). Default 8 000 ms. */
  retryMaxDelayMs?: number;
  logger?: Logger;
  /** Clock used to sign (`X-Sdk-Date`). */
  now?: () => Date;
  fetch?: typeof fetch;
  /** Waits between retries; tests inject one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** What `createTracker` returns: the tracker, and whether it was only confirmed by listing after an ambiguous retry. */
export interface CreateTrackerResult {
  tracker: Tracker;
  /**
   * True when a retry answered CTS.0208/CTS.0201 and the tracker was then found by ListTrackers: it exists, but may
   * have been created by an earlier attempt of this call or by someone else.
   */
  confirmedByList: boolean;
}

/**
 * CreateTracker may or may not have taken effect: the request was sent but the answer was lost (timeout, dropped
 * connection, 5xx, unreadable 201). Confirm with `findTracker(trackerName, trackerType)` before trying again.
 */
export class CreateOutcomeUnknownError extends CloudApiError {
  readonly trackerName: string;
  readonly trackerType: TrackerType;

  constructor(cause: CloudApiError, body: CreateTrackerRequest) {
    const rid = cause.details.requestId ? `, request id ${cause.details.requestId}` : '';
    super(
      { ...cause.details, retryable: false },
      `${explainCtsError('OutcomeUnknown')} (CTS CreateTracker: ${cause.details.errorCode}${rid})`,
      { cause },
    );
    this.name = 'CreateOutcomeUnknownError';
    this.trackerName = body.tracker_name;
    this.trackerType = body.tracker_type;
  }
}

// Transport failures get their own codes; only ConnectFailed proves the request never reached the server.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RETRYABLE_CODES = new Set(['APIGW.0308', 'CTS.0004', 'CTS.0005', 'CTS.0300']);
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 60_000;
const PROBABLY_CREATED_CODES = new Set(['CTS.0208', 'CTS.0201']);

interface RawResponse {
  status: number;
  json: unknown;
  requestId: string | undefined;
}

/** Huawei Cloud CTS v3 client: signed requests, retries only where safe, zod-checked responses, coded errors. */
export class CtsClient {
  private readonly endpoint: string;
  private readonly projectId: string;
  private readonly ak: string;
  private readonly sk: string;
  private readonly securityToken: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly log: Logger | undefined;
  private readonly now: () => Date;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  private readonly observers: CloudCallObserver[] = [];

  /** Reports every call's action, outcome and duration (metrics). */
  observe(observer: CloudCallObserver): void {
    this.observers.push(observer);
  }

  constructor(options: CtsClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.projectId = options.projectId;
    this.ak = options.ak;
    this.sk = options.sk;
    this.securityToken = options.securityToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 8_000;
    this.log = options.logger?.child({ component: 'cts-client' });
    this.now = options.now ?? (() => new Date());
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Creates a tracker. Retried only when the request certainly did not reach CTS (connection refused, throttled at the
   * gateway). Throws `CreateOutcomeUnknownError` when it may have taken effect, and `CloudApiError` otherwise.
   */
  async createTracker(body: CreateTrackerRequest): Promise<CreateTrackerResult> {
    let attempts = 0;
    try {
      const raw = await this.withRetries(isCertainlyNotProcessed, () => {
        attempts += 1;
        return this.call('CreateTracker', 'POST', '/tracker', {}, body);
      });
      const tracker = this.parse('CreateTracker', trackerSchema, raw);
      return { tracker, confirmedByList: false };
    } catch (error) {
      if (!(error instanceof CloudApiError)) throw error;
      if (attempts > 1 && PROBABLY_CREATED_CODES.has(error.details.errorCode)) {
        const type: TrackerType = error.details.errorCode === 'CTS.0201' ? 'system' : body.tracker_type;
        const tracker = await this.findTracker(body.tracker_name, type);
        if (tracker) {
          this.log?.warn(
            { action: 'CreateTracker', err: errorFields(error) },
            'retried create reported the tracker exists; confirmed by ListTrackers',
          );
          return { tracker, confirmedByList: true };
        }
        throw error;
      }
      if (mayHaveTakenEffect(error)) throw new CreateOutcomeUnknownError(error, body);
      throw error;
    }
  }

  /** Lists trackers, optionally filtered by name and/or type. Retries transient failures. */
  async listTrackers(filter: ListTrackersFilter = {}): Promise<Tracker[]> {
    const query = { tracker_name: filter.trackerName, tracker_type: filter.trackerType };
    const raw = await this.withRetries(
      (error) => error.details.retryable,
      () => this.call('ListTrackers', 'GET', '/trackers', query),
    );
    return this.parse('ListTrackers', listTrackersResponseSchema, raw).trackers;
  }

  /** The tracker with this exact name and type, or undefined; use it to confirm a create whose outcome is unknown. */
  async findTracker(trackerName: string, trackerType: TrackerType): Promise<Tracker | undefined> {
    const trackers = await this.listTrackers({ trackerName, trackerType });
    return trackers.find((t) => t.tracker_name === trackerName && t.tracker_type === trackerType);
  }

  private withRetries<T>(canRetry: (error: CloudApiError) => boolean, attempt: () => Promise<T>): Promise<T> {
    return pRetry(attempt, {
      retries: this.retries,
      // Backoff is done in shouldRetry with the injectable sleep, so it can honour Retry-After and tests never wait.
      minTimeout: 0,
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (!(error instanceof CloudApiError) || !canRetry(error)) return false;
        // A server asking for a long pause gets it from the person, not from a request held open in the bot.
        if ((error.details.retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS) return false;
        const backoff = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** retriesConsumed);
        const delayMs = Math.max(backoff, error.details.retryAfterMs ?? 0);
        this.log?.warn(
          {
            err: errorFields(error),
            retry: retriesConsumed + 1,
            delayMs,
          },
          'cts call failed; retrying',
        );
        await this.sleep(delayMs);
        return true;
      },
    });
  }

  private async call(
    action: CtsAction,
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<RawResponse> {
    const qs = encodeQuery(query);
    const url = new URL(`${this.endpoint}/v3/${rfc3986Encode(this.projectId)}${path}${qs ? `?${qs}` : ''}`);
    const bodyText = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Project-Id': this.projectId };
    if (this.securityToken) headers['X-Security-Token'] = this.securityToken;
    const signed = signRequest({ method, url, headers, body: bodyText, ak: this.ak, sk: this.sk, date: this.now() });

    const started = performance.now();
    const durationMs = (): number => Math.round(performance.now() - started);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: signed,
        body: bodyText === '' ? undefined : bodyText,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      const error = this.transportError(action, url, cause);
      for (const o of this.observers) o({ service: 'CTS', action, outcome: 'error', ms: durationMs() });
      this.log?.warn({ action, err: errorFields(error), durationMs: durationMs() }, 'cts call failed');
      throw error;
    }

    const json = parseJson(text);
    const errorBody = ctsErrorBodySchema.safeParse(json);
    const requestId =
      (errorBody.success ? errorBody.data.request_id : undefined) ?? response.headers.get('x-request-id') ?? undefined;
    this.log?.info({ action, status: response.status, requestId, durationMs: durationMs() }, 'cts call');
    for (const o of this.observers)
      o({ service: 'CTS', action, outcome: response.ok ? 'ok' : 'error', ms: durationMs() });

    if (response.ok) return { status: response.status, json, requestId };

    const errorCode = errorBody.success ? errorBody.data.error_code : `HTTP_${response.status}`;
    const errorMessage =
      (errorBody.success ? errorBody.data.error_msg : undefined) ??
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    throw this.error(action, {
      errorCode,
      errorMessage,
      httpStatus: response.status,
      requestId,
      retryable: isRetryableAnswer(response.status, errorCode),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  private parse<S extends z.ZodType>(action: CtsAction, schema: S, raw: RawResponse): z.output<S> {
    const parsed = schema.safeParse(stripNulls(raw.json));
    if (parsed.success) return parsed.data;
    // Issue paths only: the body may be large, and the path says what is wrong.
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw this.error(action, {
      errorCode: 'MalformedResponse',
      errorMessage: `HTTP ${raw.status} response did not match the expected shape (${where})`,
      httpStatus: raw.status,
      requestId: raw.requestId,
      retryable: false,
    });
  }

  private transportError(action: CtsAction, url: URL, cause: unknown): CloudApiError {
    if (cause instanceof Error && cause.name === 'TimeoutError') {
      return this.error(
        action,
        { errorCode: 'Timeout', errorMessage: `no response within ${this.timeoutMs} ms`, retryable: true },
        cause,
      );
    }
    const codes = errorCodes(cause);
    const notSent = codes.find((c) => NOT_SENT_CODES.has(c));
    if (notSent) {
      return this.error(
        action,
        { errorCode: 'ConnectFailed', errorMessage: `could not connect to ${url.host} (${notSent})`, retryable: true },
        cause,
      );
    }
    // undici's own message is just "fetch failed"; the useful part is the code or the cause's message.
    const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
    const reason = codes[0] ?? (inner instanceof Error ? inner.message : String(inner));
    return this.error(
      action,
      { errorCode: 'NetworkError', errorMessage: `connection to ${url.host} failed (${reason})`, retryable: true },
      cause,
    );
  }

  private error(
    action: CtsAction,
    details: Omit<CloudErrorDetails, 'service' | 'action'>,
    cause?: unknown,
  ): CloudApiError {
    const full: CloudErrorDetails = { service: 'CTS', action, ...details };
    const rid = full.requestId ? `, request id ${full.requestId}` : '';
    const userMessage = `${explainCtsError(full.errorCode, full.errorMessage)} (CTS ${action}: ${full.errorCode}${rid})`;
    return new CloudApiError(full, userMessage, cause === undefined ? undefined : { cause });
  }
}

/** True when CTS answered with a failure that may succeed later (throttling, 502/503/504, internal errors). */
function isRetryableAnswer(status: number, errorCode: string): boolean {
  // An AK that fails signature 5 times in a row is locked for 5 minutes: never retry it.
  if (errorCode === 'APIGW.0301') return false;
  return RETRYABLE_STATUSES.has(status) || RETRYABLE_CODES.has(errorCode);
}

/** A create may be retried only when it certainly did not reach CTS. */
function isCertainlyNotProcessed(error: CloudApiError): boolean {
  const { errorCode, httpStatus } = error.details;
  return errorCode === 'ConnectFailed' || errorCode === 'APIGW.0308' || httpStatus === 429;
}

/** A create that failed this way may still have created the tracker. */
function mayHaveTakenEffect(error: CloudApiError): boolean {
  const { errorCode, httpStatus } = error.details;
  if (errorCode === 'Timeout' || errorCode === 'NetworkError') return true;
  if (errorCode === 'MalformedResponse') return httpStatus !== undefined && httpStatus < 300;
  return httpStatus !== undefined && httpStatus >= 500;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** System error codes (`ECONNREFUSED`, ...) anywhere in an error's cause chain or aggregate. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (depth > 5 || typeof error !== 'object' || error === null) return [];
  const out: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.push(code);
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) for (const e of nested) out.push(...errorCodes(e, depth + 1));
  out.push(...errorCodes((error as { cause?: unknown }).cause, depth + 1));
  return out;
}
