/**
 * The SQL review: what a change will run, and whether an export is exactly one read.
 *
 * It parses with the database's own dialect (DMS's DbType): PostgreSQL's parser for the PostgreSQL family, and for
 * MySQL/MariaDB an approximate parser cross-checked against the server's lexical rules. Whenever it cannot be sure
 * (another engine, a parse error, a server setting that changes the reading, an invisible or look-alike character
 * in code, a disagreement between parser and lexer) it fails closed: `checked: false`, "read it yourself", and never
 * "no statement without a WHERE clause".
 */
import { findCharacters, listCharacters } from './characters.js';
import { isReadOnlyFunction } from './functions.js';
import { type Dialect, lex, position, settingsFor, shapeOf } from './lexer.js';
import { analyseMysql } from './mysql.js';
import { analysePostgres, loadPostgresParser } from './postgres.js';
import { countKinds, KIND_ORDER, presentWarnings, type SqlInspection, uncheckedReview } from './review.js';

export type { CharNotice } from './characters.js';
export type { Dialect } from './lexer.js';
export type { SqlInspection, StatementInfo, StatementKind } from './review.js';
export { presentWarnings, warningRank } from './review.js';

/** The engine of the database(s) the SQL runs on: a dialect the review parses, or why there is none. */
export type SqlEngine = { dialect: Dialect } | { unsupported: string };

const DIALECTS: Record<string, Dialect> = {
  mysql: 'mysql',
  polardb: 'mysql',
  polardb_mysql: 'mysql',
  mariadb: 'mariadb',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  polardb_pg: 'postgresql',
  polardb_postgresql: 'postgresql',
};

/** Maps DMS's DbType to the review's dialect (undefined DbType: the engine is not known). */
export function engineFor(dbType: string | undefined): SqlEngine {
  if (dbType === undefined || dbType.trim() === '')
    return { unsupported: 'DMS did not say which database engine it is' };
  const dialect = DIALECTS[dbType.trim().toLowerCase()];
  if (dialect) return { dialect };
  return {
    unsupported: `the database engine is ${dbType
      .trim()
      .slice(0, 40)
      .replace(/[^\w .-]/g, '?')}, whose SQL the review cannot parse`,
  };
}

/** Loads the parsers that need it (PostgreSQL's WASM); until then PostgreSQL reviews fail closed. */
export function loadSqlParsers(): Promise<void> {
  return loadPostgresParser();
}

const NAMES: Record<Dialect, string> = { mysql: 'MySQL', mariadb: 'MariaDB', postgresql: 'PostgreSQL' };

/** Reviews `sql` for `engine`. Never throws. */
export function inspectSql(sql: string, engine: SqlEngine): SqlInspection {
  if ('unsupported' in engine) {
    return uncheckedReview(engine.unsupported, { characters: findCharacters(sql, []) });
  }
  const { dialect } = engine;
  const settings = settingsFor(dialect);
  const base = lex(dialect, sql, settings[0]!);
  const characters = findCharacters(sql, base.tokens);
  const common = { dialect, characters };
  if (base.unterminated)
    return uncheckedReview(`it has ${base.unterminated}`, { ...common, unterminated: base.unterminated });
  if (base.badAt !== undefined) {
    const at = characters.find((c) => c.where === 'code');
    return uncheckedReview(
      `${NAMES[dialect]} does not accept a character outside quotes${at ? ` (${listCharacters([at])})` : ''}`,
      common,
    );
  }
  const other = settings.slice(1).find((s) => shapeOf(lex(dialect, sql, s)) !== shapeOf(base));
  if (other) {
    const setting =
      dialect === 'postgresql'
        ? 'standard_conforming_strings (a backslash in a string)'
        : other.ansiQuotes && other.backslash === settings[0]!.backslash
          ? 'ANSI_QUOTES (double quotes)'
          : 'NO_BACKSLASH_ESCAPES (a backslash in a string)';
    return uncheckedReview(
      `${NAMES[dialect]} splits it differently depending on the server setting ${setting}`,
      common,
    );
  }
  const inCode = characters.filter((c) => c.where === 'code');
  if (inCode.length) {
    return uncheckedReview(
      `it has ${listCharacters(inCode)} outside quotes, which the database may read as part of a word`,
      common,
    );
  }
  // A single-line comment ends at \n for the server, but a client, a console or DMS's own splitter may end it at
  // another line terminator and run what follows as code: the review cannot know which reading wins.
  for (const t of base.tokens) {
    if (t.kind !== 'comment' || sql.startsWith('/*', t.start)) continue;
    for (let k = t.start; k < t.end; k++) {
      const c = sql.charCodeAt(k);
      if ((c === 0x0d && sql.charCodeAt(k + 1) !== 0x0a) || c === 0x85 || c === 0x2028 || c === 0x2029) {
        const at = characters.find(
          (n) => n.where === 'comment' && n.line === position(sql, k).line && n.column === position(sql, k).column,
        );
        return uncheckedReview(
          `the comment on line ${lineAt(sql, t.start)} holds a line break other than a plain newline${at ? ` (${listCharacters([at])})` : ''}; some tools end the comment there and run the rest of the line as SQL`,
          common,
        );
      }
    }
  }
  if (sql.includes('\u0000'))
    return uncheckedReview(
      'it contains a NUL character, which parsers and drivers take as the end of the text',
      common,
    );
  const exec = base.tokens.find((t) => t.kind === 'exec');
  if (exec) {
    return uncheckedReview(
      `the server runs the content of the /*! … */ comment on line ${lineAt(sql, exec.start)}, which the review does not read`,
      common,
    );
  }

  const analysis =
    dialect === 'postgresql' ? analysePostgres(sql, base.tokens) : analyseMysql(sql, dialect, base.tokens);
  if (!analysis.ok) return uncheckedReview(analysis.reason, common);
  const warnings = [...analysis.warnings];
  const quoted = characters.filter((c) => c.where !== 'code');
  if (quoted.length)
    warnings.push(`Invisible or look-alike characters inside quotes or comments: ${listCharacters(quoted)}.`);
  return {
    dialect,
    checked: true,
    statements: analysis.statements,
    counts: countKinds(analysis.statements),
    warnings,
    characters,
  };
}

