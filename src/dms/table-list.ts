import { sanitize } from '../../blocks/kit/text.js';
/**
 * Table names typed by a person into a modal, checked before they reach DMS.
 *
 * Rules follow MySQL identifiers: letters, digits, _ and $, at most 64 characters. "Letters"
 * includes non-ASCII letters such as 订单, because MySQL accepts any Basic Multilingual Plane
 * character and Chinese table names are common on Alibaba Cloud; emoji and characters beyond
 * U+FFFF are refused, as MySQL refuses them. Backticks are accepted and stripped, and they are
 * the escape hatch for names MySQL also only takes quoted (all digits, keywords).
 */

/** Valid, de-duplicated table names (without backticks) and one sentence per problem. */
export interface TableListResult {
  tables: string[];
  errors: string[];
}

const DEFAULT_MAX = 50;
const MAX_NAME_LENGTH = 64;
const SHOWN_ENTRY_LENGTH = 40;
// A backtick-quoted run may hold separators, so "`my table`" is judged as one entry, not two halves.
const ENTRY = /(?:`[^`]*`?|[^\s,`])+/gu;
const NAME_CHARS = /^[\p{L}\p{M}\p{Nd}_$]+$/u;
// Statement and clause words: seeing one almost always means SQL was pasted, not a table list.
const SQL_WORDS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'DROP',
  'ALTER',
  'CREATE',
  'TRUNCATE',
  'RENAME',
  'TABLE',
  'FROM',
  'WHERE',
  'INTO',
  'VALUES',
  'SET',
  'JOIN',
  'AND',
  'OR',
  'NOT',
]);

function shown(raw: string): string {
  // Echoed into a modal error: no invisible or direction-changing characters.
  const entry = sanitize(raw);
  const chars = [...entry];
  const text = chars.length > SHOWN_ENTRY_LENGTH ? `${chars.slice(0, SHOWN_ENTRY_LENGTH - 1).join('')}…` : entry;
  return `“${text}”`;
}

/** Returns the name without backticks, or why the entry is not a table name. */
function checkEntry(entry: string): { name: string } | { problem: string } {
  const quoted = entry.startsWith('`');
  const name = quoted ? entry.slice(1, -1) : entry;
  // Checked before backticks so `shop`.`orders` gets the message that actually helps.
  if (entry.includes('.')) {
    return {
      problem: 'a dot is not allowed. Enter the table name without its database; the database is chosen separately.',
    };
  }
  if ((quoted && (entry.length < 2 || !entry.endsWith('`'))) || name.includes('`')) {
    return { problem: 'its backticks must enclose the whole name, once.' };
  }
  if (name === '') return { problem: 'the name is empty.' };
  const chars = [...name];
  if (!NAME_CHARS.test(name) || chars.some((c) => (c.codePointAt(0) ?? 0) > 0xffff)) {
    return { problem: 'only letters, digits, _ and $ are allowed.' };
  }
  if (chars.length > MAX_NAME_LENGTH) {
    return { problem: `a name can have at most ${MAX_NAME_LENGTH} characters; this one has ${chars.length}.` };
  }
  if (!quoted && /^\p{Nd}+$/u.test(name)) {
    return { problem: `a name made only of digits must be written in backticks, like \`${name}\`.` };
  }
  if (!quoted && SQL_WORDS.has(name.toUpperCase())) {
    return { problem: `it is an SQL keyword. If a table really has this name, write it in backticks: \`${name}\`.` };
  }
  return { name };
}

/** Split on commas, whitespace and newlines; trim; drop empties; de-duplicate case-insensitively keeping first spelling; validate each as a table identifier. */
export function parseTableList(input: string, opts?: { max?: number }): TableListResult {
  const max = opts?.max ?? DEFAULT_MAX;
  const entries = input.match(ENTRY) ?? [];
  if (entries.length === 0) return { tables: [], errors: ['Enter at least one table name.'] };

  const tables: string[] = [];
  const errors: string[] = [];
  const seenNames = new Set<string>();
  const seenBadEntries = new Set<string>();
  for (const entry of entries) {
    const checked = checkEntry(entry);
    if ('problem' in checked) {
      if (!seenBadEntries.has(entry)) errors.push(`${shown(entry)} is not a valid table name: ${checked.problem}`);
      seenBadEntries.add(entry);
      continue;
    }
    const key = checked.name.toLowerCase();
    if (!seenNames.has(key)) tables.push(checked.name);
    seenNames.add(key);
  }
  if (tables.length > max) {
    errors.push(`You entered ${tables.length} tables; at most ${max} are allowed.`);
  }
  return { tables, errors };
}
