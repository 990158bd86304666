import CredentialModule, * as Credentials from '@alicloud/credentials';
import OpenApiModule, * as OpenApi from '@alicloud/openapi-core';
import * as Dara from '@darabonba/typescript';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Endpoint } from '../config.js';
import { withDeadline } from '../core/deadline.js';
import { answerOutcome, CloudApiError, errorFields } from '../core/errors.js';
import type { CloudCallObserver } from '../core/metrics.js';
import * as S from './schemas.js';

// Both packages are CommonJS with `exports.default = Class`. Node's ESM loader hands us module.exports (class at
// `.default`); vitest's loader hands us the class itself. Accept either.
const OpenApiClient = cjsDefault<typeof OpenApiModule.default>(OpenApiModule);
const Credential = cjsDefault<typeof CredentialModule.default>(CredentialModule);

function cjsDefault<T>(mod: unknown): T {
  return (typeof mod === 'function' ? mod : (mod as { default: unknown }).default) as T;
}
type CredentialInstance = InstanceType<typeof Credential>;

/** Static keys for tests and sandbox; production uses the default credential chain. */
export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface DmsClientOptions {
  endpoint?: Endpoint;
  regionId: string;
  tid?: string;
  /** Omit to use `@alicloud/credentials`' default chain (env vars, profile, RAM role, OIDC). */
  credentials?: StaticCredentials;
  timeoutMs: number;
  logger: Logger;
  /** Retries for read calls (throttling, 5xx, network). Creates are never retried. */
  retries?: number;
  /** Base back-off for retries, in ms (tests make it small). */
  retryMinTimeoutMs?: number;
}

/** Where a parameter travels: the query string or the form body (reference/dms.md is exact about this). */
export interface CallParams {
  query?: Record<string, string | undefined>;
  body?: Record<string, string | undefined>;
}

export interface CallOptions {
  /** true: safe to retry (reads); 'throttled': retry only answers that prove nothing happened (throttling). */
  retry: boolean | 'throttled';
  timeoutMs?: number;
  /** What the person gave, before encoding: a string that cannot be encoded means the request is never sent. */
  inputs?: Record<string, unknown>;
}

export const DMS_VERSION = '2018-11-01';

/** The default public endpoint for a region. */
export function defaultDmsEndpoint(regionId: string): Endpoint {
  return { host: `dms-enterprise.${regionId}.aliyuncs.com`, protocol: 'https' };
}

/**
 * The DMS wire: signed RPC calls through the official generic `callApi`, each bounded in time, every failure mapped to
 * a CloudApiError with its outcome, answers checked against `Success` and a zod schema, reads retried safely.
 * {@link DmsClient} adds one method per action on top.
 */
export class DmsTransport {
  private readonly client: InstanceType<typeof OpenApiClient>;
  protected readonly opts: DmsClientOptions;
  private readonly observers: CloudCallObserver[] = [];

  /** Reports every call's action, outcome and duration (metrics). */
  observe(observer: CloudCallObserver): void {
    this.observers.push(observer);
  }

  private report(action: string, outcome: Parameters<CloudCallObserver>[0]['outcome'], started: number): void {
    for (const o of this.observers) o({ service: 'DMS', action, outcome, ms: Date.now() - started });
  }

  constructor(opts: DmsClientOptions) {
    this.opts = opts;
    const endpoint = opts.endpoint ?? defaultDmsEndpoint(opts.regionId);
    const credential: CredentialInstance = opts.credentials
      ? new Credential(
          new Credentials.Config(
            opts.credentials.securityToken
              ? { type: 'sts', ...opts.credentials }
              : {
                  type: 'access_key',
                  accessKeyId: opts.credentials.accessKeyId,
                  accessKeySecret: opts.credentials.accessKeySecret,
                },
          ),
        )
      : new Credential();
    this.client = new OpenApiClient(
      new OpenApi.$OpenApiUtil.Config({
        credential,
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        regionId: opts.regionId,
      }),
    );
  }

