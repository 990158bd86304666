import { ConfigError, ctsSettings, readConfig } from './config.js';
import { CtsClient } from './cts/client.js';
import { resolveCtsEndpoint } from './cts/endpoint.js';
import { createApp } from './app.js';
import { DmsClient } from './dms/client.js';
import { createLogger } from './logger.js';
import { openStore } from './store/open.js';
import { loadUserMap } from './user-map.js';
import { DEFAULT_POLICY, loadPolicy } from './policy.js';

/** Entry point of `npm start`: read the environment, wire the bot, run until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      if (!process.env['SLACK_BOT_TOKEN']) {
        process.stderr.write(
          '\nNo Slack app configured yet. Create one from manifest.yml (api.slack.com/apps → Create New App → From a manifest),\n' +
            'install it to your workspace, then set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode).\n' +
            'See README.md, "Slack app setup".\n',
        );
      }
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let userMap;
  let policy;
  try {
    userMap = config.USER_MAP_FILE ? loadUserMap(config.USER_MAP_FILE) : new Map<string, string>();
    policy = config.POLICY_FILE ? loadPolicy(config.POLICY_FILE) : DEFAULT_POLICY;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  // The URL may hold a password: it is never logged, and openStore's errors do not quote it.
  const store = await openStore(config.DATABASE_URL);
  logger.info({ store: config.DATABASE_URL.startsWith('sqlite:') ? 'sqlite' : 'postgres' }, 'store opened');
  const dms = new DmsClient({
    endpoint: config.DMS_ENDPOINT,
    regionId: config.DMS_REGION,
    tid: config.DMS_TID,
    timeoutMs: config.DMS_TIMEOUT_MS,
    logger: logger.child({ component: 'dms' }),
  });
  const ctsConfig = ctsSettings(config);
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
  const app = createApp({ config, logger, store, dms, cts, userMap, policy });
  await app.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
