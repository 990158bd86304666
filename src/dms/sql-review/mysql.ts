/**
 * MySQL and MariaDB: node-sql-parser reads the SQL, but it only approximates the servers (it takes "--x" for a
 * comment, ignores /*! … *\/, and knows fewer statements). So every parse is cross-checked against the MySQL lexer,
 * which follows the server's own rules: the same statements, of the same kinds, with the same WHERE keywords. Any
 * difference means the review cannot know which reading the server takes, and it fails closed.
 */
import { createRequire } from 'node:module';
import type { AST, Parser as ParserType } from 'node-sql-parser';
import { type Dialect, position, splitStatements, type Token } from './lexer.js';
import {
  constantWhereWarning,
  noWhereWarning,
  type StatementInfo,
  type StatementKind,
  trivialWhereWarning,
} from './review.js';

type ParserModule = { Parser: new () => ParserType };
const require = createRequire(import.meta.url);
// The per-dialect builds load only their own grammar (the package's main entry loads all of them).
const parsers: Record<'mysql' | 'mariadb', ParserType> = {
  mysql: new (require('node-sql-parser/build/mysql.js') as ParserModule).Parser(),
  mariadb: new (require('node-sql-parser/build/mariadb.js') as ParserModule).Parser(),
};

/** What the MySQL parse found, or why the review cannot trust it. */
export type MysqlAnalysis =
  | { ok: true; statements: StatementInfo[]; warnings: string[] }
  | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const KIND_OF: Record<string, StatementKind> = {
  select: 'SELECT',
  insert: 'INSERT',
  replace: 'REPLACE',
  update: 'UPDATE',
  delete: 'DELETE',
  create: 'DDL',
  alter: 'DDL',
  drop: 'DDL',
  truncate: 'DDL',
  rename: 'DDL',
};
const DATA_CHANGE = new Set(['insert', 'replace', 'update', 'delete']);

/** Every object of a subtree with the key that led to it. Iterative: trees can be 1,000+ levels deep. */
function objects(value: unknown): { key: string; node: Obj }[] {
  const out: { key: string; node: Obj }[] = [];
  const stack: { value: unknown; key: string }[] = [{ value, key: '' }];
  while (stack.length) {
    const { value: v, key } = stack.pop()!;
    // Children pushed in reverse so nodes come out in document order (messages list calls as written).
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key });
    else if (isObj(v)) {
      out.push({ key, node: v });
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], key: entries[i]![0] });
    }
  }
  return out;
}

function whereCount(ast: unknown): number {
  let n = 0;
  for (const { node } of objects(ast)) if (node['where'] !== null && node['where'] !== undefined) n++;
  return n;
}

function hasColumn(expr: unknown): boolean {
  for (const { node } of objects(expr)) if (node['type'] === 'column_ref') return true;
  return false;
}

/** Whether two expressions are the same (parentheses aside). */
function sameExpr(a: unknown, b: unknown): boolean {
  const strip = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'parentheses' ? undefined : x));
  return a !== undefined && a !== null && strip(a) === strip(b);
}

/** Why a WHERE is true for every row the review can tell (a column compared with itself, OR with a constant), or undefined. */
export function trivialWhere(expr: unknown): string | undefined {
  if (!isObj(expr)) return undefined;
  if (!hasColumn(expr)) return 'it names no column';
  if (expr['type'] !== 'binary_expr') return undefined;
  const op = String(expr['operator'] ?? '').toUpperCase();
  const sides = [expr['left'], expr['right']];
  if (op === 'OR' || op === '||' || op === 'XOR') {
    if (op !== 'XOR' && sides.some((x) => !hasColumn(x))) return 'OR with a part that names no column';
    if (op !== 'XOR')
      for (const x of sides) {
        const why = trivialWhere(x);
        if (why) return why;
      }
  }
  if ((op === 'AND' || op === '&&') && sides.every((x) => trivialWhere(x) !== undefined)) return trivialWhere(sides[0]);
  if (['=', '<=', '>=', '<=>', 'LIKE'].includes(op) && sameExpr(expr['left'], expr['right']))
    return 'a column compared with itself';
  return undefined;
}

function functionName(node: Obj): string {
  const name = node['name'];
  if (typeof name === 'string') return name.toLowerCase();
  const parts =
    isObj(name) && Array.isArray(name['name'])
      ? name['name'].map((p: unknown) => (isObj(p) ? String(p['value'] ?? '') : ''))
      : [];
  return parts.map((p) => p.toLowerCase()).join('.');
}

