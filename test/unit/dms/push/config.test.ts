import { describe, expect, it } from 'vitest';
import { ConfigError, dmsWebhookUrl, readConfig } from '../../../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-secret-token-value', SLACK_SIGNING_SECRET: 'signing-secret-value-123' };
const TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0';

function problems(env: Record<string, string>): string {
  try {
    readConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('DMS push settings', () => {
  it('are off by default, reconciling every 600 s while pushes arrive and back to normal after 30 quiet minutes', () => {
    const c = readConfig(base);
    expect(c).toMatchObject({ DMS_RECONCILE_INTERVAL_SECONDS: 600, DMS_PUSH_QUIET_MINUTES: 30 });
    expect(c.DMS_WEBHOOK_TOKEN).toBeUndefined();
    expect(dmsWebhookUrl(c)).toBeUndefined();
  });

  it('refuse a short or non-URL-safe token at start-up, naming the variable only', () => {
    for (const bad of ['short-token-SECRETVALUE', `${TOKEN.slice(0, 20)}/../${TOKEN}`, `${TOKEN} x`]) {
      const msg = problems({ DMS_WEBHOOK_TOKEN: bad });
      expect(msg).toContain('DMS_WEBHOOK_TOKEN must be 32 to 256 URL-safe characters');
      expect(msg).not.toContain(bad.trim());
    }
  });

  it('a secret needs the token and the public URL (the signature covers the URL as entered in DMS)', () => {
    expect(problems({ DMS_WEBHOOK_SECRET: 'sssss' })).toMatch(/DMS_WEBHOOK_SECRET needs DMS_WEBHOOK_TOKEN/);
    expect(problems({ DMS_WEBHOOK_SECRET: 'sssss', DMS_WEBHOOK_TOKEN: TOKEN })).toMatch(
      /DMS_WEBHOOK_PUBLIC_URL is required with DMS_WEBHOOK_SECRET/,
    );
    expect(problems({ DMS_WEBHOOK_PUBLIC_URL: 'ftp://x' })).toMatch(
      /DMS_WEBHOOK_PUBLIC_URL must be the http\(s\) base URL/,
    );
    const c = readConfig({
      ...base,
      DMS_WEBHOOK_TOKEN: TOKEN,
      DMS_WEBHOOK_SECRET: 'sssss',
      DMS_WEBHOOK_PUBLIC_URL: 'https://bot.example.com/chatops/',
    });
    expect(dmsWebhookUrl(c)).toBe(`https://bot.example.com/chatops/dms/events/${TOKEN}`);
  });

  it('bound the reconcile interval and the quiet time', () => {
    expect(problems({ DMS_RECONCILE_INTERVAL_SECONDS: '5' })).toMatch(
      /DMS_RECONCILE_INTERVAL_SECONDS must be a whole number between 30 and 86400/,
    );
    expect(problems({ DMS_PUSH_QUIET_MINUTES: '0' })).toMatch(
      /DMS_PUSH_QUIET_MINUTES must be a whole number between 1 and 1440/,
    );
  });
});
