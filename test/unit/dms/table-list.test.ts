import { describe, expect, it } from 'vitest';
import { parseTableList } from '../../../src/dms/table-list.js';

const invalid = (entry: string, why: string): string => `“${entry}” is not a valid table name: ${why}`;
const ONLY_CHARS = 'only letters, digits, _ and $ are allowed.';

describe('parseTableList: splitting and de-duplication', () => {
  it('splits on commas, spaces, tabs and newlines, dropping empties', () => {
    expect(parseTableList(' orders, users\tpayments\n\nrefunds ,,, audit_log ')).toEqual({
      tables: ['orders', 'users', 'payments', 'refunds', 'audit_log'],
      errors: [],
    });
  });

  it('handles CRLF line endings', () => {
    expect(parseTableList('orders\r\nusers\r\n')).toEqual({ tables: ['orders', 'users'], errors: [] });
  });

  it('de-duplicates case-insensitively, keeping the first spelling and order', () => {
    expect(parseTableList('Orders, users, ORDERS, orders, Users, `orders`').tables).toEqual(['Orders', 'users']);
  });

  it('accepts backticks and returns the bare name', () => {
    expect(parseTableList('`orders`, `user$2`')).toEqual({ tables: ['orders', 'user$2'], errors: [] });
  });

  it('accepts MySQL identifier characters, including a leading digit or $', () => {
    expect(parseTableList('t_1 $tmp 2024_orders a$b _x').tables).toEqual(['t_1', '$tmp', '2024_orders', 'a$b', '_x']);
  });
});

describe('parseTableList: empty input and limits', () => {
  it.each(['', '   ', '\n\r\n', ' , ,, '])('%j asks for a table', (input) => {
    expect(parseTableList(input)).toEqual({ tables: [], errors: ['Enter at least one table name.'] });
  });

  it('allows exactly the default 50 tables and refuses 51', () => {
    const names = (n: number): string => Array.from({ length: n }, (_, i) => `t${i}`).join(',');
    expect(parseTableList(names(50)).errors).toEqual([]);
    const over = parseTableList(names(51));
    expect(over.tables).toHaveLength(51);
    expect(over.errors).toEqual(['You entered 51 tables; at most 50 are allowed.']);
  });

  it('counts tables after de-duplication', () => {
    expect(parseTableList('a A b', { max: 2 }).errors).toEqual([]);
  });

  it('honours a custom max', () => {
    expect(parseTableList('a b c', { max: 2 }).errors).toEqual(['You entered 3 tables; at most 2 are allowed.']);
  });
});

describe('parseTableList: invalid entries', () => {
  it('names the entry and says why, keeping the valid ones', () => {
    expect(parseTableList('orders; users')).toEqual({
      tables: ['users'],
      errors: [invalid('orders;', ONLY_CHARS)],
    });
  });

  it.each([
    ['orders-2024', ONLY_CHARS],
    ['order(s)', ONLY_CHARS],
    ["'orders'", ONLY_CHARS],
    ['"orders"', ONLY_CHARS],
    ['“orders”', ONLY_CHARS],
    ['orders🚀', ONLY_CHARS],
    ['🚀', ONLY_CHARS],
    ['表𠀀', ONLY_CHARS],
    ['`bad-name`', ONLY_CHARS],
  ])('%j: only identifier characters', (entry, why) => {
    expect(parseTableList(entry).errors).toEqual([invalid(entry, why)]);
  });

  it('rejects schema-qualified names with a specific message', () => {
    const why = 'a dot is not allowed. Enter the table name without its database; the database is chosen separately.';
    expect(parseTableList('shop.orders `shop`.`orders` orders.').errors).toEqual([
      invalid('shop.orders', why),
      invalid('`shop`.`orders`', why),
      invalid('orders.', why),
    ]);
  });

  it('rejects unbalanced or partial backticks', () => {
    const why = 'its backticks must enclose the whole name, once.';
    for (const entry of ['`orders', 'orders`', 'or`ders', '`a`b`', '`']) {
      expect(parseTableList(entry).errors).toEqual([invalid(entry, why)]);
    }
  });

  it('rejects an empty backtick pair', () => {
    expect(parseTableList('``').errors).toEqual([invalid('``', 'the name is empty.')]);
  });

  it('treats a backtick-quoted run containing spaces or commas as one entry', () => {
    expect(parseTableList('`order items`, `a,b`').errors).toEqual([
      invalid('`order items`', ONLY_CHARS),
      invalid('`a,b`', ONLY_CHARS),
    ]);
  });

  it('an unclosed backtick runs to the end of the input, reported as one entry', () => {
    expect(parseTableList('orders, `users, refunds')).toEqual({
      tables: ['orders'],
      errors: [invalid('`users, refunds', 'its backticks must enclose the whole name, once.')],
    });
  });

  it('all digits needs backticks, as in MySQL', () => {
    expect(parseTableList('2024 `2024`')).toEqual({
      tables: ['2024'],
      errors: [invalid('2024', 'a name made only of digits must be written in backticks, like `2024`.')],
    });
  });

  it('catches pasted SQL such as "drop table x", while backticks let a keyword-named table through', () => {
    expect(parseTableList('drop table x')).toEqual({
      tables: ['x'],
      errors: [
        invalid('drop', 'it is an SQL keyword. If a table really has this name, write it in backticks: `drop`.'),
        invalid('table', 'it is an SQL keyword. If a table really has this name, write it in backticks: `table`.'),
      ],
    });
    expect(parseTableList('`Select`')).toEqual({ tables: ['Select'], errors: [] });
  });

  it('does not treat ordinary reserved-looking table names as keywords', () => {
    expect(parseTableList('order user group').errors).toEqual([]);
  });

  it('reports a repeated bad entry once', () => {
    expect(parseTableList('a-b, a-b').errors).toHaveLength(1);
  });
});

describe('parseTableList: length and Unicode', () => {
  it('accepts 64 characters and refuses 65, counting characters not UTF-16 units', () => {
    expect(parseTableList('a'.repeat(64)).errors).toEqual([]);
    expect(parseTableList('订'.repeat(64)).errors).toEqual([]);
    const long = 'a'.repeat(65);
    expect(parseTableList(long).errors).toEqual([
      invalid(`${'a'.repeat(39)}…`, 'a name can have at most 64 characters; this one has 65.'),
    ]);
  });

  it('truncates a very long entry in the message without splitting a character', () => {
    const entry = `${'😀'.repeat(50)}`;
    const [error] = parseTableList(entry).errors;
    expect(error).toBe(invalid(`${'😀'.repeat(39)}…`, ONLY_CHARS));
  });

  it('accepts letters from other scripts, as MySQL does', () => {
    expect(parseTableList('订单, café, заказы, déjà_vu').tables).toEqual(['订单', 'café', 'заказы', 'déjà_vu']);
  });

  it('folds case for non-ASCII duplicates too', () => {
    expect(parseTableList('ЗАКАЗЫ заказы Café CAFÉ').tables).toEqual(['ЗАКАЗЫ', 'Café']);
  });

  it('accepts a combining accent (decomposed é)', () => {
    expect(parseTableList('cafe\u0301').tables).toEqual(['cafe\u0301']);
  });
});
