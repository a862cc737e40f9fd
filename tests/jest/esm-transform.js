// Jest transform for ES modules in node_modules (jose, fhir-kit-client, chart libraries): Jest 29 runs tests
// as CommonJS and cannot link ES modules without an experimental flag, so each file of an ESM package is
// compiled to CommonJS by TypeScript's transpiler. This mirrors production, where src/cds/esm-import.ts
// loads the same files with Node's own require() of ES modules. CommonJS files pass through unchanged.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const typeOfDir = new Map();
/** "module" when the nearest package.json says so. */
function packageType(dir) {
  if (typeOfDir.has(dir)) return typeOfDir.get(dir);
  const manifest = path.join(dir, 'package.json');
  let type;
  if (fs.existsSync(manifest)) type = JSON.parse(fs.readFileSync(manifest, 'utf8')).type ?? 'commonjs';
  else type = path.dirname(dir) === dir ? 'commonjs' : packageType(path.dirname(dir));
  typeOfDir.set(dir, type);
  return type;
}

function isEsm(filename) {
  if (filename.endsWith('.mjs')) return true;
  if (filename.endsWith('.cjs')) return false;
  return packageType(path.dirname(filename)) === 'module';
}

module.exports = {
  process(source, filename) {
    if (!isEsm(filename)) return { code: source };
    const code = source
      .replace(/\bimport\.meta\.url\b/g, "require('url').pathToFileURL(__filename).href")
      .replace(/\bimport\.meta\.dirname\b/g, '__dirname')
      .replace(/\bimport\.meta\.filename\b/g, '__filename')
      // Top-level await cannot be CommonJS; where ESM packages use it, it is to probe an optional dependency
      // (vega-canvas: `try { NodeCanvas = await import('canvas') } catch {}`): a require() in the same try.
      .replace(/\bawait import\(/g, 'require(');
    const output = ts.transpileModule(code, {
      // As .js: TypeScript always emits a .mjs file as an ES module, whatever `module` says.
      fileName: filename.replace(/\.mjs$/, '.js'),
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, allowJs: true, inlineSourceMap: true },
    });
    return { code: output.outputText };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(`esm-transform-2\0${ts.version}\0${filename}\0${source}`).digest('hex');
  },
};
