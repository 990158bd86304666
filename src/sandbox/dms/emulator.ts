/**
 * Loopback emulator of Alibaba Cloud DMS Enterprise's RPC API (version 2018-11-01) for tests and sandbox mode.
 *
 * Verifies ACS3-HMAC-SHA256 signatures, enforces the parameter locations of /work/shared/reference/dms.md (Q = query,
 * B = form body), keeps tickets in memory (state.ts), moves them through scripted statuses, and injects faults on
 * request (faults.ts). The actions live per ticket kind: export.ts, track.ts, change.ts, orders.ts, directory.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { parseRawQuery, verifyAcs3Request } from '../acs3.js';
import type { EmulatedApprovalNode } from './approvals.js';
import { CHANGE_ACTIONS } from './change.js';
import { DIRECTORY_ACTIONS } from './directory.js';
import { EXPORT_ACTIONS } from './export.js';
import {
  type Answer,
  type DmsChaos,
  errorAnswer,
  FaultQueue,
  faultAnswer,
  replacedAnswer,
  requestId,
} from './faults.js';
import { ORDER_ACTIONS } from './orders.js';
import { BusinessError, HttpApiError, Params } from './params.js';
import { type DmsAction, DmsState, type DmsStatusChange } from './state.js';
import { TRACK_ACTIONS } from './track.js';
import {
  DMS_API_VERSION,
  type DmsEmulatorOptions,
  type DmsFault,
  type DmsPluginType,
  type EmulatedDatabase,
  type EmulatedOrder,
  type RecordedDmsRequest,
} from './types.js';

/** Every action the emulator answers. */
const ACTIONS: Readonly<Record<string, DmsAction>> = {
  ...EXPORT_ACTIONS,
  ...TRACK_ACTIONS,
  ...CHANGE_ACTIONS,
  ...ORDER_ACTIONS,
  ...DIRECTORY_ACTIONS,
};

/** A request as read off the wire, before it is judged. */
interface Incoming {
  record: RecordedDmsRequest;
  path: string;
  rawBody: Buffer;
  params: Params;
}

/** Reads a request's URL, headers and body into a record (and its parameters by location). */
async function readRequest(req: IncomingMessage): Promise<Incoming> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = Object.fromEntries(parseRawQuery(q === -1 ? '' : url.slice(q + 1)));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headersDistinct)) {
    if (value !== undefined) headers[name] = value.join(', ');
  }
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  const bodyText = rawBody.toString('utf8');
  const body = contentType.startsWith('application/x-www-form-urlencoded')
    ? Object.fromEntries(parseRawQuery(bodyText))
    : {};
  const record: RecordedDmsRequest = {
    action: headers['x-acs-action'] ?? '',
    version: headers['x-acs-version'] ?? '',
    method: req.method ?? '',
    query,
    body,
    rawBody: bodyText,
    headers,
    signature: 'valid',
    status: 0,
    response: undefined,
    dropped: false,
  };
  if (headers['x-acs-security-token'] !== undefined) record.securityToken = headers['x-acs-security-token'];
  return { record, path, rawBody, params: new Params(query, body) };
}

/** In-memory DMS Enterprise RPC endpoint on 127.0.0.1 with ACS3 signature checks, ticket state and fault injection. */
export class DmsEmulator {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Every request in arrival order. */
  readonly requests: RecordedDmsRequest[] = [];
  /** Orders whose GetDataExportDownloadURL answers HasResult=false with this TipMessage, even after EXPORT_SUCCESS. */
  readonly noResultTips: Map<number, string>;
  /** Random faults for fault-injection runs (see DmsChaos); null = none. */
  chaos: DmsChaos | null = null;
  /** Delay added before answering each request (ms), or a function of the action. */
  latencyMs: number | ((action: string) => number) = 0;

  private readonly server: Server;
  private readonly now: () => number;
  private readonly state: DmsState;
  private readonly faults = new FaultQueue();
  private readonly seenNonces = new Set<string>();

