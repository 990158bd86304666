import { z } from 'zod';
import { CloudApiError } from '../core/errors.js';

// What a DMS answer proves about an order: the create's order id, and whether an action was confirmed.

/** A create's answer, ids unparsed: {@link createdOrderId} decides whether they are real. */
export const createAnswer = z.looseObject({
  CreateOrderResult: z.union([z.looseObject({ OrderIds: z.array(z.unknown()) }), z.array(z.unknown())]).nullish(),
});

/** An action is done only when DMS says so (`Success: true`); an answer without it proves nothing. */
export const confirmedAnswer = z.looseObject({ Success: z.literal(true) });

const MAX_LONG = 9_223_372_036_854_775_807n;

/** A DMS order id as DMS stores it (a Java long > 0), as digits; undefined for anything else (0, -1, '', 1.5, 2^63, 2^53+1 as a number). */
export function validOrderId(raw: unknown): string | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? String(raw) : undefined;
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,18}$/.test(raw)) return undefined;
  return BigInt(raw) <= MAX_LONG ? raw : undefined;
}

/**
 * The order id a create answered. HTTP 200 with no valid id means DMS processed the create but the bot cannot tell
 * which ticket it made: the outcome is unknown (the caller looks for the ticket by its marker), never "not filed".
 */
export function createdOrderId(action: string, res: z.output<typeof createAnswer> & { RequestId?: string }): string {
  const ids = Array.isArray(res.CreateOrderResult) ? res.CreateOrderResult : res.CreateOrderResult?.OrderIds;
  const id = validOrderId(ids?.[0]);
  if (id) return id;
  throw new CloudApiError({
    service: 'DMS',
    action,
    errorCode: 'InvalidOrderId',
    errorMessage: 'DMS answered without a valid ticket id',
    httpStatus: 200,
    requestId: res.RequestId,
    retryable: false,
    outcome: 'unknown',
  });
}
