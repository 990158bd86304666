/** Faults the DMS emulator injects: queued faults and dropped answers, chaos rolls, and the error answers they give. */
import { randomUUID } from 'node:crypto';
import { HttpApiError } from './params.js';
import type { DmsFault } from './types.js';

/** Outcome of handling one request, before it is written. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/**
 * Random faults for fault-injection runs: each request of a matching action is throttled (`Throttling.User`, HTTP
 * 400 with Retry-After) with probability `throttle`, else answered with a 5xx with probability `serverError`
 * (before it takes effect), and delayed up to `maxLatencyMs`. `random` makes runs repeatable.
 */
export interface DmsChaos {
  throttle: number;
  serverError: number;
  maxLatencyMs: number;
  actions?: (action: string) => boolean;
  random?: () => number;
}

/** A fresh RequestId, upper-case as DMS sends it. */
export function requestId(): string {
  return randomUUID().toUpperCase();
}

/** Faults queued for the next requests of an action, and answers to drop. */
export class FaultQueue {
  private readonly faults: Array<{ action: string; fault: DmsFault; remaining: number }> = [];
  private readonly drops = new Map<string, number>();

  /** Queues a fault for the next `count` requests of `action` ('*' = any action). */
  failNext(action: string, fault: DmsFault, count = 1): void {
    if (count > 0) this.faults.push({ action, fault, remaining: count });
  }

  /** Drops the answer of the next request of `action` (the request still takes effect). */
  dropResponseNext(action: string): void {
    this.drops.set(action, (this.drops.get(action) ?? 0) + 1);
  }

  /** The fault for this request of `action`, if one is queued (and counts it). */
  take(action: string): DmsFault | undefined {
    const index = this.faults.findIndex((f) => f.action === action || f.action === '*');
    const entry = this.faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  /** Whether this request's answer is to be dropped (and counts it). */
  takeDrop(action: string): boolean {
    const pending = this.drops.get(action) ?? 0;
    if (pending === 0) return false;
    if (pending === 1) this.drops.delete(action);
    else this.drops.set(action, pending - 1);
    return true;
  }

  /** Rolls chaos's dice for one request and queues the fault it lands on, if any. */
  chaosRoll(chaos: DmsChaos, action: string): void {
    const roll = (chaos.random ?? Math.random)();
    if (roll < chaos.throttle)
      this.failNext(action, { kind: 'throttle', code: 'Throttling.User', retryAfterSeconds: 1 });
    else if (roll < chaos.throttle + chaos.serverError)
      this.failNext(action, { kind: 'server', status: 503, code: 'ServiceUnavailable' });
  }
}

/** The answer to an error: an API error as DMS words it, anything else as InternalError. */
export function errorAnswer(err: unknown): Answer {
  if (err instanceof HttpApiError) {
    return {
      status: err.status,
      body: {
        RequestId: requestId(),
        HostId: 'dms-enterprise.cn-hangzhou.aliyuncs.com',
        Code: err.code,
        Message: err.message,
      },
      headers: err.headers,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    status: 500,
    body: {
      RequestId: requestId(),
      Code: 'InternalError',
      Message: `The request processing has failed due to some unknown error. (${message})`,
    },
    headers: {},
  };
}
/** The answer a queued fault gives instead of the action (not for `answer` faults, which replace a real answer). */
export function faultAnswer(fault: DmsFault): Answer {
  const id = requestId();
  switch (fault.kind) {
    case 'throttle': {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined)
        headers['x-acs-retry-after'] = String(Math.round(fault.retryAfterSeconds * 1000));
      return {
        status: 400,
        body: {
          RequestId: id,
          Code: fault.code ?? 'Throttling.User',
          Message: 'Request was denied due to user flow control.',
        },
        headers,
      };
    }
    case 'server': {
      const status = fault.status ?? 503;
      const code = fault.code ?? (status === 503 ? 'ServiceUnavailable' : 'InternalError');
      return {
        status,
        body: {
          RequestId: id,
          Code: code,
          Message: 'The request has failed due to a temporary failure of the server.',
        },
        headers: {},
      };
    }
    case 'business':
      return {
        status: 200,
        body: { RequestId: id, Success: false, ErrorCode: fault.code, ErrorMessage: fault.message },
        headers: {},
      };
    case 'answer':
      throw new Error('an answer fault replaces a real answer');
  }
}
/** The answer of an `answer` fault: the request took effect; what goes back is not what happened. */
export function replacedAnswer(
  real: Answer,
  fault: { status?: number; code?: string; patch?: Record<string, unknown> },
): Answer {
  const status = fault.status ?? 200;
  if (status !== 200) {
    const code = fault.code ?? (status === 503 ? 'ServiceUnavailable' : 'InternalError');
    const message = 'The request has failed due to a temporary failure of the server.';
    return {
      status,
      body: { RequestId: real.body['RequestId'], ...(code === '' ? {} : { Code: code }), Message: message },
      headers: {},
    };
  }
  const body: Record<string, unknown> = { ...real.body };
  for (const [k, v] of Object.entries(fault.patch ?? {})) {
    if (v === null) delete body[k];
    else body[k] = v;
  }
  return { ...real, body };
}
