/**
 * An in-memory Huawei Cloud CTS v3 on a loopback port for tests and sandbox mode: verifies SDK-HMAC-SHA256 signatures
 * like the API gateway (../sdk-hmac.ts), validates tracker creates like CTS (trackers.ts), and injects scripted faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracker } from '../../cts/schemas.js';
import { verifySdkHmacRequest } from '../sdk-hmac.js';
import {
  Answer,
  ctsError,
  MAX_CLOCK_SKEW_MS,
  PRESET_FAULTS,
  parseBody,
  signatureMessage,
  VERDICT_OF,
} from './answers.js';
import { buildTracker, checkConflicts, checkCreate } from './trackers.js';
import type { CtsEmulatorOptions, CtsFault, RecordedRequest, SignatureVerdict, StatusStep } from './types.js';

const NOT_FOUND = () =>
  ctsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');

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
    const record = await this.read(req);
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
    if (fault === 'dropResponse') req.socket.destroy();
    else if (fault === 'malformed') send(new Answer(answer.status, { unexpected: 'shape' }));
    else send(answer);
  }

  /** Reads a request into its record (signature judged). */
  private async read(req: IncomingMessage): Promise<RecordedRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    return {
      method: req.method ?? 'GET',
      path: q === -1 ? target : target.slice(0, q),
      query: Object.fromEntries(new URLSearchParams(q === -1 ? '' : target.slice(q + 1))),
      headers,
      body: parseBody(raw.toString('utf8')),
      signature: this.verifySignature(req.method ?? 'GET', target, headers, raw),
      requestId: randomBytes(16).toString('hex'),
    };
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
    if (!m) return NOT_FOUND();
    const projectId = decodeURIComponent(m[1] ?? '');
    const headerProject = record.headers['x-project-id'];
    if (projectId !== this.projectId || (headerProject !== undefined && headerProject !== this.projectId)) {
      return ctsError(403, 'CTS.0002', `No permission for project ${projectId}.`);
    }
    if (record.method === 'POST' && m[2] === 'tracker') return this.create(record.body);
    if (record.method === 'GET' && m[2] === 'trackers') return this.list(record.query);
    return NOT_FOUND();
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
    const checked = checkCreate(body);
    if (checked instanceof Answer) return checked;
    const conflict = checkConflicts(this.trackers, this.quota, checked);
    if (conflict) return conflict;
    const tracker = buildTracker(checked, { now: this.now(), domainId: this.domainId, projectId: this.projectId });
    this.trackers.set(checked.name, tracker);
    return new Answer(201, tracker);
  }
}
