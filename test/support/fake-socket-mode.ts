import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** The envelope types Slack sends over a Socket Mode connection (the ones this bot handles). */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** One envelope as Slack sends it. */
export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  /** Set on redeliveries (Slack resends an envelope that was not acknowledged in time). */
  retry_attempt?: number;
  retry_reason?: string;
}

/** One delivery of an envelope: which connection carried it. */
export interface Delivery {
  envelope: Envelope;
  connection: number;
  at: number;
}

/** An acknowledgement the app sent back: `{envelope_id, payload?}`, and which connection carried it. */
export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
  connection: number;
  at: number;
  /** Milliseconds since the delivery it answers (Slack wants an ack within 3 s). */
  latencyMs: number;
}

type Waiter = { check: () => boolean; resolve: () => void };

/**
 * A loopback Socket Mode endpoint that speaks Slack's protocol: the app connects to a URL that
 * `apps.connections.open` handed out (one-use ticket), gets `hello`, receives envelopes and acks each one on the same
 * connection. Every state change wakes the waiters: tests await acks and connections, they never poll.
 */
export class FakeSocketMode {
  readonly deliveries: Delivery[] = [];
  readonly acks: Ack[] = [];
  /** Anything that broke the protocol: unknown or extra acks, acks on another connection, unparsable frames, refused tickets. */
  readonly protocolErrors: string[] = [];
  /** Connections ever accepted (the n-th connection has id n). */
  connections = 0;
  private readonly sockets = new Map<number, WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private server!: Server;
  private wss!: WebSocketServer;
  private base = '';

  /** Starts the endpoint on 127.0.0.1 with a random port. */
  static async start(): Promise<FakeSocketMode> {
    const f = new FakeSocketMode();
    f.wss = new WebSocketServer({ noServer: true });
    f.server = createServer((_req, res) =>
      res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required'),
    );
    f.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'ws://x');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/link/' || !f.tickets.delete(ticket)) {
        f.protocolErrors.push(`connection refused: unknown or reused ticket on ${url.pathname}`);
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      f.wss.handleUpgrade(req, socket, head, (ws) => f.accept(ws));
    });
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
    f.base = `ws://127.0.0.1:${(f.server.address() as AddressInfo).port}/link/`;
    return f;
  }

  /** A fresh one-use URL, as `apps.connections.open` returns (hand this to FakeSlack.socketUrl). */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.base}?ticket=${ticket}&app_id=A1`;
  }

  /** Ids of the connections that are open now. */
  get openConnections(): number[] {
    return [...this.sockets.keys()];
  }

  /**
   * Pushes an envelope over the newest open connection and returns its envelope_id. `redeliver` resends an earlier
   * envelope as Slack does when its ack is late (same envelope_id, with retry_attempt and retry_reason).
   */
  send(e: { type: EnvelopeType; payload: Record<string, unknown>; accepts_response_payload?: boolean }): string {
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type: e.type,
      payload: e.payload,
      accepts_response_payload: e.accepts_response_payload ?? e.type !== 'events_api',
    };
    this.deliver(envelope);
    return envelope.envelope_id;
  }

  /** Sends an envelope that was sent before once more (Slack's redelivery). */
  redeliver(envelopeId: string, reason = 'timeout'): void {
    const previous = this.deliveries.filter((d) => d.envelope.envelope_id === envelopeId);
    const first = previous[0];
    if (!first) throw new Error(`no envelope ${envelopeId} was sent`);
    this.deliver({ ...first.envelope, retry_attempt: previous.length, retry_reason: reason });
  }

  /** Resolves with the acks of an envelope once it has at least `count` of them. */
  acksOf(envelopeId: string, count = 1): Promise<Ack[]> {
    const mine = () => this.acks.filter((a) => a.envelope_id === envelopeId);
    return this.until(() => mine().length >= count).then(mine);
  }

  /** Resolves with the (first) ack of an envelope. */
  async ackOf(envelopeId: string): Promise<Ack> {
    return (await this.acksOf(envelopeId, 1))[0]!;
  }

  /** Resolves once `n` connections were accepted in all and one is open. */
  connected(n = 1): Promise<void> {
    return this.until(() => this.connections >= n && this.sockets.size > 0);
  }

  /** Resolves once no connection is open. */
  allClosed(): Promise<void> {
    return this.until(() => this.sockets.size === 0);
  }

  /** Drops every connection without a close handshake (a network failure, a Slack pod dying). */
  disconnectAll(): void {
    for (const ws of this.sockets.values()) ws.terminate();
  }

  /** Asks every client to reconnect, as Slack does before recycling a connection. */
  requestRefresh(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    for (const ws of this.sockets.values())
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-socket-mode' } }));
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(ws: WebSocket): void {
    const id = ++this.connections;
    this.sockets.set(id, ws);
    ws.on('message', (data, isBinary) => this.onMessage(id, data.toString(), isBinary));
    ws.on('close', () => {
      this.sockets.delete(id);
      this.notify();
    });
    ws.on('error', () => undefined);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-socket-mode', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
    this.notify();
  }

  private deliver(envelope: Envelope): void {
    const connection = Math.max(0, ...this.sockets.keys());
    const ws = this.sockets.get(connection);
    if (!ws) throw new Error('no open Socket Mode connection to send on');
    this.deliveries.push({ envelope, connection, at: Date.now() });
    ws.send(JSON.stringify(envelope));
  }

  private onMessage(connection: number, text: string, isBinary: boolean): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      if (isBinary) throw new Error('binary frame');
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.protocolErrors.push(`unparsable frame on connection ${connection}: ${text.slice(0, 100)}`);
      this.notify();
      return;
    }
    const envelopeId = typeof msg.envelope_id === 'string' ? msg.envelope_id : '';
    const sent = this.deliveries.filter((d) => d.envelope.envelope_id === envelopeId);
    const acked = this.acks.filter((a) => a.envelope_id === envelopeId).length;
    const answers = sent[acked];
    if (!answers) {
      this.protocolErrors.push(
        sent.length ? `extra ack for ${envelopeId}` : `ack for unknown envelope ${String(msg.envelope_id)}`,
      );
    } else if (answers.connection !== connection) {
      this.protocolErrors.push(`ack for ${envelopeId} came on connection ${connection}, sent on ${answers.connection}`);
    }
    if (msg.payload !== undefined && (typeof msg.payload !== 'object' || msg.payload === null)) {
      this.protocolErrors.push(`ack payload for ${envelopeId} is not an object`);
    }
    const now = Date.now();
    this.acks.push({
      envelope_id: envelopeId,
      ...(msg.payload !== undefined ? { payload: msg.payload as Record<string, unknown> } : {}),
      connection,
      at: now,
      latencyMs: answers ? now - answers.at : Number.NaN,
    });
    this.notify();
  }

  private until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.check()) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** A slash command payload as Socket Mode carries it (the same fields Slack form-encodes over HTTP). */
export function slashCommand(
  text: string,
  o: { command?: string; user?: string; channel?: string; triggerId: string; responseUrl: string },
): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: o.channel ?? 'C0EXPORTS',
    channel_name: 'exports',
    user_id: o.user ?? 'U0ALICE',
    user_name: 'alice',
    command: o.command ?? '/dms',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  };
}
