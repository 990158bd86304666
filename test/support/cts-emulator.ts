// The emulators live in src/sandbox (SANDBOX=1 runs them in the bot); tests import them from here.
export * from '../../src/sandbox/cts/index.js';
