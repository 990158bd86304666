import { describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo.js';

describe('npm run demo', () => {
  it('plays export, tracking and a CTS tracker end to end against the sandbox and prints what people see', async () => {
    const lines: string[] = [];
    await runDemo((l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('alice types /dms export in #data-requests');
    expect(text).toMatch(/┌ modal: /);
    expect(text).toMatch(/Data export · DMS ticket \d+/);
    expect(text).toMatch(/↳ Data export ticket \d+: Export finished/);
    expect(text).toMatch(/alice's DM from the bot: .*download the result/);
    // The final reply says the delivery once, after the status; the finished message promises no more updates.
    expect(text).toMatch(
      /the last reply in full:\n.*\n\s+🎉 Export finished `EXPORT_SUCCESS`\n\s+🔒 Result delivered privately to @alice\.\n\s+was: Exporting/,
    );
    expect(text.match(/privately/g)).toHaveLength(1);
    // The sandbox DMS pushed the export's changes to the webhook; each was answered at once.
    const pushed =
      /DMS pushed (\d+) status changes of this ticket to the bot's webhook, signed; (\d+) answered 200/.exec(text);
    expect(Number(pushed?.[1])).toBeGreaterThan(0);
    expect(pushed?.[2]).toBe(pushed?.[1]);
    expect(text).toMatch(
      /and the ticket message, finished:[\s\S]*Database: orders_dev · dev · mysql\n[\s\S]*No more updates here; its status changes are in the thread/,
    );
    expect(text).toMatch(/↳ Data tracking ticket \d+: Tracking finished/);
    expect(text).toMatch(/CTS tracker · orders-writes/);
    // Every message shown carried the sandbox banner.
    expect(text.split('the bot posts:').length - 1).toBe(3);
    // A message shortcut: the form opens with the message's SQL, and the ticket message links back to the message.
    expect(text).toContain('alice picks More actions → DMS data export on that message');
    expect(text).toMatch(/Filled in from a message/);
    expect(text).toMatch(/the bot posts \(linked to bob's message\):[\s\S]*Filed from/);
    expect(text.match(/Sandbox: emulated DMS and CTS/g)?.length).toBeGreaterThanOrEqual(5);
    expect(text).toMatch(/Done in \d+\.\d s/);
  }, 60_000);
});
