/**
 * Loads an ESM-only package (jose, fhir-kit-client) from this CommonJS build.
 *
 * TypeScript compiles `import()` to `require()` under `module: commonjs`, and both packages export only an
 * `import` condition, so `require` cannot load them. A function built at run time keeps a real `import()`.
 * Jest's module sandbox has no dynamic-import hook (it needs --experimental-vm-modules); there the import is
 * compiled by Node's `vm` with the main context's default loader instead (Node ≥ 20.12), which Node marks
 * experimental, hence only the fallback. Resolution starts from this file either way.
 */
import * as vm from 'vm';

type Importer = (specifier: string) => Promise<unknown>;

const loaded = new Map<string, Promise<unknown>>();

const nativeImport = new Function('specifier', 'return import(specifier)') as Importer;

function sandboxImport(specifier: string): Promise<unknown> {
  const script = new vm.Script('(specifier) => import(specifier)', {
    filename: __filename,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  return (script.runInThisContext() as Importer)(specifier);
}

async function load(specifier: string): Promise<unknown> {
  try {
    return await nativeImport(specifier);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const noHook = code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || /dynamic import callback/i.test((error as Error).message ?? '');
    if (!noHook) throw error;
    return sandboxImport(specifier);
  }
}

/** The module namespace of `specifier`, loaded once per process. */
export function importEsm<T>(specifier: string): Promise<T> {
  let module = loaded.get(specifier);
  if (!module) {
    module = load(specifier);
    loaded.set(specifier, module);
  }
  return module as Promise<T>;
}
