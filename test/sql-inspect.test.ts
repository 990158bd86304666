import { describe, it, expect } from 'vitest';
import { inspectSql, summarizeInspection, type StatementInfo } from '../src/sql-inspect.js';

function only(sql: string): StatementInfo {
  const { statements } = inspectSql(sql);
  expect(statements).toHaveLength(1);
  const [s] = statements;
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
    ['SET NAMES utf8mb4', 'OTHER', 'SET'],
    ['CALL refresh()', 'OTHER', 'CALL'],
  ] as const)('%s -> %s', (sql, kind, keyword) => {
    const s = only(sql);
    expect(s.kind).toBe(kind);
    expect(s.keyword).toBe(keyword);
  });

  it('skips leading comments and whitespace to find the keyword', () => {
    const s = only('  -- change 42\n/* reviewed */\n# mysql comment\n\tdelete from t where id = 1');
    expect(s.kind).toBe('DELETE');
    expect(s.text).toBe('delete from t where id = 1');
  });

  it('reads the statement after a simple WITH clause', () => {
    const s = only('WITH old AS (SELECT id FROM t WHERE created < now()) DELETE FROM t WHERE id IN (SELECT id FROM old)');
    expect(s).toMatchObject({ kind: 'DELETE', keyword: 'DELETE', hasWhere: true });
  });

  it('handles several CTEs, column lists and RECURSIVE', () => {
    const sql =
      'WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 5), b AS (SELECT (1)) UPDATE t SET x = 1';
    const r = inspectSql(sql);
    expect(r.statements[0]).toMatchObject({ kind: 'UPDATE', hasWhere: false });
    expect(r.warnings).toEqual([noWhere(1, 'UPDATE')]);
  });

  it('WITH ... SELECT is a SELECT', () => {
    expect(only('with x as (select 1) select * from x').kind).toBe('SELECT');
  });

  it('flags a PostgreSQL data-changing CTE hidden behind a SELECT', () => {
    const r = inspectSql('WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone');
    expect(r.statements[0]?.kind).toBe('SELECT');
    expect(r.warnings).toEqual([
      'Statement 1 (SELECT) changes data inside its WITH clause (DELETE); check that part by hand.',
    ]);
  });

  it('a WITH clause it cannot follow stays OTHER', () => {
    expect(only('WITH broken').kind).toBe('OTHER');
  });

  it('a statement in leading parentheses is classified by its first word', () => {
    expect(only('(SELECT 1) UNION (SELECT 2)').kind).toBe('SELECT');
  });
});

describe('inspectSql: WHERE detection', () => {
  it.each([
    ["DELETE FROM t WHERE name = 'x'", true],
    ["DELETE FROM t -- where id = 1\n", false],
    ['DELETE FROM t # where id = 1', false],
    ['DELETE FROM t /* where id = 1 */', false],
    ["UPDATE t SET note = 'where'", false],
    ['UPDATE t SET note = "where"', false],
    ['UPDATE `where` SET a = 1', false],
    ['UPDATE t SET somewhere = 1', false],
    ['UPDATE t SET where_col = 1', false],
    ['UPDATE t SET a$where = 1', false],
    ['UPDATE t SET a = $$where$$', false],
    ['UPDATE t SET a = (SELECT b FROM u WHERE u.id = t.id)', false],
    ['DELETE FROM t WHERE id IN (SELECT id FROM u WHERE flag)', true],
    ['delete from t wHeRe id = 1', true],
    ['UPDATE t\r\nSET a = 1\r\nWHERE\r\nid = 2', true],
    ['UPDATE t SET a = ((1 + (2))) WHERE id = 3', true],
    ['UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.a WHERE t2.flag = 1', true],
  ] as const)('%j -> hasWhere %s', (sql, expected) => {
    expect(only(sql).hasWhere).toBe(expected);
    expect(inspectSql(sql).unterminated).toBeUndefined();
  });

  it('UPDATE/DELETE without WHERE warn; with WHERE they do not', () => {
    const r = inspectSql('UPDATE t SET a = 1; DELETE FROM t; DELETE FROM t WHERE id = 1; UPDATE t SET a = 2 WHERE b = 3');
    expect(r.warnings).toEqual([noWhere(1, 'UPDATE'), noWhere(2, 'DELETE')]);
  });

  it('DELETE ... LIMIT without WHERE still warns, with a LIMIT-specific reason', () => {
    const r = inspectSql('DELETE FROM logs ORDER BY id LIMIT 1000');
    expect(r.statements[0]?.hasWhere).toBe(false);
    expect(r.warnings).toEqual([
      'Statement 1 (DELETE) has no WHERE clause: it affects arbitrary rows, up to its LIMIT.',
    ]);
  });

  it('a LIMIT inside a subquery does not change the message', () => {
    expect(inspectSql('UPDATE t SET a = (SELECT b FROM u LIMIT 1)').warnings).toEqual([noWhere(1, 'UPDATE')]);
  });

  it('INSERT ... SELECT ... WHERE has a WHERE, and INSERT never warns either way', () => {
    const r = inspectSql('INSERT INTO a SELECT * FROM b WHERE x = 1; INSERT INTO a SELECT * FROM b; REPLACE INTO a VALUES (1)');
    expect(r.statements.map((s) => s.hasWhere)).toEqual([true, false, false]);
    expect(r.warnings).toEqual([]);
  });

  it('SELECT without WHERE does not warn', () => {
    expect(inspectSql('SELECT * FROM t').warnings).toEqual([]);
  });
});

