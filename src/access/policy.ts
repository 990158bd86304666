import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { type DbId, parseChannelId, parseDbId, parseSlackUserId, parseUsergroupId } from '../core/ids.js';

/** What a policy rule can allow or deny. */
export const POLICY_COMMANDS = [
  'dms.export',
  'dms.track',
  'dms.change',
  'dms.status',
  'dms.settings',
  'cts.tracker',
  'cts.list',
  'cts.subscribe',
  'cts.subscriptions',
  'approve',
] as const;
export type PolicyCommand = (typeof POLICY_COMMANDS)[number];

const command = z.enum([...POLICY_COMMANDS, '*'], { error: `must be one of ${POLICY_COMMANDS.join(', ')} or *` });
const slackUser = z
  .string()
  .refine(
    (v) => parseSlackUserId(v).ok || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v),
    'must be a Slack user id (U…/W…, upper case) or an email',
  );
/** Ids in the policy file are checked by the same parsers as everything else, so a rule can only name ids in their canonical spelling. */
const fromParser = (parse: (v: unknown) => { ok: true; id: string } | { ok: false; reason: string }) =>
  z.unknown().transform((v, ctx) => {
    const p = parse(v);
    if (p.ok) return p.id;
    ctx.addIssue({ code: 'custom', message: p.reason.replace(/\.$/, '') });
    return z.NEVER;
  });
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must list at least one value');

const ruleSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    allow: list(command).optional(),
    deny: list(command).optional(),
    channels: list(fromParser(parseChannelId)).optional(),
    users: list(slackUser).optional(),
    groups: list(fromParser(parseUsergroupId)).optional(),
    env_types: list(z.string().trim().min(1)).optional(),
    // Entries are read from their YAML source text (see databaseSources): `04242` is database 4242, while `0x1092`,
    // `+4242`, `4242.0` or `4.242e3` (numbers to YAML) are refused at start-up instead of silently becoming 4242.
    databases: list(
      fromParser((v) => parseDbId(v) as { ok: true; id: string } | { ok: false; reason: string }),
    ).optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.allow === !r.deny) ctx.addIssue({ code: 'custom', message: 'needs exactly one of `allow` or `deny`' });
  });

const policySchema = z.strictObject({
  default: z.enum(['allow', 'deny'], { error: 'must be allow or deny' }).default('allow'),
  rules: z.array(ruleSchema).default([]),
});

/** One rule: the first rule that matches a request decides it. */
export interface PolicyRule {
  name: string;
  effect: 'allow' | 'deny';
  commands: readonly (PolicyCommand | '*')[];
  channels?: readonly string[];
  users?: readonly string[];
  groups?: readonly string[];
  envTypes?: readonly string[];
  databases?: readonly DbId[];
}

export interface Policy {
  default: 'allow' | 'deny';
  rules: readonly PolicyRule[];
  /** Where it came from, for messages ("POLICY_FILE" or "built-in"). */
  source: string;
}

/** Everything allowed (approvals still need APPROVERS): the policy when no POLICY_FILE is given. */
export const DEFAULT_POLICY: Policy = { default: 'allow', rules: [], source: 'built-in default' };

