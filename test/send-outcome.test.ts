import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { illFormedField, mapTransportError, validOrderId } from '../src/dms/client.js';
import { BotError, CloudApiError, sendOutcome, type CloudErrorDetails } from '../src/errors.js';

// The pieces behind "outcomes are never misreported": what counts as an order id, what can be sent at all, and how
// every failure maps to not_sent / refused / unknown.

const throws = (f: () => unknown): boolean => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

describe('what the bot can send', () => {
  it('property: a text is flagged exactly when encodeURIComponent (what the SDK does) would throw on it', () => {
    const units = fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 40 });
    fc.assert(
      fc.property(units, (codes) => {
        const s = String.fromCharCode(...codes);
        expect(illFormedField({ sql: s }) !== undefined).toBe(throws(() => encodeURIComponent(s)));
      }),
      { seed: 42, numRuns: 2_000 },
    );
  });

  it('names the field, nested ones included', () => {
    expect(illFormedField({ comment: 'ok', relatedUserIds: ['1', 'x\udc00'] })).toBe('relatedUserIds[1]');
    expect(illFormedField({ databases: [{ label: '\ud800' }] })).toBe('databases[0].label');
    expect(illFormedField({ sql: 'SELECT 😀' })).toBeUndefined();
  });
});

describe('what counts as an order id', () => {
  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, NaN, '', '0', '-1', '+1', '01', '1.0', ' 1', '1e3', 'abc', '9223372036854775808', '99999999999999999999', null, undefined, {}, [1]])(
    'refuses %j',
    (raw) => expect(validOrderId(raw)).toBeUndefined(),
  );

  it('refuses a JSON number past 2^53 (it was rounded before we saw it)', () => {
    expect(validOrderId(JSON.parse('9007199254740993'))).toBeUndefined();
  });

  it('property: accepts every positive safe integer and every digit string up to a Java long, as the same digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(validOrderId(n)).toBe(String(n));
      }),
      { seed: 42, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 9_223_372_036_854_775_807n }), (n) => {
        expect(validOrderId(String(n))).toBe(String(n));
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('one mapping of failures to outcomes', () => {
  const err = (d: Partial<CloudErrorDetails>) => new CloudApiError({ service: 'DMS', action: 'CreateOrder', errorCode: 'X', errorMessage: 'x', retryable: false, ...d });
  it.each<[string, unknown, string]>([
    ['a business error (Success:false)', err({ httpStatus: 200 }), 'refused'],
    ['a 4xx (throttled, bad signature)', err({ httpStatus: 400, retryable: true }), 'refused'],
    ['a 5xx', err({ httpStatus: 503, retryable: true }), 'unknown'],
    ['a 200 the bot cannot read', err({ httpStatus: 200, errorCode: 'MalformedResponse' }), 'unknown'],
    ['no answer at all', err({}), 'unknown'],
    ['never sent', err({ notSent: true }), 'not_sent'],
    ['a connection refused', mapTransportError('CreateOrder', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'not_sent'],
    ['a connection reset', mapTransportError('CreateOrder', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'unknown'],
    ['a timeout', mapTransportError('CreateOrder', Object.assign(new Error('timed out'), { code: 'Timeout' })), 'unknown'],
    ['the SDK failing to encode', mapTransportError('CreateOrder', new URIError('URI malformed')), 'not_sent'],
    ['an unknown create (marker not found)', new BotError('create_outcome_unknown', 'x'), 'unknown'],
    ['a bug', new TypeError('x is undefined'), 'unknown'],
  ])('%s: %s', (_name, e, outcome) => expect(sendOutcome(e)).toBe(outcome));
});
