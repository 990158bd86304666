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
  /**
   * What else in it may run code the review cannot see or change session state (an export refuses it): attribute
   * notation on a whole row, an operator or a cast that is not a known built-in, a variable assignment.
   */
  unsafe: string[];
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

/** A WHERE that is true for every row the review can see it matching (a column compared with itself, OR with a constant). */
export function trivialWhereWarning(index: number, keyword: string, why: string): string {
  return `Statement ${index} (${keyword}) has a WHERE clause that is always true (${why}): it affects every row of the table.`;
}

// Warnings are never left out, and the most serious come first: a review that promises nothing, then a data change
// without WHERE or hidden in a WITH clause, then the rest about every row (a WHERE that is always true, TRUNCATE,
// DROP), then anything else.
const FAIL_CLOSED = /^The review could not check /;
const NO_WHERE = /no WHERE clause|without a WHERE clause|changes data inside its WITH clause/;
const EVERY_ROW = /every row|names no column|always true|removes the /;

/** 0: the review could not check; 1: no WHERE or a hidden change; 2: another about every row; 3: anything else. */
export function warningRank(w: string): 0 | 1 | 2 | 3 {
  return FAIL_CLOSED.test(w) ? 0 : NO_WHERE.test(w) ? 1 : EVERY_ROW.test(w) ? 2 : 3;
}

/** "1–4, 7": statement numbers with runs collapsed. */
function numberList(ns: readonly number[]): string {
  const sorted = [...new Set(ns)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : j === i + 1 ? `${sorted[i]}, ${sorted[j]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * The warnings as a person should read them: the same sentence about several statements said once ("Statements
 * 1–99 (UPDATE) each has a WHERE clause …"), so none has to be left out for room, and the ones about every row,
 * hidden changes and an unchecked review first. Idempotent (stored tickets are rendered through it again).
 */
export function presentWarnings(warnings: readonly string[]): string[] {
  const groups = new Map<string, { rest: string; indexes: number[]; order: number }>();
  const out: { text: string; order: number }[] = [];
  warnings.forEach((w, order) => {
    const m = /^Statement (\d+) (\([^)]*\) .*)$/s.exec(w);
    if (!m) {
      out.push({ text: w, order });
      return;
    }
    const g = groups.get(m[2]!);
    if (g) g.indexes.push(Number(m[1]));
    else groups.set(m[2]!, { rest: m[2]!, indexes: [Number(m[1])], order });
  });
  for (const g of groups.values()) {
    const text =
      g.indexes.length === 1
        ? `Statement ${g.indexes[0]} ${g.rest}`
        : `Statements ${numberList(g.indexes)} ${g.rest.replace(/^(\([^)]*\) )(\w+) /, '$1each $2 ')}`;
    out.push({ text, order: g.order });
  }
  return out.sort((a, b) => warningRank(a.text) - warningRank(b.text) || a.order - b.order).map((x) => x.text);
}