  /** Calls one action; maps every failure to CloudApiError; checks `Success` and the response shape. */
  protected async call<T extends z.ZodType>(
    action: string,
    params: CallParams,
    schema: T,
    options: CallOptions,
  ): Promise<z.output<T> & { RequestId?: string }> {
    const attempt = () =>
      this.callOnce(action, params, schema, options.timeoutMs ?? this.opts.timeoutMs, options.inputs);
    if (!options.retry) return attempt();
    return pRetry(attempt, {
      retries: this.opts.retries ?? 4,
      minTimeout: this.opts.retryMinTimeoutMs ?? 500,
      maxTimeout: 20_000,
      randomize: true,
      shouldRetry: ({ error }) =>
        error instanceof CloudApiError &&
        error.details.retryable &&
        (options.retry === true || error.details.notSent === true || /Throttling/.test(error.details.errorCode)),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        const details = error instanceof CloudApiError ? error.details : undefined;
        this.opts.logger.warn({ action, attemptNumber, retriesLeft, err: errorFields(error) }, 'DMS call failed');
        // Honour the server's advised wait on top of p-retry's own back-off.
        if (details?.retryAfterMs && retriesLeft > 0)
          await new Promise((r) => setTimeout(r, Math.min(details.retryAfterMs!, 30_000)));
      },
    });
  }

  private async callOnce<T extends z.ZodType>(
    action: string,
    params: CallParams,
    schema: T,
    timeoutMs: number,
    inputs?: Record<string, unknown>,
  ): Promise<z.output<T> & { RequestId?: string }> {
    const started = Date.now();
    const broken = illFormedField({ ...inputs, ...params.query, ...params.body });
    if (broken) {
      this.report(action, 'error', started);
      this.opts.logger.info({ action, outcome: 'not_sent', field: broken }, 'DMS call');
      throw new CloudApiError(
        {
          service: 'DMS',
          action,
          errorCode: 'EncodingError',
          errorMessage: `"${broken}" contains a broken character (a lone UTF-16 surrogate) that cannot be sent`,
          retryable: false,
          notSent: true,
          outcome: 'not_sent',
        },
        `Nothing was sent to DMS: ${fieldWords(broken)} contains a broken character (half of an emoji or similar) that cannot be encoded. Retype that text and try again.`,
      );
    }
    const query = compact({ ...params.query, Tid: this.opts.tid });
    const body = params.body ? compact(params.body) : undefined;
    const request = new OpenApi.$OpenApiUtil.OpenApiRequest(body ? { query, body } : { query });
    const apiParams = new OpenApi.$OpenApiUtil.Params({
      action,
      version: DMS_VERSION,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const runtime = new Dara.RuntimeOptions({
      autoretry: false,
      readTimeout: timeoutMs,
      connectTimeout: Math.min(timeoutMs, 5_000),
    });
    let raw: unknown;
    try {
      // Bounds the call even when the transport's own timeouts do not fire.
      const response = await withDeadline(this.client.callApi(apiParams, request, runtime), timeoutMs + 500, () =>
        Object.assign(new Error(`${action} timed out after ${timeoutMs} ms`), { code: 'Timeout' }),
      );
      raw = response['body'];
    } catch (err) {
      const mapped = mapTransportError(action, err);
      this.report(action, 'error', started);
      this.opts.logger.info(
        {
          action,
          outcome: 'error',
          errorCode: mapped.details.errorCode,
          httpStatus: mapped.details.httpStatus,
          requestId: mapped.details.requestId,
          ms: Date.now() - started,
        },
        'DMS call',
      );
      throw mapped;
    }
    const envelope = S.dmsEnvelope.safeParse(raw);
    const requestId = envelope.success ? envelope.data.RequestId : undefined;
    if (envelope.success && envelope.data.Success === false) {
      this.report(action, 'business_error', started);
      this.opts.logger.info(
        { action, outcome: 'business_error', errorCode: envelope.data.ErrorCode, requestId, ms: Date.now() - started },
        'DMS call',
      );
      throw new CloudApiError({
        service: 'DMS',
        action,
        errorCode: envelope.data.ErrorCode ?? 'UnknownError',
        errorMessage: envelope.data.ErrorMessage ?? 'DMS reported a failure without a message',
        httpStatus: 200,
        requestId,
        retryable: false,
        // A refusal only when DMS names its error; `Success:false` alone may be a mangled answer to a done request.
        outcome: answerOutcome(200, envelope.data.ErrorCode),
      });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.report(action, 'malformed', started);
      this.opts.logger.warn(
        {
          action,
          outcome: 'malformed',
          requestId,
          issues: parsed.error.issues.slice(0, 5).map((i) => i.path.join('.')),
        },
        'DMS call',
      );
      throw new CloudApiError({
        service: 'DMS',
        action,
        errorCode: 'MalformedResponse',
        errorMessage: 'DMS answered in a shape the bot does not understand',
        httpStatus: 200,
        requestId,
        retryable: false,
        // The request was processed; what it did cannot be read from the answer.
        outcome: 'unknown',
      });
    }
    this.report(action, 'ok', started);
    this.opts.logger.debug({ action, outcome: 'ok', requestId, ms: Date.now() - started }, 'DMS call');
    return Object.assign(parsed.data as object, { RequestId: requestId }) as z.output<T> & { RequestId?: string };
  }
}

// A UTF-16 surrogate without its partner: encodeURIComponent throws on it, and DMS could not store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const FIELD_WORDS: Record<string, string> = {
  sql: 'the SQL',
  rollbackSql: 'the rollback SQL',
  classify: 'the reason',
  ignoreAffectRowsReason: 'the reason for skipping the check',
  comment: 'the comment (your words and your Slack name)',
  Comment: 'the comment (your words and your Slack name)',
  tables: 'a table name',
  reason: 'the reason',
};

