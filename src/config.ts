import { z } from 'zod';
import { parseSlackUserId, parseUsergroupId } from './core/ids.js';
import { knownTimeZone, type TimeZone } from './core/time-zone.js';

/** Reads a boolean-ish environment value ("1", "true", "yes", "on" / "0", "false", "no", "off"). */
const envBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', ''].includes(v), 'must be true/false/1/0/yes/no')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(fallback) : v))
    .refine((v) => /^\d+$/.test(v), `must be a whole number between ${min} and ${max}`)
    .transform((v) => Number(v))
    .refine((n) => n >= min && n <= max, `must be a whole number between ${min} and ${max}`);

/** One entry of APPROVERS: a Slack user, a Slack user group, or an email. */
export type ApproverEntry = { kind: 'user' | 'group' | 'email'; id: string };

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Endpoint override: a host, host:port, or http(s) URL. Returned as the host (with port) and protocol
 * the Alibaba/Huawei clients want.
 */
export const endpointSchema = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a host, host:port or an http(s) URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http:// or https://' });
      return z.NEVER;
    }
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a path, query, or credentials' });
      return z.NEVER;
    }
    return { host: url.host, protocol: url.protocol === 'http:' ? ('http' as const) : ('https' as const) };
  });

export type Endpoint = z.output<typeof endpointSchema>;

// The same gate as every other zone name (time-zone.ts): a zone this runtime cannot use stops start-up here, naming
// the variable, instead of failing on the first ticket.
/** Hours of the night when nobody is reminded, in each person's own Slack time zone: `22-08`, or `off`. */
export interface QuietHours {
  /** First quiet hour (0-23). */
  from: number;
  /** First hour no longer quiet (0-23). */
  to: number;
}

const quietHours = z
  .string()
  .trim()
  .default('22-08')
  .refine(
    (v) => v === 'off' || /^([01]?\d|2[0-3])-([01]?\d|2[0-3])$/.test(v),
    'must be two hours such as 22-08 (from 22:00 to 08:00), or off',
  )
  .transform((v): QuietHours | null => {
    if (v === 'off') return null;
    const [from, to] = v.split('-').map(Number) as [number, number];
    return from === to ? null : { from, to };
  });

const ianaZone = z
  .string()
  .trim()
  .refine(
    (v) => knownTimeZone(v) !== undefined,
    'must be an IANA time zone name this runtime knows, such as Asia/Shanghai',
  )
  .transform((v) => knownTimeZone(v) as TimeZone);

