import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudApiError } from '../../../src/core/errors.js';
import { CreateOutcomeUnknownError, CtsClient, type CtsClientOptions } from '../../../src/cts/client.js';
import type { CreateTrackerRequest } from '../../../src/cts/schemas.js';
import { parseAuthorization, signRequest } from '../../../src/cts/signer.js';
import { CtsEmulator } from '../../support/cts-emulator.js';

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'exampleSecretKey0000000000000000000000001';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const NOW = new Date('2024-05-01T10:00:00Z');

const systemTracker: CreateTrackerRequest = {
  tracker_type: 'system',
  tracker_name: 'system',
  is_lts_enabled: true,
  obs_info: { bucket_name: 'audit-logs', file_prefix_name: 'cts', is_obs_created: false, compress_type: 'gzip' },
};
const dataTracker: CreateTrackerRequest = {
  tracker_type: 'data',
  tracker_name: 'orders-bucket',
  data_bucket: { data_bucket_name: 'orders', data_event: ['READ', 'WRITE'] },
  obs_info: { bucket_name: 'audit-logs', bucket_lifecycle: 30 },
};

let emulator: CtsEmulator;
let delays: number[];

beforeEach(async () => {
  emulator = await CtsEmulator.start({ ak: AK, sk: SK, projectId: PROJECT, now: () => NOW });
  delays = [];
});
afterEach(async () => {
  await emulator.close();
});

function makeClient(overrides: Partial<CtsClientOptions> = {}): CtsClient {
  return new CtsClient({
    endpoint: emulator.endpoint,
    projectId: PROJECT,
    ak: AK,
    sk: SK,
    now: () => NOW,
    timeoutMs: 2_000,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<CloudApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CloudApiError)) throw new Error(`expected a CloudApiError, got ${String(error)}`);
  return error;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('CtsClient against the emulator: success', () => {
  it('creates a tracker with a signed POST /v3/{project_id}/tracker and parses the 201', async () => {
    const { tracker, confirmedByList } = await makeClient().createTracker(systemTracker);

    expect(confirmedByList).toBe(false);
    expect(tracker).toMatchObject({
      tracker_name: 'system',
      tracker_type: 'system',
      status: 'enabled',
      create_time: NOW.getTime(),
      project_id: PROJECT,
      obs_info: { bucket_name: 'audit-logs', is_authorized_bucket: true, compress_type: 'gzip' },
    });
    expect(tracker.id).toMatch(/^[0-9a-f-]{36}$/);

    const [request] = emulator.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: `/v3/${PROJECT}/tracker`,
      signature: 'valid',
      status: 201,
      body: systemTracker,
    });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-project-id']).toBe(PROJECT);
    expect(request?.headers['x-sdk-date']).toBe('20240501T100000Z');
    expect(request?.headers['x-security-token']).toBeUndefined();
  });

  it('lists trackers with tracker_name / tracker_type filters', async () => {
    const client = makeClient();
    await client.createTracker(systemTracker);
    await client.createTracker(dataTracker);

    expect((await client.listTrackers()).map((t) => t.tracker_name).sort()).toEqual(['orders-bucket', 'system']);
    const data = await client.listTrackers({ trackerType: 'data' });
    expect(data.map((t) => t.tracker_name)).toEqual(['orders-bucket']);
    expect(data[0]?.data_bucket).toEqual({
      data_bucket_name: 'orders',
      data_event: ['READ', 'WRITE'],
      search_enabled: false,
    });
    expect(await client.listTrackers({ trackerName: 'nope', trackerType: 'data' })).toEqual([]);

    const last = emulator.requests.at(-1);
    expect(last).toMatchObject({ method: 'GET', path: `/v3/${PROJECT}/trackers`, signature: 'valid' });
    expect(last?.query).toEqual({ tracker_name: 'nope', tracker_type: 'data' });
  });

  it('sends and signs X-Security-Token for temporary credentials', async () => {
    await makeClient({ securityToken: 'temporary-token-value' }).listTrackers();
    const [request] = emulator.requests;
    expect(request?.signature).toBe('valid');
    expect(request?.headers['x-security-token']).toBe('temporary-token-value');
    expect(parseAuthorization(request?.headers['authorization'] ?? '')?.signedHeaders).toContain('x-security-token');
  });

  it('follows scripted status changes, typing status and detail as plain strings', async () => {
    const client = makeClient();
    await client.createTracker(systemTracker);
    emulator.statusScript = [
      { trackerName: 'system', status: 'error', detail: 'bucketPolicyError' },
      { trackerName: 'system', status: 'enabled' },
    ];
    expect(await client.findTracker('system', 'system')).toMatchObject({
      status: 'error',
      detail: 'bucketPolicyError',
    });
    const recovered = await client.findTracker('system', 'system');
    expect(recovered?.status).toBe('enabled');
    expect(recovered?.detail).toBeUndefined();

    emulator.setStatus('system', 'error', 'someFutureReason');
    expect(await client.findTracker('system', 'system')).toMatchObject({ status: 'error', detail: 'someFutureReason' });
  });
});

