import type { App } from '@slack/bolt';
import type { Services } from '../src/services.js';
import { registerCtsHandlers } from './cts/index.js';
import { registerChangeSubmission } from './dms/change-submission.js';
import { registerDmsCommand } from './dms/command.js';
import { registerDatabaseOptions } from './dms/database-options.js';
import { registerExportSubmission } from './dms/export-submission.js';
import { registerSettingsSubmission } from './dms/settings-submission.js';
import { registerTrackSubmission } from './dms/track-submission.js';
import { registerTrackWindowPreview } from './dms/track-window.js';
import { registerWorkflowSteps } from './functions/index.js';
import { registerShortcuts } from './shortcuts/index.js';
import { registerAppHome } from './tickets/app-home.js';
import { registerTicketButtons } from './tickets/buttons.js';
import { registerUnfurls } from './unfurls/index.js';

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
  registerShortcuts(app, s);
  registerUnfurls(app, s);
  registerWorkflowSteps(app, s);
}
