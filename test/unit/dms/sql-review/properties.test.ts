/**
 * Property tests of the SQL review, per dialect: generated statements with and without WHERE, random whitespace
 * (Unicode spaces included), comments, quoting and known traps. The review may fail closed at any time; when it
 * says it checked, it never reports a WHERE the reference does not have and never counts fewer statements.
 * PostgreSQL's reference is PostgreSQL's own parser; MySQL's is the truth the generator built in.
 */
import fc from 'fast-check';
import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exportProblem,
  inspectSql,
  loadSqlParsers,
  type SqlInspection,
} from '../../../../src/dms/sql-review/inspect.js';

beforeAll(async () => {
  await loadSqlParsers();
  await loadModule();
});

type Kind = 'SELECT' | 'UPDATE' | 'DELETE' | 'OTHER';
interface Truth {
  kind: Kind;
  hasWhere: boolean;
}
interface Generated {
  sql: string;
  /** The statements the server runs, in order; 'ambiguous' when a server setting decides. */
  truth: Truth[] | 'ambiguous';
}

const UNICODE_SPACES = ['\u00a0', '\u200b', '\u2003', '\u3000', '\ufeff', '\u2028', '\u180e'];
const caseOf = (word: string) => fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase());

/** A separator MySQL treats as one (whitespace, comments that end), or a Unicode space it glues into a word. */
const mysqlSeparator = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      ' /* c; where */ ',
      ' -- c; where\n',
      ' # c; where\n',
      ' --\tc\n',
      '/**/',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE_SPACES).map((u) => ` ${u}`) },
);
const isRealSeparator = (s: string) => !UNICODE_SPACES.some((u) => s.includes(u));
const mysqlValue = fc.constantFrom(
  '1',
  "'x'",
  "'it''s; where'",
  '"dq; where"',
  "'; DELETE FROM t; -- '",
  '`col`',
  'NULL',
  "_utf8mb4'z'",
);
const tables = fc.constantFrom('orders', '`order items`', 't1', 'db1.t2');

/** One MySQL statement built from tokens and separators; its truth follows from how it was built. */
const mysqlStatement: fc.Arbitrary<{ sql: string; truth: Truth; tokensOk: boolean }> = fc
  .record({
    kind: fc.constantFrom<Kind>('SELECT', 'UPDATE', 'DELETE'),
    where: fc.boolean(),
    table: tables,
    value: mysqlValue,
    seps: fc.array(mysqlSeparator, { minLength: 12, maxLength: 12 }),
    kw: fc.record({
      select: caseOf('SELECT'),
      update: caseOf('UPDATE'),
      del: caseOf('DELETE'),
      from: caseOf('FROM'),
      set: caseOf('SET'),
      where: caseOf('WHERE'),
    }),
  })
  .map(({ kind, where, table, value, seps, kw }) => {
    const parts: string[] =
      kind === 'SELECT'
        ? [kw.select, 'a', kw.from, table]
        : kind === 'UPDATE'
          ? [kw.update, table, kw.set, 'a', '=', value]
          : [kw.del, kw.from, table];
    const whereAt = parts.length;
    if (where) parts.push(kw.where, 'id', '=', value);
    let sql = '';
    parts.forEach((p, i) => {
      sql += (i === 0 ? '' : seps[i]!) + p;
    });
    // WHERE is a keyword only with real separators on both sides; a Unicode space glues it into a name.
    const realWhere = where && isRealSeparator(seps[whereAt]!) && isRealSeparator(seps[whereAt + 1]!);
    return { sql, truth: { kind, hasWhere: realWhere }, tokensOk: seps.every(isRealSeparator) };
  });

/** Traps from the issue and its classes, with what MySQL really runs. */
const MYSQL_TRAPS: { sql: string; truth: Truth[] | 'ambiguous' }[] = [
  {
    sql: 'SELECT $$; DELETE FROM orders; $$',
    truth: [
      { kind: 'SELECT', hasWhere: false },
      { kind: 'DELETE', hasWhere: false },
      { kind: 'OTHER', hasWhere: false },
    ],
  },
  {
    sql: 'SELECT 1 --x; DELETE FROM orders',
    truth: [
      { kind: 'SELECT', hasWhere: false },
      { kind: 'DELETE', hasWhere: false },
    ],
  },
  {
    sql: 'SELECT a--1 FROM t; DELETE FROM orders',
    truth: [
      { kind: 'SELECT', hasWhere: false },
      { kind: 'DELETE', hasWhere: false },
    ],
  },
  {
    sql: 'SELECT 1 /*! ; DELETE FROM orders */',
    truth: [
      { kind: 'SELECT', hasWhere: false },
      { kind: 'DELETE', hasWhere: false },
    ],
  },
  { sql: 'DELETE FROM orders /*!99999 WHERE id = 1 */', truth: [{ kind: 'DELETE', hasWhere: false }] },
  { sql: 'DELETE FROM orders WHERE\u200b', truth: [{ kind: 'DELETE', hasWhere: false }] },
  { sql: 'UPDATE orders WHERE\u00a0 SET a = 1', truth: [{ kind: 'UPDATE', hasWhere: false }] },
  { sql: 'DELETE FROM orders WH\u0415RE id = 1', truth: [{ kind: 'DELETE', hasWhere: false }] },
  // Not plain reads (kind OTHER): an export must refuse them even when the parser would miss the lock or the call.
  { sql: 'SELECT a--1 FROM orders FOR UPDATE', truth: [{ kind: 'OTHER', hasWhere: false }] },
  { sql: 'SELECT a--1, sleep(5) FROM orders', truth: [{ kind: 'OTHER', hasWhere: false }] },
  { sql: "SELECT 'a\\'; DELETE FROM orders; -- '", truth: 'ambiguous' },
  { sql: 'SELECT "a\\"; DELETE FROM orders; -- "', truth: 'ambiguous' },
];