describe('inspectSql: splitting', () => {
  it('splits on semicolons and ignores empty statements', () => {
    const r = inspectSql(';;UPDATE t SET a = 1 WHERE id = 1;; ;\n;DELETE FROM t WHERE id = 2;');
    expect(r.statements.map((s) => [s.index, s.kind])).toEqual([
      [1, 'UPDATE'],
      [2, 'DELETE'],
    ]);
  });

  it('ignores semicolons inside strings, identifiers and comments', () => {
    const sql = [
      "UPDATE t SET a = 'x; DROP TABLE t' WHERE id = 1;",
      'UPDATE t SET b = "y; z" WHERE id = 2 -- trailing; comment',
      ';',
      'UPDATE `we;ird` SET c = 1 /* ; */ WHERE id = 3 # also; here',
    ].join('\n');
    const r = inspectSql(sql);
    expect(r.statements).toHaveLength(3);
    expect(r.warnings).toEqual([]);
  });

  it('handles escaped quotes in both styles', () => {
    const r = inspectSql("UPDATE t SET a = 'it''s; fine', b = 'it\\'s; fine\\\\' WHERE id = 1; DELETE FROM t");
    expect(r.statements.map((s) => s.kind)).toEqual(['UPDATE', 'DELETE']);
    expect(r.statements[0]?.hasWhere).toBe(true);
    expect(r.warnings).toEqual([noWhere(2, 'DELETE')]);
  });

  it('handles doubled quotes inside double-quoted and backtick identifiers', () => {
    const r = inspectSql('UPDATE "a""; where" SET `b``; where` = 1; SELECT 1');
    expect(r.statements).toHaveLength(2);
    expect(r.statements[0]?.hasWhere).toBe(false);
  });

  it('treats PostgreSQL dollar quoting as a string', () => {
    const sql = [
      'CREATE FUNCTION f() RETURNS void AS $body$',
      'BEGIN DELETE FROM t; UPDATE u SET a = 1; END;',
      '$body$ LANGUAGE plpgsql;',
      'UPDATE t SET a = $$ ; where $$ WHERE id = 1;',
      'SELECT $1, a$b FROM t',
    ].join('\n');
    const r = inspectSql(sql);
    expect(r.statements.map((s) => s.kind)).toEqual(['DDL', 'UPDATE', 'SELECT']);
    expect(r.warnings).toEqual([]);
  });

  it('keeps the statement text trimmed, multi-line, and without leading comments', () => {
    const r = inspectSql('\n  /* why */ UPDATE t\n  SET a = 1\n  WHERE id = 1  ;  \n');
    expect(r.statements[0]?.text).toBe('UPDATE t\n  SET a = 1\n  WHERE id = 1');
  });

  it('"a--1" is arithmetic, not a comment, so the next statement stays visible', () => {
    const r = inspectSql('UPDATE t SET a = a--1 WHERE id = 1; DELETE FROM t');
    expect(r.statements.map((s) => s.kind)).toEqual(['UPDATE', 'DELETE']);
    expect(r.warnings).toEqual([noWhere(2, 'DELETE')]);
  });

  it('a -- comment at the very end of input', () => {
    expect(inspectSql('SELECT 1 --').statements).toHaveLength(1);
  });

  it('block comments do not nest, so nothing after the first */ is hidden', () => {
    const r = inspectSql('/* outer /* inner */ DELETE FROM t');
    expect(r.statements[0]?.kind).toBe('DELETE');
  });
});

