import { z } from 'zod';

/**
 * The one normaliser for what people type (reasons, comments, settings text) and the one edge check for text whose
 * every character matters (SQL, table names). Every form parser reads typed text through here, so "blank", "too
 * short" and "broken" mean the same thing in every field.
 */

/** True when `text` has no lone surrogate (String.prototype.isWellFormed, which the ES2023 lib does not declare). */
export function isWellFormed(text: string): boolean {
  // In a /u pattern, \p{Cs} matches only unpaired surrogates: a pair is one astral code point.
  return !/\p{Cs}/u.test(text);
}

/** Typed text after normalisation, or why it cannot be used (a sentence for an inline error). */
export type TypedText = { ok: true; text: string } | { ok: false; error: string };

// Characters that change nothing a reader sees but can hide, reorder or disguise text: every control (C0, C1) except
// tab and newline, every format character (bidi controls, zero-width characters, BOM, soft hyphen, interlinear
// annotation), every default-ignorable code point (Hangul fillers, variation selectors, ...), every unassigned code
// point (\p{Cn}: U+0378, and the noncharacters U+FDD0–U+FDEF and U+xFFFE/F) and every private-use character (\p{Co}:
// U+E000, U+F0000; they mean whatever the typist's font says, so the approver sees a box, nothing, or something else —
// dropped rather than kept-but-uncounted, so what is stored is what is shown). Joiners, variation selectors and tag
// characters are judged in context below (emoji and some scripts need them).
const CONTEXTUAL = '\\u200C\\u200D\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}';
const TAGS = '\\u{E0020}-\\u{E007F}';
const INVISIBLE = new RegExp(
  `(?![${CONTEXTUAL}${TAGS}])[\\p{Cc}\\p{Cf}\\p{Cn}\\p{Co}\\p{Default_Ignorable_Code_Point}](?<![\\t\\n])`,
  'gu',
);
/**
 * Tag characters stay only as an emoji tag sequence: U+1F3F4 (black flag), tag letters, then CANCEL TAG (🏴 England,
 * Scotland, Wales). Anywhere else they are invisible text a reader cannot see.
 */
const TAG_SEQUENCE = /(\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F})|[\u{E0020}-\u{E007F}]/gu;
/** A visible neighbour: anything that is not a space, a joiner, a variation selector or a tag character. */
const VISIBLE = `[^\\s${CONTEXTUAL}${TAGS}]`;
/** A variation selector stays only right after a visible character it can modify. */
const LONE_SELECTOR = new RegExp(`(?<!${VISIBLE})[\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}]`, 'gu');
/**
 * A joiner (ZWJ/ZWNJ) stays only between two visible characters (emoji sequences, Persian, Indic scripts); the one
 * before it may carry a variation selector (🏳️‍🌈). Judged after lone selectors are gone, so one pass is enough.
 */
const LONE_JOINER = new RegExp(`(?<![^\\s\\u200C\\u200D])[\\u200C\\u200D]|[\\u200C\\u200D](?!${VISIBLE})`, 'gu');
/** Spaces that look like nothing or like a space: every Unicode space separator, and blank symbols (U+2800, U+1D159). */
const SPACES = /[\p{Zs}\u2800\u{1D159}]/gu;
/** Line and paragraph separators (U+2028/9, NEL, CR) become plain newlines. */
const LINE_BREAKS = /\r\n|[\r\u0085\u2028\u2029]/g;

/** Characters a reader can see: not spaces, marks, joiners, selectors, tags, or other (control, format, unassigned, private-use). */
const SHOWN = new RegExp(`(?![\\p{M}\\p{C}${CONTEXTUAL}])\\S`, 'gu');

/**
 * Normalises prose a person typed: refuses text that is not well-formed Unicode (lone surrogates cannot be encoded
 * for DMS or CTS), turns every kind of line break into `\n` and every kind of space into ` `, drops invisible and
 * direction-changing characters, composes to NFC and trims. Idempotent: `normaliseProse(x).text` normalises to itself.
 */
