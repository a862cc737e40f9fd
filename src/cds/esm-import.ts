/**
 * Loads an ESM-only package (jose, fhir-kit-client) from this CommonJS build.
 *
 * TypeScript compiles `import()` to `require()` under `module: commonjs`, and both packages export only an
 * `import` condition, so `require` cannot load them. A script compiled by Node's own `vm` with the main
 * context's default loader keeps a real `import()`; it behaves the same under plain Node and inside Jest's
 * module sandbox (where a bare `import()` needs --experimental-vm-modules). Resolution starts from this file,
 * so the packages are found in the project's node_modules whatever the working directory.
 */
import * as vm from 'vm';

type Importer = (specifier: string) => Promise<unknown>;

let importer: Importer | undefined;
const loaded = new Map<string, Promise<unknown>>();

function nativeImporter(): Importer {
  if (!importer) {
    const script = new vm.Script('(specifier) => import(specifier)', {
      filename: __filename,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    importer = script.runInThisContext() as Importer;
  }
  return importer;
}

/** The module namespace of `specifier`, loaded once per process. */
export function importEsm<T>(specifier: string): Promise<T> {
  let module = loaded.get(specifier);
  if (!module) {
    module = nativeImporter()(specifier);
    loaded.set(specifier, module);
  }
  return module as Promise<T>;
}
