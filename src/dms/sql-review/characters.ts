/**
 * Invisible and look-alike characters. Databases read them as part of a name (MySQL takes U+0080–U+FFFF, PostgreSQL
 * every non-ASCII byte, into unquoted identifiers), so `WHERE` + U+200B is an alias, not a WHERE. The review shows
 * each one with its position, and one in code (outside strings and comments) makes the review fail closed.
 */
import { position, type Token } from './lexer.js';

/** One character the person may not see, or may mistake for another. */
export interface CharNotice {
  /** "U+200B". */
  code: string;
  /** "zero-width space". */
  name: string;
  line: number;
  column: number;
  /** Where it sits: in code it can change what the SQL means; inside quotes or a comment it is data. */
  where: 'code' | 'quoted' | 'comment';
}

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x0b: 'vertical tab',
  0x0d: 'carriage return',
  0x0c: 'form feed',
  0x1b: 'escape',
  0x7f: 'delete',
  0x85: 'next line',
  0xa0: 'no-break space',
  0xad: 'soft hyphen',
  0x034f: 'combining grapheme joiner',
  0x115f: 'Hangul filler',
  0x1160: 'Hangul filler',
  0x180e: 'Mongolian vowel separator',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202f: 'narrow no-break space',
  0x205f: 'medium mathematical space',
  0x2060: 'word joiner',
  0x2800: 'Braille blank',
  0x3000: 'ideographic space',
  0x3164: 'Hangul filler',
  0xfeff: 'zero-width no-break space (BOM)',
  0xffa0: 'Hangul filler',
};

// Letters that look like Latin ones (Cyrillic, Greek, Armenian, Latin oddities). A word made only of ASCII letters
// and these reads as an ASCII word but is not one.
const LOOK_ALIKES = new Set(
  [
    ...'АВСЕНІЈКМОРЅТХУаеорсухіјѕԁһԛԜԝӀӏ', // Cyrillic
    ...'ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιν', // Greek
    ...'ՕոսՍ', // Armenian
    ...'ıſ', // dotless i, long s (case-folds to s)
  ].map((c) => c.codePointAt(0)!),
);

function invisibleName(cp: number): string | undefined {
  if (cp === 0x20 || cp === 0x0a || cp === 0x09) return undefined;
  const ch = String.fromCodePoint(cp);
  if (NAMES[cp] !== undefined) return NAMES[cp];
  if (cp >= 0xfe00 && cp <= 0xfe0f) return 'variation selector';
  if (cp >= 0xe0100 && cp <= 0xe01ef) return 'variation selector';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag character';
  if (/\p{Zs}/u.test(ch)) return 'space that is not an ASCII space';
  if (/\p{Cf}/u.test(ch)) return 'invisible formatting character';
  if (/[\p{Cc}]/u.test(ch)) return 'control character';
  if (/\p{Cs}/u.test(ch)) return 'broken surrogate';
  if (/\p{Co}/u.test(ch)) return 'private-use character';
  if (/\p{Cn}/u.test(ch)) return 'unassigned character';
  return undefined;
}

function lookAlikeName(cp: number): string | undefined {
  if (cp >= 0xff01 && cp <= 0xff5e) return 'full-width letter or sign';
  if (cp >= 0x1d400 && cp <= 0x1d7ff) return 'mathematical letter or digit';
  if (cp >= 0x2100 && cp <= 0x214f && /\p{L}/u.test(String.fromCodePoint(cp))) return 'letter-like symbol';
  return undefined;
}

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** Every invisible or look-alike character of `sql`, classified by the token it sits in. */
export function findCharacters(sql: string, tokens: readonly Token[]): CharNotice[] {
  const notices: CharNotice[] = [];
  const whereAt = (offset: number): CharNotice['where'] => {
    const t = tokens.find((tk) => tk.start <= offset && offset < tk.end);
    if (!t) return 'code';
    return t.kind === 'string' || t.kind === 'ident' ? 'quoted' : t.kind === 'comment' ? 'comment' : 'code';
  };
  const add = (offset: number, cp: number, name: string): void => {
    const { line, column } = position(sql, offset);
    notices.push({ code: hex(cp), name, line, column, where: whereAt(offset) });
  };
  for (let i = 0; i < sql.length; ) {
    const cp = sql.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    // Only non-ASCII or control characters can be invisible or look-alike; keep the common case cheap.
    // CR LF is one line end (what Windows pastes); a CR on its own is a line end only to some tools.
    if (cp === 0x0d && sql.charCodeAt(i + 1) === 0x0a) {
      i += 1;
      continue;
    }
    if (cp >= 0x80 || cp < 0x20 || cp === 0x7f) {
      const name = invisibleName(cp) ?? lookAlikeName(cp);
      if (name) add(i, cp, name);
      else if (/\p{M}/u.test(String.fromCodePoint(cp)) && i > 0 && sql.charCodeAt(i - 1) < 0x80)
        add(i, cp, 'combining mark on a Latin letter');
    }
    i += size;
  }
  // Look-alike letters matter where the server reads words: in code (a word that reads as ASCII but is not).
  for (const t of tokens) {
    if (t.kind !== 'word') continue;
    const word = [...sql.slice(t.start, t.end)];
    const odd = word.filter((c) => LOOK_ALIKES.has(c.codePointAt(0)!));
    if (odd.length === 0 || !word.every((c) => /[A-Za-z0-9_$]/.test(c) || LOOK_ALIKES.has(c.codePointAt(0)!))) continue;
    let offset = t.start;
    for (const c of word) {
      if (LOOK_ALIKES.has(c.codePointAt(0)!)) add(offset, c.codePointAt(0)!, 'letter that looks like a Latin one');
      offset += c.length;
    }
  }
  return notices.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** "U+200B (zero-width space) at line 1, column 25". */
export function describeCharacter(c: CharNotice): string {
  return `${c.code} (${c.name}) at line ${c.line}, column ${c.column}`;
}

/** One sentence listing up to `max` characters of a kind. */
export function listCharacters(chars: readonly CharNotice[], max = 5): string {
  const shown = chars.slice(0, max).map(describeCharacter).join('; ');
  return chars.length > max ? `${shown}; and ${chars.length - max} more` : shown;
}
