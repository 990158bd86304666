/**
 * The red-team classes against the SQL review: warnings never hidden (order, grouping, room), statements hidden
 * behind a line terminator in a single-line comment, WHEREs that are always true, and exports that can run code
 * (attribute notation, operators, casts) or write session state (MySQL := assignments).
 */
import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewBlocks } from '../../../../blocks/dms/change-modal.js';
import { reviewSection } from '../../../../src/dms/change/service.js';
import {
  type Dialect,
  exportProblem,
  inspectSql,
  loadSqlParsers,
  reviewWarnings,
  summarizeInspection,
} from '../../../../src/dms/sql-review/inspect.js';
import { presentWarnings, warningRank } from '../../../../src/dms/sql-review/review.js';

beforeAll(async () => {
  await loadSqlParsers();
});

const DIALECTS: Dialect[] = ['mysql', 'postgresql'];
const textOf = (b: KnownBlock): string => (b.type === 'section' && b.text ? b.text.text : '');
const review = (sql: string, dialect: Dialect = 'mysql') => inspectSql(sql, { dialect });
const modalText = (sql: string, dialect: Dialect = 'mysql') => {
  const i = review(sql, dialect);
  return reviewBlocks({ summary: summarizeInspection(i), warnings: reviewWarnings(i), checked: i.checked }).map(textOf);
};

