import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide, POLICY_COMMANDS, type Policy, type PolicyRequest, parsePolicy } from '../../../src/access/policy.js';
import type { DbId } from '../../../src/core/ids.js';

/** Parses and expects an error; returns its message. */
function problemOf(text: string, source = 'POLICY_FILE'): string {
  let message: string | undefined;
  try {
    parsePolicy(text, source);
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message, 'parsePolicy should have thrown').toBeDefined();
  return message!;
}

/** A request from Alice in #exports; override what a case needs. */
function req(over: Partial<PolicyRequest> = {}): PolicyRequest {
  return { command: 'dms.export', userId: 'U0ALICE', channelId: 'C0EXPORTS', inGroup: async () => false, ...over };
}

const policy = (text: string): Policy => parsePolicy(text, 'test');

describe('parsePolicy', () => {
  it('reads a file that uses every key, normalising emails, environments and database ids', () => {
    const p = parsePolicy(
      [
        'default: deny',
        'rules:',
        '  - name: no-prod-exports-in-public',
        '    deny: [dms.export, dms.change]',
        '    channels: [C0PUBLIC, G0PRIVATE]',
        '    env_types: [Product, prod]',
        '  - name: dbas',
        "    allow: ['*']",
        '    users: [U0ALICE, W0ENTERPRISE, Dave.Admin@Example.COM]',
        '    groups: [S0DBA]',
        '    databases: [1001, "2001"]',
        '  - name: everyone-reads',
        '    allow: [dms.status, cts.list, approve, dms.track, cts.tracker]',
        '',
      ].join('\n'),
      'POLICY_FILE',
    );
    expect(p).toEqual({
      default: 'deny',
      source: 'POLICY_FILE',
      rules: [
        {
          name: 'no-prod-exports-in-public',
          effect: 'deny',
          commands: ['dms.export', 'dms.change'],
          channels: ['C0PUBLIC', 'G0PRIVATE'],
          envTypes: ['product', 'prod'],
        },
        {
          name: 'dbas',
          effect: 'allow',
          commands: ['*'],
          users: ['U0ALICE', 'W0ENTERPRISE', 'dave.admin@example.com'],
          groups: ['S0DBA'],
          databases: ['1001', '2001'],
        },
        {
          name: 'everyone-reads',
          effect: 'allow',
          commands: ['dms.status', 'cts.list', 'approve', 'dms.track', 'cts.tracker'],
        },
      ],
    });
  });

  it('defaults to allow with no rules for an empty file or one without rules', () => {
    expect(parsePolicy('')).toMatchObject({ default: 'allow', rules: [] });
    expect(parsePolicy('# only a comment\n')).toMatchObject({ default: 'allow', rules: [] });
    expect(parsePolicy('default: deny\n')).toMatchObject({ default: 'deny', rules: [] });
  });

  it('accepts every command it documents', () => {
    const p = parsePolicy(`rules:\n  - name: all\n    allow: [${POLICY_COMMANDS.join(', ')}]\n`);
    expect(p.rules[0]!.commands).toEqual([...POLICY_COMMANDS]);
  });

  describe('errors name the line and the key at fault', () => {
    it('an unknown key in a rule: the line of that key', () => {
      const msg = problemOf(
        ['rules:', '  - name: a', '    allow: [dms.export]', '    chanels: [C0ABC]', ''].join('\n'),
      );
      expect(msg).toMatch(/^POLICY_FILE has problems:/);
      expect(msg).toContain('rules[0]');
      expect(msg).toContain('unknown key chanels');
      expect(msg).toContain('line 4,');
    });

    it('an unknown top-level key: the line of that key', () => {
      const msg = problemOf(['default: allow', 'rules: []', 'rulez:', '  - name: a', ''].join('\n'));
      expect(msg).toContain('unknown key rulez');
      expect(msg).toContain('line 3,');
    });

    it('a rule with both allow and deny, or neither: the line of the rule', () => {
      const both = problemOf(
        [
          'rules:',
          '  - name: ok',
          '    allow: [dms.track]',
          '  - name: both',
          '    allow: [dms.export]',
          '    deny: [dms.track]',
          '',
        ].join('\n'),
      );
      expect(both).toContain('line 4, rules[1]: needs exactly one of `allow` or `deny`');
      const neither = problemOf(['rules:', '  - name: neither', '    channels: [C0ABC]', ''].join('\n'));
      expect(neither).toContain('line 2, rules[0]: needs exactly one of `allow` or `deny`');
    });

    it('a command it does not know', () => {
      const msg = problemOf(
        ['rules:', '  - name: a', '    allow:', '      - dms.export', '      - dms.exprot', ''].join('\n'),
      );
      expect(msg).toContain('line 5, rules[0].allow[1]: must be one of dms.export');
      expect(msg).toContain('or *');
    });

    it('a channel, group or database that is not an id', () => {
      const channel = problemOf(
        ['rules:', '  - name: a', '    allow: [dms.export]', '    channels: [general]', ''].join('\n'),
      );
      expect(channel).toContain('line 4, rules[0].channels[0]: must be a Slack channel id');
      const group = problemOf(
        ['rules:', '  - name: a', '    allow: [dms.export]', '    groups: [S0DBA, U0ALICE]', ''].join('\n'),
      );
      expect(group).toContain('line 4, rules[0].groups[1]: must be a Slack user-group id');
      const db = problemOf(
        [
          'rules:',
          '  - name: a',
          '    deny: [dms.export]',
          '    databases:',
          '      - 1001',
          '      - orders_prod',
          '',
        ].join('\n'),
      );
      expect(db).toContain(
        'line 6, rules[0].databases[1]: A DMS database id must use the digits 0–9 only (it has “o”)',
      );
      const user = problemOf(['rules:', '  - name: a', '    deny: [dms.export]', '    users: [alice]', ''].join('\n'));
      expect(user).toContain('line 4, rules[0].users[0]: must be a Slack user id');
    });

    it('a list given as a single value, an empty list, a bad default', () => {
      expect(problemOf(['rules:', '  - name: a', '    allow: dms.export', ''].join('\n'))).toContain(
        'line 3, rules[0].allow: must be array',
      );
      expect(problemOf(['rules:', '  - name: a', '    allow: []', ''].join('\n'))).toContain(
        'line 3, rules[0].allow: must list at least one value',
      );
      expect(problemOf(['# policy', 'default: maybe', ''].join('\n'))).toContain(
        'line 2, default: must be allow or deny',
      );
    });

    it('a rule name used twice: the line of the second', () => {
      const msg = problemOf(
        [
          'rules:',
          '  - name: dup',
          '    allow: [dms.export]',
          '  - name: other',
          '    allow: [dms.track]',
          '  - name: dup',
          "    deny: ['*']",
          '',
        ].join('\n'),
      );
      expect(msg).toContain('line 6, rules[2].name: "dup" is used twice');
    });

    it('invalid YAML, with its line', () => {
      const unclosed = problemOf(
        ['default: deny', 'rules:', '  - name: a', '    allow: [dms.export', '  - name: b', ''].join('\n'),
      );
      expect(unclosed).toMatch(/^POLICY_FILE is not valid YAML/);
      expect(unclosed).toMatch(/\(line [45]\)/);
      const tabs = problemOf(['default: deny', 'rules:', '\t- name: a', ''].join('\n'));
      expect(tabs).toMatch(/^POLICY_FILE is not valid YAML \(line 3\)/);
      const dupKey = problemOf(['rules:', '  - name: a', '    name: b', '    allow: [dms.export]', ''].join('\n'));
      expect(dupKey).toMatch(/^POLICY_FILE is not valid YAML \(line 3\)/);
    });

    it('an alias to nothing is reported as a problem of the file, not a bare exception', () => {
      const msg = problemOf(['default: deny', 'rules: *missing', ''].join('\n'));
      expect(msg).toMatch(/^POLICY_FILE /);
      expect(msg).toContain('line 2');
    });

    it('never echoes the offending values (they may be secrets pasted by mistake)', () => {
      const secret = 'xoxb-1234-5678-SuperSecretValue';
      const aws = 'AKIAIOSFODNN7EXAMPLE';
      const files = [
        `default: ${secret}\n`,
        `rules:\n  - name: a\n    allow: [${secret}]\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    users: [${secret}]\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    users: ${secret}\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    channels: [C0OK, ${aws}]\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    groups: [${secret}]\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    databases: [${secret}]\n`,
        `rules:\n  - ${secret}\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    token: ${secret}\n`,
        `rules:\n  - name: a\n    allow: [dms.export]\n    users: [${secret}\n  foo: 'bar\n`,
        `rules:\n  - name: "${secret}\n`,
      ];
      for (const text of files) {
        const msg = problemOf(text);
        expect(msg).not.toContain(secret);
        expect(msg).not.toContain('SuperSecret');
        expect(msg).not.toContain(aws);
      }
    });
  });
});

