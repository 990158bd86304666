/** The CTS emulator's public API (tests import it through test/support/cts-emulator.ts; sandbox mode runs it). */
export { CtsEmulator } from './emulator.js';
export * from './types.js';
