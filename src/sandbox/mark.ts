import type { FetchFunction } from '@slack/web-api';
import { SANDBOX_NOTE } from './index.js';

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'chat.scheduleMessage']);
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);
const banner = { type: 'context', elements: [{ type: 'mrkdwn', text: SANDBOX_NOTE }] };

/**
 * Wraps the Slack client's fetch so that everything the bot shows in sandbox mode says so: messages get a
 * "[sandbox]" prefix and a banner block first, modals and the Home tab a banner block first.
 */
export function sandboxFetch(inner: FetchFunction): FetchFunction {
  return (url, init) => {
    const method = new URL(String(url)).pathname.split('/').pop() ?? '';
    if (!init || typeof init.body !== 'string' || (!MESSAGE_METHODS.has(method) && !VIEW_METHODS.has(method)))
      return inner(url, init);
    const form = new URLSearchParams(init.body);
    if (MESSAGE_METHODS.has(method)) {
      const text = form.get('text');
      form.set('text', `[sandbox] ${text ?? ''}`);
      const blocks = parse(form.get('blocks'));
      if (Array.isArray(blocks)) form.set('blocks', JSON.stringify([banner, ...blocks].slice(0, 50)));
      else
        form.set(
          'blocks',
          JSON.stringify([
            banner,
            { type: 'section', text: { type: 'mrkdwn', text: (text ?? '').slice(0, 3000) || ' ' } },
          ]),
        );
    } else {
      const view = parse(form.get('view')) as { blocks?: unknown[] } | undefined;
      if (view && Array.isArray(view.blocks))
        form.set('view', JSON.stringify({ ...view, blocks: [banner, ...view.blocks].slice(0, 100) }));
    }
    return inner(url, { ...init, body: form.toString() });
  };
}

function parse(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