describe('the README policy example', () => {
  it('is a valid POLICY_FILE, and decides as its comments say', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('default: allow\nrules:');
    expect(start).toBeGreaterThan(0);
    const policy = parsePolicy(readme.slice(start, readme.indexOf('```', start)), 'README');
    expect(policy.rules.map((r) => r.name)).toContain('leads-set-channel-updates');
    const ask = (command: PolicyRequest['command'], userId: string, groups: string[] = []) =>
      decide(policy, { command, userId, channelId: 'C0OPS', inGroup: async (g) => groups.includes(g) });
    expect(await ask('dms.settings', 'U0LEAD', ['S0DBATEAM'])).toMatchObject({
      allowed: true,
      rule: 'leads-set-channel-updates',
    });
    expect(await ask('dms.settings', 'U0ALICE')).toMatchObject({
      allowed: false,
      rule: 'nobody-else-sets-channel-updates',
    });
    expect(await ask('dms.export', 'U0ALICE')).toMatchObject({ allowed: true, rule: 'default' });
  });
});

describe('decide', () => {
  it('lets the first matching rule decide, in file order', async () => {
    const denyFirst = policy(
      [
        'rules:',
        '  - name: no-public',
        '    deny: [dms.export]',
        '    channels: [C0PUBLIC]',
        '  - name: everyone',
        "    allow: ['*']",
        '',
      ].join('\n'),
    );
    expect(await decide(denyFirst, req({ channelId: 'C0PUBLIC' }))).toEqual({ allowed: false, rule: 'no-public' });
    expect(await decide(denyFirst, req({ channelId: 'C0EXPORTS' }))).toEqual({ allowed: true, rule: 'everyone' });
    const allowFirst = policy(
      [
        'rules:',
        '  - name: everyone',
        "    allow: ['*']",
        '  - name: no-public',
        '    deny: [dms.export]',
        '    channels: [C0PUBLIC]',
        '',
      ].join('\n'),
    );
    expect(await decide(allowFirst, req({ channelId: 'C0PUBLIC' }))).toEqual({ allowed: true, rule: 'everyone' });
  });

  it('falls back to the default: allow when unset, deny when set', async () => {
    const rules = ['rules:', '  - name: track-only', '    allow: [dms.track]', ''];
    expect(await decide(policy(rules.join('\n')), req())).toEqual({ allowed: true, rule: 'default' });
    const strict = policy(['default: deny', ...rules].join('\n'));
    expect(await decide(strict, req())).toEqual({ allowed: false, rule: 'default' });
    expect(await decide(strict, req({ command: 'dms.track' }))).toEqual({ allowed: true, rule: 'track-only' });
  });

  it('matches a rule only for its commands; * matches every command', async () => {
    const p = policy(
      ['default: allow', 'rules:', '  - name: lockdown', "    deny: ['*']", '    channels: [C0LOCKED]', ''].join('\n'),
    );
    for (const command of POLICY_COMMANDS) {
      expect(await decide(p, req({ command, channelId: 'C0LOCKED' }))).toEqual({ allowed: false, rule: 'lockdown' });
      expect(await decide(p, req({ command, channelId: 'C0EXPORTS' }))).toEqual({ allowed: true, rule: 'default' });
    }
    const some = policy(['default: allow', 'rules:', '  - name: no-approvals', '    deny: [approve]', ''].join('\n'));
    expect((await decide(some, req({ command: 'approve' }))).allowed).toBe(false);
    expect((await decide(some, req({ command: 'dms.export' }))).allowed).toBe(true);
  });

  it('channel conditions: only in the listed channels (never when the channel is unknown)', async () => {
    const p = policy(
      [
        'default: deny',
        'rules:',
        '  - name: exports-here',
        '    allow: [dms.export]',
        '    channels: [C0EXPORTS, G0SECRET]',
        '',
      ].join('\n'),
    );
    expect(await decide(p, req({ channelId: 'C0EXPORTS' }))).toEqual({ allowed: true, rule: 'exports-here' });
    expect(await decide(p, req({ channelId: 'G0SECRET' }))).toEqual({ allowed: true, rule: 'exports-here' });
    expect(await decide(p, req({ channelId: 'C0OTHER' }))).toEqual({ allowed: false, rule: 'default' });
    expect(await decide(p, req({ channelId: undefined }))).toEqual({ allowed: false, rule: 'default' });
  });

  it('user conditions: by Slack id, or by email in any case', async () => {
    const p = policy(
      [
        'default: deny',
        'rules:',
        '  - name: named',
        '    allow: [dms.export]',
        '    users: [U0BOB, Alice@Example.com]',
        '',
      ].join('\n'),
    );
    expect(await decide(p, req({ userId: 'U0BOB' }))).toEqual({ allowed: true, rule: 'named' });
    expect(await decide(p, req({ userId: 'U0ALICE', email: 'ALICE@example.COM' }))).toEqual({
      allowed: true,
      rule: 'named',
    });
    expect(await decide(p, req({ userId: 'U0ALICE' }))).toEqual({ allowed: false, rule: 'default' });
    expect(await decide(p, req({ userId: 'U0CAROL', email: 'carol@example.com' }))).toEqual({
      allowed: false,
      rule: 'default',
    });
  });

  it('group conditions: a member of any listed group', async () => {
    const p = policy(
      ['default: deny', 'rules:', '  - name: dba', "    allow: ['*']", '    groups: [S0DBA, S0SRE]', ''].join('\n'),
    );
    const members: Record<string, string[]> = { S0DBA: ['U0BOB'], S0SRE: ['U0ERIN'] };
    const asked: string[] = [];
    const inGroupOf = (user: string) => async (g: string) => {
      asked.push(g);
      return members[g]?.includes(user) ?? false;
    };
    expect(await decide(p, req({ userId: 'U0BOB', inGroup: inGroupOf('U0BOB') }))).toEqual({
      allowed: true,
      rule: 'dba',
    });
    expect(await decide(p, req({ userId: 'U0ERIN', inGroup: inGroupOf('U0ERIN') }))).toEqual({
      allowed: true,
      rule: 'dba',
    });
    asked.length = 0;
    expect(await decide(p, req({ userId: 'U0ALICE', inGroup: inGroupOf('U0ALICE') }))).toEqual({
      allowed: false,
      rule: 'default',
    });
    expect(asked).toEqual(['S0DBA', 'S0SRE']);
  });

  it('all conditions of a rule must match', async () => {
    const p = policy(
      [
        'default: allow',
        'rules:',
        '  - name: bob-in-public',
        '    deny: [dms.export]',
        '    users: [U0BOB]',
        '    channels: [C0PUBLIC]',
        '',
      ].join('\n'),
    );
    expect((await decide(p, req({ userId: 'U0BOB', channelId: 'C0PUBLIC' }))).allowed).toBe(false);
    expect((await decide(p, req({ userId: 'U0BOB', channelId: 'C0EXPORTS' }))).allowed).toBe(true);
    expect((await decide(p, req({ userId: 'U0ALICE', channelId: 'C0PUBLIC' }))).allowed).toBe(true);
  });

  describe('environment and database conditions', () => {
    const denyProd = policy(
      ['default: allow', 'rules:', '  - name: no-prod', '    deny: [dms.export]', '    env_types: [product]', ''].join(
        '\n',
      ),
    );
    const allowDev = policy(
      [
        'default: deny',
        'rules:',
        '  - name: dev-only',
        '    allow: [dms.export]',
        '    env_types: [dev, test]',
        '',
      ].join('\n'),
    );

    it('deny by environment: a known environment matches in any case; others fall through', async () => {
      expect(await decide(denyProd, req({ database: { id: '1001' as DbId, envType: 'product' } }))).toEqual({
        allowed: false,
        rule: 'no-prod',
      });
      expect(await decide(denyProd, req({ database: { id: '1001' as DbId, envType: 'PRODUCT' } }))).toEqual({
        allowed: false,
        rule: 'no-prod',
      });
      expect(await decide(denyProd, req({ database: { id: '1002' as DbId, envType: 'dev' } }))).toEqual({
        allowed: true,
        rule: 'default',
      });
    });

    it('deny by environment fails closed when the environment is unknown', async () => {
      expect(await decide(denyProd, req({ database: { id: '9999' as DbId } }))).toEqual({
        allowed: false,
        rule: 'no-prod',
      });
    });

    it('allow by environment: a known environment matches; an unknown one does not', async () => {
      expect(await decide(allowDev, req({ database: { id: '1002' as DbId, envType: 'Dev' } }))).toEqual({
        allowed: true,
        rule: 'dev-only',
      });
      expect(await decide(allowDev, req({ database: { id: '1001' as DbId, envType: 'product' } }))).toEqual({
        allowed: false,
        rule: 'default',
      });
      expect(await decide(allowDev, req({ database: { id: '9999' as DbId } }))).toEqual({
        allowed: false,
        rule: 'default',
      });
    });

    it('database conditions match by id, whatever the environment', async () => {
      const p = policy(
        [
          'default: allow',
          'rules:',
          '  - name: not-orders-prod',
          '    deny: [dms.export, dms.change]',
          '    databases: [1001]',
          '',
        ].join('\n'),
      );
      expect(await decide(p, req({ database: { id: '1001' as DbId } }))).toEqual({
        allowed: false,
        rule: 'not-orders-prod',
      });
      expect(await decide(p, req({ database: { id: '1001' as DbId, envType: 'dev' } }))).toEqual({
        allowed: false,
        rule: 'not-orders-prod',
      });
      expect(await decide(p, req({ database: { id: '10010' as DbId } }))).toEqual({ allowed: true, rule: 'default' });
      expect(await decide(p, req({ database: { id: '1002' as DbId } }))).toEqual({ allowed: true, rule: 'default' });
    });

    it('databases and environments together: both must match', async () => {
      const p = policy(
        [
          'default: deny',
          'rules:',
          '  - name: orders-dev',
          '    allow: [dms.export]',
          '    databases: [1002, 1001]',
          '    env_types: [dev]',
          '',
        ].join('\n'),
      );
      expect(await decide(p, req({ database: { id: '1002' as DbId, envType: 'dev' } }))).toEqual({
        allowed: true,
        rule: 'orders-dev',
      });
      expect(await decide(p, req({ database: { id: '1001' as DbId, envType: 'product' } }))).toEqual({
        allowed: false,
        rule: 'default',
      });
      expect(await decide(p, req({ database: { id: '1003' as DbId, envType: 'dev' } }))).toEqual({
        allowed: false,
        rule: 'default',
      });
    });

    it('before a database is chosen: an allow rule counts as "maybe allowed", a deny rule is skipped', async () => {
      expect(await decide(allowDev, req())).toEqual({ allowed: true, rule: 'dev-only', dependsOnDatabase: true });
      expect(await decide(denyProd, req())).toEqual({ allowed: true, rule: 'default' });
      // The skipped deny rule lets later rules decide.
      const thenDeny = policy(
        [
          'default: allow',
          'rules:',
          '  - name: no-prod',
          '    deny: [dms.export]',
          '    env_types: [product]',
          '  - name: not-here',
          '    deny: [dms.export]',
          '    channels: [C0PUBLIC]',
          '',
        ].join('\n'),
      );
      expect(await decide(thenDeny, req({ channelId: 'C0PUBLIC' }))).toEqual({ allowed: false, rule: 'not-here' });
      // Database-only allow rules too.
      const byId = policy(
        ['default: deny', 'rules:', '  - name: just-1002', '    allow: [dms.export]', '    databases: [1002]', ''].join(
          '\n',
        ),
      );
      expect(await decide(byId, req())).toEqual({ allowed: true, rule: 'just-1002', dependsOnDatabase: true });
      expect(await decide(byId, req({ database: { id: '1001' as DbId } }))).toEqual({
        allowed: false,
        rule: 'default',
      });
    });

    it('other conditions still apply before the database is chosen', async () => {
      const p = policy(
        [
          'default: deny',
          'rules:',
          '  - name: dev-here',
          '    allow: [dms.export]',
          '    channels: [C0EXPORTS]',
          '    env_types: [dev]',
          '',
        ].join('\n'),
      );
      expect(await decide(p, req({ channelId: 'C0EXPORTS' }))).toEqual({
        allowed: true,
        rule: 'dev-here',
        dependsOnDatabase: true,
      });
      expect(await decide(p, req({ channelId: 'C0OTHER' }))).toEqual({ allowed: false, rule: 'default' });
    });
  });
});
