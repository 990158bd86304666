import { sqlitePath } from '../config.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** True for a `postgres://` or `postgresql://` DATABASE_URL. */
export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl);
}

/**
 * Opens the store DATABASE_URL names (`sqlite:<path>` or `postgres://…`) and brings its schema up to date.
 * Error messages never quote the URL: it may hold a password.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(sqlitePath(databaseUrl));
  if (isPostgresUrl(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error('DATABASE_URL must be sqlite:<path> or postgres://user:password@host:5432/database');
}
