import { pino, type Logger, type DestinationStream } from 'pino';

/** Every log path that may carry a secret; pino replaces these with "[redacted]". */
export const redactPaths = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'accessKeyId',
  'accessKeySecret',
  'securityToken',
  'ak',
  'sk',
  'password',
  'authorization',
  'Authorization',
  'url',
  'downloadUrl',
  'URL',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-acs-security-token"]',
  'headers["X-Security-Token"]',
  'headers["x-security-token"]',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_APP_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.accessKeySecret',
  '*.securityToken',
  '*.sk',
  '*.authorization',
  '*.Authorization',
  '*.downloadUrl',
  '*.url',
  '*.URL',
  'err.config',
  'err.request',
];

/** Builds the application logger (JSON lines, secrets redacted). Pass a destination in tests to capture lines. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { app: 'dms-cts-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
