/**
 * The one way this CommonJS build loads ESM-only packages (jose, fhir-kit-client, chart libraries):
 * Node's own `require()` of an ES module (unflagged since Node 20.19; `engines` asks for it), on the file the
 * package exports for `import` — some (fhir-kit-client) export nothing for `require`, so the entry is
 * resolved here from the package's `exports` with the `import`/`node`/`default` conditions.
 * Under Jest the very same `require` goes through tests/jest/esm-transform.js (ES module → CommonJS), as
 * Jest 29's module sandbox cannot link ES modules itself. No vm, no loader hooks, no experimental flag.
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

/** The module namespace of an ESM-only package (Node caches it like any module). */
export function requireEsm<T>(specifier: string): T {
  return require(resolveEsm(specifier)) as T;
}

/** `requireEsm` for call sites written as awaits. */
export function importEsm<T>(specifier: string): Promise<T> {
  return new Promise<T>((resolve) => resolve(requireEsm<T>(specifier)));
}
