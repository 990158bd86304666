import { withoutLinks } from '../../blocks/kit/text.js';
import { redactSecrets } from './logger.js';

/** Coded errors: every failure a person can see carries a stable code and a message written for them. */
export class BotError extends Error {
  /** A stable machine-readable code, e.g. `dms_business_error`. */
  readonly code: string;
  /** What the person in Slack is told. Never contains secrets or stack traces. */
  readonly userMessage: string;

  constructor(code: string, userMessage: string, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? userMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotError';
    this.code = code;
    this.userMessage = userMessage;
  }
}

/** Details every cloud API error carries so the person and the operator can trace it. */
export interface CloudErrorDetails {
  /** The cloud service, e.g. `DMS` or `CTS`. */
  service: string;
  /** The API action, e.g. `CreateOrder`. */
  action: string;
  /** The cloud's own error code (`InvalidTid`, `CTS.0201`, `Throttling.User`, ...). */
  errorCode: string;
  /** The cloud's own error message. */
  errorMessage: string;
  /** HTTP status, when the error came with a response. */
  httpStatus?: number;
  /** The cloud request id, when known. */
  requestId?: string;
  /** True when the same call may succeed if retried (throttling, 5xx, network). */
  retryable: boolean;
  /** Server-advised wait before a retry, in milliseconds. */
  retryAfterMs?: number;
  /** True when the request certainly never reached the service (refused connection, unknown host, no credentials). */
  notSent?: boolean;
  /** The outcome, when the client that raised the error classified it (see {@link sendOutcome}). */
  outcome?: Exclude<SendOutcome, 'done'>;
}

/** An error returned by a cloud API (business error, HTTP error, or transport failure). */
export class CloudApiError extends BotError {
  readonly details: CloudErrorDetails;
  /** True when the client wrote `userMessage` for people (plain words) rather than the generic code line. */
  readonly explained: boolean;

  constructor(raw: CloudErrorDetails, userMessage?: string, options?: { cause?: unknown }) {
    // A cloud's words are data: a link in its code, message or request id goes here, before any log or person sees it.
    const details: CloudErrorDetails = {
      ...raw,
      // A code is an identifier (`Throttling.User`), compared and logged exactly: URLs go, dotted names stay.
      errorCode: withoutLinks(raw.errorCode, undefined, { keepHosts: true }),
      errorMessage: withoutLinks(raw.errorMessage),
      ...(raw.requestId === undefined ? {} : { requestId: withoutLinks(raw.requestId) }),
    };
    const rid = details.requestId ? `, request id ${details.requestId}` : '';
    super(
      'cloud_api_error',
      userMessage === undefined
        ? `${details.service} ${details.action} failed: ${details.errorCode}: ${details.errorMessage}${rid}`
        : withoutLinks(userMessage),
      { cause: options?.cause, message: `${details.service} ${details.action} failed: ${details.errorCode}${rid}` },
    );
    this.name = 'CloudApiError';
    this.details = details;
    this.explained = userMessage !== undefined;
  }
}

/**
 * What became of a request sent to a cloud, as far as the bot can know. Every call site maps these the same way:
 * - `not_sent`: it never left the bot (could not be encoded, no connection): nothing happened, nothing is pending.
 * - `refused`: the cloud answered that it did not do it (a business error, a recognised 4xx client error, throttled):
 *   nothing happened ({@link answerOutcome}).
 * - `unknown`: it may have happened (no answer, answer lost, 5xx, 408/499, a 4xx without a recognised code, an answer
 *   the bot cannot trust): check before saying anything, never retry blindly, never report it as failed.
 * - `done`: the cloud confirmed it.
 */
export type SendOutcome = 'not_sent' | 'refused' | 'unknown' | 'done';

/** The outcome of a failed request: set by the client that raised it, else derived from what is known of the answer. */
export function sendOutcome(err: unknown): Exclude<SendOutcome, 'done'> {
  if (err instanceof CloudApiError) {
    const d = err.details;
    if (d.outcome) return d.outcome;
    if (d.notSent) return 'not_sent';
    if (d.httpStatus === undefined) return 'unknown';
    return answerOutcome(d.httpStatus, d.errorCode);
  }
  if (err instanceof BotError && err.code === 'not_sent') return 'not_sent';
  // Anything else (a bug, the store failing half-way) may have come after the request reached the cloud.
  return 'unknown';
}

/**
 * Codes that never prove nothing happened: the service failed or timed out part-way, could not tell, or says the
 * thing may already exist. They win over {@link REFUSAL_CODE} (`Throttling.Timeout` is not a refusal).
 */
const UNSURE_CODE =
  /InternalError|ServiceUnavailable|Unavailable|Timeout|TimedOut|Unknown|Malformed|Busy|Temporar|Conflict|AlreadyExist|Duplicate|InvalidOrderId/i;

/**
 * Alibaba Cloud gateway (POP) and DMS codes that reject a request before the API runs: bad or missing parameters,
 * authentication and signature, permission, throttling, an action or version or tenant the service does not serve
 * (reference/dms.md, "Errors": permanent and throttling codes). Prefixes, so `InvalidParameter.Foo`,
 * `InvalidAccessKeyId.NotFound`, `Forbidden.RAM`, `Throttling.User` match; nothing else does.
 */