describe('inspectSql: special statements and input', () => {
  it('TRUNCATE gets its own warning', () => {
    expect(inspectSql('SELECT 1; truncate table orders').warnings).toEqual([
      'Statement 2 (TRUNCATE) removes every row of the table.',
    ]);
  });

  it('DROP TABLE and DROP DATABASE warn; DROP INDEX does not', () => {
    const r = inspectSql('DROP TEMPORARY TABLE tmp; DROP DATABASE shop; DROP INDEX i ON t');
    expect(r.warnings).toEqual([
      'Statement 1 (DROP TABLE) removes the table and all its data.',
      'Statement 2 (DROP DATABASE) removes the database and all its data.',
    ]);
  });

  it('MySQL /*! */ hints are comments, but their presence is pointed out', () => {
    const r = inspectSql('/*!40101 SET NAMES utf8 */;\nUPDATE t SET a = 1 /*! WHERE id = 1 */;\n/*!50003 DELETE FROM t */');
    expect(r.statements).toHaveLength(1);
    expect(r.statements[0]?.hasWhere).toBe(false);
    expect(r.warnings).toEqual([
      noWhere(1, 'UPDATE'),
      'MySQL runs the content of the /*! ... */ comments on lines 1, 2, 3, but they were not inspected; check them by hand.',
    ]);
  });

  it('a single hint uses the singular', () => {
    expect(inspectSql('SELECT 1 /*!99999 , 2 */').warnings).toEqual([
      'MySQL runs the content of the /*! ... */ comment on line 1, but it was not inspected; check it by hand.',
    ]);
  });

  it('empty and whitespace-only input has no statements', () => {
    for (const sql of ['', '   \n\t\r\n ', ';']) {
      const r = inspectSql(sql);
      expect(r).toEqual({ statements: [], counts: {}, warnings: [] });
    }
  });

  it('only comments has no statements', () => {
    const r = inspectSql('-- nothing here; really\n/* DELETE FROM t; */\n# UPDATE t SET a = 1;');
    expect(r.statements).toEqual([]);
    expect(r.unterminated).toBeUndefined();
  });

  it.each([
    ["SELECT 1;\nUPDATE t\nSET a = 'oops WHERE id = 1;\nDELETE FROM t", 'an unclosed string literal starting on line 3'],
    ['SELECT "abc', 'an unclosed double-quoted string or identifier starting on line 1'],
    ['SELECT 1 FROM `t', 'an unclosed backtick-quoted identifier starting on line 1'],
    ['SELECT 1;\r\n/* forgot to close', 'an unclosed /* comment starting on line 2'],
    ['SELECT $tag$ abc $tg$', 'an unclosed dollar-quoted string ($tag$) starting on line 1'],
    ["SELECT 'ends with a backslash\\'", 'an unclosed string literal starting on line 1'],
  ] as const)('reports an unterminated %j', (sql, message) => {
    expect(inspectSql(sql).unterminated).toBe(message);
  });

  it('an unterminated string keeps the statement it started in', () => {
    const r = inspectSql("SELECT 1; UPDATE t SET a = 'x; DELETE FROM t");
    expect(r.statements.map((s) => s.kind)).toEqual(['SELECT', 'UPDATE']);
    expect(r.statements[1]?.text).toBe("UPDATE t SET a = 'x; DELETE FROM t");
  });

  it('counts kinds', () => {
    const r = inspectSql('UPDATE a SET x=1 WHERE y; update b set x=1 where y; ALTER TABLE c ADD d INT');
    expect(r.counts).toEqual({ UPDATE: 2, DDL: 1 });
  });

  it('a statement starting with punctuation has an empty keyword', () => {
    expect(only('?')).toMatchObject({ kind: 'OTHER', keyword: '' });
  });
});

describe('summarizeInspection', () => {
  it('lists counts in a fixed kind order', () => {
    const r = inspectSql('ALTER TABLE c ADD d INT; UPDATE a SET x=1 WHERE y; UPDATE b SET x=1 WHERE y');
    expect(summarizeInspection(r)).toBe('3 statements: 2 UPDATE, 1 DDL');
  });

  it('uses the singular for one statement', () => {
    expect(summarizeInspection(inspectSql('DELETE FROM t WHERE id = 1'))).toBe('1 statement: 1 DELETE');
  });

  it('says when there is nothing', () => {
    expect(summarizeInspection(inspectSql('-- nothing'))).toBe('No SQL statements');
  });
});
