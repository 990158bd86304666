import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `fast` (npm run test:fast, the edit loop): unit tests and the flows that drive the real app in-process.
 * `slow` (npm run test:slow): what spawns processes or waits on real time by design — the compiled bot's start and
 * stop, kill -9 and restart, two replicas on PostgreSQL, the benches' quick modes. `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/unit/**/*.test.ts', 'test/flows/**/*.test.ts'],
          // Files share a worker's module graph instead of re-importing Bolt, both SQL parsers and the app for each of
          // them: half the CPU of an isolated run. Safe because nothing here keeps module-level state (dependencies
          // are passed in, every test builds its own app, clock and fakes).
          isolate: false,
          // A PostgreSQL for the store contract tests (TEST_DATABASE_URL, or a throwaway local cluster; one per run).
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: ['test/slow/**/*.test.ts'],
          // PostgreSQL for the replicas; the compiled bot (dist/.test) built once for the whole run, not per file.
          globalSetup: ['test/support/postgres-setup.ts', 'test/support/build-setup.ts'],
        },
      },
    ],
  },
});
