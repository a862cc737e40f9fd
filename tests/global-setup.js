// Integration tests run the compiled CLI, server and inference worker from dist/; build it once.
const { execFileSync } = require('child_process');
const path = require('path');
module.exports = async () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, '..', 'tsconfig.json')], {
    stdio: 'inherit',
  });
};
