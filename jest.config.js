/** Unit tests import TypeScript through ts-jest; tests that need the CLI, the server or the
 * inference worker use the compiled `dist/` that `npm ci` (prepare) or `npm run build` produces.
 * ES modules (ESM-only packages, loaded by src/cds/esm-import.ts) are compiled to CommonJS by
 * tests/jest/esm-transform.js; node_modules is therefore not excluded from transforms (CommonJS files
 * pass through unchanged, and Jest caches the result). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': 'ts-jest', '^.+\\.m?js$': '<rootDir>/tests/jest/esm-transform.js' },
  transformIgnorePatterns: [],
  globalSetup: '<rootDir>/tests/global-setup.js',
  testTimeout: 120000,
};
