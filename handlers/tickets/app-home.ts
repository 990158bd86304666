import type { App } from '@slack/bolt';
import { errorFields } from '../../src/core/errors.js';
import type { Services } from '../../src/services.js';

/** The Home tab: published each time the person opens it. */
export function registerAppHome(app: App, s: Services): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await s.home
      .opened(event.user)
      .catch((err: unknown) => s.logger.warn({ user: event.user, err: errorFields(err) }, 'home tab not published'));
  });
}
