import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Config, dmsWebhookUrl } from '../config.js';
import { CtsEmulator } from './cts/index.js';
import { DmsEmulator } from './dms/index.js';
import { DmsPushSender } from './dms-push-sender.js';
import { SmnEmulator } from './smn/emulator.js';

/** Banner on every message the bot posts in sandbox mode. */
export const SANDBOX_NOTE = ':test_tube: *Sandbox*: emulated DMS and CTS. Nothing here is a real cloud ticket.';

/** The in-process clouds of sandbox mode and the settings that point the bot at them. */
export interface Sandbox {
  dms: DmsEmulator;
  cts: CtsEmulator;
  /** Emulated SMN: its certificate and subscription confirmations; it signs key-event messages for /cts/events. */
  smn: SmnEmulator;
  dmsEndpoint: string;
  dmsCredentials: { accessKeyId: string; accessKeySecret: string };
  ctsSettings: { endpoint: string; projectId: string; ak: string; sk: string };
  close(): Promise<void>;
}

/**
 * Starts the DMS and CTS emulators the tests use, on loopback, with a few databases, a DMS account for every Slack
 * email, realistic delays, and tickets that move along by themselves (every second status check), so a team can
 * try the bot in Slack before it has cloud accounts.
 */
export async function startSandbox(opts: {
  logger: Logger;
  advanceEvery?: number;
  latencyMs?: [number, number];
  /** The region of the emulated SMN (its host is that region's real SMN host). */
  smnRegion?: string;
}): Promise<Sandbox> {
  // Fresh credentials per run: the emulators verify signatures like the real clouds do.
  const dmsAk = `sandbox-${randomBytes(4).toString('hex')}`;
  const dmsSk = randomBytes(16).toString('hex');
  const ctsAk = `SANDBOX${randomBytes(4).toString('hex').toUpperCase()}`;
  const ctsSk = randomBytes(16).toString('hex');
  const projectId = randomBytes(16).toString('hex');
  const dms = await DmsEmulator.start({ accessKeyId: dmsAk, accessKeySecret: dmsSk });
  const cts = await CtsEmulator.start({ ak: ctsAk, sk: ctsSk, projectId });
  const smn = await SmnEmulator.start({ region: opts.smnRegion ?? 'cn-north-4', projectId });
  dms.autoUsers = true;
  dms.autoAdvanceEvery = opts.advanceEvery ?? 2;
  const [lo, hi] = opts.latencyMs ?? [30, 400];
  dms.latencyMs = () => lo + Math.floor(Math.random() * (hi - lo));
  for (const db of [
    { DatabaseId: '1001', SearchName: 'orders_prod', SchemaName: 'orders', EnvType: 'product' },
    { DatabaseId: '1002', SearchName: 'orders_dev', SchemaName: 'orders', EnvType: 'dev' },
    { DatabaseId: '1003', SearchName: 'customers_prod', SchemaName: 'customers', EnvType: 'product' },
    { DatabaseId: '1004', SearchName: 'analytics_test', SchemaName: 'analytics', EnvType: 'test' },
    { DatabaseId: '2001', SearchName: 'orders_logic', SchemaName: 'orders', EnvType: 'product', Logic: true },
  ]) {
    dms.addDatabase(db);
  }
  opts.logger.warn(
    { dms: dms.endpoint, cts: cts.endpoint },
    'SANDBOX MODE: DMS and CTS are emulated in this process; no real cloud is called',
  );
  return {
    dms,
    cts,
    smn,
    dmsEndpoint: dms.endpoint,
    dmsCredentials: { accessKeyId: dmsAk, accessKeySecret: dmsSk },
    ctsSettings: { endpoint: cts.endpoint, projectId, ak: ctsAk, sk: ctsSk },
    async close() {
      await Promise.all([dms.close(), cts.close(), smn.close()]);
    },
  };
}

/**
 * With DMS_WEBHOOK_TOKEN set, the emulated DMS pushes to this bot's webhook on loopback as its tickets move (signed
 * with DMS_WEBHOOK_SECRET when set), as DMS does for the bot's DMS user (README "DMS pushes").
 */
export function connectDmsPushes(
  sandbox: Pick<Sandbox, 'dms'>,
  config: Config,
  port: number,
): DmsPushSender | undefined {
  if (!config.DMS_WEBHOOK_TOKEN) return undefined;
  const sender = new DmsPushSender({
    url: `http://127.0.0.1:${port}/dms/events/${config.DMS_WEBHOOK_TOKEN}`,
    secret: config.DMS_WEBHOOK_SECRET,
    signedUrl: dmsWebhookUrl(config),
  });
  sandbox.dms.onStatusChange((change) => sender.notify(change.order));
  return sender;
}