describe('warnings are never hidden', () => {
  it('orders the fail-closed warning, then no-WHERE and data-changing CTEs, then the rest, keeping order within a rank', () => {
    const out = presentWarnings([
      'Invisible or look-alike characters inside quotes or comments: U+00A0 (no-break space) at line 1, column 3.',
      'Statement 1 (UPDATE) has a WHERE clause that names no column: it matches every row or none.',
      'Statement 2 (DELETE) has no WHERE clause: it affects every row of the table.',
      'Statement 3 (SELECT) changes data inside its WITH clause (DELETE); check that part by hand.',
      'The review could not check this SQL: x. Read every statement yourself.',
    ]);
    expect(out.map(warningRank)).toEqual([0, 1, 1, 2, 3]);
    expect(out[1]).toMatch(/^Statement 2 \(DELETE\)/);
  });

  it('says a sentence shared by many statements once, with runs collapsed, and is idempotent', () => {
    const many = [1, 2, 3, 5, 7, 8].map(
      (n) => `Statement ${n} (UPDATE) has a WHERE clause that names no column: it matches every row or none.`,
    );
    const once = presentWarnings(many);
    expect(once).toEqual([
      'Statements 1–3, 5, 7, 8 (UPDATE) each has a WHERE clause that names no column: it matches every row or none.',
    ]);
    expect(presentWarnings(once)).toEqual(once);
  });

  it('the red-team example: four warnings, the WHERE-less DELETE first, none left out', () => {
    const i = review(
      'UPDATE t SET a=1 WHERE 1; UPDATE t SET b=1 WHERE 1; UPDATE t SET c=1 WHERE 1; DELETE FROM orders',
    );
    const w = reviewWarnings(i);
    expect(w[0]).toBe('Statement 4 (DELETE) has no WHERE clause: it affects every row of the table.');
    expect(reviewSection(i.warnings).split('\n')[0]).toContain('Statement 4 (DELETE) has no WHERE clause');
  });

  it('the modal splits a long review over sections of at most 3,000 characters and says how many it leaves out', () => {
    const warnings = Array.from(
      { length: 400 },
      (_, k) => `Something ${k} to read about this SQL that is rather long, ${'x'.repeat(60)}.`,
    );
    const blocks = reviewBlocks({
      summary: '400 statements: 400 OTHER',
      warnings: ['Statement 400 (DELETE) has no WHERE clause: it affects every row of the table.', ...warnings],
    });
    const texts = blocks.map(textOf);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    expect(texts[0]!.split('\n').slice(0, 2)).toEqual([
      '*What will run:* 400 statements: 400 OTHER',
      ':warning: Statement 400 (DELETE) has no WHERE clause: it affects every row of the table.',
    ]);
    expect(texts.join('\n')).toMatch(/…and \d+ more warnings, not shown here/);
    expect(texts.join('\n')).not.toContain('truncated');
  });

  it('the root message section stays within a section and says how many it leaves out', () => {
    const warnings = Array.from({ length: 100 }, (_, k) => `Note ${k}: ${'y'.repeat(100)}.`);
    const text = reviewSection([
      'Statement 9 (DELETE) has no WHERE clause: it affects every row of the table.',
      ...warnings,
    ]);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.split('\n')[0]).toContain('Statement 9 (DELETE) has no WHERE clause');
    expect(text).toMatch(/…and \d+ more warnings/);
  });

  // Property: any number of warning-free or constant-WHERE statements, then a WHERE-less one, in any dialect: the
  // WHERE-less warning is the first warning in the modal and in the root message, and the count line is shown.
  it('property: N statements then a WHERE-less DELETE — its warning is always visible, first, in the modal and the root message', () => {
    const statement = fc.constantFrom(
      'UPDATE t SET a = 1 WHERE id = 1',
      'UPDATE t SET a = 1 WHERE 1',
      'DELETE FROM t WHERE id = 2',
      "INSERT INTO t (a) VALUES ('x')",
      'UPDATE t SET b = 2 WHERE TRUE',
    );
    fc.assert(
      fc.property(
        fc.array(statement, { minLength: 0, maxLength: 150 }),
        fc.constantFrom(...DIALECTS),
        (before, dialect) => {
          const sql = [...before, 'DELETE FROM orders'].join('; ');
          const n = before.length + 1;
          const i = review(sql, dialect);
          expect(i.checked).toBe(true);
          const texts = modalText(sql, dialect);
          for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
          const lines = texts.join('\n').split('\n');
          expect(lines[0]).toMatch(new RegExp(`^\\*What will run:\\* ${n} statements?: `));
          expect(lines[1]).toBe(
            `:warning: Statement ${n} (DELETE) has no WHERE clause: it affects every row of the table.`,
          );
          const root = reviewSection(i.warnings);
          expect(root.length).toBeLessThanOrEqual(3000);
          expect(root.split('\n')[0]).toBe(
            `:warning: Statement ${n} (DELETE) has no WHERE clause: it affects every row of the table.`,
          );
          expect(root).not.toMatch(/more warning/);
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe('a line terminator inside a single-line comment fails closed', () => {
  it.each([
    ['mysql', 'DELETE FROM t WHERE a=1 -- x\r; DELETE FROM u'],
    ['mysql', 'DELETE FROM t WHERE a=1 # x\r; DELETE FROM u'],
    ['mysql', 'DELETE FROM t WHERE a=1 -- x\u0085; DELETE FROM u'],
    ['mysql', 'DELETE FROM t WHERE a=1 -- x\u2028; DELETE FROM u'],
    ['mysql', 'DELETE FROM t WHERE a=1 # x\u2029; DELETE FROM u'],
    ['postgresql', 'DELETE FROM t WHERE a=1 -- x\u2028; DELETE FROM u'],
    ['postgresql', 'DELETE FROM t WHERE a=1 -- x\u0085; DELETE FROM u'],
  ] as const)('%s: %j', (dialect, sql) => {
    const i = review(sql, dialect);
    expect(i.checked).toBe(false);
    expect(reviewWarnings(i)[0]).toMatch(/line break other than a plain newline/);
  });

  it('a CR LF line end is an ordinary line end', () => {
    const i = review('DELETE FROM t WHERE a=1 -- x\r\n; DELETE FROM u WHERE b=2');
    expect(i.checked).toBe(true);
    expect(i.characters).toEqual([]);
  });

  it('a bare CR anywhere is shown as a character', () => {
    expect(review("SELECT 'a\rb'").characters.map((c) => c.code)).toEqual(['U+000D']);
  });

  it('property: any of those terminators anywhere inside a -- or # comment fails closed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('--', '-- ', '#'),
        fc.string({ maxLength: 8 }).map((s) => s.replace(/[\n\r\u0085\u2028\u2029'"`\\/*\u0000-\u001f]/g, 'a')),
        fc.constantFrom('\r', '\u0085', '\u2028', '\u2029'),
        fc.string({ maxLength: 8 }).map((s) => s.replace(/[\n\r\u0085\u2028\u2029'"`\\/*\u0000-\u001f]/g, 'a')),
        (open, a, term, b) => {
          const i = review(`UPDATE t SET a = 1 WHERE id = 1 ${open}${a}${term}${b}; DELETE FROM u\n`, 'mysql');
          expect(i.checked).toBe(false);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('a WHERE that is always true is not an assurance', () => {
  it.each(DIALECTS)('%s', (dialect) => {
    for (const where of [
      'a = a',
      'a IS NOT NULL OR 1',
      'a = 1 OR TRUE',
      "a = 1 OR '1'",
      't.a = t.a',
      '(a = a) AND 1',
      'a >= a',
    ]) {
      const i = review(`UPDATE t SET a = 1 WHERE ${where}`, dialect);
      expect(i.checked, where).toBe(true);
      expect(reviewWarnings(i), where).toEqual([
        expect.stringMatching(/^Statement 1 \(UPDATE\) has a WHERE clause that (is always true|names no column)/),
      ]);
    }
    for (const where of ['a = b', 'a = 1 AND b = b', 'a IS NOT NULL'])
      expect(reviewWarnings(review(`DELETE FROM t WHERE ${where}`, dialect)), where).toEqual([]);
  });

  it('the check mark says what was checked, not more', () => {
    expect(modalText('UPDATE t SET a = 1 WHERE id = 1').join('\n')).toContain(
      ':white_check_mark: Every UPDATE and DELETE has a WHERE clause; the review cannot tell how many rows it matches.',
    );
  });
});

describe('an export cannot run user code or write session state', () => {
  it.each([
    ['SELECT (t).evil FROM t', /field selection \(…\)\.evil/],
    ['SELECT (ROW(1, 2)).f1', /field selection/],
    ['SELECT (t).* FROM t', /field selection/],
    ['SELECT 1 OPERATOR(public.===) 1', /OPERATOR\(public\.===\)/],
    ['SELECT a @@ b FROM t', /the operator @@/],
    ['SELECT a FROM t WHERE a === b', /the operator ===/],
    ['SELECT a FROM t ORDER BY a USING ~<~', /the operator ~<~/],
    ["SELECT '1'::public.mytype", /cast to the type public\.mytype/],
    ["SELECT CAST('1' AS mytype)", /cast to the type mytype/],
    ["SELECT mytype '1'", /cast to the type mytype/],
  ])('PostgreSQL refuses %s', (sql, message) => {
    expect(exportProblem(review(sql, 'postgresql'))).toMatch(message);
  });

  it.each([
    'SELECT t.a, arr[1], a + 1, a || b, a LIKE b, a BETWEEN 1 AND 2, a IN (1, 2), a = ANY(ARRAY[1]), a IS DISTINCT FROM b FROM t',
    "SELECT '1'::int, CAST(x AS varchar(3)), date '2020-01-01', x::numeric(3,2)[], x::text, x::timestamptz, j->>'k' FROM t",
    'SELECT 1 OPERATOR(pg_catalog.+) 2',
  ])('PostgreSQL still accepts %s', (sql) => {
    expect(exportProblem(review(sql, 'postgresql'))).toBeUndefined();
  });

  it.each(['SELECT a, @v := a FROM t', 'SELECT @v:=1', 'SELECT a, @n := @n + 1 AS k FROM t'])(
    'MySQL refuses %s',
    (sql) => {
      expect(exportProblem(review(sql, 'mysql'))).toMatch(/assignment to a variable/);
    },
  );

  it('MySQL still accepts a comparison with a variable', () => {
    expect(exportProblem(review('SELECT a FROM t WHERE @v = a', 'mysql'))).toBeUndefined();
  });
});