describe('CtsClient retry rules', () => {
  it('retries 429 (APIGW.0308) and then succeeds', async () => {
    emulator.failNext('throttle');
    const trackers = await makeClient().listTrackers();
    expect(trackers).toEqual([]);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(delays).toEqual([500]);
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    emulator.failNext({
      status: 429,
      body: { error_code: 'APIGW.0308', error_msg: 'throttled' },
      headers: { 'Retry-After': '3' },
    });
    await makeClient().listTrackers();
    expect(delays).toEqual([3_000]);
  });

  it('does not wait out a Retry-After longer than a minute; the caller gets retryAfterMs', async () => {
    emulator.failNext({
      status: 429,
      body: { error_code: 'APIGW.0308', error_msg: 'throttled' },
      headers: { 'Retry-After': '600' },
    });
    const error = await rejection(makeClient().listTrackers());
    expect(error.details).toMatchObject({
      errorCode: 'APIGW.0308',
      httpStatus: 429,
      retryable: true,
      retryAfterMs: 600_000,
    });
    expect(delays).toEqual([]);
  });

  it('retries a create throttled at the gateway (it never reached CTS)', async () => {
    emulator.failNext('throttle');
    const { tracker, confirmedByList } = await makeClient().createTracker(dataTracker);
    expect(confirmedByList).toBe(false);
    expect(tracker.tracker_name).toBe('orders-bucket');
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 201]);
  });

  it.each(['badGateway', 'unavailable', 'gatewayTimeout', 'internalError'] as const)(
    'retries ListTrackers after %s with exponential backoff',
    async (fault) => {
      emulator.failNext(fault, 2);
      await makeClient().listTrackers();
      expect(emulator.requests).toHaveLength(3);
      expect(delays).toEqual([500, 1_000]);
    },
  );

  it('gives up after the configured retries with the last error', async () => {
    emulator.failNext('unavailable', 10);
    const error = await rejection(makeClient({ retries: 2 }).listTrackers());
    expect(emulator.requests).toHaveLength(3);
    expect(error.details).toMatchObject({
      service: 'CTS',
      action: 'ListTrackers',
      errorCode: 'CTS.0300',
      httpStatus: 503,
      retryable: true,
    });
  });

  it('never retries a 400 and reports code, message, status and request id', async () => {
    const client = makeClient();
    await client.createTracker(dataTracker);
    const error = await rejection(client.createTracker(dataTracker));

    expect(emulator.requests).toHaveLength(2);
    expect(delays).toEqual([]);
    const rejected = emulator.requests[1];
    expect(error).not.toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.details).toEqual({
      service: 'CTS',
      action: 'CreateTracker',
      errorCode: 'CTS.0208',
      errorMessage: 'The tracker already exists.',
      httpStatus: 400,
      requestId: rejected?.requestId,
      retryable: false,
    });
    expect(error.userMessage).toContain('A tracker with this name already exists');
    expect(error.userMessage).toContain(rejected?.requestId);
  });

  it('never retries APIGW.0301 (a failing AK gets locked) and takes the request id from the body', async () => {
    const error = await rejection(makeClient({ sk: 'wrong-secret' }).listTrackers());
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]?.signature).toBe('mismatch');
    expect(error.details).toMatchObject({
      errorCode: 'APIGW.0301',
      httpStatus: 401,
      requestId: emulator.requests[0]?.requestId,
      retryable: false,
    });
    expect(error.details.errorMessage).toMatch(/^Incorrect IAM authentication information/);
    expect(error.userMessage).toContain('does not retry');
  });

  it('is rejected with APIGW.0301 when its clock is more than 15 minutes off', async () => {
    const skewed = new Date(NOW.getTime() + 16 * 60 * 1000);
    const error = await rejection(makeClient({ now: () => skewed }).listTrackers());
    expect(emulator.requests[0]?.signature).toBe('date-out-of-range');
    expect(error.details.errorCode).toBe('APIGW.0301');
    expect(emulator.requests).toHaveLength(1);

    await expect(makeClient({ now: () => new Date(NOW.getTime() + 14 * 60 * 1000) }).listTrackers()).resolves.toEqual(
      [],
    );
  });

  it('retries a ListTrackers timeout', async () => {
    emulator.failNext('hang');
    await expect(makeClient({ timeoutMs: 100 }).listTrackers()).resolves.toEqual([]);
    expect(emulator.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('reports a timeout as retryable once retries run out', async () => {
    emulator.failNext('hang', 2);
    const error = await rejection(makeClient({ timeoutMs: 100, retries: 1 }).listTrackers());
    expect(error.details).toMatchObject({ errorCode: 'Timeout', retryable: true, action: 'ListTrackers' });
    expect(error.details.httpStatus).toBeUndefined();
  });

  it('retries a create whose connection was refused, then succeeds', async () => {
    const port = await freePort();
    let late: CtsEmulator | undefined;
    const client = makeClient({
      endpoint: `http://127.0.0.1:${port}`,
      sleep: async (ms) => {
        delays.push(ms);
        late ??= await CtsEmulator.start({ ak: AK, sk: SK, projectId: PROJECT, now: () => NOW, port });
      },
    });
    try {
      const { tracker } = await client.createTracker(dataTracker);
      expect(tracker.tracker_name).toBe('orders-bucket');
      expect(delays).toHaveLength(1);
      expect(late?.requests).toHaveLength(1);
    } finally {
      await late?.close();
    }
  });

  it('retries a ListTrackers whose connection was reset', async () => {
    emulator.failNext('reset');
    await expect(makeClient().listTrackers()).resolves.toEqual([]);
    expect(emulator.requests.map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
  });

  it('reports ConnectFailed when nothing listens', async () => {
    const port = await freePort();
    const error = await rejection(makeClient({ endpoint: `http://127.0.0.1:${port}`, retries: 1 }).listTrackers());
    expect(error.details).toMatchObject({ errorCode: 'ConnectFailed', retryable: true });
    expect(error.details.errorMessage).toContain('ECONNREFUSED');
  });
});

describe('CtsClient creates whose outcome is unknown', () => {
  it('does not retry a create whose response was lost; ListTrackers then confirms it', async () => {
    emulator.failNext('dropResponse');
    const client = makeClient();
    const error = await rejection(client.createTracker(dataTracker));

    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    const unknown = error as CreateOutcomeUnknownError;
    expect(unknown.trackerName).toBe('orders-bucket');
    expect(unknown.trackerType).toBe('data');
    expect(unknown.details).toMatchObject({ action: 'CreateTracker', errorCode: 'NetworkError', retryable: false });
    expect(unknown.userMessage).toContain('not known whether the tracker was created');
    expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    const confirmed = await client.findTracker(unknown.trackerName, unknown.trackerType);
    expect(confirmed?.id).toBe(emulator.trackers.get('orders-bucket')?.id);
  });

  it('does not retry a create that timed out', async () => {
    emulator.failNext('hang');
    const error = await rejection(makeClient({ timeoutMs: 100 }).createTracker(dataTracker));
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.details.errorCode).toBe('Timeout');
    expect(emulator.requests).toHaveLength(1);
  });

  it.each([
    ['internalError', 'CTS.0004', 500],
    ['badGateway', 'APIGW.0202', 502],
  ] as const)('does not retry a create answered by %s', async (fault, errorCode, httpStatus) => {
    emulator.failNext(fault);
    const error = await rejection(makeClient().createTracker(dataTracker));
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.details).toMatchObject({ errorCode, httpStatus, retryable: false });
    expect(emulator.requests).toHaveLength(1);
  });

  it('treats CTS.0208 on a retry as "probably created" and confirms with ListTrackers', async () => {
    const client = makeClient();
    const first = await client.createTracker(dataTracker);
    emulator.failNext('throttle');

    const again = await client.createTracker(dataTracker);
    expect(again).toEqual({ tracker: first.tracker, confirmedByList: true });
    expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'POST 429',
      'POST 400',
      'GET 200',
    ]);
    expect(emulator.requests.at(-1)?.query).toEqual({ tracker_name: 'orders-bucket', tracker_type: 'data' });
  });

  it('treats CTS.0201 on a retry the same way for the management tracker', async () => {
    const client = makeClient();
    await client.createTracker(systemTracker);
    emulator.failNext('throttle');
    const again = await client.createTracker(systemTracker);
    expect(again.confirmedByList).toBe(true);
    expect(emulator.requests[2]?.response).toMatchObject({ error_code: 'CTS.0201' });
  });
});

