import type { App } from '@slack/bolt';
import type { Services } from '../../src/services.js';
import { registerCtsCommand } from './command.js';
import { registerSubscriptionHandlers } from './subscriptions.js';
import { registerTrackerSubmission } from './tracker-submission.js';
import { registerTrackerTypeAction } from './type-action.js';

/** Registers every `/cts` listener (command, modal, actions). */
export function registerCtsHandlers(app: App, s: Services): void {
  registerCtsCommand(app, s);
  registerTrackerTypeAction(app, s);
  registerTrackerSubmission(app, s);
  registerSubscriptionHandlers(app, s);
}
