import { beforeAll, describe, expect, it } from 'vitest';
import {
  engineFor,
  inspectSql,
  inspectSqlFor,
  loadSqlParsers,
  reviewWarnings,
  type SqlEngine,
  type StatementInfo,
  summarizeInspection,
} from '../../../../src/dms/sql-review/inspect.js';

const MY: SqlEngine = { dialect: 'mysql' };
const MARIA: SqlEngine = { dialect: 'mariadb' };
const PG: SqlEngine = { dialect: 'postgresql' };
const BOTH = [
  ['mysql', MY],
  ['postgresql', PG],
] as const;

beforeAll(() => loadSqlParsers());

function only(sql: string, engine: SqlEngine = MY): StatementInfo {
  const r = inspectSql(sql, engine);
  expect(r.checked, r.unchecked).toBe(true);
  expect(r.statements).toHaveLength(1);
  const [s] = r.statements;
  if (!s) throw new Error('no statement');
  return s;
}

const noWhere = (n: number, kw: string): string =>
  `Statement ${n} (${kw}) has no WHERE clause: it affects every row of the table.`;

describe('inspectSql: statement kinds', () => {
  it.each([
    ['SELECT * FROM t', 'SELECT', 'SELECT'],
    ['insert into t values (1)', 'INSERT', 'INSERT'],
    ['Update t set a = 1 where id = 2', 'UPDATE', 'UPDATE'],
    ['DELETE FROM t WHERE id = 1', 'DELETE', 'DELETE'],
    ['REPLACE INTO t (id) VALUES (1)', 'REPLACE', 'REPLACE'],
    ['CREATE TABLE t (id INT)', 'DDL', 'CREATE'],
    ['alter table t add column b int', 'DDL', 'ALTER'],
    ['DROP INDEX i ON t', 'DDL', 'DROP'],
    ['RENAME TABLE a TO b', 'DDL', 'RENAME'],
    ['TRUNCATE TABLE t', 'DDL', 'TRUNCATE'],
    ['CALL refresh()', 'OTHER', 'CALL'],
  ] as const)('MySQL %s -> %s', (sql, kind, keyword) => {
    const s = only(sql, MY);
    expect(s.kind).toBe(kind);
    expect(s.keyword).toBe(keyword);
  });

  it.each([
    ['SELECT * FROM t', 'SELECT', 'SELECT'],
    ['insert into t values (1)', 'INSERT', 'INSERT'],
    ['CREATE TABLE t (id INT)', 'DDL', 'CREATE'],
    ['alter table t add column b int', 'DDL', 'ALTER'],
    ['DROP INDEX i', 'DDL', 'DROP'],
    ['TRUNCATE TABLE t', 'DDL', 'TRUNCATE'],
    ['SET search_path TO public', 'OTHER', 'SET'],
    ['CALL refresh()', 'OTHER', 'CALL'],
  ] as const)('PostgreSQL %s -> %s', (sql, kind, keyword) => {
    const s = only(sql, PG);
    expect(s.kind).toBe(kind);
    expect(s.keyword).toBe(keyword);
  });

  it('skips leading comments and whitespace to find the keyword', () => {
    const s = only('  -- change 42\n/* reviewed */\n# mysql comment\n\tdelete from t where id = 1', MY);
    expect(s.kind).toBe('DELETE');
    expect(s.text).toBe('delete from t where id = 1');
  });

  it.each(BOTH)('%s: reads the statement after a simple WITH clause', (_, engine) => {
    const s = only(
      'WITH old AS (SELECT id FROM t WHERE created < now()) DELETE FROM t WHERE id IN (SELECT id FROM old)',
      engine,
    );
    expect(s).toMatchObject({ kind: 'DELETE', keyword: 'DELETE', hasWhere: true });
  });

  it.each(BOTH)('%s: handles several CTEs, column lists and RECURSIVE', (_, engine) => {
    const sql =
      'WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 5), b AS (SELECT (1)) UPDATE t SET x = 1';
    const r = inspectSql(sql, engine);
    expect(r.statements[0]).toMatchObject({ kind: 'UPDATE', hasWhere: false });
    expect(r.warnings).toEqual([noWhere(1, 'UPDATE')]);
  });

  it.each(BOTH)('%s: WITH ... SELECT is a SELECT', (_, engine) => {
    expect(only('with x as (select 1) select * from x', engine).kind).toBe('SELECT');
  });

  it('flags a PostgreSQL data-changing CTE hidden behind a SELECT, and its missing WHERE', () => {
    // Changed: the old scanner only said "check that part by hand"; the parse tree also shows the DELETE has no WHERE.
    const r = inspectSql('WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone', PG);
    expect(r.statements[0]?.kind).toBe('SELECT');
    expect(r.statements[0]?.readOnly).toBe(false);
    expect(r.warnings).toEqual([
      'Statement 1 (SELECT) changes data inside its WITH clause (DELETE); check that part by hand.',
      'Statement 1 (SELECT) has a DELETE without a WHERE clause inside its WITH clause: it affects every row of the table.',
    ]);
  });

  it.each(BOTH)('%s: a WITH clause it cannot follow is not checked (it used to be OTHER)', (_, engine) => {
    const r = inspectSql('WITH broken', engine);
    expect(r.checked).toBe(false);
    expect(summarizeInspection(r)).toBe('Could not be checked — read it yourself');
  });

  it.each(BOTH)('%s: a statement in leading parentheses is classified as what it is', (_, engine) => {
    expect(only('(SELECT 1) UNION (SELECT 2)', engine).kind).toBe('SELECT');
  });
});

