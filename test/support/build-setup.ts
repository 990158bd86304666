import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The compiled entry point (`<repo>/dist/.test/src/main.js`), built once for the run. */
    mainJs: string;
    /** The folder the compiled app was written to. */
    distDir: string;
  }
}

const root = join(import.meta.dirname, '..', '..');

/**
 * Vitest global setup of the slow tier: compiles the app (tsconfig.build.json) once into a folder of its own, so the
 * test files that spawn the compiled bot share one build and never race a build of `npm start`'s dist/.
 */
export default function setup(project: TestProject): void {
  const outDir = join(root, 'dist', '.test');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 180_000,
    },
  );
  project.provide('distDir', outDir);
  project.provide('mainJs', join(outDir, 'src', 'main.js'));
}
