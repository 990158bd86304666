/** Helpers the fault scenarios share: people and forms, signed posts, ack kinds, Slack observers, waits, a pool. */

import { existsSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportIds } from '../../blocks/dms/ids.js';
import type { DmsEmulator } from '../../src/sandbox/dms/index.js';
import type { FakeSlack, SlackCall } from '../../test/support/fake-slack.js';
import { SIGNING_SECRET, sealedFormMetadata, slackSignature, viewSubmission } from '../../test/support/harness.js';
import type { MachineInfo } from './types.js';

/** The channel every fault run files into. */
export const CHANNEL = 'C0FAULTS';
/** An export ticket's final status. */
export const FINAL_STATUS = 'EXPORT_SUCCESS';

/** The machine the run is on. */
export function machine(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

/** The repository root: the nearest folder above this file with a package.json (else the working directory). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Alice (DMS 51) files, Bob (DMS 52) is related; one production database. */
export function seedPeople(slack: FakeSlack, dms: DmsEmulator): void {
  slack.addUser({ id: 'U0ALICE', name: 'Alice Example', email: 'alice@example.com', tz: 'America/New_York' });
  slack.addUser({ id: 'U0BOB', name: 'Bob Builder', email: 'bob@example.com' });
  dms.addUser({ UserId: '51', NickName: 'alice', Email: 'alice@example.com' });
  dms.addUser({ UserId: '52', NickName: 'bob', Email: 'bob@example.com' });
  dms.addDatabase({
    DatabaseId: '1001',
    SearchName: 'orders_prod',
    SchemaName: 'orders',
    DbType: 'mysql',
    EnvType: 'product',
    Logic: false,
  });
}

/** State values of a filled-in export modal (as test/support/flows.ts exportValues), with a reason that names the request. */
export function exportValues(reason: string): Record<string, Record<string, unknown>> {
  const Ids = ExportIds;
  return {
    [Ids.dbBlock]: {
      [Ids.dbSelect]: {
        type: 'external_select',
        selected_option: { value: 'db:1001:P', text: { type: 'plain_text', text: 'orders_prod · product · mysql' } },
      },
    },
    [Ids.logicBlock]: { [Ids.logicCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.sqlBlock]: {
      [Ids.sqlInput]: {
        type: 'plain_text_input',
        value: "SELECT id, status FROM orders WHERE created_at > '2026-01-01'",
      },
    },
    [Ids.reasonBlock]: { [Ids.reasonInput]: { type: 'plain_text_input', value: reason } },
    [Ids.rowsBlock]: { [Ids.rowsInput]: { type: 'number_input', value: '1200' } },
    [Ids.skipCheckBlock]: { [Ids.skipCheckCheckbox]: { type: 'checkboxes', selected_options: [] } },
    [Ids.skipReasonBlock]: { [Ids.skipReasonInput]: { type: 'plain_text_input', value: null } },
    [Ids.commentBlock]: { [Ids.commentInput]: { type: 'plain_text_input', value: null } },
    [Ids.relatedBlock]: { [Ids.relatedSelect]: { type: 'multi_users_select', selected_users: ['U0BOB'] } },
  };
}

/** The reason a fault run's request #i carries (and its DMS comment). */
export const reasonFor = (i: number) => `Fault run request #${i}`;
/** The request number in a DMS comment, if it is one of ours. */
export const requestOf = (comment: string): number | undefined => {
  const m = /Fault run request #(\d+)/.exec(comment);
  return m ? Number(m[1]) : undefined;
};

/** The view_submission Slack sends when the export modal is submitted (only what submit-ticket.ts reads). */
export function exportSubmission(viewId: string, i: number): Record<string, unknown> {
  return viewSubmission(
    { id: viewId, callback_id: ExportIds.modal, private_metadata: sealedFormMetadata(ExportIds.modal, CHANNEL) },
    exportValues(reasonFor(i)),
    'U0ALICE',
  );
}

/** POSTs an interaction payload to the app, signed as Slack signs it. */
export async function postInteraction(
  port: number,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body),
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** How the app answered a view submission. */
export type AckKind = 'creating' | 'errors' | 'empty' | 'other';

/** What an ack says: the modal is creating the ticket, inline errors, empty (claimed already) or other. */
export async function ackKind(res: Response): Promise<AckKind> {
  const text = await res.text();
  if (res.status !== 200) return 'other';
  if (!text) return 'empty';
  const a = JSON.parse(text) as { response_action?: string; view?: unknown };
  if (a.response_action === 'errors') return 'errors';
  if (a.response_action === 'update' && JSON.stringify(a.view).includes('Creating ticket')) return 'creating';
  return 'other';
}

/** Runs `cb` on every call of `method` the fake receives (past and future), through its event-driven waiters. */
export function observe(slack: FakeSlack, method: string, cb: (c: SlackCall) => void): void {
  void slack.waitFor(method, (c) => {
    cb(c);
    return false;
  });
}

/** The status a thread reply announces (buildStatusReply puts it in backticks in the first section). */
export function replyStatus(call: SlackCall): string | undefined {
  const blocks = call.args['blocks'] as { text?: { text?: string } }[] | undefined;
  const text = blocks?.[0]?.text?.text ?? '';
  return /`([^`]+)`/.exec(text)?.[1];
}

/** First section of a modal the bot pushed with views.update. */
export function modalText(call: SlackCall | undefined): string {
  const view = call?.args['view'] as { blocks?: { text?: { text?: string } }[] } | undefined;
  return view?.blocks?.[0]?.text?.text ?? '';
}

/** A promise-based condition: `wait` resolves once `check()` holds (re-checked on `poke()`), false on timeout. */
export class Condition {
  private waiters: { check: () => boolean; resolve: (ok: boolean) => void }[] = [];
  /** Re-checks every waiter. */
  poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve(true);
      return false;
    });
  }
  /** Resolves true once `check()` holds, false after `timeoutMs`. */
  wait(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolveWait) => {
      const entry = {
        check,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolveWait(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        resolveWait(false);
      }, timeoutMs);
      this.waiters.push(entry);
    });
  }
}

/** Runs `fn` over `items` with at most `size` at once. */
export async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(size, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

/** Duplicate counting over thread replies: (thread_ts, status) → the calls, in arrival order. */
export function groupReplies<T extends { threadTs: string; status: string }>(replies: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of replies) {
    const key = `${r.threadTs}|${r.status}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}