function lineAt(sql: string, offset: number): number {
  return sql.slice(0, offset).split('\n').length;
}

/** One-line human summary, e.g. "3 statements: 2 UPDATE, 1 DDL", or the fail-closed headline. */
export function summarizeInspection(i: SqlInspection): string {
  if (!i.checked) return 'Could not be checked — read it yourself';
  const n = i.statements.length;
  if (n === 0) return 'No SQL statements';
  const parts = KIND_ORDER.filter((k) => (i.counts[k] ?? 0) > 0).map((k) => `${i.counts[k]} ${k}`);
  return `${n} ${n === 1 ? 'statement' : 'statements'}: ${parts.join(', ')}`;
}

/**
 * The warnings a person sees under the summary, as presentWarnings orders them: the reason first when it could not
 * be checked, then every warning about every row or a hidden change, the same sentence for several statements once.
 */
export function reviewWarnings(i: SqlInspection): string[] {
  if (i.checked) return presentWarnings(i.warnings);
  const chars =
    i.characters.length && !i.unchecked?.includes(' at line ')
      ? [`Invisible or look-alike characters: ${listCharacters(i.characters)}.`]
      : [];
  return presentWarnings([
    `The review could not check this SQL: ${i.unchecked ?? 'unknown reason'}. Read every statement yourself.`,
    ...chars,
  ]);
}

/**
 * Why `sql` is not exactly one read-only query for an export (a sentence for the SQL input), or undefined when it is.
 * Fails closed: SQL the review could not check is not an export.
 */
export function exportProblem(i: SqlInspection): string | undefined {
  if (i.unterminated) return `The SQL has ${i.unterminated}; close it before submitting.`;
  if (!i.checked)
    return `I could not check this SQL: ${i.unchecked ?? 'unknown reason'}. An export must be checked to be exactly one read-only query; fix that, or file it in DMS directly.`;
  if (i.statements.length === 0)
    return 'No SQL statement found (only comments or semicolons). Enter the SELECT statement whose rows you want to export.';
  if (i.statements.length > 1)
    return `An export runs exactly one query; this SQL has ${i.statements.length} statements. Keep only the SELECT.`;
  const s = i.statements[0]!;
  if (s.kind !== 'SELECT')
    return `A data export runs a query (SELECT, or WITH … SELECT); this statement starts with ${s.keyword || 'something else'}. For changes use /dms change.`;
  if (!s.readOnly)
    return `A data export only reads, but this query ${s.writes.length ? `does more: ${s.writes.join('; ')}` : 'is not read-only'}. For changes use /dms change.`;
  if (s.unsafe.length) {
    return `A data export only reads, but this query has ${s.unsafe.slice(0, 3).join('; ')}${s.unsafe.length > 3 ? `; and ${s.unsafe.length - 3} more` : ''}. Use plain columns and built-in operators, functions and types, or file it in DMS directly.`;
  }
  const dialect = i.dialect ?? 'mysql';
  const unknown = s.calls.filter((c) => c.includes('.') || !isReadOnlyFunction(dialect, c));
  if (unknown.length) {
    return `A data export may only call built-in functions that compute a value; ${unknown
      .slice(0, 3)
      .map((c) => `${c}()`)
      .join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among them (a function can change data).`;
  }
  return undefined;
}

/** The engine of one database as the review needs it, from what the engine lookup answered. */
export function engineFromAnswer(answer: { dbType: string | undefined } | { problem: string } | undefined): SqlEngine {
  if (!answer) return { unsupported: 'the database engine is not known' };
  return 'problem' in answer ? { unsupported: answer.problem } : engineFor(answer.dbType);
}

/**
 * Reviews SQL that runs on several databases: with each engine's dialect. One that cannot be checked makes the
 * whole review unchecked; otherwise the review with the most statements, with every engine's warnings.
 */
export function inspectSqlFor(sql: string, engines: readonly SqlEngine[]): SqlInspection {
  const distinct = [...new Map(engines.map((e) => ['dialect' in e ? e.dialect : e.unsupported, e] as const)).values()];
  if (distinct.length === 0) return inspectSql(sql, { unsupported: 'no database was chosen' });
  const results = distinct.map((e) => inspectSql(sql, e));
  const unchecked = results.find((r) => !r.checked);
  if (unchecked) return unchecked;
  const best = results.reduce((a, b) => (b.statements.length > a.statements.length ? b : a));
  return { ...best, warnings: [...new Set(results.flatMap((r) => r.warnings))] };
}