  private constructor(server: Server, port: number, opts: DmsEmulatorOptions) {
    this.server = server;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.accessKeyId = opts.accessKeyId ?? 'test-ak';
    this.accessKeySecret = opts.accessKeySecret ?? 'test-sk-secret-value';
    this.now = opts.now ?? (() => Date.now());
    const committer = opts.committer ?? { UserId: '200001', NickName: 'chatops-bot' };
    this.state = new DmsState(this.now, committer, this.endpoint);
    this.noResultTips = this.state.noResultTips;
  }

  /** Starts an emulator on 127.0.0.1 with a random port. */
  static async start(opts: DmsEmulatorOptions = {}): Promise<DmsEmulator> {
    let emulator: DmsEmulator | undefined;
    const server = createServer((req, res) => {
      if (!emulator) {
        res.destroy();
        return;
      }
      emulator.handle(req, res).catch(() => {
        // The socket may already be gone (dropped response, client abort, close()); nothing left to answer.
        if (!res.headersSent) res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    emulator = new DmsEmulator(server, port, opts);
    return emulator;
  }

  /** When N, every Nth detail poll of a ticket advances it one step; null = manual only. */
  get autoAdvanceEvery(): number | null {
    return this.state.autoAdvanceEvery;
  }
  set autoAdvanceEvery(every: number | null) {
    this.state.autoAdvanceEvery = every;
  }

  /** When true, ListUsers by an unknown email creates a DMS user for it (sandbox: every Slack user has an account). */
  get autoUsers(): boolean {
    return this.state.autoUsers;
  }
  set autoUsers(on: boolean) {
    this.state.autoUsers = on;
  }

  /**
   * The moment a ticket's status (or its StatusCode, on ApproveOrder REJECT/CANCEL) changes, however it changed
   * (an action, a poll's auto-advance, advance/setStatus): `listener` gets the ticket and what it showed before.
   * Returns a function that removes the listener.
   */
  onStatusChange(listener: (change: DmsStatusChange) => void): () => void {
    return this.state.onStatusChange(listener);
  }

  /** Requests recorded for one action, in arrival order. */
  calls(action: string): RecordedDmsRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  /** Registers a database for SearchDatabase and DbId checks; unspecified fields get plausible defaults. */
  addDatabase(db: Partial<EmulatedDatabase> & { DatabaseId: string; SearchName: string }): void {
    this.state.addDatabase(db);
  }

  /** Registers a DMS user for ListUsers; Uid defaults to UserId. */
  addUser(user: { UserId: string; Uid?: string; NickName: string; Email?: string }): void {
    this.state.addUser(user);
  }

  /** The live ticket object, or undefined. */
  getOrder(orderId: number): EmulatedOrder | undefined {
    return this.state.orders.get(orderId);
  }

  /** All tickets, oldest first. */
  allOrders(): EmulatedOrder[] {
    return [...this.state.orders.values()];
  }

  /** Sets the status progression used by tickets of that kind created from now on. */
  setStatusScript(pluginType: DmsPluginType, statuses: string[]): void {
    this.state.setStatusScript(pluginType, statuses);
  }

  /** Moves a ticket `steps` statuses along its script (stopping at the end); returns the new status. */
  advance(orderId: number, steps = 1): string {
    return this.state.advance(orderId, steps);
  }

  /** The approval nodes (name and DMS approver ids) of tickets filed from now on; none by default. */
  setApprovalNodes(nodes: EmulatedApprovalNode[]): void {
    this.state.approvalTemplate = nodes.map((n) => ({ NodeName: n.NodeName, AuditUserIds: [...n.AuditUserIds] }));
  }

  /** Forces a ticket into any status (e.g. EXPORT_FAIL, precheckFailed). */
  setStatus(orderId: number, status: string): void {
    this.state.changeStatus(this.state.mustGetOrder(orderId), status);
  }

  /** Queues a fault for the next `count` requests of `action` ('*' = any action); faults fire after signature checks. */
  failNext(action: string, fault: DmsFault, count = 1): void {
    this.faults.failNext(action, fault, count);
  }

  /** Performs the next request of `action`, then destroys the socket without answering. */
  dropResponseNext(action: string): void {
    this.faults.dropResponseNext(action);
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = await readRequest(req);
    const { record } = incoming;
    this.requests.push(record);
    const chaos = this.chaos && (!this.chaos.actions || this.chaos.actions(record.action)) ? this.chaos : null;
    const latency =
      (typeof this.latencyMs === 'function' ? this.latencyMs(record.action) : this.latencyMs) +
      (chaos ? Math.floor((chaos.random ?? Math.random)() * chaos.maxLatencyMs) : 0);
    if (latency > 0) await delay(latency);
    if (chaos) this.faults.chaosRoll(chaos, record.action);

    let answer: Answer;
    try {
      answer = this.process(req, incoming);
    } catch (err) {
      answer = errorAnswer(err);
    }
    record.status = answer.status;
    record.response = answer.body;
    if (record.dropped) {
      res.socket?.destroy();
      return;
    }
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': String(answer.body['RequestId']),
      ...answer.headers,
    });
    res.end(text);
  }

  /** Method, path, signature and nonce, as DMS checks them before anything else; throws the API error. */
  private authenticate(req: IncomingMessage, { record, path, rawBody }: Incoming): void {
    if (req.method !== 'POST') {
      throw new HttpApiError(
        400,
        'UnsupportedHTTPMethod',
        `This action does not support the HTTP method "${req.method ?? ''}"; use POST.`,
      );
    }
    if (path !== '/') {
      throw new HttpApiError(
        404,
        'InvalidAction.NotFound',
        `Specified api is not found, please check your url and method (path "${path}").`,
      );
    }
    const verdict = verifyAcs3Request(
      { method: req.method, url: req.url ?? '/', headers: req.headersDistinct, body: rawBody },
      { lookupSecret: (ak) => (ak === this.accessKeyId ? this.accessKeySecret : undefined), now: this.now() },
    );
    if (!verdict.ok) {
      record.signature = verdict.code;
      record.signatureMessage = verdict.message;
      throw new HttpApiError(verdict.httpStatus, verdict.code, verdict.message);
    }
    const nonce = record.headers['x-acs-signature-nonce'] ?? '';
    if (this.seenNonces.has(nonce)) {
      record.signature = 'SignatureNonceUsed';
      throw new HttpApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    this.seenNonces.add(nonce);
  }

  /** Judges and performs one request; marks the record dropped when its answer is to be lost. */
  private process(req: IncomingMessage, incoming: Incoming): Answer {
    const { record, params } = incoming;
    this.authenticate(req, incoming);
    const fault = this.faults.take(record.action);
    if (fault) record.fault = fault;
    if (fault && fault.kind !== 'answer') return faultAnswer(fault);
    if (record.version !== DMS_API_VERSION) {
      throw new HttpApiError(400, 'InvalidVersion', `Specified parameter Version is not valid: "${record.version}".`);
    }
    const action = ACTIONS[record.action];
    if (!action) {
      throw new HttpApiError(
        404,
        'InvalidAction.NotFound',
        `Specified api is not found, please check your url and method (action "${record.action}").`,
      );
    }
    let answer: Answer;
    try {
      const result = action(this.state, params);
      answer = { status: 200, body: { RequestId: requestId(), Success: true, ...result }, headers: {} };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err; // HTTP-level rejections are answered and do not consume a drop
      answer = {
        status: 200,
        body: { RequestId: requestId(), Success: false, ErrorCode: err.code, ErrorMessage: err.message },
        headers: {},
      };
    }
    if (fault?.kind === 'answer') answer = replacedAnswer(answer, fault);
    if (this.faults.takeDrop(record.action)) record.dropped = true;
    return answer;
  }
}
