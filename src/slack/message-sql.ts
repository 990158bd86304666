import { readExactText } from '../core/text-input.js';

/** What a message shortcut found to fill the form's SQL with: the SQL, or why the field stays empty. */
export type MessageSql = { sql: string } | { sql?: undefined; note: string };

/** The longest SQL the export and change forms take (their inputs' max_length). */
export const FORM_SQL_MAX = 3000;

/** A message as the shortcut payload carries it: its text, and its blocks when Slack sends them. */
export interface ShortcutMessage {
  text?: unknown;
  blocks?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of the first `rich_text_preformatted` element in a message's blocks (what Slack shows as a code block). */
function preformattedOf(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks.slice(0, 50)) {
    if (!isRecord(block) || block['type'] !== 'rich_text' || !Array.isArray(block['elements'])) continue;
    for (const el of block['elements'].slice(0, 100)) {
      if (!isRecord(el) || el['type'] !== 'rich_text_preformatted' || !Array.isArray(el['elements'])) continue;
      // Only the characters: text runs and links as their text; mentions and emoji are not SQL.
      return el['elements']
        .slice(0, 1000)
        .map((x) =>
          isRecord(x) && typeof x['text'] === 'string'
            ? x['text']
            : isRecord(x) && typeof x['url'] === 'string'
              ? x['url']
              : '',
        )
        .join('');
    }
  }
  return undefined;
}

/** Slack's message text escapes `&`, `<` and `>`; a code block's text is read back as the person typed it. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The first ```fenced``` block of a message's text. */
function fencedOf(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /```([\s\S]*?)```/.exec(text.slice(0, 40_000));
  return m ? unescapeSlack(m[1]!) : undefined;
}

/**
 * The SQL a message shortcut puts in a form: the message's first code block (from its rich-text blocks, else its
 * text's first ``` fence), through the one edge check for SQL (src/core/text-input.ts readExactText). Nothing is
 * filed from it: the person sees it in the form, and the submission runs the SQL review as for typed SQL.
 */
export function sqlFromMessage(message: ShortcutMessage | undefined): MessageSql {
  const raw = preformattedOf(message?.blocks) ?? fencedOf(message?.text);
  if (raw === undefined)
    return { note: 'The message has no code block, so the SQL field is empty: paste the statement there.' };
  const read = readExactText(raw);
  if (!read.ok) return { note: `The message's code block was not filled in. ${read.error}` };
  if (read.text === '') return { note: "The message's code block is empty: type the statement in the SQL field." };
  if (read.text.length > FORM_SQL_MAX)
    return {
      note: `The message's code block has ${read.text.length} characters, more than the form's ${FORM_SQL_MAX}: it was not filled in.`,
    };
  return { sql: read.text };
}
