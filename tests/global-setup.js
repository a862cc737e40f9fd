// Integration tests run the compiled CLI, server and inference worker from dist/; build it once.
// Type errors are reported but do not stop the run: `npm run typecheck` (part of `npm test`) fails on them,
// and tsc still emits, so one module's error does not hide every other test's result.
const { spawnSync } = require('child_process');
const path = require('path');
module.exports = async () => {
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, '..', 'tsconfig.json')], {
    stdio: 'inherit',
  });
  if (result.status !== 0) console.warn('\n[global-setup] tsc reported errors (see above); dist/ was emitted anyway');
  // The SMART app's bundle (dist/app), which the service serves under /app/.
  const app = spawnSync(process.execPath, [path.join(__dirname, '..', 'app', 'build.js')], { stdio: 'inherit' });
  if (app.status !== 0) throw new Error('[global-setup] the SMART app (app/build.js) failed to build');
};
