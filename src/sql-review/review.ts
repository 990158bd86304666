/** The review's result types and the sentences shared by both dialects. */
import type { CharNotice } from './characters.js';
import type { Dialect } from './lexer.js';

/** What a statement does. */
export type StatementKind = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE' | 'DDL' | 'OTHER';

/** One statement, as the dialect's parser read it. */
export interface StatementInfo {
  /** 1-based position among the statements, as used in warnings ("Statement 2"). */
  index: number;
  kind: StatementKind;
  /** The upper-cased leading keyword (the main statement's, after a WITH clause). */
  keyword: string;
  /** True when the statement itself (not a subquery) has a WHERE clause. */
  hasWhere: boolean;
  /** The statement from its first to its last token, for display. */
  text: string;
  /** Nothing in it writes, locks or stores: no INSERT/UPDATE/DELETE/MERGE anywhere, no INTO, no FOR UPDATE/SHARE. */
  readOnly: boolean;
  /** What makes it not read-only, for the person ("SELECT … INTO", "a DELETE inside its WITH clause"). */
  writes: string[];
  /** Functions it calls (lower-case, unqualified; "schema.f" when qualified by another schema). */
  calls: string[];
}

/** The result of a review. */
export interface SqlInspection {
  /** The dialect it was parsed with (absent when the engine is unknown or not supported). */
  dialect?: Dialect;
  /**
   * True only when the dialect's parser read every statement and nothing was ambiguous; then `statements` and
   * `warnings` come from the parse tree. False: nothing below may be taken as an assurance.
   */
  checked: boolean;
  /** Why it could not be checked (a sentence), when `checked` is false. */
  unchecked?: string;
  statements: StatementInfo[];
  counts: Partial<Record<StatementKind, number>>;
  /** Sentences written for the person filing the ticket. */
  warnings: string[];
  /** Invisible and look-alike characters, wherever they are. */
  characters: CharNotice[];
  /** Set when the input ends inside a quote or comment, e.g. "an unclosed string literal starting on line 3". */
  unterminated?: string;
}

export const KIND_ORDER: readonly StatementKind[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'DDL', 'OTHER'];

/** "Statement 2 (DELETE) has no WHERE clause: it affects every row of the table." */
export function noWhereWarning(index: number, keyword: string, hasLimit = false): string {
  const effect = hasLimit ? 'it affects arbitrary rows, up to its LIMIT' : 'it affects every row of the table';
  return `Statement ${index} (${keyword}) has no WHERE clause: ${effect}.`;
}

/** A data change without WHERE inside another statement (a WITH clause, PREPARE, EXPLAIN ANALYZE, a rule …). */
export function nestedNoWhereWarning(index: number, keyword: string, inner: string, inWith: boolean): string {
  return `Statement ${index} (${keyword}) has a ${inner} without a WHERE clause ${inWith ? 'inside its WITH clause' : 'inside it'}: it affects every row of the table.`;
}

/** A WHERE that names no column (WHERE 1, WHERE true, WHERE 1 = 1): it matches every row or none. */
export function constantWhereWarning(index: number, keyword: string): string {
  return `Statement ${index} (${keyword}) has a WHERE clause that names no column: it matches every row or none.`;
}

/** Counts statements per kind. */
export function countKinds(statements: readonly StatementInfo[]): Partial<Record<StatementKind, number>> {
  const counts: Partial<Record<StatementKind, number>> = {};
  for (const s of statements) counts[s.kind] = (counts[s.kind] ?? 0) + 1;
  return counts;
}

/** A review that promises nothing. */
export function uncheckedReview(reason: string, extra: Partial<SqlInspection> = {}): SqlInspection {
  return { statements: [], counts: {}, warnings: [], characters: [], ...extra, checked: false, unchecked: reason };
}