const mysqlSql: fc.Arbitrary<Generated> = fc
  .record({
    statements: fc.array(mysqlStatement, { minLength: 0, maxLength: 3 }),
    trap: fc.option(fc.constantFrom(...MYSQL_TRAPS), { freq: 3 }),
    trapAt: fc.nat(3),
    joiner: fc.constantFrom(';', ';\n', ' ; ', ';-- end\n', ';# end\n', ';/* ; */'),
  })
  .map(({ statements, trap, trapAt, joiner }) => {
    const items: { sql: string; truth: Truth[] | 'ambiguous' }[] = statements.map((s) => ({
      sql: s.sql,
      truth: [s.truth],
    }));
    if (trap) items.splice(Math.min(trapAt, items.length), 0, trap);
    if (items.length === 0) items.push({ sql: 'SELECT 1', truth: [{ kind: 'SELECT', hasWhere: false }] });
    const truth = items.some((i) => i.truth === 'ambiguous') ? 'ambiguous' : items.flatMap((i) => i.truth as Truth[]);
    // A trailing "--x"/"#" trap would swallow the joiner: put traps on their own line.
    return { sql: items.map((i) => i.sql).join(`${joiner}\n`), truth };
  });

/** The promise under test: checked ⇒ no invented WHERE, no missing statement, every missing WHERE warned. */
function holds(review: SqlInspection, truth: Truth[]): void {
  if (!review.checked) return;
  expect(review.statements.length).toBeGreaterThanOrEqual(truth.length);
  const missing = truth.filter((t) => (t.kind === 'UPDATE' || t.kind === 'DELETE') && !t.hasWhere).length;
  const warned = review.warnings.filter((w) => /has no WHERE clause|without a WHERE clause/.test(w)).length;
  expect(warned).toBeGreaterThanOrEqual(missing);
  if (review.statements.length === truth.length) {
    review.statements.forEach((s, i) => {
      if (s.hasWhere && (truth[i]!.kind === 'UPDATE' || truth[i]!.kind === 'DELETE'))
        expect(truth[i]!.hasWhere).toBe(true);
    });
  }
}