/** A parameter path in words for the person ("the SQL"). */
function fieldWords(path: string): string {
  return FIELD_WORDS[path.replace(/[.[].*$/, '')] ?? 'a field of the request';
}

/** The name of the first field (nested: `a.b[0]`) holding a string that cannot be encoded, if any. */
export function illFormedField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || 'value' : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = illFormedField(v, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = illFormedField(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/** The record without its undefined entries. */
function compact(record: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out;
}

// Failures that happen before a single byte reaches DMS: a create that failed this way certainly did not happen.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);

const RETRYABLE_CODE = /^(Throttling|Rejected\.Throttling|ServiceUnavailable|InternalError)/;

/** Turns whatever openapi-core or the socket threw into a CloudApiError with a retry verdict. */
export function mapTransportError(action: string, err: unknown): CloudApiError {
  if (err instanceof CloudApiError) return err;
  if (err instanceof OpenApi.AlibabaCloudError) {
    const statusCode = err.statusCode;
    const code = err.code || 'UnknownError';
    const retryAfter = err instanceof OpenApi.ThrottlingError ? err.retryAfter : undefined;
    const message = (err.message || '').replace(/^code: \d+, /, '').replace(/ request id: .*$/, '');
    return new CloudApiError(
      {
        service: 'DMS',
        action,
        errorCode: code,
        errorMessage: message,
        httpStatus: statusCode,
        // openapi-core raises its own errors without a status before sending (e.g. no credentials).
        notSent: statusCode === undefined,
        // A 4xx is a refusal only with a recognised client-error code; a 408, 499 or `InternalError` may follow the effect.
        outcome: statusCode === undefined ? 'not_sent' : answerOutcome(statusCode, err.code),
        requestId: err.requestId && err.requestId !== 'undefined' ? err.requestId : undefined,
        retryable: RETRYABLE_CODE.test(code) || (statusCode !== undefined && statusCode >= 500),
        retryAfterMs: retryAfter,
      },
      undefined,
      { cause: err },
    );
  }
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'NetworkError';
  // URIError: the SDK could not encode a parameter, before anything was sent.
  const notSent = NOT_SENT_CODES.has(code) || err instanceof URIError;
  return new CloudApiError(
    {
      service: 'DMS',
      action,
      errorCode: code,
      errorMessage: typeof e.message === 'string' ? e.message.slice(0, 300) : 'network failure',
      retryable: !(err instanceof URIError),
      notSent,
      outcome: notSent ? 'not_sent' : 'unknown',
    },
    undefined,
    { cause: err },
  );
}