describe('CtsClient response checking', () => {
  it('turns a 2xx body of the wrong shape into a non-retryable MalformedResponse', async () => {
    emulator.failNext('malformed');
    const error = await rejection(makeClient().listTrackers());
    expect(error.details).toMatchObject({ errorCode: 'MalformedResponse', httpStatus: 200, retryable: false });
    expect(error.details.errorMessage).toContain('trackers');
    expect(emulator.requests).toHaveLength(1);
  });

  it('reports an unreadable 201 to a create as an unknown outcome (the tracker exists)', async () => {
    emulator.failNext('malformed');
    const error = await rejection(makeClient().createTracker(dataTracker));
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(error.details.errorCode).toBe('MalformedResponse');
    expect(emulator.trackers.has('orders-bucket')).toBe(true);
  });

  it('accepts null fields and unknown keys in responses', async () => {
    emulator.failNext({
      status: 200,
      body: {
        trackers: [{ id: 'x', tracker_name: 't', tracker_type: 'data', status: 'enabled', detail: null, new_field: 1 }],
      },
    });
    const [tracker] = await makeClient().listTrackers();
    expect(tracker).toEqual({ id: 'x', tracker_name: 't', tracker_type: 'data', status: 'enabled' });
  });

  it('uses HTTP_<status> and the X-Request-Id header when an error body is not JSON', async () => {
    emulator.failNext({ status: 503, body: '<html>busy</html>', headers: { 'Content-Type': 'text/html' } });
    const error = await rejection(makeClient({ retries: 0 }).listTrackers());
    expect(error.details).toMatchObject({
      errorCode: 'HTTP_503',
      httpStatus: 503,
      retryable: true,
      requestId: emulator.requests[0]?.requestId,
    });
  });
});

