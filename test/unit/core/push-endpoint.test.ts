import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { type PushHandler, pushEndpoint, WorkQueue } from '../../../src/core/push-endpoint.js';

describe('WorkQueue', () => {
  it('runs at most `concurrency` at once, the rest in order', async () => {
    const q = new WorkQueue(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      q.run(async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    releases.forEach((r) => r());
    await Promise.all(jobs);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('pushEndpoint', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());
  const serve = async (handler: PushHandler, limitBytes = 100) => {
    const logger = createLogger('silent');
    server = createServer(pushEndpoint(handler, { limitBytes, answerWithinMs: 200, logger }));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  };

  it('answers at once and runs `after` only once the answer is sent; 405 for other methods, 413 past the limit', async () => {
    let afterRan = false;
    let release!: () => void;
    const url = await serve(async ({ body }) => ({
      status: 202,
      body: `got ${body.length}`,
      after: () =>
        new Promise<void>((r) => {
          release = () => {
            afterRan = true;
            r();
          };
        }),
    }));
    const res = await fetch(url, { method: 'POST', body: 'hello' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('got 5');
    expect(afterRan).toBe(false);
    release();
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url, { method: 'POST', body: 'x'.repeat(101) })).status).toBe(413);
  });

  it('answers 503 when the handler does not decide in time, so the sender retries', async () => {
    const url = await serve(() => new Promise(() => undefined));
    const started = Date.now();
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
