/** Renders Slack Block Kit JSON (messages, modals, Home) as plain text a person could read in a terminal. */

type Json = Record<string, unknown>;

/** mrkdwn as a reader sees it: entities decoded, mentions and dates shown by their fallback, emphasis kept. */
export function readable(mrkdwn: string, names: ReadonlyMap<string, string> = new Map()): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<#([CGD][A-Z0-9]+)(\|[^>]*)?>/g, (_, id: string) => `#${names.get(id) ?? id}`)
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, (_, fallback: string) =>
      fallback.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    )
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m)
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/(^|\s)_([^_\n]+)_(?=\s|$)/gm, '$1$2')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const EMOJI: Record<string, string> = {
  hourglass_flowing_sand: '⏳',
  white_check_mark: '✅',
  x: '❌',
  inbox_tray: '📥',
  eyes: '👀',
  unlock: '🔓',
  clock3: '🕒',
  gear: '⚙️',
  tada: '🎉',
  outbox_tray: '📤',
  no_entry: '⛔',
  lock: '🔒',
  mag: '🔍',
  page_facing_up: '📄',
  arrow_down: '⬇️',
  thread: '🧵',
  test_tube: '🧪',
  ballot_box_with_check: '☑️',
  package: '📦',
  warning: '⚠️',
  information_source: 'ℹ️',
  grey_question: '❔',
  black_square_for_stop: '⏹',
  arrows_counterclockwise: '🔄',
  no_entry_sign: '🚫',
};

function textOf(t: unknown, names: ReadonlyMap<string, string>): string {
  const o = t as { type?: string; text?: string } | undefined;
  if (!o?.text) return '';
  return o.type === 'mrkdwn' ? readable(o.text, names) : o.text;
}

function element(e: Json, names: ReadonlyMap<string, string>): string {
  switch (e['type']) {
    case 'button':
      return `[ ${textOf(e['text'], names)} ]`;
    case 'plain_text_input':
      return `[ ${String((e['initial_value'] as string | undefined) ?? textOf(e['placeholder'], names) ?? '')} ______ ]`;
    case 'static_select':
    case 'external_select':
    case 'multi_external_select':
    case 'multi_static_select':
      return `[ ${textOf((e['initial_option'] as Json | undefined)?.['text'], names) || textOf(e['placeholder'], names) || 'choose…'} ▾ ]`;
    case 'multi_users_select':
      return '[ people… ▾ ]';
    case 'datetimepicker':
      return '[ date and time 📅 ]';
    case 'number_input':
      return '[ 123 ]';
    case 'checkboxes':
    case 'radio_buttons':
      return ((e['options'] as Json[] | undefined) ?? []).map((o) => `( ) ${textOf(o['text'], names)}`).join('   ');
    default:
      return `[${String(e['type'])}]`;
  }
}

/** One line per visible piece of the blocks, indented by `indent`. */
export function renderBlocks(blocks: unknown, names: ReadonlyMap<string, string> = new Map(), indent = '  '): string[] {
  const out: string[] = [];
  const push = (s: string) => out.push(...s.split('\n').map((l) => indent + l));
  for (const b of (Array.isArray(blocks) ? blocks : []) as Json[]) {
    switch (b['type']) {
      case 'header':
        push(`■ ${textOf(b['text'], names)}`);
        break;
      case 'section': {
        if (b['text']) push(textOf(b['text'], names));
        const fields = (b['fields'] as unknown[] | undefined) ?? [];
        for (const f of fields) push(textOf(f, names).replace('\n', ': '));
        if (b['accessory']) push(element(b['accessory'] as Json, names));
        break;
      }
      case 'context':
        push(((b['elements'] as unknown[]) ?? []).map((e) => textOf(e, names)).join(' · '));
        break;
      case 'actions':
        push(((b['elements'] as Json[]) ?? []).map((e) => element(e, names)).join(' '));
        break;
      case 'input':
        push(
          `${textOf(b['label'], names)}${b['optional'] ? ' (optional)' : ''}: ${element(b['element'] as Json, names)}`,
        );
        break;
      case 'divider':
        push('────────');
        break;
      default:
        break;
    }
  }
  return out;
}
