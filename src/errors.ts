import { withoutLinks } from '../blocks/text.js';

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
      errorCode: withoutLinks(raw.errorCode),
      errorMessage: withoutLinks(raw.errorMessage),
      ...(raw.requestId === undefined ? {} : { requestId: withoutLinks(raw.requestId) }),
    };
    const rid = details.requestId ? `, request id ${details.requestId}` : '';
    super(
      'cloud_api_error',
      userMessage === undefined ? `${details.service} ${details.action} failed: ${details.errorCode}: ${details.errorMessage}${rid}` : withoutLinks(userMessage),
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
 * - `refused`: the cloud answered that it did not do it (business error, 4xx, throttled): nothing happened.
 * - `unknown`: it may have happened (no answer, answer lost, 5xx, an answer the bot cannot trust): check before
 *   saying anything, never retry blindly, never report it as failed.
 * - `done`: the cloud confirmed it.
 */
export type SendOutcome = 'not_sent' | 'refused' | 'unknown' | 'done';

/** The outcome of a failed request: set by the client that raised it, else derived from what is known of the answer. */
export function sendOutcome(err: unknown): Exclude<SendOutcome, 'done'> {
  if (err instanceof CloudApiError) {
    const d = err.details;
    if (d.outcome) return d.outcome;
    if (d.notSent) return 'not_sent';
    if (d.httpStatus === undefined || d.httpStatus >= 500) return 'unknown';
    if (d.httpStatus === 200) return d.errorCode === 'MalformedResponse' ? 'unknown' : 'refused';
    return 'refused';
  }
  if (err instanceof BotError && err.code === 'not_sent') return 'not_sent';
  // Anything else (a bug, the store failing half-way) may have come after the request reached the cloud.
  return 'unknown';
}