/** Reads and validates POLICY_FILE; errors name the line and key at fault. */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`POLICY_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parsePolicy(text, 'POLICY_FILE');
}

/** Parses policy YAML text. */
export function parsePolicy(text: string, source = 'policy'): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    throw new Error(`${source} is not valid YAML${at ? ` (line ${at.line})` : ''}: ${e.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // e.g. an alias to an anchor that does not exist.
    let line: number | undefined;
    visit(doc, {
      Alias(_, n) {
        if (line === undefined && n.range) line = lines.linePos(n.range[0]).line;
      },
    });
    throw new Error(
      `${source} is not valid YAML${line ? ` (line ${line})` : ''}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = policySchema.safeParse(withDatabaseSources(data ?? {}, doc));
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((i) => {
      const path = i.path.map(String);
      const line =
        i.code === 'unrecognized_keys'
          ? lineOf(doc.contents, [...path, i.keys[0]!], lines, true)
          : lineOf(doc.contents, path, lines);
      const key = path.length
        ? path
            .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
            .join('')
            .replace(/^\./, '')
        : '(top level)';
      const message =
        i.code === 'unrecognized_keys'
          ? `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`
          : i.code === 'invalid_type'
            ? `must be ${i.expected}`
            : i.message;
      return `${line ? `line ${line}, ` : ''}${key}: ${message}`;
    });
    throw new Error(`${source} has problems:\n  - ${problems.join('\n  - ')}`);
  }
  const rules: PolicyRule[] = parsed.data.rules.map((r) => ({
    name: r.name,
    effect: r.allow ? 'allow' : 'deny',
    commands: (r.allow ?? r.deny)!,
    channels: r.channels,
    users: r.users?.map((u) => (u.includes('@') ? u.toLowerCase() : u)),
    groups: r.groups,
    envTypes: r.env_types?.map((e) => e.toLowerCase()),
    databases: r.databases as DbId[] | undefined,
  }));
  const names = new Set<string>();
  for (const [i, r] of rules.entries()) {
    if (names.has(r.name))
      throw new Error(
        `${source} has problems:\n  - ${lineOf(doc.contents, ['rules', String(i), 'name'], lines) ? `line ${lineOf(doc.contents, ['rules', String(i), 'name'], lines)}, ` : ''}rules[${i}].name: "${r.name}" is used twice`,
      );
    names.add(r.name);
  }
  return { default: parsed.data.default, rules, source };
}

/**
 * YAML reads `04242`, `0x1092`, `+4242`, `4242.0` and `4.242e3` all as the number 4242, and `99999999999999999999`
 * as a float that names no database. Policy database entries are ids, not numbers: they are taken from the text as
 * written, so only decimal digits pass (and big ids keep every digit).
 */
function withDatabaseSources(data: unknown, doc: ReturnType<typeof parseDocument>): unknown {
  const rules = (data as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return data;
  const patched = rules.map((rule: unknown, i) => {
    const dbs = (rule as { databases?: unknown } | null)?.databases;
    const node = doc.getIn(['rules', i, 'databases'], true);
    if (!Array.isArray(dbs) || !isSeq(node)) return rule;
    const databases = dbs.map((v, j) => {
      const item = node.items[j];
      return isScalar(item) && item.type === 'PLAIN' && typeof item.source === 'string' && typeof v === 'number'
        ? item.source
        : v;
    });
    return { ...(rule as object), databases };
  });
  return { ...(data as object), rules: patched };
}

/** The line of the YAML node at `path` (or its closest existing parent). */
function lineOf(root: unknown, path: string[], lines: LineCounter, atKey = false): number | undefined {
  let node = root as YamlNode | null | undefined;
  let best: number | undefined;
  const here = (n: unknown) => {
    const range = (n as { range?: [number, number, number] } | undefined)?.range;
    if (range) best = lines.linePos(range[0]).line;
  };
  here(node);
  for (const [idx, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === key);
      if (!pair) break;
      here(pair.key);
      if (atKey && idx === path.length - 1) break;
      node = pair.value as YamlNode | null;
      if (node) here(node);
    } else if (isSeq(node)) {
      node = node.items[Number(key)] as YamlNode | null;
      if (!node) break;
      here(node);
    } else break;
  }
  return best;
}

/** Who asks, where, and (when known) about which database. */
export interface PolicyRequest {
  command: PolicyCommand;
  userId: string;
  email?: string;
  channelId?: string;
  /** Resolves a user group's members (cached by the caller). */
  inGroup: (groupId: string) => Promise<boolean>;
  /**
   * The database the request is about; undefined before one is chosen. `id: null`: the request is about a
   * database the bot could not learn (e.g. a ticket whose details do not name it): rules about databases fail
   * closed (deny rules match, allow rules do not).
   */
  database?: { id: DbId | null; envType?: string };
}

export interface PolicyDecision {
  allowed: boolean;
  /** The rule that decided, or `default`. */
  rule: string;
  /** True when the decision depends on the database still to be chosen (rules with database conditions). */
  dependsOnDatabase?: boolean;
}

/**
 * Decides a request: the first rule whose commands and conditions all match wins; otherwise the default.
 * Unknown facts fail closed: a deny rule about an environment matches a database whose environment is unknown,
 * an allow rule does not.
 */
export async function decide(policy: Policy, req: PolicyRequest): Promise<PolicyDecision> {
  for (const rule of policy.rules) {
    if (!rule.commands.includes('*') && !rule.commands.includes(req.command)) continue;
    if (rule.channels && !(req.channelId && rule.channels.includes(req.channelId))) continue;
    if (rule.users && !rule.users.includes(req.userId) && !(req.email && rule.users.includes(req.email.toLowerCase())))
      continue;
    if (rule.groups && !(await someAsync(rule.groups, req.inGroup))) continue;
    const aboutDb = rule.envTypes !== undefined || rule.databases !== undefined;
    if (aboutDb) {
      if (!req.database) {
        // Before a database is chosen: an allow rule may still allow some database; a deny rule may not apply.
        if (rule.effect === 'allow') return { allowed: true, rule: rule.name, dependsOnDatabase: true };
        continue;
      }
      const db = req.database;
      if (rule.databases && !(db.id === null ? rule.effect === 'deny' : rule.databases.includes(db.id))) continue;
      if (rule.envTypes) {
        const env = db.envType?.toLowerCase();
        const matches = env === undefined ? rule.effect === 'deny' : rule.envTypes.includes(env);
        if (!matches) continue;
      }
    }
    return { allowed: rule.effect === 'allow', rule: rule.name };
  }
  return { allowed: policy.default === 'allow', rule: 'default' };
}

async function someAsync(items: readonly string[], pred: (s: string) => Promise<boolean>): Promise<boolean> {
  for (const i of items) if (await pred(i)) return true;
  return false;
}