/** The whole environment the bot reads, in one schema. */
export const configSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().trim().min(1, 'is required (the xoxb- bot token from the Slack app)'),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: optionalString.refine(
      (v) => v === undefined || v.startsWith('xapp-'),
      'must be an app-level token starting with xapp-',
    ),
    SLACK_API_URL: optionalString.refine(
      (v) => v === undefined || /^https?:\/\/[^\s]+\/$/.test(v),
      'must be an http(s) URL ending with /',
    ),
    PORT: intInRange(0, 65535, 3000),
    LOG_LEVEL: z
      .string()
      .trim()
      .default('info')
      .refine(
        (v): v is (typeof logLevels)[number] => (logLevels as readonly string[]).includes(v),
        `must be one of ${logLevels.join(', ')}`,
      ),

    DMS_REGION: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{2,40}$/, 'must be a region id such as cn-hangzhou')
      .default('cn-hangzhou'),
    DMS_ENDPOINT: endpointSchema.optional(),
    DMS_TID: optionalString.refine((v) => v === undefined || /^\d{1,19}$/.test(v), 'must be the numeric DMS tenant id'),
    DMS_TIMEOUT_MS: intInRange(100, 120_000, 10_000),
    DMS_SEARCH_TIMEOUT_MS: intInRange(100, 2_800, 2_000),

    DMS_TIMEZONE: ianaZone.default('Asia/Shanghai' as TimeZone),
    // Where DMS ticket pages live: a pasted `<DMS_CONSOLE_URL>…?orderId=<id>` link unfurls (src/dms/console-link.ts).
    DMS_CONSOLE_URL: z
      .string()
      .trim()
      .default('https://dms.aliyun.com')
      .transform((raw, ctx) => {
        const url = URL.canParse(raw) ? new URL(raw) : undefined;
        if (url?.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
          ctx.addIssue({ code: 'custom', message: 'must be an https:// URL without query, fragment or credentials' });
          return z.NEVER;
        }
        return url;
      }),
    TRACK_MAX_WINDOW_HOURS: intInRange(1, 24 * 31, 72),
    TRACK_MAX_LOOKBACK_DAYS: intInRange(1, 3650, 30),

    CTS_REGION: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{2,40}$/, 'must be a region id such as cn-north-4')
      .default('cn-north-4'),
    CTS_ENDPOINT: endpointSchema.optional(),
    CTS_PROJECT_ID: optionalString.refine(
      (v) => v === undefined || /^[A-Za-z0-9-]{1,64}$/.test(v),
      'must be a Huawei Cloud project id',
    ),
    HUAWEICLOUD_SDK_PROJECT_ID: optionalString.refine(
      (v) => v === undefined || /^[A-Za-z0-9-]{1,64}$/.test(v),
      'must be a Huawei Cloud project id',
    ),
    HUAWEICLOUD_SDK_AK: optionalString,
    HUAWEICLOUD_SDK_SK: optionalString,
    HUAWEICLOUD_SDK_SECURITY_TOKEN: optionalString,
    CTS_TIMEOUT_MS: intInRange(100, 120_000, 10_000),
    // Key event notifications through SMN (POST /cts/events): the regions whose SMN hosts and topics are trusted.
    CTS_EVENTS_REGIONS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const regions = [...new Set((v ?? '').split(/[\s,]+/).filter(Boolean))];
        for (const r of regions)
          if (!/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(r)) {
            ctx.addIssue({
              code: 'custom',
              message: 'must list Huawei Cloud region ids such as cn-north-4, comma-separated',
            });
            return z.NEVER;
          }
        return regions;
      }),
    CTS_EVENTS_MAX_AGE_SECONDS: intInRange(60, 86_400, 3_600),
    CTS_EVENTS_THREAD_WINDOW_SECONDS: intInRange(0, 86_400, 600),

    DATABASE_URL: z
      .string()
      .trim()
      .default('sqlite:./data/chatops.db')
      .refine(
        (v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\/\S+$/i.test(v),
        'must be sqlite:<path> (for example sqlite:./data/chatops.db) or postgres://user:password@host:5432/database',
      ),
    WATCH_INTERVAL_MS: intInRange(100, 3_600_000, 5_000),
    WATCH_MAX_INTERVAL_MS: intInRange(100, 86_400_000, 60_000),
    WATCH_MAX_AGE_HOURS: intInRange(1, 24 * 90, 72),
    WATCH_CONCURRENCY: intInRange(1, 64, 4),
    WATCH_LEASE_MS: intInRange(1_000, 3_600_000, 120_000),
    WATCH_MAX_CALLS_PER_SECOND: intInRange(1, 10_000, 20),
    SHUTDOWN_TIMEOUT_MS: intInRange(100, 600_000, 20_000),
    MAX_IN_FLIGHT: intInRange(1, 100_000, 200),
    SANDBOX: envBoolean.default(false),
    USER_MAP_FILE: optionalString,
    APPROVERS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const entries = (v ?? '').split(/[\s,]+/).filter(Boolean);
        const out: ApproverEntry[] = [];
        entries.forEach((e, i) => {
          // Slack ids as Slack spells them (src/core/ids.ts), like the policy file: `u0bob` would never match anyone.
          if (parseSlackUserId(e).ok) out.push({ kind: 'user', id: e });
          else if (parseUsergroupId(e).ok) out.push({ kind: 'group', id: e });
          else if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) out.push({ kind: 'email', id: e.toLowerCase() });
          else
            ctx.addIssue({
              code: 'custom',
              message: `entry ${i + 1} is not a Slack user id (U…/W…), user-group id (S…) or email`,
            });
        });
        return out;
      }),
    ALLOW_SELF_APPROVAL: envBoolean.default(false),
    POLICY_FILE: optionalString,
    RATE_LIMIT_PER_USER_PER_HOUR: intInRange(1, 10_000, 30),

    // DMS custom-webhook pushes (README "DMS pushes"): off unless a token is set.
    DMS_WEBHOOK_TOKEN: optionalString.refine(
      (v) => v === undefined || /^[A-Za-z0-9_-]{32,256}$/.test(v),
      'must be 32 to 256 URL-safe characters (A-Z, a-z, 0-9, - and _), such as the output of `openssl rand -hex 24`',
    ),
    DMS_WEBHOOK_SECRET: optionalString,
    DMS_WEBHOOK_PUBLIC_URL: optionalString.refine(
      (v) => v === undefined || /^https?:\/\/[^\s?#]+$/i.test(v),
      'must be the http(s) base URL DMS reaches the bot at, such as https://bot.example.com (no query)',
    ),
    DMS_RECONCILE_INTERVAL_SECONDS: intInRange(30, 86_400, 600),
    DMS_PUSH_QUIET_MINUTES: intInRange(1, 1_440, 30),
    REMIND_AFTER_MINUTES: intInRange(1, 7 * 24 * 60, 60),
    REMIND_EVERY_HOURS: intInRange(1, 7 * 24, 4),
    QUIET_HOURS: quietHours,
  })
  .superRefine((c, ctx) => {
    if (!c.SLACK_APP_TOKEN && !c.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required in HTTP mode (set SLACK_APP_TOKEN instead to use Socket Mode)',
      });
    }
    // CTS is optional, but half a configuration is a mistake worth stopping for.
    const cts = {
      HUAWEICLOUD_SDK_AK: c.HUAWEICLOUD_SDK_AK,
      HUAWEICLOUD_SDK_SK: c.HUAWEICLOUD_SDK_SK,
      CTS_PROJECT_ID: c.CTS_PROJECT_ID ?? c.HUAWEICLOUD_SDK_PROJECT_ID,
    };
    const given = Object.entries(cts).filter(([, v]) => v !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const [name, v] of Object.entries(cts)) {
        if (v === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message:
              'is required when CTS is partly configured (set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and CTS_PROJECT_ID together, or none of them)',
          });
      }
    }
    if (c.DMS_WEBHOOK_SECRET !== undefined && c.DMS_WEBHOOK_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DMS_WEBHOOK_SECRET'],
        message: 'needs DMS_WEBHOOK_TOKEN (pushes are off without it)',
      });
    }
    if (c.DMS_WEBHOOK_SECRET !== undefined && c.DMS_WEBHOOK_PUBLIC_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DMS_WEBHOOK_PUBLIC_URL'],
        message: 'is required with DMS_WEBHOOK_SECRET (the signature covers the webhook URL as entered in DMS)',
      });
    }
    if (c.WATCH_MAX_INTERVAL_MS < c.WATCH_INTERVAL_MS) {
      ctx.addIssue({ code: 'custom', path: ['WATCH_MAX_INTERVAL_MS'], message: 'must be at least WATCH_INTERVAL_MS' });
    }
  });