describe('inspectSql: WHERE detection', () => {
  const cases: [string, boolean, readonly SqlEngine[]][] = [
    ["DELETE FROM t WHERE name = 'x'", true, [MY, PG]],
    ['DELETE FROM t -- where id = 1\n', false, [MY, PG]],
    ['DELETE FROM t # where id = 1', false, [MY]],
    ['DELETE FROM t /* where id = 1 */', false, [MY, PG]],
    ["UPDATE t SET note = 'where'", false, [MY, PG]],
    ['UPDATE t SET note = "where"', false, [MY, PG]],
    ['UPDATE `where` SET a = 1', false, [MY]],
    ['UPDATE t SET somewhere = 1', false, [MY, PG]],
    ['UPDATE t SET where_col = 1', false, [MY, PG]],
    ['UPDATE t SET a$where = 1', false, [PG]],
    ['UPDATE t SET a = $$where$$', false, [PG]],
    ['UPDATE t SET a = (SELECT b FROM u WHERE u.id = t.id)', false, [MY, PG]],
    ['DELETE FROM t WHERE id IN (SELECT id FROM u WHERE flag)', true, [MY, PG]],
    ['delete from t wHeRe id = 1', true, [MY, PG]],
    ['UPDATE t\r\nSET a = 1\r\nWHERE\r\nid = 2', true, [MY, PG]],
    ['UPDATE t SET a = ((1 + (2))) WHERE id = 3', true, [MY, PG]],
    ['UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.a WHERE t2.flag = 1', true, [MY]],
  ];
  for (const [sql, expected, engines] of cases) {
    for (const engine of engines) {
      it(`${'dialect' in engine ? engine.dialect : ''} ${JSON.stringify(sql)} -> hasWhere ${expected}`, () => {
        expect(only(sql, engine).hasWhere).toBe(expected);
        expect(inspectSql(sql, engine).unterminated).toBeUndefined();
      });
    }
  }

  it.each(BOTH)('%s: UPDATE/DELETE without WHERE warn; with WHERE they do not', (_, engine) => {
    const r = inspectSql(
      'UPDATE t SET a = 1; DELETE FROM t; DELETE FROM t WHERE id = 1; UPDATE t SET a = 2 WHERE b = 3',
      engine,
    );
    expect(r.warnings).toEqual([noWhere(1, 'UPDATE'), noWhere(2, 'DELETE')]);
  });

  it('DELETE ... LIMIT without WHERE still warns, with a LIMIT-specific reason', () => {
    const r = inspectSql('DELETE FROM logs ORDER BY id LIMIT 1000', MY);
    expect(r.statements[0]?.hasWhere).toBe(false);
    expect(r.warnings).toEqual([
      'Statement 1 (DELETE) has no WHERE clause: it affects arbitrary rows, up to its LIMIT.',
    ]);
  });

  it('a LIMIT inside a subquery does not change the message', () => {
    expect(inspectSql('UPDATE t SET a = (SELECT b FROM u LIMIT 1)', MY).warnings).toEqual([noWhere(1, 'UPDATE')]);
  });

  it('INSERT ... SELECT ... WHERE has a WHERE, and INSERT never warns either way', () => {
    const r = inspectSql(
      'INSERT INTO a SELECT * FROM b WHERE x = 1; INSERT INTO a SELECT * FROM b; REPLACE INTO a VALUES (1)',
      MY,
    );
    expect(r.statements.map((s) => s.hasWhere)).toEqual([true, false, false]);
    expect(r.warnings).toEqual([]);
    const p = inspectSql('INSERT INTO a SELECT * FROM b WHERE x = 1; INSERT INTO a SELECT * FROM b', PG);
    expect(p.statements.map((s) => s.hasWhere)).toEqual([true, false]);
    expect(p.warnings).toEqual([]);
  });

  it.each(BOTH)('%s: SELECT without WHERE does not warn', (_, engine) => {
    expect(inspectSql('SELECT * FROM t', engine).warnings).toEqual([]);
  });

  it.each(BOTH)('%s: a WHERE that names no column is pointed out (WHERE 1, WHERE true, WHERE 1 = 1)', (_, engine) => {
    const r = inspectSql('UPDATE t SET a = 1 WHERE 1 = 1; DELETE FROM t WHERE true', engine);
    expect(r.warnings).toEqual([
      'Statement 1 (UPDATE) has a WHERE clause that names no column: it matches every row or none.',
      'Statement 2 (DELETE) has a WHERE clause that names no column: it matches every row or none.',
    ]);
  });
});

