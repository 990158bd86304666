import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL the tests use; absent when there is none (see `pgMissing`). */
    pgUrl?: string;
    /** Why there is no PostgreSQL, in words a reader can check. */
    pgMissing?: string;
  }
}

const script = join(import.meta.dirname, '..', '..', '.ci', 'postgres.sh');

/** The one PostgreSQL of a run: a URL, or why there is none, and how to stop it. */
interface Server {
  url?: string;
  missing?: string;
  stop?: () => void;
}

/** Starts (or names) the server; throws in CI when there is none. */
function startServer(): Server {
  const given = process.env['TEST_DATABASE_URL']?.trim();
  if (given) return { url: given };
  let missing: string;
  try {
    const [url, dir, bin] = execFileSync('bash', [script, 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 120_000,
    })
      .trim()
      .split('\n');
    if (url && dir && bin) {
      return { url, stop: () => execFileSync('bash', [script, 'stop', dir, bin], { stdio: 'ignore' }) };
    }
    missing = '.ci/postgres.sh start printed no server';
  } catch {
    missing =
      'TEST_DATABASE_URL is unset and no PostgreSQL could be started: initdb and pg_ctl are neither on PATH nor under /usr/lib/postgresql/*/bin (bash .ci/postgres.sh find)';
  }
  if (process.env['CI'] === 'true') throw new Error(`PostgreSQL is required in CI: ${missing}`);
  return { missing };
}

// Each test project (fast, slow) runs this setup, each with its own copy of this module, in the one main process:
// they share one server through a process-wide slot, stopped when the last project is done with it.
const SLOT = Symbol.for('chatops.test.postgres');
type Shared = { server: Server; users: number };
const slots = globalThis as typeof globalThis & Record<symbol, Shared | undefined>;

/**
 * Vitest global setup: the PostgreSQL tests get TEST_DATABASE_URL if it is set, else a throwaway cluster on loopback
 * started from the installed binaries (.ci/postgres.sh) and stopped after the run. In CI a missing server is an error;
 * elsewhere those tests are skipped, saying why.
 */
export default function setup(project: TestProject): () => void {
  const shared = slots[SLOT] ?? { server: startServer(), users: 0 };
  slots[SLOT] = shared;
  shared.users += 1;
  const { server } = shared;
  if (server.url) project.provide('pgUrl', server.url);
  else if (server.missing) project.provide('pgMissing', server.missing);
  return () => {
    shared.users -= 1;
    if (shared.users === 0) {
      slots[SLOT] = undefined;
      server.stop?.();
    }
  };
}
