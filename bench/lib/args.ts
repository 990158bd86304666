/**
 * Command-line arguments of the benches: `--name value` options and `--flag` switches, read one way everywhere.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The arguments after the script (`process.argv.slice(2)` by default). */
export class Args {
  constructor(readonly list: readonly string[] = process.argv.slice(2)) {}

  /** The value after `--name`, or undefined when the option is absent. */
  value(name: string): string | undefined {
    const i = this.list.indexOf(`--${name}`);
    return i >= 0 ? this.list[i + 1] : undefined;
  }

  /** Whether the switch `--name` is present. */
  has(name: string): boolean {
    return this.list.includes(`--${name}`);
  }

  /** `--name` as a number, or `fallback` when absent. */
  number(name: string, fallback: number): number {
    const v = this.value(name);
    return v === undefined ? fallback : Number(v);
  }

  /** `--name a,b,c` as numbers (empty items dropped), or `fallback` when absent. */
  numbers(name: string, fallback: number[]): number[] {
    const v = this.value(name);
    return v === undefined ? fallback : v.split(',').filter(Boolean).map(Number);
  }

  /** `--name a,b,c` as strings (empty items dropped), or undefined when absent. */
  strings(name: string): string[] | undefined {
    return this.value(name)?.split(',').filter(Boolean);
  }
}

/** Whether the module at `moduleUrl` is the script node was started with (not imported by a test or another bench). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(resolve(script)).href;
}
