import type { App } from '@slack/bolt';
import type { Services } from '../src/services.js';
import { registerTrackWindowPreview } from './actions/track-window.js';
import { registerCtsHandlers } from './cts/index.js';
import { registerDmsCommand } from './commands/dms.js';
import { registerDatabaseOptions } from './options/database-options.js';
import { registerChangeSubmission } from './views/change-submission.js';
import { registerExportSubmission } from './views/export-submission.js';
import { registerTrackSubmission } from './views/track-submission.js';
import { registerTicketButtons } from './actions/ticket-buttons.js';
import { registerAppHome } from './events/app-home.js';
import { registerSettingsSubmission } from './views/settings-submission.js';

/** Registers every Slack listener. */
export function registerHandlers(app: App, s: Services): void {
  registerDmsCommand(app, s);
  registerCtsHandlers(app, s);
  registerDatabaseOptions(app, s);
  registerExportSubmission(app, s);
  registerTrackSubmission(app, s);
  registerChangeSubmission(app, s);
  registerTrackWindowPreview(app, s);
  registerTicketButtons(app, s);
  registerSettingsSubmission(app, s);
  registerAppHome(app, s);
}
