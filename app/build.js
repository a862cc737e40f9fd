// Builds the SMART app into dist/app: esbuild bundles app/src (fhirclient, vega, vega-lite, vega-embed and
// our code) into one script per page, and app/static is copied beside them. Run by `npm run build`/`prepare`
// and by the test set-up; nothing is fetched from a CDN at run time.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'app');

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { launch: path.join(__dirname, 'src', 'launch.ts'), main: path.join(__dirname, 'src', 'main.ts') },
    outdir: out,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'linked',
    logLevel: 'warning',
    // fhirclient's browser entry still mentions these Node modules behind runtime checks.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const file of fs.readdirSync(path.join(__dirname, 'static'))) {
    fs.copyFileSync(path.join(__dirname, 'static', file), path.join(out, file));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
