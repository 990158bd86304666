/**
 * Dialect-aware SQL tokenizers, written from the servers' own lexical rules (MySQL's sql_lex.cc, PostgreSQL's
 * scan.l). They do not parse: they find where strings, quoted names and comments begin and end, so the review can
 * tell code from data, split MySQL statements, and cross-check the parsers. Each server setting that changes those
 * boundaries (MySQL's NO_BACKSLASH_ESCAPES and ANSI_QUOTES, PostgreSQL's standard_conforming_strings) is a lexing
 * option; the caller lexes under every setting and treats any difference as ambiguous.
 */

/** A dialect the review can parse. */
export type Dialect = 'mysql' | 'mariadb' | 'postgresql';

/** `word`: unquoted keyword, name or number; `exec`: a MySQL /*! … *\/ comment the server runs. */
export type TokenKind = 'word' | 'string' | 'ident' | 'punct' | 'comment' | 'exec';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

/** Server settings that move token boundaries. */
export interface LexSettings {
  /** MySQL: backslash escapes in strings (off with NO_BACKSLASH_ESCAPES). PostgreSQL: in '…' (standard_conforming_strings off). */
  backslash: boolean;
  /** MySQL ANSI_QUOTES: "…" is a name (no backslash escapes), not a string. */
  ansiQuotes: boolean;
}

export interface Lexed {
  tokens: Token[];
  /** Where the input ends inside a quote or comment ("an unclosed string literal starting on line 3"). */
  unterminated?: string;
  /** Offset of a character the dialect does not accept in code (MySQL: a character beyond U+FFFF outside quotes). */
  badAt?: number;
}

/** The settings a dialect's server may run with; the default comes first. */
export function settingsFor(dialect: Dialect): LexSettings[] {
  return dialect === 'postgresql'
    ? [
        { backslash: false, ansiQuotes: true },
        { backslash: true, ansiQuotes: true },
      ]
    : [
        { backslash: true, ansiQuotes: false },
        { backslash: false, ansiQuotes: false },
        { backslash: true, ansiQuotes: true },
        { backslash: false, ansiQuotes: true },
      ];
}

/** 1-based line and column (in code points) of a string offset. */
export function position(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(sql.charCodeAt(i - 1)))) {
      column++;
    }
  }
  return { line, column };
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isAsciiWord = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;

// MySQL's my_isspace: only ASCII whitespace. Everything from U+0080 to U+FFFF is an identifier character.
const MYSQL_SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
// PostgreSQL's scan.l `space`: [ \t\n\r\f\v]. Every byte >= 0x80 is an identifier character.
const PG_SPACE = MYSQL_SPACE;

const QUOTE_NAMES: Record<string, string> = {
  "'": 'string literal',
  '"': 'double-quoted string or identifier',
  '`': 'backtick-quoted identifier',
};

function lineOf(sql: string, offset: number): number {
  return position(sql, offset).line;
}

/** End of a quoted token (just past the closing quote), or -1 when it never closes. */
function closeQuote(sql: string, from: number, quote: string, backslash: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return -1;
}

