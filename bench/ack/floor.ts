/** The ack bench's floor: a bare Bolt app that only acks `/dms`, served like ours (same listener, same backlog). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { LISTEN_BACKLOG } from '../../src/app.js';
import type { RemoteFakeSlack } from '../../test/support/fake-slack-worker.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../../test/support/harness.js';

/** The floor: a bare Bolt app that only acks `/dms`, served like ours. */
export async function startFloor(slack: RemoteFakeSlack): Promise<{ url: string; close(): Promise<void> }> {
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    endpoints: '/slack/events',
    processBeforeResponse: false,
  });
  const app = new App({
    receiver,
    token: BOT_TOKEN,
    deferInitialization: true,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: slack.url },
  });
  app.command('/dms', async ({ ack }) => ack());
  await app.init();
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/slack/events') {
      receiver.requestListener(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve()),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.close();
    },
  };
}