describe('inspectSql: splitting', () => {
  it.each(BOTH)('%s: splits on semicolons and ignores empty statements', (_, engine) => {
    const r = inspectSql(';;UPDATE t SET a = 1 WHERE id = 1;; ;\n;DELETE FROM t WHERE id = 2;', engine);
    expect(r.checked, r.unchecked).toBe(true);
    expect(r.statements.map((s) => [s.index, s.kind])).toEqual([
      [1, 'UPDATE'],
      [2, 'DELETE'],
    ]);
  });

  it('ignores semicolons inside strings, identifiers and comments', () => {
    const sql = [
      "UPDATE t SET a = 'x; DROP TABLE t' WHERE id = 1;",
      "UPDATE t SET b = 'y; z' WHERE id = 2 -- trailing; comment",
      ';',
      'UPDATE `we;ird` SET c = 1 /* ; */ WHERE id = 3 # also; here',
    ].join('\n');
    const r = inspectSql(sql, MY);
    expect(r.statements).toHaveLength(3);
    expect(r.warnings).toEqual([]);
  });

  it('doubled quotes are read the same under every server setting', () => {
    const r = inspectSql("UPDATE t SET a = 'it''s; fine' WHERE id = 1; DELETE FROM t", MY);
    expect(r.statements.map((s) => s.kind)).toEqual(['UPDATE', 'DELETE']);
    expect(r.statements[0]?.hasWhere).toBe(true);
    expect(r.warnings).toEqual([noWhere(2, 'DELETE')]);
  });

  it('a backslash-escaped quote fails closed: NO_BACKSLASH_ESCAPES would split it differently', () => {
    // Changed: the old scanner assumed backslash escapes and reported 2 statements; the server's sql_mode decides.
    const r = inspectSql("UPDATE t SET a = 'it\\'s; fine', b = 'it\\'s; fine\\\\' WHERE id = 1; DELETE FROM t", MY);
    expect(r.checked).toBe(false);
    expect(r.unchecked).toMatch(/NO_BACKSLASH_ESCAPES/);
  });

  it('handles doubled quotes inside double-quoted (PostgreSQL) and backtick (MySQL) identifiers', () => {
    const p = inspectSql('UPDATE "a""; where" SET b = 1; SELECT 1', PG);
    expect(p.statements).toHaveLength(2);
    expect(p.statements[0]?.hasWhere).toBe(false);
    const m = inspectSql('UPDATE `a``; where` SET `b``; where` = 1; SELECT 1', MY);
    expect(m.statements).toHaveLength(2);
    expect(m.statements[0]?.hasWhere).toBe(false);
  });

  it('treats PostgreSQL dollar quoting as a string', () => {
    const sql = [
      'CREATE FUNCTION f() RETURNS void AS $body$',
      'BEGIN DELETE FROM t; UPDATE u SET a = 1; END;',
      '$body$ LANGUAGE plpgsql;',
      'UPDATE t SET a = $$ ; where $$ WHERE id = 1;',
      'SELECT $1, a$b FROM t',
    ].join('\n');
    const r = inspectSql(sql, PG);
    expect(r.statements.map((s) => s.kind)).toEqual(['DDL', 'UPDATE', 'SELECT']);
    expect(r.warnings).toEqual([]);
  });

  it.each(BOTH)('%s: keeps the statement text trimmed, multi-line, and without leading comments', (_, engine) => {
    const r = inspectSql('\n  /* why */ UPDATE t\n  SET a = 1\n  WHERE id = 1  ;  \n', engine);
    expect(r.statements[0]?.text).toBe('UPDATE t\n  SET a = 1\n  WHERE id = 1');
  });

  it('MySQL "a--1" is arithmetic, not a comment: the approximate parser would not know, so it fails closed', () => {
    // Changed: it used to report both statements; the MySQL parser reads "--1" as a comment, so the review cannot trust it.
    const r = inspectSql('UPDATE t SET a = a--1 WHERE id = 1; DELETE FROM t', MY);
    expect(r.checked).toBe(false);
    expect(r.unchecked).toMatch(/"--" at line 1, column 19/);
    expect(summarizeInspection(r)).not.toMatch(/statement/);
  });

  it('PostgreSQL "a--1" starts a comment, hiding the rest of the line: one UPDATE, without WHERE', () => {
    const r = inspectSql('UPDATE t SET a = a--1 WHERE id = 1; DELETE FROM t', PG);
    expect(r.statements.map((s) => s.kind)).toEqual(['UPDATE']);
    expect(r.warnings).toEqual([noWhere(1, 'UPDATE')]);
  });

  it.each(BOTH)('%s: a -- comment at the very end of input', (_, engine) => {
    expect(inspectSql('SELECT 1 --', engine).statements).toHaveLength(1);
  });

  it('MySQL block comments do not nest, so nothing after the first */ is hidden; PostgreSQL ones do', () => {
    expect(inspectSql('/* outer /* inner */ DELETE FROM t', MY).statements[0]?.kind).toBe('DELETE');
    expect(inspectSql('/* outer /* inner */ DELETE FROM t', PG).unterminated).toBe(
      'an unclosed /* comment starting on line 1',
    );
  });
});