export function normaliseProse(raw: string | null | undefined): TypedText {
  const value = raw ?? '';
  if (!isWellFormed(value)) return { ok: false, error: brokenCharacterError(value) };
  const text = value
    .replace(LINE_BREAKS, '\n')
    .replace(INVISIBLE, '')
    .replace(TAG_SEQUENCE, (_m, flag: string | undefined) => flag ?? '')
    // Blanks become spaces before joiners and selectors are judged: a joiner next to U+2800 joins nothing.
    .replace(SPACES, ' ')
    .replace(LONE_SELECTOR, '')
    .replace(LONE_JOINER, '')
    .normalize('NFC')
    .trim();
  return { ok: true, text };
}

/** How many characters a reader sees (what minimum lengths count): blank after normalising means 0. */
export function visibleLength(text: string): number {
  return text.match(SHOWN)?.length ?? 0;
}

/** True when nothing visible is left after normalising (zero-width spaces, U+3164, U+2800, only marks, ...). */
export function isBlank(raw: string | null | undefined): boolean {
  const n = normaliseProse(raw);
  return n.ok && visibleLength(n.text) === 0;
}

/** What a prose field requires; every message is shown inline under that field. */
export interface ProseRules {
  /** Message when the field is required and blank (after normalising). Absent: the field is optional. */
  required?: string;
  /** Minimum visible characters (default 1 when required) and its message. */
  min?: [number, string];
  /** Maximum length in characters after normalising, and its message (`{n}` is replaced by the actual length). */
  max: [number, string];
}

/** Reads one prose field: the normalised text ('' for an optional blank field), or the inline error. */
export function readProse(raw: string | null | undefined, rules: ProseRules): TypedText {
  const n = normaliseProse(raw);
  if (!n.ok) return n;
  const shown = visibleLength(n.text);
  // Text that shows nothing is no text at all: an optional field left "blank" with invisible characters is empty.
  const text = shown === 0 ? '' : n.text;
  if (rules.required && shown === 0) return { ok: false, error: rules.required };
  if (rules.min && (rules.required || text !== '') && shown < rules.min[0]) return { ok: false, error: rules.min[1] };
  const length = [...text].length;
  if (length > rules.max[0]) return { ok: false, error: rules.max[1].replace('{n}', String(length)) };
  return { ok: true, text };
}

// Controls that no SQL needs and that terminals, logs and DMS may treat differently: C0/C1 except tab, newline, CR.
const SQL_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/**
 * The edge check for text whose every character matters (SQL, table names): it must be well-formed Unicode and hold
 * no control characters. Nothing else is changed (beyond trimming and CRLF → LF): invisible characters such as
 * U+200B stay, so the SQL review can show them where they are.
 */
export function readExactText(raw: string | null | undefined, what = 'The SQL'): TypedText {
  const value = (raw ?? '').replace(/\r\n?/g, '\n').trim();
  if (!isWellFormed(value)) return { ok: false, error: brokenCharacterError(value, what) };
  const m = SQL_CONTROLS.exec(value);
  if (m) {
    const { line, column } = position(value, m.index);
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return {
      ok: false,
      error: `${what} contains an invisible control character (U+${code}) at line ${line}, column ${column}. Retype that part; control characters are not sent to DMS.`,
    };
  }
  return { ok: true, text: value };
}

/** The inline error for text holding a lone surrogate (a broken character, often from a bad copy and paste). */
function brokenCharacterError(value: string, what = 'The text'): string {
  let at = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const paired =
      c >= 0xd800 && c <= 0xdbff ? i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00 : false;
    if (paired) {
      i++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      at = i;
      break;
    }
  }
  const { line, column } = position(value, at);
  return `${what} contains a broken character at line ${line}, column ${column} (half of an emoji or symbol, often from copying). Retype that part and submit again.`;
}

/** 1-based line and column (in characters) of a UTF-16 index. */
function position(value: string, index: number): { line: number; column: number } {
  const before = value.slice(0, index);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

/** A zod field for prose: the raw value in, the normalised text out, or the rule's inline error. */
export function proseField(rules: ProseRules) {
  return z.string().transform((raw, ctx) => {
    const r = readProse(raw, rules);
    if (r.ok) return r.text;
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  });
}