export type Config = Readonly<z.output<typeof configSchema>>;

/** Raised when the environment is unusable; its message names variables, never their values. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment once into a frozen Config; throws ConfigError naming each bad variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];
  const picked: Record<string, string | undefined> = {};
  for (const k of keys) picked[k] = env[k];
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    // Only the path and our own message: zod's default messages can quote the received value.
    const problems = parsed.error.issues.map((i) => {
      const name = i.path.map(String).join('.') || 'environment';
      const message = i.code === 'custom' || i.code === 'too_small' ? i.message : describeIssue(i.code);
      return `${name} ${message}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(parsed.data);
}

function describeIssue(code: string): string {
  switch (code) {
    case 'invalid_type':
      return 'is required';
    case 'invalid_value':
      return 'is not one of the allowed values';
    case 'invalid_format':
      return 'has the wrong format';
    default:
      return 'is invalid';
  }
}

/** CTS settings when CTS is configured (AK, SK and project id all set), else undefined. */
export function ctsSettings(c: Config):
  | {
      region: string;
      endpoint?: string;
      projectId: string;
      ak: string;
      sk: string;
      securityToken?: string;
      timeoutMs: number;
    }
  | undefined {
  const projectId = c.CTS_PROJECT_ID ?? c.HUAWEICLOUD_SDK_PROJECT_ID;
  if (!c.HUAWEICLOUD_SDK_AK || !c.HUAWEICLOUD_SDK_SK || !projectId) return undefined;
  return {
    region: c.CTS_REGION,
    endpoint: c.CTS_ENDPOINT ? `${c.CTS_ENDPOINT.protocol}://${c.CTS_ENDPOINT.host}` : undefined,
    projectId,
    ak: c.HUAWEICLOUD_SDK_AK,
    sk: c.HUAWEICLOUD_SDK_SK,
    securityToken: c.HUAWEICLOUD_SDK_SECURITY_TOKEN,
    timeoutMs: c.CTS_TIMEOUT_MS,
  };
}

/** The regions whose SMN topics and hosts the key-event receiver trusts: CTS_EVENTS_REGIONS, else CTS_REGION. */
export function ctsEventRegions(c: Config): string[] {
  return c.CTS_EVENTS_REGIONS.length > 0 ? [...c.CTS_EVENTS_REGIONS] : [c.CTS_REGION];
}

/** The DMS webhook URL as entered in DMS (what its signature covers), when DMS_WEBHOOK_PUBLIC_URL and the token are set. */
export function dmsWebhookUrl(c: Config): string | undefined {
  if (!c.DMS_WEBHOOK_PUBLIC_URL || !c.DMS_WEBHOOK_TOKEN) return undefined;
  return `${c.DMS_WEBHOOK_PUBLIC_URL.replace(/\/+$/, '')}/dms/events/${c.DMS_WEBHOOK_TOKEN}`;
}

/** The SQLite file path from a `sqlite:` DATABASE_URL. */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') || ':memory:';
}