/** The lexer's view of one statement: leading keyword and WHERE keywords (all, and at the statement's own level). */
function lexedStatement(
  sql: string,
  tokens: readonly Token[],
): { keyword: string; wheres: number; topWhere: boolean; hasLimit: boolean; text: string } {
  let depth = 0;
  let wheres = 0;
  let topWhere = false;
  let hasLimit = false;
  let lead = 0;
  while (tokens[lead] && sql[tokens[lead]!.start] === '(' && tokens[lead]!.kind === 'punct') lead++;
  const word = (t: Token | undefined): string =>
    t && t.kind === 'word' ? sql.slice(t.start, t.end).toUpperCase() : '';
  for (const t of tokens) {
    if (t.kind === 'punct' && sql[t.start] === '(') depth++;
    else if (t.kind === 'punct' && sql[t.start] === ')') depth--;
    else if (word(t) === 'WHERE') {
      wheres++;
      if (depth === 0) topWhere = true;
    } else if (word(t) === 'LIMIT' && depth === 0) hasLimit = true;
  }
  const first = tokens[0]!;
  const last = tokens.at(-1)!;
  return {
    keyword: lead > 0 ? '(' : word(tokens[0]),
    wheres,
    topWhere,
    hasLimit,
    text: sql.slice(first.start, last.end),
  };
}

/** Whether the lexer's leading keyword and the parser's statement type name the same statement. */
function sameStatement(lexKeyword: string, astType: string): boolean {
  if (lexKeyword === 'WITH' || lexKeyword === '(') return astType === 'select' || lexKeyword === 'WITH';
  if (lexKeyword === 'DESCRIBE' || lexKeyword === 'DESC' || lexKeyword === 'EXPLAIN')
    return astType === 'desc' || astType === 'explain';
  return lexKeyword.toLowerCase() === astType;
}

/**
 * The SQL as the server's lexer split it, with nothing left for the parser to decide: comments become spaces and the
 * inside of every quoted string or name becomes zeros (same length, so positions hold). The parser then cannot read
 * a comment, string or escape differently from the server.
 */
function canonical(sql: string, tokens: readonly Token[]): string {
  const out = sql.split('');
  for (const t of tokens) {
    if (t.kind === 'comment') for (let i = t.start; i < t.end; i++) out[i] = out[i] === '\n' ? '\n' : ' ';
    if (t.kind === 'string' || t.kind === 'ident')
      for (let i = t.start + 1; i < t.end - 1; i++) out[i] = out[i] === '\n' ? '\n' : '0';
  }
  return out.join('');
}

