import { createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { SmnFetch } from '../../cts/events/certificates.js';
import { smnHost } from '../../cts/events/signature.js';
import { type SmnMessage, stringToSign } from '../../cts/events/smn-message.js';
import { selfSignedCertificate } from './certificate.js';

/** A message as the emulator sends it (the SMN body), before or after signing. */
export type SmnBody = SmnMessage & { signature_version: string };
/** A Notification the emulator sends. */
export type SmnNotification = Extract<SmnBody, { type: 'Notification' }>;
/** A (Un)SubscriptionConfirmation the emulator sends. */
export type SmnConfirmation = Extract<SmnBody, { type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' }>;

/**
 * Huawei Cloud SMN, emulated on loopback: an RSA key pair made at start, a self-signed certificate for it served at a
 * `signing_cert_url` on the region's real SMN host, subscription confirmation URLs that record the GET, and signed
 * HTTP(S) messages posted to an endpoint. `fetch` is the bot's SmnFetch for the sandbox and tests: it sends a URL the
 * bot has already checked (https, the SMN host) to this server instead; the production check is never relaxed.
 */
export class SmnEmulator {
  readonly host: string;
  readonly certPath: string;
  /** Tokens whose subscribe_url was fetched (the bot confirmed). */
  readonly confirmed: string[] = [];
  /** How many times the certificate was fetched. */
  certFetches = 0;
  /** Delay before the certificate is served (a slow SMN). */
  certDelayMs = 0;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly port: number,
    readonly region: string,
    readonly projectId: string,
    private readonly privateKey: KeyObject,
    readonly certificatePem: string,
    private readonly now: () => number,
  ) {
    this.host = smnHost(region);
    this.certPath = `/smn/SMN_${region}_${randomBytes(16).toString('hex')}.pem`;
  }

  /** Starts the emulator on an ephemeral loopback port. */
  static async start(opts: { region?: string; projectId?: string; now?: () => number } = {}): Promise<SmnEmulator> {
    const region = opts.region ?? 'cn-north-4';
    const now = opts.now ?? Date.now;
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = selfSignedCertificate({
      publicKey,
      privateKey,
      commonName: smnHost(region),
      serial: randomBytes(8),
      notBefore: now() - 86_400_000,
      notAfter: now() + 365 * 86_400_000,
    });
    let emu: SmnEmulator | undefined;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && emu && url.pathname === emu.certPath) {
        emu.certFetches += 1;
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(emu!.certificatePem),
          emu.certDelayMs,
        ).unref();
        return;
      }
      if (req.method === 'GET' && emu && url.pathname === '/smn/subscription/confirm') {
        emu.confirmed.push(url.searchParams.get('token') ?? '');
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"request_id":"sandbox"}');
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    emu = new SmnEmulator(
      server,
      port,
      region,
      opts.projectId ?? randomBytes(16).toString('hex'),
      privateKey,
      pem,
      now,
    );
    return emu;
  }

  /** The certificate's URL as SMN gives it (on the region's SMN host). */
  get signingCertUrl(): string {
    return `https://${this.host}${this.certPath}`;
  }

  /** A topic URN of this emulator's region and project. */
  topicUrn(name: string): string {
    return `urn:smn:${this.region}:${this.projectId}:${name}`;
  }

  /** The bot's SmnFetch in the sandbox: URLs on this emulator's host go to the loopback server; others fail. */
  readonly fetch: SmnFetch = async (url, { signal }) => {
    if (url.hostname !== this.host) throw new Error('sandbox: no such host');
    const res = await fetch(`http://127.0.0.1:${this.port}${url.pathname}${url.search}`, { signal });
    return { status: res.status, body: await res.text() };
  };

  /** A signed SubscriptionConfirmation for `topicUrn` (its subscribe_url records the token when fetched). */
  subscriptionConfirmation(topicUrn: string, over: Partial<SmnConfirmation> = {}): SmnConfirmation {
    const token = randomBytes(8).toString('hex');
    return this.signed({
      type: 'SubscriptionConfirmation',
      ...this.envelope(topicUrn),
      message: `You are invited to subscribe to topic: ${topicUrn}. To confirm this subscription, visit the SubscribeURL in this message.`,
      subscribe_url: `https://${this.host}/smn/subscription/confirm?region=${this.region}&token=${token}&topic_urn=${encodeURIComponent(topicUrn)}`,
      ...over,
    } as SmnConfirmation);
  }

  /** A signed Notification carrying `message` (for CTS: a JSON-encoded trace). */
  notification(topicUrn: string, message: string, over: Partial<SmnNotification> = {}): SmnNotification {
    return this.signed({
      type: 'Notification',
      ...this.envelope(topicUrn),
      message,
      subject: 'CTS key event notification',
      unsubscribe_url: `https://console.huaweicloud.com/smn/subscription/unsubscribe?region=${this.region}`,
      ...over,
    } as SmnNotification);
  }

  /** A signed UnsubscribeConfirmation for `topicUrn`. */
  unsubscribeConfirmation(topicUrn: string): SmnConfirmation {
    return this.signed({
      type: 'UnsubscribeConfirmation',
      ...this.envelope(topicUrn),
      message: `You have unsubscribed from topic ${topicUrn}.`,
      subscribe_url: `https://${this.host}/smn/subscription/confirm?region=${this.region}&token=${randomBytes(8).toString('hex')}`,
    } as SmnConfirmation);
  }

  /** Signs (again) a body with this emulator's key, or with `key` (a forger's). */
  signed<T extends SmnBody>(body: T, key: KeyObject = this.privateKey): T {
    const signature = createSign('sha256').update(stringToSign(body), 'utf8').sign(key).toString('base64');
    return { ...body, signature };
  }

  /** POSTs a message to the bot as SMN does (JSON body, X-SMN-* headers). */
  async send(endpoint: string, body: SmnBody, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=UTF-8',
        'X-SMN-MESSAGE-TYPE': body.type,
        'X-SMN-MESSAGE-ID': body.message_id,
        'X-SMN-TOPIC-URN': body.topic_urn,
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  /** Stops the loopback server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private envelope(topicUrn: string) {
    this.seq += 1;
    return {
      topic_urn: topicUrn,
      message_id: `${randomBytes(12).toString('hex')}${this.seq}`,
      signature_version: 'v1',
      signing_cert_url: this.signingCertUrl,
      timestamp: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      signature: '',
    };
  }
}
