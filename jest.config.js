/**
 * Two jest projects:
 *   unit         everything that runs on small inputs: `npm run test:unit`, fast, for every change.
 *   populations  tests that load whole shared populations (../shared/data) or run the CLI on them; minutes.
 *                (The 1 MB synthea-bulk-10 sample and single bundles load in unit tests: under a second.)
 * `npm test` type-checks and runs both.
 *
 * Unit tests import TypeScript through ts-jest; tests that need the CLI, the server or the inference worker
 * use the compiled `dist/` that `npm ci` (prepare) or `npm run build` produces, rebuilt once by global-setup.
 * ES modules (ESM-only packages, loaded by src/cds/esm-import.ts) are compiled to CommonJS by
 * tests/jest/esm-transform.js; node_modules is therefore not excluded from transforms (CommonJS files
 * pass through unchanged, and Jest caches the result).
 */
const POPULATION_TESTS = [
  '<rootDir>/tests/fhir/shared-data.test.ts',
  '<rootDir>/tests/cli/cli.test.ts',
  '<rootDir>/tests/lamo/leakage.test.ts',
  '<rootDir>/tests/report/report-cli.test.ts',
  '<rootDir>/tests/medications/indications-provenance.test.ts',
];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': 'ts-jest', '^.+\\.m?js$': '<rootDir>/tests/jest/esm-transform.js' },
  transformIgnorePatterns: [],
};

module.exports = {
  globalSetup: '<rootDir>/tests/global-setup.js',
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...POPULATION_TESTS] },
    { ...shared, displayName: 'populations', testMatch: POPULATION_TESTS },
  ],
};
