import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExportIds } from '../../../blocks/dms/ids.js';
import { decide, type Policy, type PolicyRequest, parsePolicy } from '../../../src/access/policy.js';
import { ticketDatabases } from '../../../src/access/request-check.js';
import { readConfig } from '../../../src/config.js';
import {
  DB_ID_MAX,
  type DbId,
  dbIdOnWire,
  parseChannelId,
  parseDatabaseChoice,
  parseDbId,
  parseOrderId,
  parseSlackUserId,
} from '../../../src/core/ids.js';
import { parseExportSubmission, type ViewStateValues } from '../../../src/dms/export/form.js';
import { idString } from '../../../src/dms/schemas.js';
import { exportValues } from '../../support/flows.js';

// Property tests for the one canonical form of identifiers (issue 13, section 2): every spelling that DMS would
// resolve to database D either parses to D itself (and so gets D's decision) or is refused with words that say why.

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const RUNS = { seed: 42, numRuns: 400 };

/** Decimal digit sets of other scripts: DMS (Java) reads several of them as digits; the bot refuses them all. */
const DIGIT_ZEROS = [
  0xff10 /* full-width */, 0x0660 /* Arabic-Indic */, 0x06f0 /* Extended Arabic-Indic */, 0x0966 /* Devanagari */,
  0x09e6 /* Bengali */, 0x0e50 /* Thai */, 0x1d7ce /* mathematical bold */,
];

const dbIdArb = fc.oneof(fc.integer({ min: 1, max: 9_999 }), fc.integer({ min: 1, max: SAFE_MAX })).map(String);

/** Spellings of D that must be refused (each is a different thing than "D" to a strict reader). */
const refusedSpelling = (d: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(`+${d}`),
    fc.constant(`-${d}`),
    fc.constant(`${d}.0`),
    fc.constant(`${d}.`),
    fc.constant(`${Number(d).toExponential()}`.replace('+', '')),
    fc.constant(`${d}e0`),
    fc.constant(`0x${Number(d).toString(16)}`),
    fc.constant(`0X${Number(d).toString(16).toUpperCase()}`),
    fc.constant(`0o${Number(d).toString(8)}`),
    fc
      .constantFrom(' ', '_', ',', "'", '\u2009')
      .map((sep) => `${d.slice(0, 1)}${sep}${d.slice(1)}${d.length > 1 ? '' : '0'}`),
    fc.constantFrom(...DIGIT_ZEROS).map((zero) => [...d].map((c) => String.fromCodePoint(zero + Number(c))).join('')),
    fc
      .constantFrom(...DIGIT_ZEROS)
      .map((zero) => `${d.slice(0, -1)}${String.fromCodePoint(zero + Number(d.slice(-1)))}`),
    fc
      .constantFrom('a', 'x', 'L', '#', ';', '\u200b', '\u00a0', '\u3000', '\u0000', '\ufeff', '\u2212', '٫', '.5', '/')
      .map((junk) => `${d}${junk}`),
    fc.constantFrom('\u200b', '\u00a0', '\ufeff', '\u2212', '\u3000').map((junk) => `${junk}${d}`),
  );

/** Spellings of D that are D (leading zeros, surrounding blanks): they must parse to exactly D. */
const sameSpelling = (d: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('', ' ', '\t', '  '), fc.constantFrom('', ' ', '\t'))
    .map(([zeros, pre, post]) => `${pre}${'0'.repeat(zeros)}${d}${post}`);

/** Every spelling of D: canonical-able ones, refused ones. */
const spelling = (d: string) => fc.oneof(sameSpelling(d), refusedSpelling(d));

/** Ids DMS's Long would hold but the bot refuses (past 2^53−1 the JSON number on the wire would name another database). */
const tooLarge = fc.bigInt({ min: DB_ID_MAX + 1n, max: 10n ** 25n }).map(String);

const req = (over: Partial<PolicyRequest> = {}): PolicyRequest => ({
  command: 'dms.export',
  userId: 'U0ALICE',
  channelId: 'C0EXPORTS',
  inGroup: async () => false,
  ...over,
});

