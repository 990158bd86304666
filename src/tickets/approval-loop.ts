import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { DmsClient } from '../dms/client.js';
import type { Messenger } from '../slack/messenger.js';
import type { SlackGroups } from '../slack/user-groups.js';
import type { UserMap } from '../slack/user-map.js';
import type { UserResolver } from '../slack/user-resolver.js';
import type { Store } from '../store/types.js';
import { Digest } from './digest.js';
import { Reminders } from './reminders.js';
import { WaitingTickets } from './waiting.js';
import type { StatusWatcher } from './watcher.js';

/** How often reminders and digests are looked for (a minute: both are planned in minutes). */
const EVERY_MS = 60_000;

/** Runs the reminders and the digests on a timer (real time; what is due is read from the injected clock). */
export class Nudges {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: { reminders: Reminders; digest: Digest; logger: Logger; everyMs?: number }) {}

  /** One pass: the reminders due, then the digests due (a pass already running is shared). */
  runDue(): Promise<unknown> {
    if (!this.running) {
      this.running = Promise.all([
        this.deps.reminders
          .runDue()
          .catch((err: unknown) => this.deps.logger.warn({ err: String(err).slice(0, 200) }, 'reminder pass failed')),
        this.deps.digest
          .runDue()
          .catch((err: unknown) => this.deps.logger.warn({ err: String(err).slice(0, 200) }, 'digest pass failed')),
      ]).finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Starts the timer. */
  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.runDue(), this.deps.everyMs ?? EVERY_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/** Everything the approval loop is built from. */
export interface ApprovalLoopDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  dms: DmsClient;
  slack: WebClient;
  userMap: UserMap;
  config: Pick<Config, 'APPROVERS' | 'REMIND_AFTER_MINUTES' | 'REMIND_EVERY_HOURS' | 'QUIET_HOURS'>;
  messenger: Messenger;
  resolver: UserResolver;
  groups: () => SlackGroups;
  watcher: () => StatusWatcher;
}

/** The approval loop's parts: who is asked (for the watcher), and the reminders and digests on their timer. */
export function approvalLoop(d: ApprovalLoopDeps): {
  waiting: WaitingTickets;
  nudges: Nudges;
  reminders: Reminders;
  digest: Digest;
} {
  const waiting = new WaitingTickets({
    store: d.store,
    clock: d.clock,
    logger: d.logger.child({ component: 'waiting' }),
    dms: d.dms,
    slack: d.slack,
    userMap: d.userMap,
    approvers: d.config.APPROVERS,
  });
  const reminders = new Reminders({
    store: d.store,
    clock: d.clock,
    logger: d.logger.child({ component: 'reminders' }),
    messenger: d.messenger,
    settings: {
      afterMs: d.config.REMIND_AFTER_MINUTES * 60_000,
      everyMs: d.config.REMIND_EVERY_HOURS * 3_600_000,
      quiet: d.config.QUIET_HOURS,
    },
    zoneOf: async (slackId) => (await d.resolver.resolve(slackId)).tz,
    membersOf: (groupId) => d.groups().membersOf(groupId),
    describe: (ticket) => {
      const card = d.watcher().card(ticket);
      return { title: card.title, actions: card.actions };
    },
  });
  const digest = new Digest({
    store: d.store,
    clock: d.clock,
    logger: d.logger.child({ component: 'digest' }),
    messenger: d.messenger,
    describe: (ticket) => d.watcher().card(ticket),
  });
  return {
    waiting,
    reminders,
    digest,
    nudges: new Nudges({ reminders, digest, logger: d.logger.child({ component: 'nudges' }) }),
  };
}
