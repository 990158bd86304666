import { openStore } from '../store/open.js';
import type { StoredAuditEntry } from '../store/types.js';

const COLUMNS = [
  'id',
  'at',
  'actor_slack_id',
  'actor_dms_id',
  'channel_id',
  'action',
  'decision',
  'rule',
  'ticket_id',
  'external_id',
  'cloud_request_id',
  'detail',
] as const;

/** Options of `npm run audit -- --since 2026-01-01 [--until …] [--format csv|json]`. */
export interface AuditOptions {
  since?: number;
  until?: number;
  format: 'csv' | 'json';
}

const USAGE = 'usage: npm run audit -- [--since YYYY-MM-DD|ISO time] [--until YYYY-MM-DD|ISO time] [--format csv|json]';

/** Reads the command line; throws with words for the operator. */
export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  const out: AuditOptions = { format: 'json' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=')
      ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
      : [flag, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    switch (name) {
      case '--since':
      case '--until': {
        const t = parseTime(value);
        if (t === undefined)
          throw new Error(
            `${name} must be a date (YYYY-MM-DD, UTC) or an ISO time, not "${value.slice(0, 40)}"\n${USAGE}`,
          );
        out[name === '--since' ? 'since' : 'until'] = t;
        break;
      }
      case '--format':
        if (value !== 'csv' && value !== 'json') throw new Error(`--format must be csv or json\n${USAGE}`);
        out.format = value;
        break;
      default:
        throw new Error(`unknown option ${name.slice(0, 40)}\n${USAGE}`);
    }
  }
  return out;
}

function parseTime(v: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  return Number.isNaN(t) ? undefined : t;
}

/** The audit entries as CSV (RFC 4180, one header line, ISO times) or a JSON array. */
export function formatAudit(entries: readonly StoredAuditEntry[], format: 'csv' | 'json'): string {
  const rows = entries.map((e) => ({
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor_slack_id: e.actorSlackId,
    actor_dms_id: e.actorDmsId ?? null,
    channel_id: e.channelId ?? null,
    action: e.action,
    decision: e.decision,
    rule: e.rule ?? null,
    ticket_id: e.ticketId ?? null,
    external_id: e.externalId ?? null,
    cloud_request_id: e.cloudRequestId ?? null,
    detail: e.detail ?? {},
  }));
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    // Quote every field that needs it; a leading = + - @ would run as a formula in a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `${[COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`;
}

/** Exports the audit trail of the database in DATABASE_URL. Returns the process exit code. */
export async function runAuditCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let opts: AuditOptions;
  try {
    opts = parseAuditArgs(argv);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  const url = env['DATABASE_URL']?.trim() || 'sqlite:./data/chatops.db';
  if (!url.startsWith('sqlite:') && !/^postgres(ql)?:\/\//i.test(url)) {
    err('DATABASE_URL must be sqlite:<path> or postgres://…\n');
    return 2;
  }
  const store = await openStore(url);
  try {
    const entries = (await store.listAudit({ since: opts.since })).filter(
      (e) => opts.until === undefined || e.at < opts.until,
    );
    out(formatAudit(entries, opts.format));
    return 0;
  } finally {
    await store.close();
  }
}

// Run as a program (`node dist/src/audit-cli.js …`), not when imported by tests.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runAuditCli(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  ).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`audit export failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