/** Policies that single D out in each way a rule can: deny it, allow only it, deny its environment unless listed. */
function policiesAbout(d: string): Policy[] {
  return [
    parsePolicy(
      ['default: allow', 'rules:', '  - name: not-d', '    deny: [dms.export]', `    databases: [${d}]`].join('\n'),
      'test',
    ),
    parsePolicy(
      ['default: deny', 'rules:', '  - name: only-d', '    allow: [dms.export]', `    databases: ["${d}"]`].join('\n'),
      'test',
    ),
    parsePolicy(
      [
        'default: allow',
        'rules:',
        '  - name: d-ok',
        '    allow: [dms.export]',
        `    databases: [${d}]`,
        '  - name: no-prod',
        '    deny: [dms.export]',
        '    env_types: [product]',
      ].join('\n'),
      'test',
    ),
  ];
}

describe('database ids: one canonical form', () => {
  it('every spelling of D parses to exactly D or is refused with a reason; decisions then equal the decision for D', async () => {
    await fc.assert(
      fc.asyncProperty(
        dbIdArb.chain((d) => fc.tuple(fc.constant(d), spelling(d))),
        async ([d, typed]) => {
          const parsed = parseDbId(typed);
          if (!parsed.ok) {
            expect(parsed.reason).toMatch(
              /^A DMS database id (must use the digits 0–9 only \(it has .+\)|is too large|cannot be 0|is empty)/,
            );
            return;
          }
          expect(parsed.id).toBe(d);
          for (const p of policiesAbout(d)) {
            for (const envType of [undefined, 'product', 'dev']) {
              expect(await decide(p, req({ database: { id: parsed.id, envType } }))).toEqual(
                await decide(p, req({ database: { id: d as DbId, envType } })),
              );
            }
          }
          // What the client sends is D itself, exactly.
          for (const action of ['CreateOrder', 'CreateFreeLockCorrectOrder', 'CreateDataTrackOrder'] as const)
            expect(String(dbIdOnWire(action, parsed.id))).toBe(d);
        },
      ),
      RUNS,
    );
  });

  it('refuses ids past 2^53−1 (the JSON number on the wire would name another database), 0 and the empty string', () => {
    fc.assert(
      fc.property(tooLarge, (big) => {
        const p = parseDbId(big);
        expect(p.ok).toBe(false);
        expect(!p.ok && p.reason).toMatch(/too large/);
      }),
      RUNS,
    );
    for (const v of ['0', '000', '', '   ', 0, -1, 1.5, 2 ** 53, Number.NaN, null, undefined, {}])
      expect(parseDbId(v).ok, String(v)).toBe(false);
    expect(parseDbId(String(SAFE_MAX))).toEqual({ ok: true, id: String(SAFE_MAX) });
    expect(parseDbId(4242)).toEqual({ ok: true, id: '4242' });
  });

  it('a policy file entry is canonicalised at load (04242 is 4242) or refused at start-up naming the entry', () => {
    fc.assert(
      fc.property(
        dbIdArb.chain((d) => fc.tuple(fc.constant(d), spelling(d), fc.boolean())),
        ([d, written, quoted]) => {
          const entry = quoted ? JSON.stringify(written) : written;
          let policy: Policy | undefined;
          let problem: string | undefined;
          try {
            policy = parsePolicy(
              [
                'default: allow',
                'rules:',
                '  - name: r',
                '    deny: [dms.export]',
                '    databases:',
                `      - ${entry}`,
                '      - 1',
              ].join('\n'),
              'POLICY_FILE',
            );
          } catch (err) {
            problem = (err as Error).message;
          }
          if (policy) expect(policy.rules[0]!.databases).toEqual([d, '1']);
          // Refused: the line and the entry are named (unless the spelling is not even valid YAML, which names the line).
          else expect(problem).toMatch(/line 6, rules\[0\]\.databases\[0\]: A DMS database id|line \d+/);
          // What a reader of the file meant by a plain decimal entry always loads as that id.
          if (/^[ \t]*0*[0-9]+[ \t]*$/.test(written) && parseDbId(written).ok)
            expect(policy?.rules[0]?.databases?.[0]).toBe(d);
        },
      ),
      RUNS,
    );
    // The numbers YAML itself would turn into 4242.
    for (const spelled of ['0x1092', '+4242', '4242.0', '4.242e3', '0o10222', '99999999999999999999']) {
      expect(
        () =>
          parsePolicy(
            ['rules:', '  - name: r', '    deny: [dms.export]', `    databases: [${spelled}]`].join('\n'),
            'POLICY_FILE',
          ),
        spelled,
      ).toThrow(/line 4, rules\[0\]\.databases\[0\]: A DMS database id/);
    }
    expect(
      parsePolicy(['rules:', '  - name: r', '    deny: [dms.export]', '    databases: [04242, "004242"]'].join('\n'))
        .rules[0]!.databases,
    ).toEqual(['4242', '4242']);
  });

  it('submitted option values: only the canonical spelling the picker makes is accepted', () => {
    fc.assert(
      fc.property(
        dbIdArb.chain((d) => fc.tuple(fc.constant(d), spelling(d), fc.constantFrom('L', 'P', 'T'))),
        ([d, written, kind]) => {
          const value = `db:${written}:${kind}`;
          const choice = parseDatabaseChoice(value);
          if (choice) expect(choice.id).toBe(d);
          const values = exportValues({
            [ExportIds.dbBlock]: {
              [ExportIds.dbSelect]: {
                type: 'external_select',
                selected_option: { value, text: { type: 'plain_text', text: 'x' } },
              },
            },
          }) as unknown as ViewStateValues;
          const parsed = parseExportSubmission(values);
          if (parsed.ok) expect(parsed.form.db.id).toBe(d);
          else expect(parsed.errors[ExportIds.dbBlock]).toMatch(/not valid/);
          // A choice is accepted exactly when it is written canonically.
          expect(parsed.ok).toBe(written === d);
        },
      ),
      RUNS,
    );
  });

  it('stored ticket details are re-read: old non-canonical ids are canonicalised, anything else makes the database unknown', () => {
    expect(ticketDatabases({ details: { dbIds: ['04242'] } })).toEqual(['4242']);
    expect(ticketDatabases({ details: { dbIds: ['4242', 'x'] } })).toBe('unknown');
    expect(ticketDatabases({ details: {} })).toBe('unknown');
    expect(ticketDatabases({ details: { dbIds: [] } })).toBe('unknown');
  });
});

