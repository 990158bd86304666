import { describe, expect, it } from 'vitest';
import { ConfigError, ctsSettings, readConfig } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-secret-token-value', SLACK_SIGNING_SECRET: 'signing-secret-value-123' };

function problems(env: Record<string, string>): string {
  try {
    readConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = readConfig(base);
    expect(c).toMatchObject({
      PORT: 3000,
      DMS_REGION: 'cn-hangzhou',
      DATABASE_URL: 'sqlite:./data/chatops.db',
      WATCH_INTERVAL_MS: 5000,
      WATCH_MAX_INTERVAL_MS: 60000,
      LOG_LEVEL: 'info',
      DMS_TIMEZONE: 'Asia/Shanghai',
      TRACK_MAX_WINDOW_HOURS: 72,
      TRACK_MAX_LOOKBACK_DAYS: 30,
      CTS_REGION: 'cn-north-4',
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(ctsSettings(c)).toBeUndefined();
  });

  it('names every bad variable and never prints a value', () => {
    const msg = problems({
      SLACK_SIGNING_SECRET: 'super-secret-signing',
      PORT: 'eighty',
      DMS_ENDPOINT: 'ftp://secret-host-xyz',
      DMS_TIMEZONE: 'Mars/Olympus',
      LOG_LEVEL: 'loud-secret',
    });
    for (const name of ['SLACK_BOT_TOKEN', 'PORT', 'DMS_ENDPOINT', 'DMS_TIMEZONE', 'LOG_LEVEL'])
      expect(msg).toContain(name);
    for (const value of ['super-secret-signing', 'eighty', 'secret-host-xyz', 'Mars/Olympus', 'loud-secret'])
      expect(msg).not.toContain(value);
  });

  it('needs a signing secret in HTTP mode but not in Socket Mode', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toContain('SLACK_SIGNING_SECRET is required in HTTP mode');
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-abc' }).SLACK_APP_TOKEN).toBe('xapp-1-abc');
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-wrong-kind-secret' })).not.toContain(
      'xoxb-wrong-kind-secret',
    );
  });

  it('accepts a host, host:port or http(s) URL as DMS_ENDPOINT', () => {
    expect(readConfig({ ...base, DMS_ENDPOINT: 'dms-enterprise.cn-shanghai.aliyuncs.com' }).DMS_ENDPOINT).toEqual({
      host: 'dms-enterprise.cn-shanghai.aliyuncs.com',
      protocol: 'https',
    });
    expect(readConfig({ ...base, DMS_ENDPOINT: '127.0.0.1:8080' }).DMS_ENDPOINT).toEqual({
      host: '127.0.0.1:8080',
      protocol: 'https',
    });
    expect(readConfig({ ...base, DMS_ENDPOINT: 'http://127.0.0.1:8080' }).DMS_ENDPOINT).toEqual({
      host: '127.0.0.1:8080',
      protocol: 'http',
    });
    expect(problems({ ...base, DMS_ENDPOINT: 'http://127.0.0.1:8080/path' })).toContain(
      'DMS_ENDPOINT must not contain a path',
    );
  });

  it('wants CTS configured completely or not at all, with the project id falling back to HUAWEICLOUD_SDK_PROJECT_ID', () => {
    const msg = problems({ ...base, HUAWEICLOUD_SDK_AK: 'AKSECRETVALUE' });
    expect(msg).toContain('HUAWEICLOUD_SDK_SK is required');
    expect(msg).toContain('CTS_PROJECT_ID is required');
    expect(msg).not.toContain('AKSECRETVALUE');
    const c = readConfig({
      ...base,
      HUAWEICLOUD_SDK_AK: 'ak',
      HUAWEICLOUD_SDK_SK: 'sk',
      HUAWEICLOUD_SDK_PROJECT_ID: 'proj1',
      CTS_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(ctsSettings(c)).toMatchObject({ projectId: 'proj1', endpoint: 'http://127.0.0.1:9', region: 'cn-north-4' });
  });

  it('rejects a back-off ceiling below the first interval', () => {
    expect(problems({ ...base, WATCH_INTERVAL_MS: '10000', WATCH_MAX_INTERVAL_MS: '5000' })).toContain(
      'WATCH_MAX_INTERVAL_MS must be at least WATCH_INTERVAL_MS',
    );
  });
});
