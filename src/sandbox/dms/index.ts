/** The DMS emulator's public API (tests import it through test/support/dms-emulator.ts; sandbox mode runs it). */
export { DmsEmulator } from './emulator.js';
export type { DmsChaos } from './faults.js';
export type { DmsStatusChange } from './state.js';
export { DEFAULT_STATUS_SCRIPTS } from './statuses.js';
export * from './types.js';