describe('inspectSql: special statements and input', () => {
  it.each(BOTH)('%s: TRUNCATE gets its own warning', (_, engine) => {
    expect(inspectSql('SELECT 1; truncate table orders', engine).warnings).toEqual([
      'Statement 2 (TRUNCATE) removes every row of the table.',
    ]);
  });

  it('DROP TABLE and DROP DATABASE warn; DROP INDEX does not', () => {
    const expected = [
      'Statement 1 (DROP TABLE) removes the table and all its data.',
      'Statement 2 (DROP DATABASE) removes the database and all its data.',
    ];
    expect(inspectSql('DROP TABLE tmp; DROP DATABASE shop; DROP INDEX i ON t', MY).warnings).toEqual(expected);
    expect(inspectSql('DROP TABLE tmp; DROP DATABASE shop; DROP INDEX i', PG).warnings).toEqual(expected);
  });

  it('MySQL /*! */ comments, which the server runs, make the review fail closed', () => {
    // Changed: they used to be skipped with a warning while the rest was "checked"; what runs was not read.
    const r = inspectSql(
      '/*!40101 SET NAMES utf8 */;\nUPDATE t SET a = 1 /*! WHERE id = 1 */;\n/*!50003 DELETE FROM t */',
      MY,
    );
    expect(r.checked).toBe(false);
    expect(r.statements).toEqual([]);
    expect(reviewWarnings(r)[0]).toBe(
      'The review could not check this SQL: the server runs the content of the /*! … */ comment on line 1, which the review does not read. Read every statement yourself.',
    );
  });

  it('MariaDB /*M! */ comments too', () => {
    expect(inspectSql('SELECT 1 /*M!100100 , 2 */', MARIA).unchecked).toMatch(/on line 1/);
  });

  it.each(BOTH)('%s: empty and whitespace-only input has no statements', (_, engine) => {
    for (const sql of ['', '   \n\t\r\n ', ';']) {
      expect(inspectSql(sql, engine)).toMatchObject({ checked: true, statements: [], counts: {}, warnings: [] });
    }
  });

  it('only comments has no statements', () => {
    const r = inspectSql('-- nothing here; really\n/* DELETE FROM t; */\n# UPDATE t SET a = 1;', MY);
    expect(r.statements).toEqual([]);
    expect(r.unterminated).toBeUndefined();
    expect(inspectSql('-- nothing here; really\n/* DELETE FROM t; */', PG).statements).toEqual([]);
  });

  it.each([
    [
      MY,
      "SELECT 1;\nUPDATE t\nSET a = 'oops WHERE id = 1;\nDELETE FROM t",
      'an unclosed string literal starting on line 3',
    ],
    [
      PG,
      "SELECT 1;\nUPDATE t\nSET a = 'oops WHERE id = 1;\nDELETE FROM t",
      'an unclosed string literal starting on line 3',
    ],
    [MY, 'SELECT "abc', 'an unclosed double-quoted string or identifier starting on line 1'],
    [PG, 'SELECT "abc', 'an unclosed double-quoted identifier starting on line 1'],
    [MY, 'SELECT 1 FROM `t', 'an unclosed backtick-quoted identifier starting on line 1'],
    [MY, 'SELECT 1;\r\n/* forgot to close', 'an unclosed /* comment starting on line 2'],
    [PG, 'SELECT $tag$ abc $tg$', 'an unclosed dollar-quoted string ($tag$) starting on line 1'],
    [MY, "SELECT 'ends with a backslash\\'", 'an unclosed string literal starting on line 1'],
    [PG, "SELECT E'ends with a backslash\\'", 'an unclosed string literal starting on line 1'],
  ] as const)('reports an unterminated %j %j', (engine, sql, message) => {
    const r = inspectSql(sql, engine);
    expect(r.unterminated).toBe(message);
    expect(r.checked).toBe(false);
  });

  it('an unterminated string makes the whole review unchecked (it used to keep the statements before it)', () => {
    const r = inspectSql("SELECT 1; UPDATE t SET a = 'x; DELETE FROM t", MY);
    expect(r.checked).toBe(false);
    expect(summarizeInspection(r)).toBe('Could not be checked — read it yourself');
  });

  it('counts kinds', () => {
    const r = inspectSql('UPDATE a SET x=1 WHERE y; update b set x=1 where y; ALTER TABLE c ADD d INT', MY);
    expect(r.counts).toEqual({ UPDATE: 2, DDL: 1 });
  });

  it.each(BOTH)('%s: a statement starting with punctuation cannot be checked (it used to be OTHER)', (_, engine) => {
    expect(inspectSql('?', engine).checked).toBe(false);
  });
});

