/** The classes, one test per trick: the review either reads it right or fails closed, visibly. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exportProblem,
  inspectSql,
  loadSqlParsers,
  reviewWarnings,
  type SqlEngine,
  summarizeInspection,
} from '../../../../src/dms/sql-review/inspect.js';

const MY: SqlEngine = { dialect: 'mysql' };
const PG: SqlEngine = { dialect: 'postgresql' };
const ENGINES = [
  ['mysql', MY],
  ['mariadb', { dialect: 'mariadb' } as SqlEngine],
  ['postgresql', PG],
] as const;

beforeAll(() => loadSqlParsers());

describe('Unicode around keywords and in names', () => {
  it.each(ENGINES)('%s: DELETE … WHERE + U+200B is not a WHERE: fails closed and names the character', (_, engine) => {
    const r = inspectSql('DELETE FROM orders WHERE\u200b', engine);
    expect(r.checked).toBe(false);
    expect(reviewWarnings(r)[0]).toContain('U+200B (zero-width space) at line 1, column 25');
    expect(summarizeInspection(r)).toBe('Could not be checked — read it yourself');
  });

  it.each(ENGINES)('%s: UPDATE … WHERE + U+00A0 + SET fails closed', (_, engine) => {
    const r = inspectSql('UPDATE orders WHERE\u00a0SET a = 1', engine);
    expect(r.checked).toBe(false);
    expect(r.unchecked).toContain('U+00A0 (no-break space) at line 1, column 20');
  });

  it.each([
    '\u2003',
    '\u3000',
    '\u202f',
    '\ufeff',
    '\u2060',
    '\u180e',
    '\u3164',
    '\u2800',
    '\u200d',
    '\u034f',
    '\ufe0f',
    '\u000b',
    '\u0085',
  ])('U+%s between words fails closed on every dialect', (ch) => {
    for (const [, engine] of ENGINES)
      expect(inspectSql(`DELETE FROM orders WHERE${ch} id = 1`, engine).checked).toBe(false);
  });

  it.each(ENGINES)('%s: a Cyrillic letter in a keyword is a look-alike, shown with its position', (_, engine) => {
    const r = inspectSql('DELETE FROM orders WH\u0415RE id = 1', engine);
    expect(r.checked).toBe(false);
    expect(r.unchecked).toContain('U+0415 (letter that looks like a Latin one) at line 1, column 22');
  });

  it.each(ENGINES)('%s: full-width letters fail closed too', (_, engine) => {
    expect(inspectSql('DELETE FROM orders \uff37\uff28\uff25\uff32\uff25 id = 1', engine).checked).toBe(false);
  });

  it.each(ENGINES)('%s: invisible characters inside a string are data: checked, but shown', (_, engine) => {
    const r = inspectSql("UPDATE t SET a = 'x\u200by' WHERE id = 1", engine);
    expect(r.checked).toBe(true);
    expect(r.warnings).toEqual([
      'Invisible or look-alike characters inside quotes or comments: U+200B (zero-width space) at line 1, column 20.',
    ]);
  });

  it('Chinese names are neither invisible nor look-alike', () => {
    const r = inspectSql('UPDATE 订单 SET 状态 = 1 WHERE 编号 = 2', MY);
    expect(r).toMatchObject({ checked: true, characters: [] });
    expect(r.statements[0]?.hasWhere).toBe(true);
  });

  it('a pure-Russian name keeps its review (only words that read as Latin are look-alikes)', () => {
    expect(inspectSql('UPDATE заказы SET a = 1 WHERE id = 2', PG).checked).toBe(true);
  });

  it("NUL anywhere fails closed (PostgreSQL's parser stops reading at it)", () => {
    expect(inspectSql("SELECT 1 FROM t WHERE a = '\u0000'; DELETE FROM t", PG).checked).toBe(false);
    expect(inspectSql("SELECT '\u0000'", MY).checked).toBe(false);
  });

  it('lists at most five characters and says how many more', () => {
    const r = inspectSql(`SELECT '${'\u200b'.repeat(8)}'`, MY);
    expect(r.warnings[0]).toMatch(/; and 3 more\.$/);
  });
});

describe('dialect quoting and comments', () => {
  it('MySQL: $$ is not a quote, so a statement behind it is not hidden', () => {
    const r = inspectSql('SELECT $$a; DELETE FROM orders; $$', MY);
    expect(r.checked).toBe(false);
    expect(exportProblem(r)).toMatch(/^I could not check this SQL/);
  });

  it('PostgreSQL: $$ is a quote', () => {
    expect(inspectSql('SELECT $$a; DELETE FROM orders; $$', PG)).toMatchObject({
      checked: true,
      counts: { SELECT: 1 },
    });
  });

  it('PostgreSQL: a backslash in a standard string does not escape the quote, and the review says the setting decides', () => {
    const r = inspectSql("SELECT 'a\\'; DELETE FROM orders; --'", PG);
    expect(r.checked).toBe(false);
    expect(r.unchecked).toMatch(/standard_conforming_strings/);
  });

  it("PostgreSQL: E'…' strings always read backslashes, so they are not ambiguous", () => {
    const r = inspectSql("SELECT E'a\\'; DELETE FROM orders; --'", PG);
    expect(r).toMatchObject({ checked: true, counts: { SELECT: 1 } });
  });

  it('PostgreSQL: "--x" is a comment and hides the rest of the line', () => {
    const r = inspectSql('DELETE FROM orders --x WHERE id = 1\n', PG);
    expect(r.checked).toBe(true);
    expect(r.warnings).toEqual(['Statement 1 (DELETE) has no WHERE clause: it affects every row of the table.']);
  });

  it('MySQL: "--x" is not a comment: fails closed rather than trust the parser', () => {
    expect(inspectSql('SELECT 1 --x; DELETE FROM orders', MY).checked).toBe(false);
  });

  it('MySQL: "-- " and "--\\t" are comments, "#" too', () => {
    for (const c of ['-- x', '--\tx', '# x', '--']) {
      expect(inspectSql(`DELETE FROM orders ${c}\n`, MY).warnings).toEqual([
        'Statement 1 (DELETE) has no WHERE clause: it affects every row of the table.',
      ]);
    }
  });

  it('MySQL: ANSI_QUOTES changes what a backslash in double quotes does: fails closed', () => {
    expect(inspectSql('SELECT "a\\"; DELETE FROM orders; -- "', MY).unchecked).toMatch(
      /ANSI_QUOTES|NO_BACKSLASH_ESCAPES/,
    );
  });

  it('MySQL: an escaped backslash alone is read the same under every setting', () => {
    expect(inspectSql("SELECT 'C:\\\\dir' FROM t", MY).checked).toBe(true);
  });

  it('MySQL: a character beyond U+FFFF outside quotes fails closed', () => {
    expect(inspectSql('SELECT 😀 FROM t', MY).checked).toBe(false);
  });
});

describe('an export is exactly one read-only query', () => {
  it.each([
    ['SELECT 1; DELETE FROM orders', MY, /exactly one query; this SQL has 2 statements/],
    ['SELECT 1; DELETE FROM orders', PG, /exactly one query; this SQL has 2 statements/],
    ['WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d', PG, /DELETE inside its WITH clause/],
    [
      'WITH d AS (UPDATE orders SET a = 1 WHERE id = 2 RETURNING *) SELECT * FROM d',
      PG,
      /UPDATE inside its WITH clause/,
    ],
    ['WITH d AS (INSERT INTO log VALUES (1) RETURNING *) SELECT * FROM d', PG, /INSERT inside its WITH clause/],
    ['SELECT * INTO copy FROM orders', PG, /SELECT … INTO/],
    ['SELECT * INTO @x FROM orders', MY, /SELECT … INTO/],
    ["SELECT * FROM orders INTO OUTFILE '/tmp/x'", MY, /SELECT … INTO/],
    ['SELECT * FROM orders FOR UPDATE', MY, /locks rows/],
    ['SELECT * FROM orders FOR UPDATE', PG, /locks rows/],
    ['SELECT * FROM orders FOR SHARE', PG, /locks rows/],
    ['SELECT * FROM orders LOCK IN SHARE MODE', MY, /locks rows/],
    ['SELECT * FROM (SELECT * FROM orders FOR UPDATE) x', PG, /locks rows/],
    ['SELECT pg_sleep(10)', PG, /pg_sleep\(\) is not among them/],
    ["SELECT nextval('s')", PG, /nextval\(\)/],
    ['SELECT public.wipe_orders()', PG, /public\.wipe_orders\(\)/],
    ['SELECT * FROM orders WHERE id = refund(1)', PG, /refund\(\)/],
    ["SELECT sleep(10), get_lock('x', 1)", MY, /sleep\(\), get_lock\(\) are not among them/],
    ["SELECT load_file('/etc/passwd')", MY, /load_file\(\)/],
    ['DELETE FROM orders', MY, /starts with DELETE.*\/dms change/],
    ['EXPLAIN ANALYZE DELETE FROM orders', PG, /\/dms change/],
    ['DO $$ BEGIN DELETE FROM orders; END $$', PG, /\/dms change/],
    ['CALL wipe()', MY, /\/dms change/],
    ['-- nothing', MY, /No SQL statement found/],
    ["SELECT 'open", MY, /unclosed string literal/],
  ] as const)('%s (%j) is refused', (sql, engine, message) => {
    expect(exportProblem(inspectSql(sql, engine))).toMatch(message);
  });

  it.each([
    ["SELECT id, status FROM orders WHERE created_at > '2026-01-01'", MY],
    ["SELECT id, status FROM orders WHERE created_at > '2026-01-01'", PG],
    ['SELECT count(*), max(id), date_format(created_at, "%Y") FROM orders GROUP BY 3', MY],
    ["SELECT count(*), date_trunc('day', created_at), coalesce(a, 0) FROM orders GROUP BY 2", PG],
    ['WITH recent AS (SELECT * FROM orders WHERE id > 10) SELECT * FROM recent', PG],
    ['SELECT a FROM t WHERE x IN (SELECT y FROM u) AND EXISTS (SELECT 1 FROM v)', MY],
    ['(SELECT 1) UNION (SELECT 2)', PG],
    ['SELECT extract(year from now()), lower(name) FROM orders', PG],
    ['SELECT * FROM orders;', MY],
  ] as const)('%s (%j) is accepted', (sql, engine) => {
    expect(exportProblem(inspectSql(sql, engine))).toBeUndefined();
  });

  it('an engine the review cannot parse is refused, with the reason', () => {
    expect(
      exportProblem(
        inspectSql('SELECT 1 FROM dual', {
          unsupported: 'the database engine is oracle, whose SQL the review cannot parse',
        }),
      ),
    ).toBe(
      'I could not check this SQL: the database engine is oracle, whose SQL the review cannot parse. An export must be checked to be exactly one read-only query; fix that, or file it in DMS directly.',
    );
  });
});

describe('change review from the parse tree', () => {
  it('PostgreSQL: UPDATE/DELETE without WHERE at any level is warned (CTE, PREPARE, EXPLAIN ANALYZE)', () => {
    const r = inspectSql(
      'WITH d AS (DELETE FROM a RETURNING *) UPDATE b SET x = 1 WHERE id IN (SELECT id FROM d); PREPARE p AS UPDATE c SET y = 2; EXPLAIN ANALYZE DELETE FROM e',
      PG,
    );
    expect(r.warnings).toEqual([
      'Statement 1 (UPDATE) changes data inside its WITH clause (DELETE); check that part by hand.',
      'Statement 1 (UPDATE) has a DELETE without a WHERE clause inside its WITH clause: it affects every row of the table.',
      'Statement 2 (PREPARE) has a UPDATE without a WHERE clause inside it: it affects every row of the table.',
      'Statement 3 (EXPLAIN) has a DELETE without a WHERE clause inside it: it affects every row of the table.',
    ]);
  });

  it('PostgreSQL: DO blocks and CALL are pointed out as not checked', () => {
    expect(inspectSql('DO $$ BEGIN DELETE FROM t; END $$; CALL p()', PG).warnings).toEqual([
      'Statement 1 (DO) runs a DO block; what that does was not checked: read it yourself.',
      'Statement 2 (CALL) calls a procedure; what that does was not checked: read it yourself.',
    ]);
  });

  it('the fail-closed headline never comes with a statement count', () => {
    const r = inspectSql('DELETE FROM orders WHERE\u200b', MY);
    expect(r.statements).toEqual([]);
    expect(summarizeInspection(r)).not.toMatch(/\d/);
  });
});
