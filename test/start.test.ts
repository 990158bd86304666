import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportIds } from '../blocks/ids.js';
import { DmsEmulator } from './support/dms-emulator.js';
import { FakeSlack } from './support/fake-slack.js';
import { blockSuggestion, slackSignature } from './support/harness.js';

const root = join(import.meta.dirname, '..');
const SECRET = 'start-test-signing-secret';

/** Starts `node dist/src/main.js` (what `npm start` runs) and resolves with the port once it logs "bot started". */
function startBot(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; port: Promise<number>; stderr: string[] } {
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env } });
  const stderr: string[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'bot started' && entry.port) resolve(entry.port);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr.join('')}`)));
  });
  return { child, port, stderr };
}

describe('npm start (compiled, plain Node)', () => {
  let slack: FakeSlack;
  let dms: DmsEmulator;
  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root });
    slack = await FakeSlack.start();
    dms = await DmsEmulator.start();
    dms.addDatabase({ DatabaseId: '1001', SearchName: 'orders_prod', EnvType: 'product', DbType: 'mysql' });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([slack.close(), dms.close()]);
  });

  it('serves /healthz and Slack requests, calls DMS with the default credential chain, and exits 0 on SIGTERM', async () => {
    const bot = startBot({
      SLACK_BOT_TOKEN: 'xoxb-start-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
      DMS_ENDPOINT: dms.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: dms.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: dms.accessKeySecret,
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'start-')), 'bot.db')}`,
    });
    const port = await bot.port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // Bolt checks the token; the bot then asks once more for its workspace (and bots.info for its app id).
    expect(slack.callsTo('auth.test')).toHaveLength(2);
    expect(slack.callsTo('bots.info')).toHaveLength(1);

    const body = new URLSearchParams({ payload: JSON.stringify(blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, 'orders')) }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
      body,
    });
    const options = (await res.json()) as { options: { value: string }[] };
    expect(options.options[0]!.value).toBe('db:1001:P');
    expect(dms.calls('SearchDatabase')[0]!.signature).toBe('valid');

    // Poisoned, validly signed bodies (they killed the process before): 4xx, and the bot keeps serving.
    const poisons: [string, string][] = [
      [new URLSearchParams({ payload: 'null' }).toString(), 'application/x-www-form-urlencoded'],
      ['null', 'application/json'],
      [new URLSearchParams({ payload: JSON.stringify({ ...blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, 'x'), user: null }) }).toString(), 'application/x-www-form-urlencoded'],
    ];
    for (const [poison, contentType] of poisons) {
      const t = Math.floor(Date.now() / 1000);
      const r = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(t), 'x-slack-signature': slackSignature(SECRET, t, poison) },
        body: poison,
      });
      expect(r.status).toBe(400);
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(bot.child.exitCode).toBeNull();

    const exited = new Promise<number | null>((resolve) => bot.child.on('exit', resolve));
    bot.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('logs (redacted) an unhandled rejection or uncaught exception and keeps running', async () => {
    // The compiled process guard main.ts installs, in a plain Node process: Node's default would exit on the first.
    const script = [
      "import { installProcessGuards } from './dist/src/process-guards.js';",
      "import { createLogger } from './dist/src/logger.js';",
      "installProcessGuards(createLogger('info'));",
      "Promise.reject(new Error('lost xoxb-1-SECRET-token at https://bucket.example/x.csv?Expires=1&Signature=SECRETSIG'));",
      "setTimeout(() => { throw new Error('thrown xapp-1-SECRET'); }, 20);",
      "setTimeout(() => console.log(JSON.stringify({ msg: 'still serving' })), 100);",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { PATH: process.env['PATH'] ?? '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('unhandled rejection (kept serving)');
    expect(out).toContain('uncaught exception (kept serving)');
    expect(out).toContain('still serving');
    expect(out).not.toContain('SECRET');
  });

  it('refuses to start on bad configuration, naming the variable and pointing to manifest.yml', async () => {
    const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env: { PATH: process.env['PATH'] ?? '', PORT: 'not-a-port' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('SLACK_BOT_TOKEN is required');
    expect(err).toContain('PORT must be a whole number');
    expect(err).not.toContain('not-a-port');
    expect(err).toContain('manifest.yml');
    expect(err).toContain('npm run demo');
  });

  it('refuses to start without Alibaba Cloud credentials, saying what to set, unless SANDBOX=1', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const base = { SLACK_BOT_TOKEN: 'xoxb-start-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, PORT: '0', HOME: home, DATABASE_URL: `sqlite:${join(home, 'bot.db')}` };
    const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...base } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(1);
    expect(err).toContain('No Alibaba Cloud credentials found');
    expect(err).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    expect(err).toContain('SANDBOX=1');

    // Sandbox: emulated clouds in the process; start-up says so, and the database picker answers from them.
    const bot = startBot({ ...base, SANDBOX: '1' });
    const lines: string[] = [];
    createInterface({ input: bot.child.stdout }).on('line', (l) => lines.push(l));
    const port = await bot.port;
    expect(lines.some((l) => l.includes('SANDBOX MODE'))).toBe(true);
    const body = new URLSearchParams({ payload: JSON.stringify(blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, 'orders')) }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
      body,
    });
    const options = (await res.json()) as { options: { text: { text: string } }[] };
    expect(options.options.map((o) => o.text.text)).toContain('orders_dev · dev · mysql');
    const exited = new Promise<number | null>((resolve) => bot.child.on('exit', resolve));
    bot.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
