/**
 * Shows a person what a lock-free change ticket will run before it is submitted.
 *
 * This is a tokenizer-level scan, not a parser: it only needs to find statement boundaries,
 * each statement's leading keyword and whether a WHERE sits at the statement's top level.
 * When the scan has to guess, it guesses towards showing more statements and more warnings,
 * because a false alarm costs a glance while a hidden DELETE costs a table.
 */

/** What a statement does, judged by its leading keyword. */
export type StatementKind = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE' | 'DDL' | 'OTHER';

/** One non-empty statement of the submitted SQL. */
export interface StatementInfo {
  /** 1-based position among the non-empty statements, as used in warnings ("Statement 2"). */
  index: number;
  kind: StatementKind;
  /** The upper-cased leading keyword (after any WITH clause), or '' when the statement starts with no word. */
  keyword: string;
  /** True when a WHERE keyword appears at the statement's top nesting level. */
  hasWhere: boolean;
  /** The statement from its first to its last token, for display; inner comments are kept. */
  text: string;
}

/** The result of {@link inspectSql}. */
export interface SqlInspection {
  statements: StatementInfo[];
  counts: Partial<Record<StatementKind, number>>;
  /** Sentences written for the person filing the ticket. */
  warnings: string[];
  /** Set when the input ends inside a quote or comment, e.g. "an unclosed string literal starting on line 3". */
  unterminated?: string;
}

type TokenKind = 'word' | 'quoted' | 'punct' | 'hint';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
}

interface LexResult {
  tokens: Token[];
  unterminated?: string;
}

const KIND_ORDER: readonly StatementKind[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'DDL', 'OTHER'];
const DDL_KEYWORDS = new Set(['CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'RENAME']);
const DATA_CHANGING = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'MERGE']);
const WORD_CHAR = /[\p{L}\p{M}\p{N}_$]/u;
// PostgreSQL dollar-quote opener: $$ or $tag$ where the tag cannot start with a digit ($1 is a parameter).
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

function lineOf(sql: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (sql[i] === '\n') line++;
  return line;
}

function dollarTagAt(sql: string, offset: number): string | undefined {
  DOLLAR_TAG.lastIndex = offset;
  return DOLLAR_TAG.exec(sql)?.[0];
}

/** Returns the offset just past the closing quote, or -1 when the quote never closes. */
function closeQuote(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return -1;
}

function lex(sql: string): LexResult {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: sql.slice(start, end), start });
  };
  const unclosed = (what: string, start: number): LexResult => ({
    tokens,
    unterminated: `an unclosed ${what} starting on line ${lineOf(sql, start)}`,
  });
  const QUOTE_NAMES: Record<string, string> = {
    "'": 'string literal',
    '"': 'double-quoted string or identifier',
    '`': 'backtick-quoted identifier',
  };

  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    const tag = c === '$' ? dollarTagAt(sql, i) : undefined;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && next === '-' && /^[\s\x00-\x1f]?$/.test(sql[i + 2] ?? ''))) {
      // MySQL only treats "--" as a comment when whitespace follows; "a--1" is arithmetic, and
      // reading it as a comment could hide the statements after it.
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      // Not nested (MySQL rule): ending at the first "*/" exposes more text to inspection, not less.
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return unclosed('/* comment', i);
      if (sql[i + 2] === '!') push('hint', i, close + 2);
      i = close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = closeQuote(sql, i, c, c !== '`');
      if (end < 0) {
        push('quoted', i, sql.length);
        return unclosed(QUOTE_NAMES[c] ?? 'quote', i);
      }
      push('quoted', i, end);
      i = end;
    } else if (tag !== undefined) {
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) {
        push('quoted', i, sql.length);
        return unclosed(`dollar-quoted string (${tag})`, i);
      }
      push('quoted', i, close + tag.length);
      i = close + tag.length;
    } else if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_CHAR.test(sql[j] ?? '')) j++;
      push('word', i, j);
      i = j;
    } else {
      push('punct', i, i + 1);
      i++;
    }
  }
  return { tokens };
}

const isWord = (t: Token | undefined, upper?: string): boolean =>
  t?.kind === 'word' && (upper === undefined || t.text.toUpperCase() === upper);
const isPunct = (t: Token | undefined, text: string): boolean => t?.kind === 'punct' && t.text === text;

/** Finds the statement that follows `WITH name AS (...) [, ...]`: the first word after a top-level ")" that is not AS. */
function afterWithClause(tokens: Token[], from: number): { main?: number; writes: string[] } {
  const writes: string[] = [];
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) {
      depth++;
      const inner = tokens[j + 1];
      // PostgreSQL lets a CTE change data: WITH d AS (DELETE FROM t RETURNING *) SELECT ...
      if (inner && isWord(inner) && DATA_CHANGING.has(inner.text.toUpperCase())) writes.push(inner.text.toUpperCase());
    } else if (isPunct(t, ')')) {
      depth--;
      const following = tokens[j + 1];
      if (depth === 0 && isWord(following) && !isWord(following, 'AS')) return { main: j + 1, writes };
    }
  }
  return { writes };
}

