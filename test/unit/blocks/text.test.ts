import { describe, expect, it } from 'vitest';
import { codeBlock, escapeMrkdwn, mention, sanitize, TRUNCATED_MARKER, truncate } from '../../../blocks/kit/text.js';
import { buildRootMessage, userField } from '../../../blocks/tickets/root.js';
import { exportStatusInfo } from '../../../src/dms/statuses.js';

describe('mrkdwn safety', () => {
  it('escapes the three characters Slack treats as markup', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> <http://x|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;',
    );
  });

  it('drops bidi overrides and control characters but keeps newlines, tabs and emoji', () => {
    expect(sanitize('a\u202Eb\u2066c\u0007d\n\te🙂')).toBe('abcd\n\te🙂');
  });

  it('mentions only real Slack user ids', () => {
    expect(mention('U0ALICE')).toBe('<@U0ALICE>');
    expect(mention('<!here>')).toBe('&lt;!here&gt;');
  });

  it('cuts text with an explicit marker, never inside an entity or a surrogate pair', () => {
    expect(truncate('abc', 10)).toBe('abc');
    const cut = truncate('x'.repeat(20), 15);
    expect(cut).toHaveLength(15);
    expect(cut.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(truncate(escapeMrkdwn('&'.repeat(10)), 20)).toMatch(/^(&amp;)+… \(truncated\)$/);
    expect(truncate('🙂'.repeat(10), 16)).not.toMatch(/[\uD800-\uDBFF]… /);
  });

  it('keeps any text inside one code block of bounded size', () => {
    for (const sql of ['```', '`', 'a`', '`a', '````x````', '&'.repeat(100_000), '`'.repeat(5000)]) {
      const block = codeBlock(sql, 2800);
      expect(block.length).toBeLessThanOrEqual(2800);
      expect(block.match(/```/g)).toHaveLength(2);
      expect(block.startsWith('```') && block.endsWith('```')).toBe(true);
    }
  });
});

describe('root message limits', () => {
  it('stays within Block Kit limits for any input size', () => {
    const huge = '<!channel>&'.repeat(50_000);
    const m = buildRootMessage({
      title: `Data export · DMS ticket ${huge}`,
      summary: 'Data export ticket 1',
      requesterSlackId: 'U0ALICE',
      statusInfo: exportStatusInfo('DOING_EXPORT'),
      fields: Array.from({ length: 12 }, (_, i) => [`F${i}`, userField(huge)] as [string, string]),
      code: [
        ['SQL', huge],
        ['Rollback SQL', huge],
      ],
      note: huge,
      updatedAt: Date.UTC(2026, 0, 1),
    });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    const json = JSON.stringify(m.blocks);
    // mrkdwn is where Slack parses mentions and links (the header is plain text).
    expect(JSON.stringify(m.blocks.filter((b) => b.type !== 'header'))).not.toContain('<!channel>');
    expect(json.length).toBeLessThan(13_000);
    for (const b of m.blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[]) {
      if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
      if (b.text && b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
      if (b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(10);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
  });
});
