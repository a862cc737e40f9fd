/** Unit tests import TypeScript through ts-jest; tests that need the CLI, the server or the
 * inference worker use the compiled `dist/` that `npm ci` (prepare) or `npm run build` produces. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/tests/global-setup.js',
  testTimeout: 120000,
};
