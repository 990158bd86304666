/**
 * PostgreSQL: PostgreSQL's own parser (libpg-query, compiled to WASM) reads the SQL, and the review walks its tree.
 * The parser must be loaded once (loadPostgresParser, at start-up); until then PostgreSQL reviews fail closed.
 */
import { loadModule, parseSync } from 'libpg-query';
import { position, type Token } from './lexer.js';
import {
  constantWhereWarning,
  nestedNoWhereWarning,
  noWhereWarning,
  type StatementInfo,
  type StatementKind,
  trivialWhereWarning,
} from './review.js';

let ready = false;
let loading: Promise<void> | undefined;

/** Loads the WASM parser; resolves when PostgreSQL reviews can run (safe to call more than once). */
export function loadPostgresParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    ready = true;
  });
  return loading;
}

/** What the PostgreSQL parse found, or why it could not parse. */
export type PgAnalysis = { ok: true; statements: StatementInfo[]; warnings: string[] } | { ok: false; reason: string };

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const DATA_CHANGE: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};
const KIND_OF: Record<string, StatementKind> = {
  SelectStmt: 'SELECT',
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
};
const DDL =
  /^(Create|Alter|Drop|Truncate|Rename|Index|View|Comment|Grant|Reindex|Cluster|Vacuum|Refresh|Define|Composite|CreateTableAs)/;
// Statements that run code the tree does not show.
const OPAQUE: Record<string, string> = {
  DoStmt: 'runs a DO block',
  CallStmt: 'calls a procedure',
  ExecuteStmt: 'runs a prepared statement',
  CopyStmt: 'copies data',
};

/** Maps a UTF-8 byte offset (the parser's locations) to a string offset. */
function byteToChar(sql: string): (byte: number) => number {
  const offsets: number[] = [];
  let bytes = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    offsets[bytes] = i;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  offsets[bytes] = sql.length;
  return (b) => {
    for (let x = b; x >= 0; x--) if (offsets[x] !== undefined) return offsets[x]!;
    return 0;
  };
}

/** Every node of a subtree, and whether a withClause led to it. Iterative: trees can be 1,000+ levels deep. */
function walk(value: unknown): { type: string; node: Node; inWith: boolean }[] {
  const out: { type: string; node: Node; inWith: boolean }[] = [];
  const stack: { value: unknown; inWith: boolean }[] = [{ value, inWith: false }];
  while (stack.length) {
    const { value: v, inWith } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], inWith });
    } else if (isNode(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        if (/^[A-Z]/.test(k) && isNode(child)) out.push({ type: k, node: child, inWith });
        stack.push({ value: child, inWith: inWith || k === 'withClause' });
      }
    }
  }
  return out;
}

function hasColumnRef(where: unknown): boolean {
  for (const { type } of walk(where)) if (type === 'ColumnRef') return true;
  return false;
}

function functionName(node: Node): string {
  const parts = (Array.isArray(node['funcname']) ? node['funcname'] : [])
    .map((p: unknown) => (isNode(p) && isNode(p['String']) ? String(p['String']['sval'] ?? '') : ''))
    .filter(Boolean);
  const name = (parts.at(-1) ?? '').toLowerCase();
  const schema = parts.length > 1 ? parts[0]!.toLowerCase() : undefined;
  return schema === undefined || schema === 'pg_catalog' ? name : `${schema}.${name}`;
}

// Operators an export may use: the built-in symbols for comparison, arithmetic, text, pattern, bits, JSON and arrays
// (PostgreSQL lets anyone define an operator, and an operator runs a function). OPERATOR(schema.op) with another
// schema than pg_catalog, and any other symbol, are refused.
const BUILTIN_OPERATORS = new Set([
  ...'= <> != < > <= >= + - * / % ^ || ~~ !~~ ~~* !~~* ~ ~* !~ !~* @> <@ && -> ->> #> #>> ? ?| ?& |/ ||/ @ & | # << >>'.split(
    ' ',
  ),
  'BETWEEN',
  'NOT BETWEEN',
  'BETWEEN SYMMETRIC',
  'NOT BETWEEN SYMMETRIC',
]);
// Types an export may cast to: built-ins whose input functions only read a value. A cast to another type runs that
// type's input or cast function, which anyone may have written.
const BUILTIN_TYPES = new Set(
  `bool boolean int2 int4 int8 int integer smallint bigint float4 float8 real numeric decimal text varchar char bpchar
  name date time timetz timestamp timestamptz interval uuid json jsonb bytea inet cidr macaddr macaddr8 money bit varbit
  xml oid`.split(/\s+/),
);

const names = (list: unknown): string[] =>
  (Array.isArray(list) ? list : []).map((p: unknown) =>
    isNode(p) && isNode(p['String']) ? String(p['String']['sval'] ?? '') : '?',
  );