describe('an unknown database fails closed', () => {
  it('deny rules about databases match a database the bot could not learn; allow rules about databases do not', async () => {
    const deny = parsePolicy(
      ['default: allow', 'rules:', '  - name: not-4242', '    deny: [approve]', '    databases: [4242]'].join('\n'),
    );
    const allow = parsePolicy(
      ['default: deny', 'rules:', '  - name: only-4242', '    allow: [approve]', '    databases: [4242]'].join('\n'),
    );
    const r = req({ command: 'approve', database: { id: null } });
    expect(await decide(deny, r)).toEqual({ allowed: false, rule: 'not-4242' });
    expect(await decide(allow, r)).toEqual({ allowed: false, rule: 'default' });
  });
});

describe('other ids', () => {
  it("ticket ids: digits 0–9 within DMS's Long, leading zeros and # dropped; everything else refused", () => {
    fc.assert(
      fc.property(
        fc
          .bigInt({ min: 1n, max: 2n ** 63n - 1n })
          .map(String)
          .chain((d) => fc.tuple(fc.constant(d), spelling(d))),
        ([d, typed]) => {
          const p = parseOrderId(typed);
          if (p.ok) expect(p.id).toBe(d);
        },
      ),
      RUNS,
    );
    expect(parseOrderId('#000123')).toEqual({ ok: true, id: '123' });
    expect(parseOrderId('9223372036854775808').ok).toBe(false);
    expect(parseOrderId('１２３').ok).toBe(false);
  });

  it('Slack ids are taken only as Slack spells them', () => {
    expect(parseSlackUserId('U0ALICE').ok).toBe(true);
    for (const v of ['u0alice', 'U0ALICE ', ' U0ALICE', 'U0ＡLICE', 'S0GROUP', 'U', 'U0ALICE\u200b'])
      expect(parseSlackUserId(v).ok, v).toBe(false);
    expect(parseChannelId('C0EXPORTS').ok).toBe(true);
    for (const v of ['c0exports', '#C0EXPORTS', 'C0EXPORTS\n', 'U0ALICE']) expect(parseChannelId(v).ok, v).toBe(false);
  });

  it('ids in DMS answers are read in one spelling; APPROVERS takes Slack ids only as Slack spells them', () => {
    expect(idString.parse('0042')).toBe('42');
    expect(idString.parse('0')).toBe('0');
    expect(idString.parse(42)).toBe('42');
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SANDBOX: '1' };
    expect(readConfig({ ...base, APPROVERS: 'U0BOB S0DBA' }).APPROVERS).toEqual([
      { kind: 'user', id: 'U0BOB' },
      { kind: 'group', id: 'S0DBA' },
    ]);
    expect(() => readConfig({ ...base, APPROVERS: 'u0bob' })).toThrow(/APPROVERS/);
  });
});
