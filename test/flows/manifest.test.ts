import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExportIds } from '../../blocks/dms/ids.js';
import { ShortcutIds } from '../../blocks/dms/shortcut-modal.js';
import { STEP_OUTPUTS, STEPS } from '../../handlers/functions/steps.js';
import { readConfig } from '../../src/config.js';
import { slashCommand } from '../support/fake-socket-mode.js';
import { exportValues, seedPeople } from '../support/flows.js';
import {
  blockSuggestion,
  type Harness,
  SIGNING_SECRET,
  slackSignature,
  startHarness,
  viewSubmission,
} from '../support/harness.js';

const schemaDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'slack-manifest-schema');
const read = (p: string) => JSON.parse(readFileSync(join(schemaDir, p), 'utf8')) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // CommonJS default export: the function itself, or under `.default` depending on the loader.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
  ) => Ajv;
  addFormats(ajv);
  ajv.addSchema(
    read('schemas/manifest.schema.1.0.0.json'),
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json',
  );
  ajv.addSchema(
    read('schemas/manifest.schema.2.0.0.json'),
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json',
  );
  return ajv.compile(read('manifest.schema.json'));
}

interface Manifest {
  features: {
    shortcuts?: { callback_id: string; type: string }[];
    unfurl_domains?: string[];
    slash_commands: { command: string; url?: string }[];
    app_home: { home_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  functions?: Record<string, unknown>;
  settings: {
    org_deploy_enabled?: boolean;
    function_runtime?: string;
    socket_mode_enabled: boolean;
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    event_subscriptions: { bot_events: string[]; request_url?: string };
  };
}
const load = (file: string) => parse(readFileSync(join(import.meta.dirname, '..', '..', file), 'utf8')) as Manifest;
const socketManifest = load('manifest.yml');
const httpManifest = load('manifest.http.yml');

/** Every request URL a manifest gives Slack, by what Slack sends there. */
function requestUrls(m: Manifest): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(m.features.slash_commands.map((c) => [`command ${c.command}`, c.url])),
    interactivity: m.settings.interactivity.request_url,
    'options load': m.settings.interactivity.message_menu_options_url,
    events: m.settings.event_subscriptions.request_url,
  };
}

describe.each([
  ['manifest.yml', socketManifest],
  ['manifest.http.yml', httpManifest],
])('%s', (_file, manifest) => {
  it('validates against Slack’s published manifest schema', () => {
    const validate = validator();
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('declares /dms and /cts, interactivity and the scopes the bot uses', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(['/cts', '/dms']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'chat:write',
      'commands',
      'links:read',
      'links:write',
      'usergroups:read',
      'users:read',
      'users:read.email',
    ]);
  });

  it('declares the shortcuts the bot listens for: two on messages, one in the lightning menu', () => {
    expect(manifest.features.shortcuts?.map((c) => [c.callback_id, c.type])).toEqual([
      [ShortcutIds.exportFromMessage, 'message'],
      [ShortcutIds.changeFromMessage, 'message'],
      [ShortcutIds.fileTicket, 'global'],
    ]);
  });

  it('declares the Workflow Builder steps exactly as handlers/functions/steps.ts reads them, org-ready and run by this bot', () => {
    const param = (p: { name: string; type: string; title: string; required: boolean }) => [
      p.name,
      { type: p.type, title: p.title, is_required: p.required },
    ];
    expect(manifest.functions).toEqual(
      Object.fromEntries(
        Object.values(STEPS).map((st) => [
          st.callbackId,
          {
            title: st.title,
            description: st.description,
            input_parameters: Object.fromEntries(st.inputs.map(param)),
            output_parameters: Object.fromEntries(STEP_OUTPUTS.map(param)),
          },
        ]),
      ),
    );
    expect(manifest.settings.org_deploy_enabled).toBe(true);
    expect(manifest.settings.function_runtime).toBe('remote');
  });

  it('unfurls links on the host of the default DMS_CONSOLE_URL (link_shared is only sent for these domains)', () => {
    expect(manifest.features.unfurl_domains).toEqual([
      readConfig({ SLACK_BOT_TOKEN: 'x', SLACK_APP_TOKEN: 'xapp-1' }).DMS_CONSOLE_URL.hostname,
    ]);
  });

  it('enables the Home tab and subscribes to app_home_opened, which the bot listens for', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'app_home_opened',
      'link_shared',
      'function_executed',
    ]);
  });
});

