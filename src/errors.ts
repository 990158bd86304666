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
}

/** An error returned by a cloud API (business error, HTTP error, or transport failure). */
export class CloudApiError extends BotError {
  readonly details: CloudErrorDetails;
  /** True when the client wrote `userMessage` for people (plain words) rather than the generic code line. */
  readonly explained: boolean;

  constructor(details: CloudErrorDetails, userMessage?: string, options?: { cause?: unknown }) {
    const rid = details.requestId ? `, request id ${details.requestId}` : '';
    super(
      'cloud_api_error',
      userMessage ?? `${details.service} ${details.action} failed: ${details.errorCode}: ${details.errorMessage}${rid}`,
      { cause: options?.cause, message: `${details.service} ${details.action} failed: ${details.errorCode}${rid}` },
    );
    this.name = 'CloudApiError';
    this.details = details;
    this.explained = userMessage !== undefined;
  }
}
