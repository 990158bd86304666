import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const schemaDir = join(import.meta.dirname, '..', '..', 'shared', 'data', 'slack-manifest-schema');
const read = (p: string) => JSON.parse(readFileSync(join(schemaDir, p), 'utf8')) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // CommonJS default export: the function itself, or under `.default` depending on the loader.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema(read('schemas/manifest.schema.1.0.0.json'), 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json');
  ajv.addSchema(read('schemas/manifest.schema.2.0.0.json'), 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json');
  return ajv.compile(read('manifest.schema.json'));
}

describe('manifest.yml', () => {
  const manifest = parse(readFileSync(join(import.meta.dirname, '..', 'manifest.yml'), 'utf8')) as {
    features: { slash_commands: { command: string }[]; app_home: { home_tab_enabled: boolean } };
    oauth_config: { scopes: { bot: string[] } };
    settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean }; event_subscriptions: { bot_events: string[] } };
  };

  it('validates against Slack’s published manifest schema', () => {
    const validate = validator();
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the same validator rejects the upstream invalid example (the check has teeth)', () => {
    const validate = validator();
    expect(validate(read('tests/manifests/v1/manifest.invalid.json'))).toBe(false);
    expect(validate(read('tests/manifests/v1/manifest.valid.json'))).toBe(true);
  });

  it('declares /dms and /cts, interactivity, socket mode and the scopes the bot uses', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(['/cts', '/dms']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['chat:write', 'commands', 'usergroups:read', 'users:read', 'users:read.email']);
  });

  it('enables the Home tab and subscribes to app_home_opened, which the bot listens for', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });
});
