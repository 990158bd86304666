import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readExactText } from '../../../src/core/text-input.js';
import { FORM_SQL_MAX, sqlFromMessage } from '../../../src/slack/message-sql.js';

/** How Slack escapes a message's text. */
const slackEscaped = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('sqlFromMessage', () => {
  it('takes the first fenced block of the text, unescaped', () => {
    expect(sqlFromMessage({ text: 'a ```SELECT 1 &lt; 2``` b ```SELECT 3```' })).toEqual({ sql: 'SELECT 1 < 2' });
  });

  it('prefers the rich-text code block, and reads only its characters', () => {
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_preformatted',
            elements: [
              { type: 'text', text: 'SELECT * FROM t WHERE x = ' },
              { type: 'user', user_id: 'U1' },
              { type: 'text', text: '1' },
            ],
          },
        ],
      },
    ];
    expect(sqlFromMessage({ text: '```other```', blocks })).toEqual({ sql: 'SELECT * FROM t WHERE x = 1' });
  });

  it('says why the field stays empty: no block, an empty one, too long, a control character', () => {
    expect(sqlFromMessage({ text: 'no code' })).toMatchObject({ note: expect.stringContaining('no code block') });
    expect(sqlFromMessage({ text: '``` ```' })).toMatchObject({ note: expect.stringContaining('empty') });
    expect(sqlFromMessage({ text: `\`\`\`${'x'.repeat(FORM_SQL_MAX + 1)}\`\`\`` })).toMatchObject({
      note: expect.stringContaining('more than'),
    });
    expect(sqlFromMessage({ text: '```SELECT\u00071```' })).toMatchObject({ note: expect.stringContaining('U+0007') });
    expect(sqlFromMessage(undefined)).toMatchObject({ note: expect.any(String) });
    expect(sqlFromMessage({ text: 42, blocks: 'x' })).toMatchObject({ note: expect.any(String) });
  });

  it('whatever was typed, the form gets exactly what the SQL edge check makes of it, or nothing (seeded property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (typed) => {
        fc.pre(!typed.includes('`'));
        const found = sqlFromMessage({ text: `please run \`\`\`${slackEscaped(typed)}\`\`\` thanks` });
        const edge = readExactText(typed);
        if (edge.ok && edge.text !== '') expect(found).toEqual({ sql: edge.text });
        else expect(found.sql).toBeUndefined();
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
