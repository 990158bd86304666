import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracker } from '../cts/schemas.js';
import { type SdkHmacFailureReason, verifySdkHmacRequest } from './sdk-hmac.js';

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

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** How each failure of the independent verifier (./sdk-hmac.ts) shows up in `RecordedRequest.signature`. */
const VERDICT_OF: Record<SdkHmacFailureReason, SignatureVerdict> = {
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
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{2,62}$/;
const TRACKER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_PREFIX_PATTERN = /^[A-Za-z0-9._-]{0,64}$/;
const LIFECYCLES = new Set([0, 30, 60, 90, 180, 1095]);

const PRESET_FAULTS: Record<string, { status: number; body: { error_code: string; error_msg: string } }> = {
  throttle: { status: 429, body: { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached' } },
  badGateway: { status: 502, body: { error_code: 'APIGW.0202', error_msg: 'Bad gateway' } },
  unavailable: { status: 503, body: { error_code: 'CTS.0300', error_msg: 'Service unavailable' } },
  gatewayTimeout: { status: 504, body: { error_code: 'APIGW.0201', error_msg: 'Backend timeout' } },
  internalError: { status: 500, body: { error_code: 'CTS.0004', error_msg: 'Internal error' } },
};

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

function ctsError(status: number, code: string, msg: string): Answer {
  return new Answer(status, { error_code: code, error_msg: msg });
}

/** An in-memory Huawei Cloud CTS v3 on a loopback port: verifies signatures like the gateway, validates like CTS. */
export class CtsEmulator {
  /** Origin to give the client, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Trackers by name. */
  readonly trackers = new Map<string, Tracker>();
  /** Status changes applied one per ListTrackers call, in order. */
  statusScript: StatusStep[] = [];

  private readonly faults: CtsFault[] = [];
  private readonly ak: string;
  private readonly sk: string;
  private readonly projectId: string;
  private readonly domainId: string;
  private readonly now: () => Date;
  private readonly quota: number;

  private constructor(
    private readonly server: Server,
    options: Required<Omit<CtsEmulatorOptions, 'port'>>,
  ) {
    this.ak = options.ak;
    this.sk = options.sk;
    this.projectId = options.projectId;
    this.domainId = options.domainId;
    this.now = options.now;
    this.quota = options.trackerQuota;
    const { port } = server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Starts an emulator on 127.0.0.1. */
  static async start(options: CtsEmulatorOptions = {}): Promise<CtsEmulator> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const emulator = new CtsEmulator(server, {
      ak: options.ak ?? 'TESTAK0000000000',
      sk: options.sk ?? 'test-secret-key',
      projectId: options.projectId ?? '0123456789abcdef0123456789abcdef',
      domainId: options.domainId ?? 'fedcba9876543210fedcba9876543210',
      now: options.now ?? (() => new Date()),
      trackerQuota: options.trackerQuota ?? 100,
    });
    server.on('request', (req, res) => {
      emulator.handle(req, res).catch((error: unknown) => {
        // A bug in the emulator must fail the test loudly, not hang it.
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`emulator error: ${String(error)}`);
      });
    });
    return emulator;
  }

  /** Makes the next `count` authenticated requests fail with `fault`. */
  failNext(fault: CtsFault, count = 1): void {
    for (let i = 0; i < count; i += 1) this.faults.push(fault);
  }

  /** Sets a tracker's status (and `detail`, removed when not given), as CTS does when transfer breaks. */
  setStatus(trackerName: string, status: string, detail?: string): void {
    const tracker = this.trackers.get(trackerName);
    if (!tracker) throw new Error(`no tracker named ${trackerName}`);
    const { detail: _old, ...rest } = tracker;
    this.trackers.set(trackerName, detail === undefined ? { ...rest, status } : { ...rest, status, detail });
  }

  /** Stops listening and drops every open connection (including hung requests). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const rawQuery = q === -1 ? '' : target.slice(q + 1);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const text = raw.toString('utf8');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(new URLSearchParams(rawQuery)),
      headers,
      body: parseBody(text),
      signature: this.verifySignature(req.method ?? 'GET', target, headers, raw),
      requestId: randomBytes(16).toString('hex'),
    };
    this.requests.push(record);

    const send = (answer: Answer, extraHeaders: Record<string, string> = {}): void => {
      record.status = answer.status;
      record.response = answer.body;
      const payload =
        answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'Content-Type': 'application/json',
        'X-Request-Id': record.requestId,
        ...extraHeaders,
      });
      res.end(payload);
    };

    if (record.signature !== 'valid') {
      send(
        new Answer(401, {
          error_code: 'APIGW.0301',
          error_msg: `Incorrect IAM authentication information: ${signatureMessage(record.signature)}`,
          request_id: record.requestId,
        }),
      );
      return;
    }

    const fault = this.faults.shift();
    if (fault !== undefined) {
      record.fault = typeof fault === 'string' ? fault : `status ${fault.status}`;
      if (fault === 'hang') return;
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (typeof fault === 'object') {
        send(new Answer(fault.status, fault.body), fault.headers);
        return;
      }
      const preset = PRESET_FAULTS[fault];
      if (preset) {
        send(new Answer(preset.status, { ...preset.body, request_id: record.requestId }));
        return;
      }
    }

    const answer = this.route(record);
    if (fault === 'dropResponse') {
      req.socket.destroy();
      return;
    }
    if (fault === 'malformed') {
      send(new Answer(answer.status, { unexpected: 'shape' }));
      return;
    }
    send(answer);
  }

  private verifySignature(
    method: string,
    target: string,
    headers: Record<string, string>,
    body: Buffer,
  ): SignatureVerdict {
    const result = verifySdkHmacRequest(
      { method, url: target, headers, body },
      {
        lookupSecret: (access) => (access === this.ak ? this.sk : undefined),
        now: this.now(),
        maxSkewMs: MAX_CLOCK_SKEW_MS,
      },
    );
    return result.ok ? 'valid' : VERDICT_OF[result.reason];
  }

  private route(record: RecordedRequest): Answer {
    const m = /^\/v3\/([^/]+)\/(tracker|trackers)$/.exec(record.path);
    if (!m) return ctsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
    const projectId = decodeURIComponent(m[1] ?? '');
    const headerProject = record.headers['x-project-id'];
    if (projectId !== this.projectId || (headerProject !== undefined && headerProject !== this.projectId)) {
      return ctsError(403, 'CTS.0002', `No permission for project ${projectId}.`);
    }
    if (record.method === 'POST' && m[2] === 'tracker') return this.create(record.body);
    if (record.method === 'GET' && m[2] === 'trackers') return this.list(record.query);
    return ctsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
  }

  private list(query: Record<string, string>): Answer {
    const type = query['tracker_type'];
    if (type !== undefined && type !== 'system' && type !== 'data') {
      return ctsError(400, 'CTS.0202', 'The tracker type is invalid.');
    }
    const step = this.statusScript.shift();
    if (step) this.setStatus(step.trackerName, step.status, step.detail);
    const name = query['tracker_name'];
    const trackers = [...this.trackers.values()].filter(
      (t) => (name === undefined || t.tracker_name === name) && (type === undefined || t.tracker_type === type),
    );
    return new Answer(200, { trackers });
  }

  private create(body: unknown): Answer {
    if (!isObject(body)) return ctsError(400, 'CTS.0003', 'The request body is invalid.');
    const invalid = ctsError(400, 'CTS.0003', 'The request body is invalid.');

    const type = body['tracker_type'];
    if (type !== 'system' && type !== 'data') return ctsError(400, 'CTS.0202', 'The tracker type is invalid.');
    const name = body['tracker_name'];
    if (typeof name !== 'string' || name === '') return ctsError(400, 'CTS.0203', 'The tracker name is invalid.');
    if (type === 'system' && name !== 'system') {
      return ctsError(400, 'CTS.0204', 'The management tracker name must be system.');
    }
    if (type === 'data' && (!TRACKER_NAME_PATTERN.test(name) || name === 'system' || name === 'system-trace')) {
      return ctsError(400, 'CTS.0203', 'The tracker name is invalid.');
    }
    for (const key of [
      'is_lts_enabled',
      'is_organization_tracker',
      'is_support_validate',
      'is_support_trace_files_encryption',
    ]) {
      if (body[key] !== undefined && typeof body[key] !== 'boolean') return invalid;
    }
    if (body['kms_id'] !== undefined && typeof body['kms_id'] !== 'string') return invalid;
    if (body['agency_name'] !== undefined && body['agency_name'] !== 'cts_admin_trust') return invalid;
    const selector = body['management_event_selector'];
    if (selector !== undefined) {
      if (!isObject(selector)) return invalid;
      const excluded = selector['exclude_service'];
      if (excluded !== undefined && !(Array.isArray(excluded) && excluded.every((s) => s === 'KMS'))) return invalid;
    }

    const obs = body['obs_info'];
    if (obs !== undefined) {
      if (!isObject(obs)) return invalid;
      const bucket = obs['bucket_name'];
      if (bucket !== undefined && (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket))) {
        return ctsError(400, 'CTS.0231', 'The OBS bucket name is invalid.');
      }
      const prefix = obs['file_prefix_name'];
      if (prefix !== undefined && (typeof prefix !== 'string' || !FILE_PREFIX_PATTERN.test(prefix))) {
        return ctsError(400, 'CTS.0218', 'The file prefix name is invalid.');
      }
      for (const key of ['is_obs_created', 'is_sort_by_service']) {
        if (obs[key] !== undefined && typeof obs[key] !== 'boolean') return invalid;
      }
      if (obs['compress_type'] !== undefined && obs['compress_type'] !== 'gzip' && obs['compress_type'] !== 'json')
        return invalid;
      const lifecycle = obs['bucket_lifecycle'];
      if (lifecycle !== undefined && !(typeof lifecycle === 'number' && LIFECYCLES.has(lifecycle))) return invalid;
    }

    const dataBucket = body['data_bucket'];
    if (type === 'system') {
      if (dataBucket !== undefined)
        return ctsError(400, 'CTS.0206', 'A management tracker cannot track an OBS bucket.');
      if (
        body['is_support_trace_files_encryption'] === true &&
        (typeof body['kms_id'] !== 'string' || body['kms_id'] === '')
      ) {
        return ctsError(400, 'CTS.0221', 'The kms_id is empty.');
      }
    } else {
      if (!isObject(dataBucket)) return invalid;
      const bucket = dataBucket['data_bucket_name'];
      if (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket)) {
        return ctsError(400, 'CTS.0231', 'The OBS bucket name is invalid.');
      }
      const events = dataBucket['data_event'];
      if (!Array.isArray(events) || events.length === 0) return ctsError(400, 'CTS.0219', 'The data_event is empty.');
      if (!events.every((e) => e === 'READ' || e === 'WRITE')) {
        return ctsError(400, 'CTS.0225', 'Only READ and WRITE operations are supported.');
      }
    }

    if (type === 'system' && this.trackers.has('system')) {
      return ctsError(400, 'CTS.0201', 'A management tracker already exists.');
    }
    if (this.trackers.has(name)) return ctsError(400, 'CTS.0208', 'The tracker already exists.');
    if (isObject(dataBucket)) {
      const events: unknown = dataBucket['data_event'];
      const overlapping = [...this.trackers.values()].some(
        (t) =>
          t.data_bucket?.data_bucket_name === dataBucket['data_bucket_name'] &&
          Array.isArray(events) &&
          (t.data_bucket?.data_event ?? []).some((e) => events.includes(e)),
      );
      if (overlapping) return ctsError(400, 'CTS.0209', 'The bucket and operation are already tracked.');
    }
    if (this.trackers.size >= this.quota)
      return ctsError(400, 'CTS.0200', 'The number of trackers has reached the upper limit.');

    const tracker = this.buildTracker(type, name, body);
    this.trackers.set(name, tracker);
    return new Answer(201, tracker);
  }

  private buildTracker(type: 'system' | 'data', name: string, body: Record<string, unknown>): Tracker {
    const obs = isObject(body['obs_info']) ? body['obs_info'] : undefined;
    const dataBucket = isObject(body['data_bucket']) ? body['data_bucket'] : undefined;
    const tracker: Tracker = {
      id: randomUUID(),
      create_time: this.now().getTime(),
      tracker_type: type,
      tracker_name: name,
      status: 'enabled',
      domain_id: this.domainId,
      project_id: this.projectId,
      lts: {
        is_lts_enabled: body['is_lts_enabled'] === true,
        log_group_name: 'CTS',
        log_topic_name: type === 'system' ? 'system-trace' : name,
      },
      is_support_validate: body['is_support_validate'] === true,
      is_support_trace_files_encryption: body['is_support_trace_files_encryption'] === true,
    };
    if (obs && typeof obs['bucket_name'] === 'string') {
      tracker.obs_info = {
        bucket_name: obs['bucket_name'],
        file_prefix_name: typeof obs['file_prefix_name'] === 'string' ? obs['file_prefix_name'] : '',
        is_obs_created: obs['is_obs_created'] === true,
        is_authorized_bucket: true,
        compress_type: typeof obs['compress_type'] === 'string' ? obs['compress_type'] : 'gzip',
        is_sort_by_service: obs['is_sort_by_service'] !== false,
        ...(typeof obs['bucket_lifecycle'] === 'number' ? { bucket_lifecycle: obs['bucket_lifecycle'] } : {}),
      };
    }
    if (dataBucket && typeof dataBucket['data_bucket_name'] === 'string' && Array.isArray(dataBucket['data_event'])) {
      tracker.data_bucket = {
        data_bucket_name: dataBucket['data_bucket_name'],
        data_event: dataBucket['data_event'].filter((e): e is string => typeof e === 'string'),
        search_enabled: false,
      };
    }
    if (typeof body['kms_id'] === 'string') tracker.kms_id = body['kms_id'];
    if (typeof body['agency_name'] === 'string') tracker.agency_name = body['agency_name'];
    if (type === 'system') {
      tracker.is_organization_tracker = body['is_organization_tracker'] === true;
      const selector = body['management_event_selector'];
      if (isObject(selector) && Array.isArray(selector['exclude_service'])) {
        tracker.management_event_selector = { exclude_service: selector['exclude_service'].map(String) };
      }
    }
    return tracker;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function signatureMessage(verdict: SignatureVerdict): string {
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
