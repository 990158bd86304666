import type { Server } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { findRoute, listen, portOf, type Route, readBody } from '../../src/http.js';

const silent = pino({ level: 'silent' });
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves `routes` on a loopback port and returns its base URL. */
async function serve(routes: Route[]): Promise<string> {
  server = await listen(routes, 0, silent);
  return `http://127.0.0.1:${portOf(server, 0)}`;
}

describe('route table', () => {
  const ok = () => undefined;
  const routes: Route[] = [
    { method: 'GET', path: '/healthz', handler: ok },
    { method: 'POST', prefix: '/dms/events/', handler: ok },
    { path: '/slack/events', handler: ok },
  ];

  it('matches exact paths by method, prefixes below them, and any method when none is given', () => {
    expect(findRoute(routes, 'GET', '/healthz')).toBe(routes[0]);
    expect(findRoute(routes, 'POST', '/healthz')).toBeUndefined();
    expect(findRoute(routes, 'GET', '/healthz/x')).toBeUndefined();
    expect(findRoute(routes, 'POST', '/dms/events/abc123')).toBe(routes[1]);
    expect(findRoute(routes, 'GET', '/dms/events/abc123')).toBeUndefined();
    expect(findRoute(routes, 'POST', '/dms/events')).toBeUndefined();
    expect(findRoute(routes, 'PUT', '/slack/events')).toBe(routes[2]);
  });

  it('answers 404 for no route, 500 when a handler throws or rejects, and hands the path without the query', async () => {
    const seen: string[] = [];
    const base = await serve([
      {
        method: 'POST',
        prefix: '/cts/events',
        handler: async (req, res, path) => {
          seen.push(path);
          const body = await readBody(req, 16);
          res.writeHead(200).end(body.toString('utf8').toUpperCase());
        },
      },
      {
        path: '/throws',
        handler: () => {
          throw new Error('boom');
        },
      },
      { path: '/rejects', handler: async () => Promise.reject(new Error('boom')) },
    ]);
    const echoed = await fetch(`${base}/cts/events?x=1`, { method: 'POST', body: 'hello' });
    expect([echoed.status, await echoed.text()]).toEqual([200, 'HELLO']);
    expect(seen).toEqual(['/cts/events']);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/throws`)).status).toBe(500);
    expect((await fetch(`${base}/rejects`)).status).toBe(500);
    // A body over the limit is refused, and the server keeps serving.
    expect((await fetch(`${base}/cts/events`, { method: 'POST', body: 'x'.repeat(100) })).status).toBe(500);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