/** Operators, casts and field selections of a subtree that may run code the review cannot see. */
function unsafeParts(value: unknown): string[] {
  const out: string[] = [];
  const operator = (list: unknown): void => {
    const parts = names(list);
    const symbol = parts.at(-1) ?? '';
    const schema = parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
    if ((schema !== undefined && schema.toLowerCase() !== 'pg_catalog') || !BUILTIN_OPERATORS.has(symbol)) {
      out.push(
        schema !== undefined
          ? `the operator OPERATOR(${parts.join('.')})`
          : `the operator ${symbol} (not a built-in one the review knows)`,
      );
    }
  };
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isNode(v)) continue;
    for (const [k, child] of Object.entries(v)) {
      if (k === 'A_Expr' && isNode(child)) operator(child['name']);
      if (k === 'SubLink' && isNode(child) && child['operName'] !== undefined) operator(child['operName']);
      if (k === 'SortBy' && isNode(child) && child['useOp'] !== undefined) operator(child['useOp']);
      if (k === 'typeName' && isNode(child) && Array.isArray(child['names'])) {
        const parts = names(child['names']).map((n) => n.toLowerCase());
        const schema = parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
        if ((schema !== undefined && schema !== 'pg_catalog') || !BUILTIN_TYPES.has(parts.at(-1) ?? ''))
          out.push(`a cast to the type ${parts.join('.')} (not a built-in one the review knows)`);
      }
      // (t).x / (row).x: on a whole row, a name that is not a column calls the function of that name.
      if (
        k === 'A_Indirection' &&
        isNode(child) &&
        Array.isArray(child['indirection']) &&
        child['indirection'].some((i: unknown) => !(isNode(i) && 'A_Indices' in i))
      ) {
        const field = names(child['indirection'].filter((i: unknown) => !(isNode(i) && 'A_Indices' in i))).map((n) =>
          n === '?' ? '*' : n,
        );
        out.push(`the field selection (…).${field.join('.')} (on a whole row it can call a function of that name)`);
      }
      stack.push(child);
    }
  }
  return out;
}

/** Whether two expressions are the same (locations aside). */
function sameExpr(a: unknown, b: unknown): boolean {
  const strip = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'location' ? undefined : x));
  return a !== undefined && strip(a) === strip(b);
}

/** Why a WHERE is true for every row the review can tell (a column compared with itself, OR with a constant), or undefined. */
export function trivialWhere(expr: unknown): string | undefined {
  if (!isNode(expr)) return undefined;
  if (!hasColumnRef(expr)) return 'it names no column';
  const bool = isNode(expr['BoolExpr']) ? expr['BoolExpr'] : undefined;
  const args = bool && Array.isArray(bool['args']) ? (bool['args'] as unknown[]) : [];
  if (bool?.['boolop'] === 'OR_EXPR') {
    for (const a of args) if (!hasColumnRef(a)) return 'OR with a part that names no column';
    for (const a of args) {
      const why = trivialWhere(a);
      if (why) return why;
    }
  }
  if (bool?.['boolop'] === 'AND_EXPR' && args.length && args.every((a) => trivialWhere(a) !== undefined))
    return trivialWhere(args[0]);
  const op = isNode(expr['A_Expr']) ? expr['A_Expr'] : undefined;
  if (op && sameExpr(op['lexpr'], op['rexpr'])) {
    const name = names(op['name']).at(-1) ?? '';
    const kind = String(op['kind'] ?? '');
    if (
      (kind === 'AEXPR_OP' && ['=', '<=', '>=', '~~', '~~*'].includes(name)) ||
      kind === 'AEXPR_NOT_DISTINCT' ||
      kind === 'AEXPR_LIKE' ||
      kind === 'AEXPR_ILIKE'
    )
      return 'a column compared with itself';
  }
  return undefined;
}

/** INSERT … SELECT … WHERE: the WHERE of its query is the statement's own. */
function insertWhere(node: Node): boolean {
  const select = isNode(node['selectStmt']) ? node['selectStmt']['SelectStmt'] : undefined;
  return isNode(select) && Boolean(select['whereClause']);
}