const REFUSAL_CODE =
  /^(?:InvalidParameter|MissingParameter|Forbidden|NoPermission|InvalidAccessKeyId|InvalidSecurityToken|MissingSecurityToken|SignatureDoesNotMatch|IncompleteSignature|SignatureNonceUsed|InvalidTimeStamp|InvalidSignatureMethod|Throttling|Rejected\.Throttling|InvalidAction|InvalidVersion|InvalidApi|InvalidRegionId|InvalidTid|UnsupportedOperation|UnsupportedHTTPMethod)(?:$|[.A-Z_])/;

/**
 * HTTP statuses that may come after the service acted: request timeout (408), conflict, i.e. it may exist (409),
 * too early (425), client closed (499). Never a refusal, whatever the code.
 */
const UNSURE_4XX = new Set([408, 409, 425, 499]);

/**
 * The one rule for what an answer proves, for every caller (the DMS client and {@link sendOutcome}): `refused` only
 * when the service positively said no in a way that means nothing happened, else `unknown`.
 * - HTTP 200 with `Success: false` (a business error): refused when it names its error code, unless that code says
 *   the service could not tell (`InternalError`, `*Timeout*`, `Unknown*`, ...). No code: an answer the bot cannot
 *   trust (it may be a mangled success), so unknown.
 * - HTTP 4xx: refused only with a recognised client-error code ({@link REFUSAL_CODE}) and a status that does not
 *   itself mean "maybe" (408, 409, 425, 499). A 4xx without a recognised code (a proxy's page, `InternalError`) is
 *   unknown.
 * - Anything else (5xx, 1xx/3xx, another 2xx): unknown.
 */
export function answerOutcome(httpStatus: number, errorCode: string | undefined): 'refused' | 'unknown' {
  const code = errorCode?.trim() ?? '';
  if (code === '' || UNSURE_CODE.test(code)) return 'unknown';
  if (httpStatus === 200) return 'refused';
  if (httpStatus >= 400 && httpStatus < 500 && !UNSURE_4XX.has(httpStatus))
    return REFUSAL_CODE.test(code) ? 'refused' : 'unknown';
  return 'unknown';
}

/**
 * What a log line says about an error: the same fields wherever it is logged (`logger.warn({ err: errorFields(e) })`).
 * Cloud errors bring their code, request id and HTTP status; Slack's errors their `error` code; the message is bounded
 * and its secrets masked; the cause (if any) is described the same way, a few levels deep.
 */
export interface ErrorLogFields {
  /** The error's class (`CloudApiError`, `Error`, ...), or the type of a thrown non-error. */
  type: string;
  /** A stable code: the cloud's error code, a BotError's code, Slack's `error`, Node's `ECONNREFUSED`, ... */
  code?: string;
  /** Cloud errors: the service and API action. */
  service?: string;
  action?: string;
  /** Cloud errors: the cloud's request id, to trace the call with the provider. */
  requestId?: string;
  /** The HTTP status the error came with, when it came with one. */
  httpStatus?: number;
  /** The message, secrets masked, at most 500 characters. */
  message: string;
  cause?: ErrorLogFields;
  /** Only when asked for (`{ stack: true }`): for errors nobody expected. Secrets masked, at most 2,000 characters. */
  stack?: string;
}

/** The one error-to-log mapper: turns anything thrown into {@link ErrorLogFields}. */
export function errorFields(err: unknown, opts: { stack?: boolean } = {}, depth = 0): ErrorLogFields {
  const e = err instanceof Error ? err : undefined;
  const raw = e ? e.message : typeof err === 'string' ? err : safeString(err);
  const fields: ErrorLogFields = { type: e?.name ?? typeof err, message: redactSecrets(raw).slice(0, 500) };
  if (err instanceof CloudApiError) {
    const d = err.details;
    fields.code = d.errorCode;
    fields.service = d.service;
    fields.action = d.action;
    if (d.requestId !== undefined) fields.requestId = d.requestId;
    if (d.httpStatus !== undefined) fields.httpStatus = d.httpStatus;
  } else if (err instanceof BotError) {
    fields.code = err.code;
  } else if (typeof err === 'object' && err !== null) {
    // Slack's Web API errors carry Slack's own code in `data.error`; Node's system errors a string `code`.
    const o = err as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown; status?: unknown };
    const code = typeof o.data?.error === 'string' ? o.data.error : o.code;
    if (typeof code === 'string' || typeof code === 'number') fields.code = redactSecrets(String(code)).slice(0, 100);
    const status = typeof o.statusCode === 'number' ? o.statusCode : o.status;
    if (typeof status === 'number') fields.httpStatus = status;
  }
  if (e?.cause !== undefined && depth < 3) fields.cause = errorFields(e.cause, {}, depth + 1);
  if (opts.stack && e?.stack) fields.stack = redactSecrets(e.stack).slice(0, 2_000);
  return fields;
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
