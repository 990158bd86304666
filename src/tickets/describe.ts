import { CloudApiError } from '../core/errors.js';

/** Log-safe description of an error (code and message, no request config). */
export function describe(err: unknown): Record<string, unknown> {
  if (err instanceof CloudApiError)
    return {
      code: err.details.errorCode,
      requestId: err.details.requestId,
      httpStatus: err.details.httpStatus,
      action: err.details.action,
    };
  const e = err as { code?: unknown; message?: unknown; data?: { error?: unknown } };
  return {
    code: e.data?.error ?? e.code,
    message: typeof e.message === 'string' ? e.message.slice(0, 300) : String(err),
  };
}