/** Reads one top-level statement of the tree. */
function readStatement(
  index: number,
  type: string,
  node: Node,
  keywordFromText: string,
  text: string,
): { info: StatementInfo; warnings: string[] } {
  const warnings: string[] = [];
  const writes: string[] = [];
  const calls: string[] = [];
  const kind: StatementKind = KIND_OF[type] ?? (DDL.test(type) || type === 'DropdbStmt' ? 'DDL' : 'OTHER');
  const keyword = KIND_OF[type] ?? (type === 'MergeStmt' ? 'MERGE' : keywordFromText);

  if ((type === 'UpdateStmt' || type === 'DeleteStmt') && !node['whereClause'])
    warnings.push(noWhereWarning(index, keyword));
  if ((type === 'UpdateStmt' || type === 'DeleteStmt') && node['whereClause']) {
    const why = trivialWhere(node['whereClause']);
    if (why === 'it names no column') warnings.push(constantWhereWarning(index, keyword));
    else if (why) warnings.push(trivialWhereWarning(index, keyword, why));
  }
  if (type === 'TruncateStmt') warnings.push(`Statement ${index} (TRUNCATE) removes every row of the table.`);
  if (type === 'DropdbStmt') warnings.push(`Statement ${index} (DROP DATABASE) removes the database and all its data.`);
  if (type === 'DropStmt') {
    const object =
      node['removeType'] === 'OBJECT_TABLE' ? 'table' : node['removeType'] === 'OBJECT_SCHEMA' ? 'schema' : undefined;
    if (object)
      warnings.push(`Statement ${index} (DROP ${object.toUpperCase()}) removes the ${object} and all its data.`);
  }
  if (type === 'MergeStmt')
    warnings.push(
      `Statement ${index} (MERGE) changes the rows its ON condition matches; check that condition by hand.`,
    );
  if (OPAQUE[type])
    warnings.push(`Statement ${index} (${keyword}) ${OPAQUE[type]}; what that does was not checked: read it yourself.`);
  if (DATA_CHANGE[type]) writes.push(DATA_CHANGE[type]!);
  if (type === 'SelectStmt' && node['intoClause']) writes.push('SELECT … INTO (it creates a table)');

  for (const inner of walk(node)) {
    const innerWrite = DATA_CHANGE[inner.type];
    if (innerWrite) {
      const inWith = inner.inWith;
      writes.push(`${innerWrite} ${inWith ? 'inside its WITH clause' : 'inside it'}`);
      if (inWith)
        warnings.push(
          `Statement ${index} (${keyword}) changes data inside its WITH clause (${innerWrite}); check that part by hand.`,
        );
      if ((inner.type === 'UpdateStmt' || inner.type === 'DeleteStmt') && !inner.node['whereClause'])
        warnings.push(nestedNoWhereWarning(index, keyword, innerWrite, inWith));
    }
    if (inner.type === 'SelectStmt' && inner.node['intoClause']) writes.push('SELECT … INTO (it creates a table)');
    if (inner.type === 'LockingClause') writes.push('FOR UPDATE/SHARE (it locks rows)');
    if (inner.type === 'FuncCall') calls.push(functionName(inner.node));
    if (OPAQUE[inner.type])
      warnings.push(
        `Statement ${index} (${keyword}) ${OPAQUE[inner.type]} inside it; what that does was not checked: read it yourself.`,
      );
  }
  if (type === 'SelectStmt' && Array.isArray(node['lockingClause']) && node['lockingClause'].length)
    writes.push('FOR UPDATE/SHARE (it locks rows)');
  return {
    info: {
      index,
      kind,
      keyword,
      hasWhere: Boolean(node['whereClause']) || insertWhere(node),
      text,
      readOnly: writes.length === 0 && type === 'SelectStmt',
      writes: [...new Set(writes)],
      calls: [...new Set(calls)],
      unsafe: [...new Set(unsafeParts(node))],
    },
    warnings: [...new Set(warnings)],
  };
}

/** Parses PostgreSQL SQL and reads every statement from the tree; `tokens` come from the PostgreSQL lexer. */
export function analysePostgres(sql: string, tokens: readonly Token[]): PgAnalysis {
  if (tokens.every((t) => t.kind === 'comment' || (t.kind === 'punct' && sql[t.start] === ';')))
    return { ok: true, statements: [], warnings: [] };
  if (!ready) return { ok: false, reason: 'the PostgreSQL parser is not loaded yet' };
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (err) {
    const details = isNode(err) && isNode(err['sqlDetails']) ? err['sqlDetails'] : undefined;
    const message = String(details?.['message'] ?? (err instanceof Error ? err.message : err)).slice(0, 200);
    const at = typeof details?.['cursorPosition'] === 'number' ? position(sql, details['cursorPosition']) : undefined;
    return {
      ok: false,
      reason: `PostgreSQL's parser rejects it (${message}${at ? `, line ${at.line}, column ${at.column}` : ''})`,
    };
  }
  const stmts = isNode(tree) && Array.isArray(tree['stmts']) ? (tree['stmts'] as unknown[]) : [];
  const toChar = byteToChar(sql);
  const code = tokens.filter((t) => t.kind !== 'comment');
  const statements: StatementInfo[] = [];
  const warnings: string[] = [];
  for (const raw of stmts) {
    if (!isNode(raw) || !isNode(raw['stmt']))
      return { ok: false, reason: 'the parse tree has a shape the review does not know' };
    const [type, node] = Object.entries(raw['stmt'])[0] ?? [];
    if (!type || !isNode(node)) return { ok: false, reason: 'the parse tree has a shape the review does not know' };
    const from = toChar(Number(raw['stmt_location'] ?? 0));
    const len = Number(raw['stmt_len'] ?? 0);
    const to = len > 0 ? toChar(Number(raw['stmt_location'] ?? 0) + len) : sql.length;
    const inside = code.filter((t) => t.start >= from && t.end <= to);
    const first = inside[0];
    const last = inside.at(-1);
    const text = first && last ? sql.slice(first.start, last.end) : sql.slice(from, to).trim();
    const keyword = first && first.kind === 'word' ? sql.slice(first.start, first.end).toUpperCase() : '';
    const { info, warnings: found } = readStatement(statements.length + 1, type, node, keyword, text);
    statements.push(info);
    warnings.push(...found);
  }
  return { ok: true, statements, warnings };
}
