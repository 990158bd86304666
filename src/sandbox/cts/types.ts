/** The CTS emulator's public shapes: signature verdicts, scripted faults, recorded requests, status steps, options. */

/** How the emulator judged a request's SDK-HMAC-SHA256 signature. */
export type SignatureVerdict =
  | 'valid'
  | 'missing'
  | 'malformed'
  | 'unknown-ak'
  | 'missing-date'
  | 'date-out-of-range'
  | 'missing-signed-header'
  | 'mismatch';

/**
 * A scripted failure for the next request(s) that pass authentication:
 * - `throttle` 429 APIGW.0308, `badGateway` 502, `unavailable` 503, `gatewayTimeout` 504, `internalError` 500 CTS.0004;
 * - `hang`: never answer (the client times out); `reset`: drop the connection without processing;
 * - `dropResponse`: process the request (a create takes effect) then drop the connection: a lost response;
 * - `malformed`: process normally, answer with the right status but a body of the wrong shape;
 * - `{status, body?, headers?}`: answer exactly this without processing.
 */
export type CtsFault =
  | 'throttle'
  | 'badGateway'
  | 'unavailable'
  | 'gatewayTimeout'
  | 'internalError'
  | 'hang'
  | 'reset'
  | 'dropResponse'
  | 'malformed'
  | { status: number; body?: unknown; headers?: Record<string, string> };

/** One request as the emulator received and answered it. */
export interface RecordedRequest {
  method: string;
  /** Path as received, without the query. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  signature: SignatureVerdict;
  /** Undefined when no answer was sent (hang, reset, dropResponse). */
  status?: number;
  response?: unknown;
  requestId: string;
  fault?: string;
}

/** A scripted status change, applied on a ListTrackers call. */
export interface StatusStep {
  trackerName: string;
  status: string;
  detail?: string;
}

/** Emulator settings; defaults suit most tests. */
export interface CtsEmulatorOptions {
  ak?: string;
  sk?: string;
  projectId?: string;
  domainId?: string;
  /** Server clock for the X-Sdk-Date check and `create_time`. */
  now?: () => Date;
  /** Listen on this loopback port (0 = any free port). */
  port?: number;
  /** Trackers allowed before CTS.0200; default 100. */
  trackerQuota?: number;
}
