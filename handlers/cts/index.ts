import type { App } from '@slack/bolt';
import type { Services } from '../../src/services.js';

/** Registers every `/cts` listener (command, modal, actions). */
export function registerCtsHandlers(app: App, s: Services): void {
  app.command('/cts', async ({ ack }) => {
    if (!s.ctsTrackers) {
      await ack({
        response_type: 'ephemeral',
        text: ':information_source: CTS trackers are not set up on this bot yet. An operator needs to set `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and `CTS_PROJECT_ID` (see the README). `/dms` works meanwhile.',
      });
      return;
    }
    await ack({ response_type: 'ephemeral', text: 'Coming soon.' });
  });
}
