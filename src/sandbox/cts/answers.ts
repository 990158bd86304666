/** The CTS emulator's answers: CTS and API gateway error bodies, preset faults, how a bad signature is worded. */
import type { SdkHmacFailureReason } from '../sdk-hmac.js';
import type { SignatureVerdict } from './types.js';

/** How far X-Sdk-Date may be from the server's clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** How each failure of the independent verifier (../sdk-hmac.ts) shows up in `RecordedRequest.signature`. */
export const VERDICT_OF: Record<SdkHmacFailureReason, SignatureVerdict> = {
  'missing-authorization': 'missing',
  'malformed-authorization': 'malformed',
  'unknown-access-key': 'unknown-ak',
  'missing-date': 'missing-date',
  'malformed-date': 'missing-date',
  'stale-date': 'date-out-of-range',
  'required-header-unsigned': 'missing-signed-header',
  'missing-signed-header': 'missing-signed-header',
  'signature-mismatch': 'mismatch',
};

/** The answers of the named faults (CtsFault's strings that answer at once). */
export const PRESET_FAULTS: Record<string, { status: number; body: { error_code: string; error_msg: string } }> = {
  throttle: { status: 429, body: { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached' } },
  badGateway: { status: 502, body: { error_code: 'APIGW.0202', error_msg: 'Bad gateway' } },
  unavailable: { status: 503, body: { error_code: 'CTS.0300', error_msg: 'Service unavailable' } },
  gatewayTimeout: { status: 504, body: { error_code: 'APIGW.0201', error_msg: 'Backend timeout' } },
  internalError: { status: 500, body: { error_code: 'CTS.0004', error_msg: 'Internal error' } },
};

/** A status and a body (JSON, or a string sent as is). */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** A CTS error answer (`{error_code, error_msg}`). */
export function ctsError(status: number, code: string, msg: string): Answer {
  return new Answer(status, { error_code: code, error_msg: msg });
}

/** Whether a JSON value is an object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request body: parsed JSON, the raw text when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** What the API gateway says about a bad signature. */
export function signatureMessage(verdict: SignatureVerdict): string {
  switch (verdict) {
    case 'missing':
      return 'Authorization header not found';
    case 'date-out-of-range':
      return 'The X-Sdk-Date is more than 15 minutes away from the server time';
    case 'missing-date':
      return 'X-Sdk-Date header is missing or malformed';
    case 'unknown-ak':
      return 'The access key does not exist';
    default:
      return 'verify aksk signature fail';
  }
}
