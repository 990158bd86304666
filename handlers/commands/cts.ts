import type { App } from '@slack/bolt';
import type { Services } from '../../src/services.js';

/** `/cts`: Huawei Cloud CTS trackers. Answers with setup guidance until CTS is configured. */
export function registerCtsCommand(app: App, _s: Services): void {
  app.command('/cts', async ({ ack }) => {
    await ack({
      response_type: 'ephemeral',
      text: ':information_source: CTS trackers are not set up on this bot yet. An operator needs to set `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and `CTS_PROJECT_ID` (see the README). `/dms` works meanwhile.',
    });
  });
}