describe('the two manifests', () => {
  it('the same validator rejects the upstream invalid example (the check has teeth)', () => {
    const validate = validator();
    expect(validate(read('tests/manifests/v1/manifest.invalid.json'))).toBe(false);
    expect(validate(read('tests/manifests/v1/manifest.valid.json'))).toBe(true);
  });

  it('the schema refuses an HTTP manifest whose options load URL is not a URL', () => {
    const broken = structuredClone(httpManifest);
    broken.settings.interactivity.message_menu_options_url = 'chatops.example.com/slack/events';
    expect(validator()(broken)).toBe(false);
  });

  it('Socket Mode: socket mode on and no request URL at all (the comment promises none)', () => {
    expect(socketManifest.settings.socket_mode_enabled).toBe(true);
    expect(Object.values(requestUrls(socketManifest)).filter(Boolean)).toEqual([]);
  });

  it('HTTP mode: socket mode off and every request URL set, on the placeholder host and the one path the bot serves', () => {
    expect(httpManifest.settings.socket_mode_enabled).toBe(false);
    const urls = requestUrls(httpManifest);
    expect(Object.keys(urls).sort()).toEqual([
      'command /cts',
      'command /dms',
      'events',
      'interactivity',
      'options load',
    ]);
    for (const [what, url] of Object.entries(urls)) {
      expect(url, what).toBeDefined();
      expect(new URL(url!).origin, what).toBe('https://chatops.example.com');
      expect(new URL(url!).pathname, what).toBe('/slack/events');
    }
  });

  it('apart from the URLs and socket mode, the HTTP manifest is the Socket Mode one (they cannot drift apart)', () => {
    const strip = (m: Manifest): Manifest => {
      const c = structuredClone(m);
      for (const cmd of c.features.slash_commands) delete cmd.url;
      delete c.settings.interactivity.request_url;
      delete c.settings.interactivity.message_menu_options_url;
      delete c.settings.event_subscriptions.request_url;
      c.settings.socket_mode_enabled = true;
      return c;
    };
    expect(strip(httpManifest)).toEqual(socketManifest);
  });
});

describe('HTTP mode from manifest.http.yml: each URL reaches the handler Slack sends it for', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
  });
  afterEach(async () => {
    await h.close();
  });

  /** POSTs a signed request to the path of one of the manifest's URLs on the running app. */
  const postTo = (url: string, body: string, contentType = 'application/x-www-form-urlencoded') => {
    const ts = Math.floor(Date.now() / 1000);
    const path = new URL(url).pathname;
    return fetch(`http://127.0.0.1:${h.port}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body),
      },
      body,
    });
  };
  const urls = requestUrls(httpManifest);

  it('the options load URL answers the database picker with DMS databases (block_suggestion)', async () => {
    const body = new URLSearchParams({
      payload: JSON.stringify(blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, 'orders')),
    }).toString();
    const res = await postTo(urls['options load']!, body);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { options: { text: { text: string }; value: string }[] };
    // The picker's own option values (db:<id>:<kind>) for the three seeded databases.
    expect(answer.options.map((o) => /^db:(\d+):/.exec(o.value)?.[1])).toEqual(['1001', '1002', '2001']);
    expect(h.dms.calls('SearchDatabase')[0]!.query['SearchKey']).toBe('orders');
  });

  it('the slash command URLs open the modal, and the interactivity URL takes its submission', async () => {
    const fields = slashCommand('export', {
      channel: 'C0EXPORTS',
      user: 'U0ALICE',
      triggerId: 'trigger-http',
      responseUrl: h.slack.responseUrl,
    });
    expect((await postTo(urls['command /dms']!, new URLSearchParams(fields).toString())).status).toBe(200);
    const opened = await h.slack.waitFor('views.open', (c) => c.args['trigger_id'] === 'trigger-http');
    const view = opened.response!['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(ExportIds.modal);

    const res = await postTo(
      urls['interactivity']!,
      new URLSearchParams({ payload: JSON.stringify(viewSubmission(view, exportValues())) }).toString(),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { response_action?: string }).response_action).toBe('update');
  });

  it('the events URL answers Slack’s url_verification challenge and delivers app_home_opened (Home tab published)', async () => {
    const challenge = await postTo(
      urls['events']!,
      JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' }),
      'application/json',
    );
    expect(challenge.status).toBe(200);
    expect(await challenge.text()).toContain('c-123');

    const event = JSON.stringify({
      token: 't',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: 'EvHTTP1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_home_opened',
        user: 'U0ALICE',
        channel: 'D0ALICE',
        tab: 'home',
        event_ts: '1700000000.000100',
      },
    });
    expect((await postTo(urls['events']!, event, 'application/json')).status).toBe(200);
    const published = await h.slack.waitFor('views.publish', (c) => c.args['user_id'] === 'U0ALICE');
    expect((published.args['view'] as { type: string }).type).toBe('home');
  });
});
