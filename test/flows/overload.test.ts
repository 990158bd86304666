import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openModal } from '../../handlers/kit/open-modal.js';
import { exportValues, openModal as openForm, seedPeople, submit } from '../support/flows.js';
import { startHarness } from '../support/harness.js';

describe('overload', () => {
  it('answers a command "busy" at once when MAX_IN_FLIGHT requests are being handled, and counts it', async () => {
    const h = await startHarness({ env: { MAX_IN_FLIGHT: '1' } });
    try {
      seedPeople(h);
      const view = await openForm(h, 'export');
      // One submission is still filing (DMS is slow), so the next command finds the bot at its limit.
      h.dms.latencyMs = (action) => (action === 'CreateOrder' ? 300 : 0);
      await submit(h, view, exportValues());
      const res = await h.command('export');
      const body = (await res.json()) as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('very busy');
      expect(h.slack.callsTo('views.open')).toHaveLength(1);
      await h.slack.waitFor('views.update', (c) => JSON.stringify(c.args['view']).includes('is filed'));
      const metrics = await (await fetch(`http://127.0.0.1:${h.port}/metrics`)).text();
      expect(metrics).toMatch(/^chatops_requests_shed_total 1$/m);
      // Once the filing is done, commands are taken again.
      await openForm(h, 'export');
    } finally {
      await h.close();
    }
  });

  it('does not try to open a form with a trigger id that is about to expire; it tells the person to run the command again', async () => {
    const calls: string[] = [];
    const said: unknown[] = [];
    const client = {
      views: {
        open: async () => {
          calls.push('views.open');
          return { ok: true, view: { id: 'V1' } };
        },
      },
    } as unknown as Parameters<typeof openModal>[0]['client'];
    const opened = await openModal(
      {
        ack: async () => undefined,
        client,
        respond: (async (m: unknown) => {
          said.push(m);
        }) as unknown as Parameters<typeof openModal>[0]['respond'],
        command: { trigger_id: 't' } as Parameters<typeof openModal>[0]['command'],
        log: pino({ level: 'silent' }),
        receivedAt: Date.now() - 2_600,
      },
      { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
    );
    expect(opened).toBeUndefined();
    expect(calls).toEqual([]);
    expect(JSON.stringify(said)).toContain('run the command again');
  });
});
