import * as OpenApi from '@alicloud/openapi-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerOutcome,
  BotError,
  CloudApiError,
  type CloudErrorDetails,
  sendOutcome,
} from '../../../src/core/errors.js';
import { illFormedField, mapTransportError, validOrderId } from '../../../src/dms/client.js';

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
    const units = fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), {
      maxLength: 40,
    });
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
  it.each([
    0,
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER + 2,
    NaN,
    '',
    '0',
    '-1',
    '+1',
    '01',
    '1.0',
    ' 1',
    '1e3',
    'abc',
    '9223372036854775808',
    '99999999999999999999',
    null,
    undefined,
    {},
    [1],
  ])('refuses %j', (raw) => expect(validOrderId(raw)).toBeUndefined());

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
  const err = (d: Partial<CloudErrorDetails>) =>
    new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: 'X',
      errorMessage: 'x',
      retryable: false,
      ...d,
    });
  it.each<[string, unknown, string]>([
    ['a business error (Success:false)', err({ httpStatus: 200 }), 'refused'],
    ['a business error without a code', err({ httpStatus: 200, errorCode: '' }), 'unknown'],
    ['a 4xx throttled', err({ httpStatus: 400, errorCode: 'Throttling.User', retryable: true }), 'refused'],
    ['a 4xx bad signature', err({ httpStatus: 400, errorCode: 'SignatureDoesNotMatch' }), 'refused'],
    ['a 4xx without a recognised code', err({ httpStatus: 400 }), 'unknown'],
    ['a 408', err({ httpStatus: 408, errorCode: 'InvalidParameter' }), 'unknown'],
    ['a 5xx', err({ httpStatus: 503, retryable: true }), 'unknown'],
    ['a 200 the bot cannot read', err({ httpStatus: 200, errorCode: 'MalformedResponse' }), 'unknown'],
    ['no answer at all', err({}), 'unknown'],
    ['never sent', err({ notSent: true }), 'not_sent'],
    [
      'a connection refused',
      mapTransportError('CreateOrder', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      'not_sent',
    ],
    [
      'a connection reset',
      mapTransportError('CreateOrder', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      'unknown',
    ],
    [
      'a timeout',
      mapTransportError('CreateOrder', Object.assign(new Error('timed out'), { code: 'Timeout' })),
      'unknown',
    ],
    ['the SDK failing to encode', mapTransportError('CreateOrder', new URIError('URI malformed')), 'not_sent'],
    ['an unknown create (marker not found)', new BotError('create_outcome_unknown', 'x'), 'unknown'],
    ['a bug', new TypeError('x is undefined'), 'unknown'],
  ])('%s: %s', (_name, e, outcome) => expect(sendOutcome(e)).toBe(outcome));
});

describe('a refusal is only an answer that says nothing happened', () => {
  // [status, code, outcome]: both the DMS client (an SDK error) and sendOutcome (an error without an outcome) agree.
  const table: [number, string, 'refused' | 'unknown'][] = [
    [400, 'InvalidParameter', 'refused'],
    [400, 'InvalidParameter.Format', 'refused'],
    [400, 'MissingParameter.Tid', 'refused'],
    [400, 'InvalidTid', 'refused'],
    [400, 'UnsupportedOperation', 'refused'],
    [403, 'Forbidden.RAM', 'refused'],
    [403, 'NoPermission', 'refused'],
    [404, 'InvalidAccessKeyId.NotFound', 'refused'],
    [400, 'SignatureDoesNotMatch', 'refused'],
    [400, 'IncompleteSignature', 'refused'],
    [429, 'Throttling.User', 'refused'],
    [404, 'InvalidAction.NotFound', 'refused'],
    [408, 'InvalidParameter', 'unknown'],
    [408, 'InternalError', 'unknown'],
    [409, 'InvalidParameter', 'unknown'],
    [499, 'InternalError', 'unknown'],
    [499, 'Forbidden', 'unknown'],
    [400, 'InternalError', 'unknown'],
    [429, 'InternalError', 'unknown'],
    [400, 'ServiceUnavailable', 'unknown'],
    [400, 'Throttling.Timeout', 'unknown'],
    [400, 'RequestTimeout', 'unknown'],
    [400, 'UnknownError', 'unknown'],
    [400, '', 'unknown'],
    [400, 'Invalid', 'unknown'],
    [400, 'InvalidParameterized', 'unknown'],
    [403, 'AccessDeniedByProxy', 'unknown'],
    [302, 'InvalidParameter', 'unknown'],
    [500, 'InvalidParameter', 'unknown'],
    [503, 'Forbidden', 'unknown'],
  ];
  const sdkError = (statusCode: number, code: string) =>
    new OpenApi.ClientError({
      statusCode,
      code,
      message: `code: ${statusCode}, x`,
      data: {},
      description: '',
      accessDeniedDetail: {},
      requestId: 'R',
    });

  it.each(table)('HTTP %i %j: %s', (status, code, outcome) => {
    expect(mapTransportError('CreateOrder', sdkError(status, code)).details.outcome).toBe(outcome);
    const bare = new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: code,
      errorMessage: 'x',
      httpStatus: status,
      retryable: false,
    });
    expect(sendOutcome(bare)).toBe(outcome);
  });

  it('property: 408/409/425/499 and anything but 200 or 4xx is never a refusal, nor a code saying the service could not tell, nor an unrecognised 4xx code', () => {
    const code = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(
          fc.constantFrom('InvalidParameter', 'Forbidden', 'Throttling', 'SignatureDoesNotMatch', 'InvalidTid', ''),
          fc.constantFrom('', '.User', 'X', '.Timeout', 'InternalError'),
        )
        .map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), code, (status, c) => {
        const outcome = answerOutcome(status, c);
        if ([408, 409, 425, 499].includes(status) || (status !== 200 && !(status >= 400 && status < 500)))
          expect(outcome).toBe('unknown');
        if (/InternalError|ServiceUnavailable|Timeout|Unknown/i.test(c) || c.trim() === '')
          expect(outcome).toBe('unknown');
        // A 4xx is refused only with a recognised client-error code: a random word is never one.
        if (
          status !== 200 &&
          !/^(InvalidParameter|Forbidden|Throttling|SignatureDoesNotMatch|InvalidTid|MissingParameter|NoPermission|InvalidAccessKeyId|IncompleteSignature|InvalidAction|UnsupportedOperation|InvalidVersion|InvalidSecurityToken|MissingSecurityToken|SignatureNonceUsed|InvalidTimeStamp|InvalidSignatureMethod|Rejected\.Throttling|InvalidApi|InvalidRegionId|UnsupportedHTTPMethod)/.test(
            c,
          )
        ) {
          expect(outcome).toBe('unknown');
        }
        // One rule: the client's mapping and the fallback agree for every answer.
        if (status >= 400) expect(mapTransportError('ApproveOrder', sdkError(status, c)).details.outcome).toBe(outcome);
      }),
      { seed: 42, numRuns: 2_000 },
    );
  });
});