function kindOf(keyword: string): StatementKind {
  if (DDL_KEYWORDS.has(keyword)) return 'DDL';
  if (keyword === 'SELECT' || keyword === 'INSERT' || keyword === 'UPDATE' || keyword === 'DELETE' || keyword === 'REPLACE') {
    return keyword;
  }
  return 'OTHER';
}

function inspectStatement(sql: string, tokens: Token[], index: number): { info: StatementInfo; warnings: string[] } {
  const warnings: string[] = [];
  let mainAt = 0;
  while (isPunct(tokens[mainAt], '(')) mainAt++;
  // "(SELECT ...) UNION (...)": the statement's own level is inside the leading parentheses.
  const topDepth = mainAt;
  let keyword = isWord(tokens[mainAt]) ? (tokens[mainAt]?.text.toUpperCase() ?? '') : '';

  if (keyword === 'WITH') {
    const found = afterWithClause(tokens, mainAt + 1);
    if (found.main !== undefined) {
      mainAt = found.main;
      keyword = tokens[mainAt]?.text.toUpperCase() ?? '';
    }
    for (const w of new Set(found.writes)) {
      warnings.push(`Statement ${index} (${keyword}) changes data inside its WITH clause (${w}); check that part by hand.`);
    }
  }

  let depth = topDepth;
  let hasWhere = false;
  let hasLimit = false;
  for (let j = mainAt; j < tokens.length; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === topDepth && isWord(t, 'WHERE')) hasWhere = true;
    else if (depth === topDepth && isWord(t, 'LIMIT')) hasLimit = true;
  }

  const kind = kindOf(keyword);
  if ((kind === 'UPDATE' || kind === 'DELETE') && !hasWhere) {
    const effect = hasLimit ? 'it affects arbitrary rows, up to its LIMIT' : 'it affects every row of the table';
    warnings.push(`Statement ${index} (${keyword}) has no WHERE clause: ${effect}.`);
  }
  if (keyword === 'TRUNCATE') {
    warnings.push(`Statement ${index} (TRUNCATE) removes every row of the table.`);
  }
  if (keyword === 'DROP') {
    let k = mainAt + 1;
    if (isWord(tokens[k], 'TEMPORARY')) k++;
    const object = tokens[k]?.text.toUpperCase() ?? '';
    if (object === 'TABLE' || object === 'DATABASE' || object === 'SCHEMA') {
      warnings.push(`Statement ${index} (DROP ${object}) removes the ${object.toLowerCase()} and all its data.`);
    }
  }

  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  const text = first && last ? sql.slice(first.start, last.start + last.text.length).trim() : '';
  return { info: { index, kind, keyword, hasWhere, text }, warnings };
}

/** Splits SQL into statements and flags the ones that change more rows than a person may expect. */
export function inspectSql(sql: string): SqlInspection {
  const { tokens, unterminated } = lex(sql);
  const statements: StatementInfo[] = [];
  const warnings: string[] = [];
  const counts: Partial<Record<StatementKind, number>> = {};
  const hintLines: number[] = [];

  let current: Token[] = [];
  const finish = (): void => {
    if (current.length === 0) return;
    const { info, warnings: found } = inspectStatement(sql, current, statements.length + 1);
    statements.push(info);
    warnings.push(...found);
    counts[info.kind] = (counts[info.kind] ?? 0) + 1;
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === 'hint') hintLines.push(lineOf(sql, t.start));
    else if (isPunct(t, ';')) finish();
    else current.push(t);
  }
  finish();

  if (hintLines.length > 0) {
    // MySQL executes the body of /*! ... */, so skipping it as a comment must not go unmentioned.
    const lines = [...new Set(hintLines)];
    warnings.push(
      lines.length === 1
        ? `MySQL runs the content of the /*! ... */ comment on line ${lines[0]}, but it was not inspected; check it by hand.`
        : `MySQL runs the content of the /*! ... */ comments on lines ${lines.join(', ')}, but they were not inspected; check them by hand.`,
    );
  }

  return unterminated === undefined ? { statements, counts, warnings } : { statements, counts, warnings, unterminated };
}

/** One-line human summary, e.g. "3 statements: 2 UPDATE, 1 DDL". */
export function summarizeInspection(i: SqlInspection): string {
  const n = i.statements.length;
  if (n === 0) return 'No SQL statements';
  const parts = KIND_ORDER.filter((k) => (i.counts[k] ?? 0) > 0).map((k) => `${i.counts[k]} ${k}`);
  return `${n} ${n === 1 ? 'statement' : 'statements'}: ${parts.join(', ')}`;
}
