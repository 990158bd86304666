import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with connections: forward them, swallow them (accept, never answer), or refuse them. */
export type ProxyMode = 'pass' | 'hang' | 'refuse';

/**
 * A loopback TCP proxy in front of a fake (Slack, DMS) that can make it unreachable on demand: `hang` keeps every
 * connection open and silent (a black-holed network), `refuse` resets every connection, new or open.
 */
export class SwitchableProxy {
  mode: ProxyMode = 'pass';
  /** Connections accepted and left silent in `hang` mode (someone is waiting on the unreachable side). */
  swallowed = 0;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  /** Starts a proxy to `targetUrl`'s host and port; use `url()` to rewrite URLs through it. */
  static async start(targetUrl: string): Promise<SwitchableProxy> {
    const u = new URL(targetUrl);
    const p = new SwitchableProxy({ host: u.hostname, port: Number(u.port) });
    p.server = createServer((client) => p.accept(client));
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
    p.port = (p.server.address() as AddressInfo).port;
    return p;
  }

  /** `targetUrl` with the proxy's port. */
  url(targetUrl: string): string {
    const u = new URL(targetUrl);
    u.port = String(this.port);
    return u.toString();
  }

  /** Switches the mode; `hang` and `refuse` also cut every connection open now (keep-alive ones included). */
  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'pass') return;
    for (const s of this.sockets) s.destroy();
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'hang') {
      this.swallowed += 1;
      client.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
