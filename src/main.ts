import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, loadPolicy, type Policy } from './access/policy.js';
import { createApp } from './app.js';
import { type Config, ConfigError, ctsEventRegions, ctsSettings, endpointSchema, readConfig } from './config.js';
import { errorFields } from './core/errors.js';
import { createLogger } from './core/logger.js';
import { installProcessGuards } from './core/process-guards.js';
import { CtsClient } from './cts/client.js';
import { resolveCtsEndpoint } from './cts/endpoint.js';
import { DmsClient } from './dms/client.js';
import { connectDmsPushes, startSandbox } from './sandbox/index.js';
import { loadUserMap, type UserMap } from './slack/user-map.js';
import { openStore } from './store/open.js';

/** Entry point of `npm start`: read the environment, wire the bot, run until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      if (!process.env['SLACK_BOT_TOKEN']) {
        process.stderr.write(
          '\nNo Slack app configured yet. Create one from manifest.yml (Socket Mode) or manifest.http.yml (HTTP mode; api.slack.com/apps → Create New App → From a manifest),\n' +
            'install it to your workspace, then set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode).\n' +
            'See README.md, "Slack app setup".\n' +
            'To see the bot work first, without Slack or cloud accounts: npm run demo\n',
        );
      }
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // From here on, a stray rejection or exception is logged (redacted) and the bot keeps serving.
  installProcessGuards(logger);
  let userMap: UserMap;
  let policy: Policy;
  try {
    userMap = config.USER_MAP_FILE ? loadUserMap(config.USER_MAP_FILE) : new Map<string, string>();
    policy = config.POLICY_FILE ? loadPolicy(config.POLICY_FILE) : DEFAULT_POLICY;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  // Sandbox: emulated clouds in this process; otherwise refuse to start without cloud credentials.
  const sandbox = config.SANDBOX ? await startSandbox({ logger, smnRegion: ctsEventRegions(config)[0] }) : undefined;
  if (!sandbox && !hasAlibabaCredentials(process.env)) {
    process.stderr.write(
      'No Alibaba Cloud credentials found. Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_PROFILE /\n' +
        '~/.aliyun/config.json, an ECS RAM role with ALIBABA_CLOUD_ECS_METADATA, or OIDC with ALIBABA_CLOUD_ROLE_ARN and\n' +
        'ALIBABA_CLOUD_OIDC_TOKEN_FILE). To try the bot without cloud accounts, set SANDBOX=1 (emulated DMS and CTS).\n',
    );
    process.exit(1);
  }
  // The URL may hold a password: it is never logged, and openStore's errors do not quote it.
  const store = await openStore(config.DATABASE_URL);
  logger.info({ store: config.DATABASE_URL.startsWith('sqlite:') ? 'sqlite' : 'postgres' }, 'store opened');
  const dms = new DmsClient({
    endpoint: sandbox ? endpointSchema.parse(sandbox.dmsEndpoint) : config.DMS_ENDPOINT,
    regionId: config.DMS_REGION,
    tid: config.DMS_TID,
    timeoutMs: config.DMS_TIMEOUT_MS,
    ...(sandbox ? { credentials: sandbox.dmsCredentials } : {}),
    logger: logger.child({ component: 'dms' }),
  });
  const ctsConfig = sandbox
    ? {
        region: config.CTS_REGION,
        endpoint: sandbox.ctsSettings.endpoint,
        projectId: sandbox.ctsSettings.projectId,
        ak: sandbox.ctsSettings.ak,
        sk: sandbox.ctsSettings.sk,
        securityToken: undefined,
        timeoutMs: config.CTS_TIMEOUT_MS,
      }
    : ctsSettings(config);
  const cts = ctsConfig
    ? new CtsClient({
        endpoint: resolveCtsEndpoint(ctsConfig.region, ctsConfig.endpoint),
        projectId: ctsConfig.projectId,
        ak: ctsConfig.ak,
        sk: ctsConfig.sk,
        securityToken: ctsConfig.securityToken,
        timeoutMs: ctsConfig.timeoutMs,
        logger: logger.child({ component: 'cts' }),
      })
    : undefined;
  if (!cts) logger.info('CTS is not configured: /cts will explain how to set it up');
  logger.info({ policy: policy.source, rules: policy.rules.length, default: policy.default }, 'policy loaded');
  // In the sandbox, SMN URLs (certificates, subscription confirmations) go to the emulated SMN on loopback.
  const app = createApp({ config, logger, store, dms, cts, userMap, policy, smnFetch: sandbox?.smn.fetch });
  const port = await app.start();
  // Sandbox with DMS_WEBHOOK_TOKEN: the emulated DMS pushes to this bot as its tickets move.
  if (sandbox) connectDmsPushes(sandbox, config, port);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
    logger.info({ signal }, 'shutting down');
    // app.stop() ends within SHUTDOWN_TIMEOUT_MS whatever Slack, the clouds or the store do; this is a last resort
    // against a bug there. Ref'd on purpose: the process lives until the stop has given the leases back.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 1_000);
    app
      .stop()
      // The in-process emulators (SANDBOX=1) get what is left of the deadline, no more.
      .then(() =>
        sandbox
          ? Promise.race([
              sandbox.close(),
              new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
            ])
          : undefined,
      )
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err: errorFields(err) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Whether @alicloud/credentials' default chain has anything to work with (it would otherwise fail at the first call). */
function hasAlibabaCredentials(env: NodeJS.ProcessEnv): boolean {
  if (env['ALIBABA_CLOUD_ACCESS_KEY_ID'] && env['ALIBABA_CLOUD_ACCESS_KEY_SECRET']) return true;
  if (env['ALIBABA_CLOUD_ECS_METADATA'] || (env['ALIBABA_CLOUD_ROLE_ARN'] && env['ALIBABA_CLOUD_OIDC_TOKEN_FILE']))
    return true;
  if (env['ALIBABA_CLOUD_CREDENTIALS_FILE'] && existsSync(env['ALIBABA_CLOUD_CREDENTIALS_FILE'])) return true;
  return (
    existsSync(join(homedir(), '.aliyun', 'config.json')) || existsSync(join(homedir(), '.alibabacloud', 'credentials'))
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`Fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