describe('SQL review properties', () => {
  it('MySQL: never a WHERE the server does not see, never fewer statements (truth by construction)', () => {
    fc.assert(
      fc.property(mysqlSql, fc.constantFrom('mysql' as const, 'mariadb' as const), ({ sql, truth }, dialect) => {
        const review = inspectSql(sql, { dialect });
        if (truth === 'ambiguous') expect(review.checked).toBe(false);
        else holds(review, truth);
        // An export is one read: never accepted when the truth has more than one statement or a change.
        if (exportProblem(review) === undefined) {
          expect(truth).not.toBe('ambiguous');
          expect((truth as Truth[]).length).toBe(1);
          expect((truth as Truth[])[0]!.kind).toBe('SELECT');
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('MySQL: plain statements with real separators are checked (the property above is not vacuous)', () => {
    let checked = 0;
    fc.assert(
      fc.property(mysqlStatement, (s) => {
        fc.pre(s.tokensOk && !/[\\]/.test(s.sql));
        const review = inspectSql(s.sql, { dialect: 'mysql' });
        if (review.checked) checked++;
        expect(review.statements[0]?.hasWhere ?? s.truth.hasWhere).toBe(s.truth.hasWhere);
      }),
      { seed: 7, numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  const pgSeparator = fc.constantFrom(
    ' ',
    '\t',
    '\n',
    '\r\n',
    ' /* c /* nested; where */ */ ',
    ' -- c; where\n',
    ' --x\n',
    '/**/',
    ...UNICODE_SPACES.map((u) => ` ${u}`),
    ...UNICODE_SPACES,
  );
  const pgValue = fc.constantFrom(
    '1',
    "'x'",
    "'it''s; where'",
    "E'a\\'b; where'",
    "'a\\'",
    '$$ ; where $$',
    '$t$ ; DELETE FROM t; $t$',
    '"col"',
    "U&'d\\0061t'",
    'NULL',
  );
  const pgStatement = fc
    .record({
      kind: fc.constantFrom('SELECT', 'UPDATE', 'DELETE', 'CTE'),
      where: fc.boolean(),
      value: pgValue,
      seps: fc.array(pgSeparator, { minLength: 12, maxLength: 12 }),
      kw: fc.record({ where: caseOf('WHERE'), del: caseOf('DELETE') }),
    })
    .map(({ kind, where, value, seps, kw }) => {
      const w = where ? [kw.where, 'id', '=', value] : [];
      const parts =
        kind === 'SELECT'
          ? ['SELECT', 'a', 'FROM', 'orders', ...w]
          : kind === 'UPDATE'
            ? ['UPDATE', 'orders', 'SET', 'a', '=', value, ...w]
            : kind === 'DELETE'
              ? [kw.del, 'FROM', 'orders', ...w]
              : [
                  'WITH',
                  'd',
                  'AS',
                  '(',
                  kw.del,
                  'FROM',
                  'orders',
                  ...w,
                  'RETURNING',
                  '*',
                  ')',
                  'SELECT',
                  '*',
                  'FROM',
                  'd',
                ];
      return parts.map((p, i) => (i === 0 ? '' : seps[i % seps.length]!) + p).join('');
    });
  const pgSql = fc.array(pgStatement, { minLength: 1, maxLength: 3 }).map((ss) => ss.join(';\n'));

  /** PostgreSQL's own parser: each statement, with whether every UPDATE/DELETE in it has a WHERE. */
  function pgReference(sql: string): Truth[] | undefined {
    let tree: { stmts?: { stmt: Record<string, unknown> }[] };
    try {
      tree = parseSync(sql) as typeof tree;
    } catch {
      return undefined;
    }
    return (tree.stmts ?? []).map(({ stmt }) => {
      const [type] = Object.keys(stmt);
      const json = JSON.stringify(stmt);
      const changes = (json.match(/"(UpdateStmt|DeleteStmt)":/g) ?? []).length;
      const kind: Kind =
        type === 'SelectStmt'
          ? 'SELECT'
          : type === 'UpdateStmt'
            ? 'UPDATE'
            : type === 'DeleteStmt'
              ? 'DELETE'
              : 'OTHER';
      // A statement with an UPDATE/DELETE anywhere lacking a WHERE counts as one without (the CTE case).
      const all = [...json.matchAll(/"(UpdateStmt|DeleteStmt)":\{/g)].length;
      const withWhere = (json.match(/"whereClause":/g) ?? []).length;
      const lacks = changes > 0 && withWhere < all;
      return { kind: changes > 0 ? (kind === 'SELECT' ? 'DELETE' : kind) : kind, hasWhere: !lacks };
    });
  }

  it('PostgreSQL: never a WHERE its parser does not see, never fewer statements (reference: libpg-query)', () => {
    fc.assert(
      fc.property(pgSql, (sql) => {
        const review = inspectSql(sql, { dialect: 'postgresql' });
        const ref = pgReference(sql);
        if (ref === undefined) {
          expect(review.checked).toBe(false);
          return;
        }
        holds(review, ref);
        if (exportProblem(review) === undefined) {
          expect(ref).toHaveLength(1);
          expect(ref[0]!.kind).toBe('SELECT');
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('PostgreSQL: a Unicode space next to WHERE never leaves a checked review saying the statement has a WHERE', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...UNICODE_SPACES),
        fc.constantFrom('UPDATE orders SET a = 1 WHERE', 'DELETE FROM orders WHERE'),
        fc.boolean(),
        (u, head, before) => {
          const sql = before ? `${head.replace(' WHERE', `${u}WHERE`)} id = 1` : `${head}${u} id = 1`;
          const review = inspectSql(sql, { dialect: 'postgresql' });
          if (review.checked)
            expect(review.statements.every((s) => !s.hasWhere) || pgReference(sql)?.every((t) => t.hasWhere)).toBe(
              true,
            );
          expect(review.characters.length).toBeGreaterThan(0);
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('never throws, whatever the text', () => {
    const alphabet = fc.constantFrom(
      "'",
      '"',
      '`',
      '$',
      '$$',
      '--',
      '#',
      '/*',
      '*/',
      '/*!',
      ';',
      '\\',
      '(',
      ')',
      ' ',
      '\n',
      'WHERE',
      'DELETE',
      'SELECT',
      'a',
      '\u200b',
      '\u00a0',
      '\u0000',
      '\ud800',
      '😀',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
        fc.constantFrom('mysql' as const, 'mariadb' as const, 'postgresql' as const),
        (sql, dialect) => {
          const review = inspectSql(sql, { dialect });
          expect(typeof review.checked).toBe('boolean');
          if (review.checked && /\u200b|\u00a0|\u0000/.test(sql)) {
            // Such characters may only be inside quotes or comments when the review still claims anything.
            expect(review.characters.every((c) => c.where !== 'code')).toBe(true);
          }
        },
      ),
      { seed: 42, numRuns: 500 },
    );
  });
});