/** Parses MySQL/MariaDB SQL and cross-checks it against the MySQL lexer's tokens. */
export function analyseMysql(
  sql: string,
  dialect: Exclude<Dialect, 'postgresql'>,
  tokens: readonly Token[],
): MysqlAnalysis {
  const lexed = splitStatements(tokens, sql);
  if (lexed.length === 0) return { ok: true, statements: [], warnings: [] };
  const code = tokens.filter((t) => t.kind !== 'comment');
  for (let k = 1; k < code.length; k++) {
    const a = code[k - 1]!;
    const b = code[k]!;
    if (a.end === b.start && sql[a.start] === '-' && sql[b.start] === '-' && a.kind === 'punct' && b.kind === 'punct') {
      const at = position(sql, a.start);
      return {
        ok: false,
        reason: `"--" at line ${at.line}, column ${at.column} has no space after it, so MySQL reads it as two minus signs, not a comment; the parser the review uses would not`,
      };
    }
  }
  let asts: AST[];
  try {
    const out = parsers[dialect].astify(canonical(sql, tokens), {
      database: dialect === 'mariadb' ? 'mariadb' : 'mysql',
    });
    // Empty statements (";;") come back as empty lists; they are not statements.
    asts = (Array.isArray(out) ? out : [out]).filter(
      (a: unknown) => a !== null && !(Array.isArray(a) && a.length === 0),
    );
  } catch (err) {
    const loc =
      isObj(err) && isObj(err['location']) && isObj(err['location']['start'])
        ? Number(err['location']['start']['offset'])
        : undefined;
    const at = loc !== undefined && Number.isFinite(loc) ? position(sql, loc) : undefined;
    const where = at ? ` near line ${at.line}, column ${at.column}` : '';
    return {
      ok: false,
      reason: `the ${dialect === 'mariadb' ? 'MariaDB' : 'MySQL'} parser the review uses cannot read it${where} (it knows most, not all, of the server's syntax)`,
    };
  }
  if (asts.length !== lexed.length) {
    return {
      ok: false,
      reason: `the parser found ${asts.length} statement(s) where the server's rules find ${lexed.length}`,
    };
  }
  const statements: StatementInfo[] = [];
  const warnings: string[] = [];
  for (let k = 0; k < asts.length; k++) {
    const ast = asts[k] as unknown as Obj; // node-sql-parser's AST union has no common index signature; read it as data.
    const lex = lexedStatement(sql, lexed[k]!);
    const type = String(ast['type'] ?? '').toLowerCase();
    const index = k + 1;
    if (!sameStatement(lex.keyword, type))
      return {
        ok: false,
        reason: `the parser read statement ${index} as ${type.toUpperCase() || 'something else'}, the server's rules as ${lex.keyword || 'something else'}`,
      };
    if (whereCount(ast) !== lex.wheres)
      return {
        ok: false,
        reason: `the parser and the server's rules disagree on the WHERE clauses of statement ${index}`,
      };
    const topWhere = ast['where'] !== null && ast['where'] !== undefined;
    if ((type === 'update' || type === 'delete') && topWhere !== lex.topWhere) {
      return {
        ok: false,
        reason: `the parser and the server's rules disagree on the WHERE clause of statement ${index}`,
      };
    }
    const kind = KIND_OF[type] ?? 'OTHER';
    const keyword = lex.keyword === 'WITH' || lex.keyword === '(' ? type.toUpperCase() : lex.keyword;
    const writes: string[] = [];
    const calls: string[] = [];
    if (DATA_CHANGE.has(type)) writes.push(type.toUpperCase());
    for (const { key, node } of objects(ast)) {
      if (node === ast) continue;
      const innerType = typeof node['type'] === 'string' ? node['type'] : '';
      if (DATA_CHANGE.has(innerType) && key !== 'expr' && ('table' in node || 'from' in node))
        writes.push(`${innerType.toUpperCase()} inside it`);
      if (node['type'] === 'function' || node['type'] === 'aggr_func') calls.push(functionName(node));
      if (node['locking_read']) writes.push('FOR UPDATE / LOCK IN SHARE MODE (it locks rows)');
      if (isObj(node['into']) && node['into']['position'] !== null && node['into']['position'] !== undefined)
        writes.push('SELECT … INTO (it stores the result)');
    }
    if (ast['locking_read']) writes.push('FOR UPDATE / LOCK IN SHARE MODE (it locks rows)');
    if (isObj(ast['into']) && ast['into']['position'] !== null && ast['into']['position'] !== undefined)
      writes.push('SELECT … INTO (it stores the result)');

    if ((type === 'update' || type === 'delete') && !topWhere)
      warnings.push(
        noWhereWarning(index, keyword, ast['limit'] !== null && ast['limit'] !== undefined && lex.hasLimit),
      );
    if ((type === 'update' || type === 'delete') && topWhere) {
      const why = trivialWhere(ast['where']);
      if (why === 'it names no column') warnings.push(constantWhereWarning(index, keyword));
      else if (why) warnings.push(trivialWhereWarning(index, keyword, why));
    }
    // @v := …: writes a session variable (state that outlives the query), whatever the parser makes of it.
    const unsafe: string[] = [];
    const assignAt = lexed[k]!.findIndex(
      (t, j, all) =>
        (t.kind === 'punct' && sql.startsWith(':=', t.start)) ||
        (t.kind === 'punct' && sql[t.start] === ':' && all[j + 1]?.start === t.end && sql[t.end] === '='),
    );
    if (assignAt >= 0 || objects(ast).some(({ node }) => node['type'] === 'assign'))
      unsafe.push('an assignment to a variable (:=), which changes session state');
    if (type === 'truncate') warnings.push(`Statement ${index} (TRUNCATE) removes every row of the table.`);
    if (type === 'drop') {
      const object = String(ast['keyword'] ?? '').toUpperCase();
      if (object === 'TABLE' || object === 'DATABASE' || object === 'SCHEMA')
        warnings.push(`Statement ${index} (DROP ${object}) removes the ${object.toLowerCase()} and all its data.`);
    }
    if (type === 'call')
      warnings.push(`Statement ${index} (CALL) calls a procedure; what that does was not checked: read it yourself.`);
    // INSERT … SELECT … WHERE: the WHERE of its query is the statement's own.
    const values = ast['values'];
    const insertWhere =
      (type === 'insert' || type === 'replace') &&
      isObj(values) &&
      values['type'] === 'select' &&
      values['where'] != null;
    statements.push({
      index,
      kind,
      keyword,
      hasWhere: topWhere || insertWhere,
      text: lex.text,
      readOnly: writes.length === 0 && type === 'select',
      writes: [...new Set(writes)],
      calls: [...new Set(calls.filter(Boolean))],
      unsafe,
    });
  }
  return { ok: true, statements, warnings };
}