/** Tokenizes MySQL or MariaDB SQL under one set of server settings. */
export function lexMysql(sql: string, settings: LexSettings): Lexed {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const ch = sql[i]!;
    if (MYSQL_SPACE.has(c)) {
      i++;
    } else if (
      ch === '#' ||
      (ch === '-' &&
        sql[i + 1] === '-' &&
        (i + 2 >= n || sql.charCodeAt(i + 2) <= 0x20 || sql.charCodeAt(i + 2) === 0x7f))
    ) {
      // "--" starts a comment only when a space or control character follows: "a--1" is arithmetic.
      const eol = sql.indexOf('\n', i);
      const end = eol < 0 ? n : eol;
      tokens.push({ kind: 'comment', start: i, end });
      i = end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // Not nested. /*! … */ (and MariaDB's /*M! … */) are run by the server.
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return { tokens, unterminated: `an unclosed /* comment starting on line ${lineOf(sql, i)}` };
      const exec = sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!');
      tokens.push({ kind: exec ? 'exec' : 'comment', start: i, end: close + 2 });
      i = close + 2;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const isName = ch === '`' || (ch === '"' && settings.ansiQuotes);
      const end = closeQuote(sql, i, ch, !isName && settings.backslash);
      if (end < 0) return { tokens, unterminated: `an unclosed ${QUOTE_NAMES[ch]} starting on line ${lineOf(sql, i)}` };
      tokens.push({ kind: isName ? 'ident' : 'string', start: i, end });
      i = end;
    } else if (isAsciiWord(c) || (c >= 0x80 && !(c >= 0xd800 && c <= 0xdfff))) {
      let j = i + 1;
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (isAsciiWord(d) || (d >= 0x80 && !(d >= 0xd800 && d <= 0xdfff))) j++;
        else break;
      }
      tokens.push({ kind: 'word', start: i, end: j });
      i = j;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // MySQL accepts identifier characters up to U+FFFF only; what the server does with more is not ours to guess.
      return { tokens, badAt: i };
    } else {
      tokens.push({ kind: 'punct', start: i, end: i + 1 });
      i++;
    }
  }
  return { tokens };
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** Tokenizes PostgreSQL SQL; `settings.backslash` reads '…' as if standard_conforming_strings were off. */
export function lexPostgres(sql: string, settings: LexSettings): Lexed {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const code: Token[] = [];
  const push = (t: Token): void => {
    tokens.push(t);
    if (t.kind !== 'comment') code.push(t);
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    const ch = sql[i]!;
    if (PG_SPACE.has(c)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      let end = i + 2;
      while (end < n && sql[end] !== '\n' && sql[end] !== '\r') end++;
      push({ kind: 'comment', start: i, end });
      i = end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // PostgreSQL comments nest.
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) return { tokens, unterminated: `an unclosed /* comment starting on line ${lineOf(sql, i)}` };
      push({ kind: 'comment', start: i, end: j });
      i = j;
    } else if (ch === "'") {
      const p = code.at(-1);
      const p2 = code.at(-2);
      const adjacent = p && p.end === i ? sql.slice(p.start, p.end) : '';
      const unicode =
        adjacent === '&' && p2 !== undefined && p2.end === p!.start && /^[uU]$/.test(sql.slice(p2.start, p2.end));
      // E'…' always reads backslash escapes; U&'…' never does (it has its own); plain '…' depends on the setting.
      const backslash = /^[eE]$/.test(adjacent) ? true : unicode ? false : settings.backslash;
      const end = closeQuote(sql, i, "'", backslash);
      if (end < 0) return { tokens, unterminated: `an unclosed string literal starting on line ${lineOf(sql, i)}` };
      push({ kind: 'string', start: i, end });
      i = end;
    } else if (ch === '"') {
      const end = closeQuote(sql, i, '"', false);
      if (end < 0)
        return { tokens, unterminated: `an unclosed double-quoted identifier starting on line ${lineOf(sql, i)}` };
      push({ kind: 'ident', start: i, end });
      i = end;
    } else if (ch === '$' && !/[0-9]/.test(sql[i + 1] ?? '')) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql)?.[0];
      if (tag === undefined) {
        push({ kind: 'punct', start: i, end: i + 1 });
        i++;
        continue;
      }
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0)
        return { tokens, unterminated: `an unclosed dollar-quoted string (${tag}) starting on line ${lineOf(sql, i)}` };
      push({ kind: 'string', start: i, end: close + tag.length });
      i = close + tag.length;
    } else if (isAsciiWord(c) || c >= 0x80) {
      let j = i + 1;
      while (j < n && (isAsciiWord(sql.charCodeAt(j)) || sql.charCodeAt(j) >= 0x80)) j++;
      push({ kind: 'word', start: i, end: j });
      i = j;
    } else {
      push({ kind: 'punct', start: i, end: i + 1 });
      i++;
    }
  }
  return { tokens };
}

/** Tokenizes `sql` for a dialect under one set of server settings. */
export function lex(dialect: Dialect, sql: string, settings: LexSettings): Lexed {
  return dialect === 'postgresql' ? lexPostgres(sql, settings) : lexMysql(sql, settings);
}

/** The boundaries of every non-comment token, to compare two lexings. */
export function shapeOf(l: Lexed): string {
  const parts = l.tokens.filter((t) => t.kind !== 'comment').map((t) => `${t.start}-${t.end}`);
  return `${parts.join(',')}|${l.unterminated ?? ''}|${l.badAt ?? ''}`;
}

/** Non-comment tokens split at top-level semicolons; empty statements dropped. */
export function splitStatements(tokens: readonly Token[], sql: string): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    if (t.kind === 'punct' && sql[t.start] === ';') {
      if (current.length) out.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length) out.push(current);
  return out;
}