describe('summarizeInspection', () => {
  it('lists counts in a fixed kind order', () => {
    const r = inspectSql('ALTER TABLE c ADD d INT; UPDATE a SET x=1 WHERE y; UPDATE b SET x=1 WHERE y', MY);
    expect(summarizeInspection(r)).toBe('3 statements: 2 UPDATE, 1 DDL');
  });

  it('uses the singular for one statement', () => {
    expect(summarizeInspection(inspectSql('DELETE FROM t WHERE id = 1', PG))).toBe('1 statement: 1 DELETE');
  });

  it('says when there is nothing', () => {
    expect(summarizeInspection(inspectSql('-- nothing', MY))).toBe('No SQL statements');
  });
});

describe('engines', () => {
  it.each([
    ['mysql', 'mysql'],
    ['MySQL', 'mysql'],
    ['polardb', 'mysql'],
    ['mariadb', 'mariadb'],
    ['postgresql', 'postgresql'],
    ['polardb_pg', 'postgresql'],
  ])('DbType %s parses as %s', (dbType, dialect) => {
    expect(engineFor(dbType)).toEqual({ dialect });
  });

  it.each(['oracle', 'sqlserver', 'mongodb', 'oceanbase', '', undefined])('DbType %j fails closed', (dbType) => {
    const r = inspectSql('DELETE FROM t WHERE id = 1', engineFor(dbType));
    expect(r.checked).toBe(false);
    expect(summarizeInspection(r)).toBe('Could not be checked — read it yourself');
    expect(reviewWarnings(r)[0]).toMatch(
      /^The review could not check this SQL: (the database engine is |DMS did not say)/,
    );
  });

  it('a DbType full of markup is not echoed as is', () => {
    expect(JSON.stringify(engineFor('<!channel> `x`'))).not.toMatch(/[<>`]/);
  });

  it('several databases: each engine parses; one unsupported engine makes the whole review unchecked', () => {
    const sql = 'UPDATE t SET a = 1';
    expect(inspectSqlFor(sql, [MY, PG])).toMatchObject({ checked: true, warnings: [noWhere(1, 'UPDATE')] });
    expect(inspectSqlFor(sql, [MY, engineFor('oracle')]).checked).toBe(false);
    // PostgreSQL reads "--x" as a comment; MySQL does not (and fails closed): the MySQL reading wins by failing.
    expect(inspectSqlFor('SELECT 1 --x\n', [PG, MY]).checked).toBe(false);
  });
});
