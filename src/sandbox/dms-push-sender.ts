import { dmsPushSignature } from '../dms/push/signature.js';

/** A push as DMS would send it to a custom webhook. */
export interface SandboxPush {
  taskId: string;
  /** The JSON body, exactly as sent (its signature covers the message event as serialized here). */
  body: string;
}

/** What became of a push sent to the bot. */
export interface SentPush extends SandboxPush {
  status: number;
  ms: number;
}

export interface DmsPushSenderOptions {
  /** Where to POST (the bot's `/dms/events/<token>` on loopback). */
  url: string;
  /** Signs with HMAC_SHA1 when set (push.md's unconfirmed construction), else `signatureMethod: None`. */
  secret?: string;
  /** The URL the signature covers (the webhook URL as entered in DMS); defaults to `url`. */
  signedUrl?: string;
  /** The emulator's clock (event times). */
  now?: () => number;
}

// Display text as DMS sends it (Chinese console): localized, never a code.
const MODULES: Record<string, string> = {
  DATA_EXPORT: '数据导出',
  DATA_TRACK: '数据追踪',
  FREE_LOCK_CORRECT: '无锁数据变更',
};

/** The localized event text DMS might send for a status (only a hint: the receiver never reads it). */
function eventText(status: string): string {
  if (/fail|reject/i.test(status)) return '执行失败';
  if (/success$/i.test(status)) return '执行成功';
  if (/audit/i.test(status)) return '待审批';
  return '状态变更';
}

/**
 * The DMS side of custom-webhook notifications, for the sandbox and the tests: when an emulated ticket moves, POSTs
 * the push DMS would send (header `DMS-Event: Message Hook`, body per push.md). `hold` keeps pushes back so a test can
 * deliver them in any order, twice, or never.
 */
export class DmsPushSender {
  /** Every push delivered, in order, with the bot's answer. */
  readonly sent: SentPush[] = [];
  /** Pushes made while `hold` was on, not delivered yet. */
  readonly held: SandboxPush[] = [];
  hold = false;
  private lastEventTime = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: DmsPushSenderOptions) {}

  /** The push for a ticket that just reached `status`. */
  pushFor(
    order: { orderId: number; pluginType: string; status: string; comment?: string },
    secret = this.opts.secret,
  ): SandboxPush {
    // Strictly increasing, as real event times are: two changes never share one (the receiver de-duplicates on it).
    this.lastEventTime = Math.max((this.opts.now ?? Date.now)(), this.lastEventTime + 1);
    const messageEvent = {
      submitterUid: '200001',
      submitterName: 'chatops-bot',
      category: '工单',
      module: MODULES[order.pluginType] ?? '工单',
      event: eventText(order.status),
      taskId: String(order.orderId),
      taskName: (order.comment ?? '').slice(0, 60),
      eventTime: String(this.lastEventTime),
      message: `【DMS数据管理】工单 ${order.orderId} ${eventText(order.status)}`,
      targetUsers: [{ uid: '200001', name: 'chatops-bot' }],
      receivers: [{ uid: '200001', name: 'chatops-bot' }],
    };
    const signed = secret
      ? {
          signatureMethod: 'HMAC_SHA1',
          signatureText: dmsPushSignature(secret, this.opts.signedUrl ?? this.opts.url, JSON.stringify(messageEvent)),
        }
      : { signatureMethod: 'None' };
    return { taskId: messageEvent.taskId, body: JSON.stringify({ messageEvent, ...signed }) };
  }

  /** A ticket moved: push it now, or keep it back while `hold` is on. */
  notify(order: { orderId: number; pluginType: string; status: string; comment?: string }): void {
    const push = this.pushFor(order);
    if (this.hold) this.held.push(push);
    else void this.deliver(push);
  }

  /** POSTs one push (again, if it was sent before); resolves with the bot's HTTP status (0: no answer). */
  deliver(
    push: SandboxPush,
    headers: Record<string, string> = { 'DMS-Event': 'Message Hook' },
    url = this.opts.url,
  ): Promise<number> {
    const started = performance.now();
    const p = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: push.body,
    }).then(
      async (res) => {
        await res.arrayBuffer();
        this.sent.push({ ...push, status: res.status, ms: performance.now() - started });
        return res.status;
      },
      () => {
        this.sent.push({ ...push, status: 0, ms: performance.now() - started });
        return 0;
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** Resolves when every push on its way has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
