import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BotError, CloudApiError, errorFields } from '../../../src/core/errors.js';

describe('errorFields (the one error-to-log mapper)', () => {
  it('gives a cloud error its code, service, action, request id and HTTP status', () => {
    const err = new CloudApiError({
      service: 'DMS',
      action: 'CreateOrder',
      errorCode: 'Throttling.User',
      errorMessage: 'slow down',
      httpStatus: 429,
      requestId: 'REQ-1',
      retryable: true,
    });
    expect(errorFields(err)).toMatchObject({
      type: 'CloudApiError',
      code: 'Throttling.User',
      service: 'DMS',
      action: 'CreateOrder',
      requestId: 'REQ-1',
      httpStatus: 429,
    });
  });

  it("reads a BotError's code, Slack's data.error, Node's code and status, and the cause", () => {
    expect(errorFields(new BotError('resolve_timeout', 'too slow')).code).toBe('resolve_timeout');
    const slack = Object.assign(new Error('An API error occurred: channel_not_found'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(errorFields(slack)).toMatchObject({ type: 'Error', code: 'channel_not_found' });
    const http = Object.assign(new Error('HTTP 503'), { code: 'slack_webapi_http_error', statusCode: 503 });
    expect(errorFields(http)).toMatchObject({ httpStatus: 503 });
    const wrapped = new BotError('create_outcome_unknown', 'unknown', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(errorFields(wrapped).cause).toMatchObject({ type: 'Error', code: 'ECONNREFUSED' });
    expect(errorFields('plain words')).toEqual({ type: 'string', message: 'plain words' });
    expect(errorFields(undefined).type).toBe('undefined');
  });

  it('masks secrets in the message and the stack, bounds them, and gives the stack only when asked', () => {
    const err = new Error('failed: xoxb-1234567890-abcdefghijkl and password=hunter2');
    const f = errorFields(err, { stack: true });
    expect(JSON.stringify(f)).not.toMatch(/xoxb-1234567890|hunter2/);
    expect(f.stack).toBeDefined();
    expect(errorFields(err).stack).toBeUndefined();
    expect(errorFields(new Error('x'.repeat(5_000))).message.length).toBeLessThanOrEqual(500);
  });

  it('never throws and always names a type and a message, whatever is thrown (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        const f = errorFields(thrown);
        expect(typeof f.type).toBe('string');
        expect(typeof f.message).toBe('string');
        expect(f.message.length).toBeLessThanOrEqual(500);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
