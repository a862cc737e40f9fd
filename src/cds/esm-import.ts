/**
 * The one way this CommonJS build loads ESM-only packages (jose, fhir-kit-client, vega, vega-lite):
 * `importEsm(specifier)`. In Node it is Node's own `import()` — kept out of TypeScript's reach (under
 * `module: commonjs` it would compile `import()` to `require()`), because some of these packages export
 * nothing for `require` (fhir-kit-client) or use top-level await (vega), which `require()` of ESM refuses.
 * Jest 29's module sandbox has no dynamic import (without an experimental flag); there the package's
 * `import` entry is resolved here and required, and Jest compiles each of its ES module files to CommonJS
 * (tests/jest/esm-transform.js). No vm module, no loader hooks, no experimental warning.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

const CONDITIONS = new Set(['import', 'node', 'default']);

type ExportsField = string | null | ExportsField[] | { [key: string]: ExportsField };

/** Node's condition matching: the first key (in the package's order) that is one of CONDITIONS. */
function pickTarget(target: ExportsField): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const entry of target) {
      const found = pickTarget(entry);
      if (found) return found;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return undefined;
  for (const [key, value] of Object.entries(target)) {
    if (CONDITIONS.has(key)) {
      const found = pickTarget(value);
      if (found) return found;
    }
  }
  return undefined;
}

function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const count = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(count).join('/');
  return { name: parts.slice(0, count).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/** The absolute file `import(specifier)` would load, found from this file's module search paths. */
export function resolveEsm(specifier: string): string {
  const { name, subpath } = splitSpecifier(specifier);
  for (const dir of require.resolve.paths(name) ?? []) {
    const root = path.join(dir, name);
    const manifestFile = path.join(root, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { exports?: ExportsField; module?: string; main?: string };
    let target: string | undefined;
    if (manifest.exports !== undefined) {
      const exportsField = manifest.exports;
      const keyed = typeof exportsField === 'object' && exportsField !== null && !Array.isArray(exportsField) && Object.keys(exportsField).some((k) => k.startsWith('.'));
      const entry = keyed ? (exportsField as Record<string, ExportsField>)[subpath] : subpath === '.' ? exportsField : undefined;
      target = entry === undefined ? undefined : pickTarget(entry);
      if (!target) throw new Error(`${specifier}: package ${name} exports no "${subpath}" for import`);
    } else {
      target = subpath === '.' ? (manifest.module ?? manifest.main ?? 'index.js') : subpath;
    }
    return path.resolve(root, target);
  }
  throw new Error(`cannot find package ${name} (npm ci installs it)`);
}

const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Jest's sandbox: the function above has no dynamic-import callback there. */
function noDynamicImport(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || /dynamic import callback/i.test(e.message ?? '');
}

/** The module namespace of an ESM-only package (cached by the module system). */
export async function importEsm<T>(specifier: string): Promise<T> {
  try {
    return (await nativeImport(specifier)) as T;
  } catch (error) {
    if (!noDynamicImport(error)) throw error;
    return require(resolveEsm(specifier)) as T;
  }
}