describe('CtsClient logging', () => {
  it('logs action, status, request id and duration, never credentials', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const client = makeClient({ logger, securityToken: 'SECRET-STS-TOKEN' });
    emulator.failNext('throttle');
    await client.createTracker(dataTracker);
    await rejection(makeClient({ logger, sk: 'wrong', securityToken: 'SECRET-STS-TOKEN' }).listTrackers());

    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const secret of ['SECRET-STS-TOKEN', SK, 'SDK-HMAC-SHA256', 'Signature=', 'authorization', 'Authorization']) {
      expect(all).not.toContain(secret);
    }
    const entry = JSON.parse(lines.find((l) => l.includes('"status":201')) ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ action: 'CreateTracker', status: 201, component: 'cts-client' });
    expect(typeof entry['requestId']).toBe('string');
    expect(typeof entry['durationMs']).toBe('number');
  });
});

describe('CTS emulator validation (as the service answers)', () => {
  async function code(body: unknown, client = makeClient()): Promise<string> {
    const error = await rejection(client.createTracker(body as CreateTrackerRequest));
    return error.details.errorCode;
  }

  it.each([
    ['bad tracker_type', { tracker_type: 'audit', tracker_name: 'x' }, 'CTS.0202'],
    ['bad data tracker name', { ...dataTracker, tracker_name: 'has space' }, 'CTS.0203'],
    ['reserved data tracker name', { ...dataTracker, tracker_name: 'system-trace' }, 'CTS.0203'],
    ['system tracker not named system', { tracker_type: 'system', tracker_name: 'mine' }, 'CTS.0204'],
    ['data_bucket on a system tracker', { ...systemTracker, data_bucket: dataTracker.data_bucket }, 'CTS.0206'],
    ['empty data_event', { ...dataTracker, data_bucket: { data_bucket_name: 'orders', data_event: [] } }, 'CTS.0219'],
    ['encryption without kms_id', { ...systemTracker, is_support_trace_files_encryption: true }, 'CTS.0221'],
    [
      'unknown data_event',
      { ...dataTracker, data_bucket: { data_bucket_name: 'orders', data_event: ['DELETE'] } },
      'CTS.0225',
    ],
    ['bad bucket name', { ...systemTracker, obs_info: { bucket_name: 'Audit_Logs' } }, 'CTS.0231'],
    [
      'bad file prefix',
      { ...systemTracker, obs_info: { bucket_name: 'audit-logs', file_prefix_name: 'a/b' } },
      'CTS.0218',
    ],
    [
      'bad bucket_lifecycle',
      { ...dataTracker, obs_info: { bucket_name: 'audit-logs', bucket_lifecycle: 7 } },
      'CTS.0003',
    ],
    ['non-boolean flag', { ...systemTracker, is_lts_enabled: 'yes' }, 'CTS.0003'],
  ])('%s -> %s', async (_name, body, expected) => {
    expect(await code(body)).toBe(expected);
  });

  it('answers CTS.0201 to a second management tracker and CTS.0209 to an overlapping data tracker', async () => {
    const client = makeClient();
    await client.createTracker(systemTracker);
    await client.createTracker(dataTracker);
    expect(await code(systemTracker, client)).toBe('CTS.0201');
    expect(await code({ ...dataTracker, tracker_name: 'other' }, client)).toBe('CTS.0209');
  });

  it('answers CTS.0200 when the tracker quota is reached', async () => {
    await emulator.close();
    emulator = await CtsEmulator.start({ ak: AK, sk: SK, projectId: PROJECT, now: () => NOW, trackerQuota: 1 });
    const client = makeClient();
    await client.createTracker(systemTracker);
    expect(await code(dataTracker, client)).toBe('CTS.0200');
  });

  it('answers CTS.0003 to a body that is not JSON', async () => {
    const url = new URL(`${emulator.endpoint}/v3/${PROJECT}/tracker`);
    const body = '{"tracker_type":';
    const headers = signRequest({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/json' },
      body,
      ak: AK,
      sk: SK,
      date: NOW,
    });
    const response = await fetch(url, { method: 'POST', headers, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error_code: 'CTS.0003', error_msg: 'The request body is invalid.' });
    expect(response.headers.get('x-request-id')).toBe(emulator.requests[0]?.requestId);
    expect(emulator.requests[0]?.signature).toBe('valid');
  });

  it('rejects a body changed after signing, and an unsigned request, with APIGW.0301', async () => {
    const url = new URL(`${emulator.endpoint}/v3/${PROJECT}/trackers`);
    const headers = signRequest({ method: 'GET', url, headers: {}, body: '', ak: AK, sk: SK, date: NOW });
    const tampered = await fetch(new URL('?tracker_type=data', url), { headers });
    expect(tampered.status).toBe(401);
    expect(emulator.requests[0]?.signature).toBe('mismatch');

    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({
      error_code: 'APIGW.0301',
      request_id: emulator.requests[1]?.requestId,
    });
    expect(emulator.requests[1]?.signature).toBe('missing');
  });

  it("answers 403 when the project id in the path is not the caller's", async () => {
    const error = await rejection(makeClient({ projectId: 'another-project' }).listTrackers());
    expect(error.details).toMatchObject({ errorCode: 'CTS.0002', httpStatus: 403, retryable: false });
  });
});
