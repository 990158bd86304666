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

/**
 * Vitest global setup: the PostgreSQL tests get TEST_DATABASE_URL if it is set, else a throwaway cluster on loopback
 * started from the installed binaries (.ci/postgres.sh) and stopped after the run. In CI a missing server is an error;
 * elsewhere those tests are skipped, saying why.
 */
export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env['TEST_DATABASE_URL']?.trim();
  if (given) {
    project.provide('pgUrl', given);
    return undefined;
  }
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
      project.provide('pgUrl', url);
      return () => {
        execFileSync('bash', [script, 'stop', dir, bin], { stdio: 'ignore' });
      };
    }
    missing = '.ci/postgres.sh start printed no server';
  } catch {
    missing =
      'TEST_DATABASE_URL is unset and no PostgreSQL could be started: initdb and pg_ctl are neither on PATH nor under /usr/lib/postgresql/*/bin (bash .ci/postgres.sh find)';
  }
  if (process.env['CI'] === 'true') throw new Error(`PostgreSQL is required in CI: ${missing}`);
  project.provide('pgMissing', missing);
  return undefined;
}
