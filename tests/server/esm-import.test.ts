/** ESM-only packages load the same way everywhere: Node's import() in the service (dist/), and under Jest the
 * package's import entry compiled to CommonJS by tests/jest/esm-transform.js — never a vm module. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { importEsm, resolveEsm } from '../../src/cds/esm-import';
import { PROJECT_ROOT } from '../../src/paths';

test('resolves the import entry, also of a package that exports nothing for require', () => {
  expect(resolveEsm('fhir-kit-client')).toBe(path.join(PROJECT_ROOT, 'node_modules', 'fhir-kit-client', 'dist', 'index.js'));
  expect(resolveEsm('jose')).toMatch(/node_modules\/jose\/dist\/webapi\/index\.js$/);
  expect(() => resolveEsm('no-such-package-here')).toThrow(/cannot find package no-such-package-here/);
});

test('under Jest: jose and fhir-kit-client load and work', async () => {
  const jose = await importEsm<typeof import('jose')>('jose');
  expect(jose.decodeProtectedHeader('eyJhbGciOiJFUzM4NCJ9.e30.sig')).toEqual({ alg: 'ES384' });
  const { Client } = await importEsm<typeof import('fhir-kit-client')>('fhir-kit-client');
  expect(new Client({ baseUrl: 'http://127.0.0.1:1/fhir' }).baseUrl).toBe('http://127.0.0.1:1/fhir');
});

test('in the built service: the same packages through Node’s own import(), without warnings', () => {
  const script = `const m = require(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'src', 'cds', 'esm-import.js'))});
    Promise.all([m.importEsm('jose'), m.importEsm('fhir-kit-client')]).then(([j, f]) => console.log(typeof j.jwtVerify, typeof f.Client));`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(run.stdout.trim()).toBe('function function');
  expect(run.stderr).toBe('');
  const source = fs.readFileSync(path.join(PROJECT_ROOT, 'src', 'cds', 'esm-import.ts'), 'utf8');
  expect(source).not.toMatch(/from 'vm'|require\('vm'\)/);
});
