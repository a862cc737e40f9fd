/** Configuration is read and checked once, at start: bad values stop the process with exit code 2 and one
 * line naming the variable; the README's configuration table lists exactly the settings the code reads. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../../src/paths';
import { ConfigError, loadConfig, SETTINGS } from '../../src/server/config';
import { TEST_MODEL_DIR } from '../cds/helpers';
import { MAIN } from '../support/service-process';

test.each([
  ['LAMO_QUEUE_MAX', '-3', /LAMO_QUEUE_MAX must be an integer from 0 to 10000 \(got "-3"\)/],
  ['LAMO_EXECUTION_PROVIDER', 'tpu', /LAMO_EXECUTION_PROVIDER must be one of cpu, cuda \(got "tpu"\)/],
  ['LAMO_INFERENCE_THREADS', '0', /LAMO_INFERENCE_THREADS must be an integer from 1/],
  ['PORT', '99999', /PORT must be an integer from 0 to 65535/],
  ['CDS_DEADLINE_MS', '2.5', /CDS_DEADLINE_MS must be an integer/],
  ['CDS_SHUTDOWN_DRAIN_MS', 'soon', /CDS_SHUTDOWN_DRAIN_MS must be an integer/],
  ['CDS_DB_POOL_MAX', '0', /CDS_DB_POOL_MAX must be an integer from 1 to 100/],
  ['CDS_DB_TIMEOUT_MS', '5', /CDS_DB_TIMEOUT_MS must be an integer from 100/],
  ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of debug, info, warn, error/],
  ['CDS_BODY_LIMIT', 'huge', /CDS_BODY_LIMIT must look like/],
  ['CDS_CORS_ORIGINS', 'ehr.example.org/path', /CDS_CORS_ORIGINS must be \*/],
  ['CDS_PUBLIC_BASE_URL', 'ftp://x', /CDS_PUBLIC_BASE_URL must be an absolute http\(s\) URL/],
  ['LAMO_AUDIT_KEY', 'short', /LAMO_AUDIT_KEY must be at least 32 characters/],
])('%s=%s is refused with a message naming it', (name, value, message) => {
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [name]: value })).toThrow(message);
});

test('DATABASE_URL: postgres URLs only, and the value (a password) is never echoed', () => {
  expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/lamo' }).databaseUrl).toBe('postgres://u:p@db:5432/lamo');
  expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/lamo' }).databaseUrl).toBe('postgresql://u@db/lamo');
  expect(loadConfig({}).databaseUrl).toBeUndefined();
  for (const bad of ['mysql://u:s3cret@db/lamo', 'not a url s3cret']) {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^DATABASE_URL must be a postgres:\/\//);
    expect(message).not.toContain('s3cret');
  }
  // Replicas on one database must hash patients alike.
  expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/lamo' })).toThrow(/LAMO_AUDIT_KEY must be set when DATABASE_URL is/);
});

test('defaults: the scorer settings are the documented ones', () => {
  const config = loadConfig({});
  expect(config).toMatchObject({ inferenceThreads: 1, queueMax: 16, executionProvider: 'cpu', deadlineMs: 2000, shutdownDrainMs: 1000, dbPoolMax: 10, port: 8080 });
  for (const setting of SETTINGS.filter((s) => /^\d+$/.test(s.default))) {
    // Every numeric default in the table is accepted as an explicit value too.
    expect(() => loadConfig({ [setting.name]: setting.default })).not.toThrow();
  }
});

function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', LAMO_MODEL_DIR: TEST_MODEL_DIR, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('the process refuses a bad scorer setting before anything starts: exit 2, one line', async () => {
  for (const [name, value] of [
    ['LAMO_QUEUE_MAX', '-3'],
    ['LAMO_EXECUTION_PROVIDER', 'tpu'],
  ] as const) {
    const { code, output } = await runMain({ [name]: value });
    expect(code).toBe(2);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name} must be`));
  }
});

describe('LAMO_KNOWLEDGE_OVERRIDES', () => {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir() as string, 'lamo-overrides-'));
  const file = (name: string, text: string): string => {
    const where = path.join(dir, name);
    fs.writeFileSync(where, text);
    return where;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('read and shape-checked with the configuration', () => {
    const good = file('good.json', '{"rules": [{"kind": "duplicate", "id": "statins", "severity": "info", "reason": "switch clinic"}]}');
    expect(loadConfig({ LAMO_KNOWLEDGE_OVERRIDES: good }).knowledgeOverrides?.overrides.rules[0]).toMatchObject({ id: 'statins', severity: 'info' });
    expect(loadConfig({}).knowledgeOverrides).toBeUndefined();
    expect(() => loadConfig({ LAMO_KNOWLEDGE_OVERRIDES: path.join(dir, 'missing.json') })).toThrow(/^LAMO_KNOWLEDGE_OVERRIDES: cannot read .*missing\.json \(ENOENT\)/);
    const bad = file('bad.json', '{"rules": [{"kind": "duplicate", "id": "statins", "severity": "quiet", "reason": "r"}]}');
    expect(() => loadConfig({ LAMO_KNOWLEDGE_OVERRIDES: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ LAMO_KNOWLEDGE_OVERRIDES: bad })).toThrow(/severity must be one of/);
  });

  test('the process refuses a bad file, and an id no table has, with exit 2 and one line', async () => {
    const shape = await runMain({ LAMO_KNOWLEDGE_OVERRIDES: file('shape.json', '{"rules": "all"}') });
    expect(shape.code).toBe(2);
    expect(shape.output.trim()).toMatch(/^LAMO_KNOWLEDGE_OVERRIDES: .*"rules" and "suggestions" must be arrays$/);
    const typo = await runMain({ LAMO_KNOWLEDGE_OVERRIDES: file('typo.json', '{"rules": [{"kind": "interaction", "id": "onc-no-such-pair", "severity": "off", "reason": "r"}]}') });
    expect(typo.code).toBe(2);
    // The ids are checked once the tables load: the error is the last line, after the start-up log.
    expect(typo.output.trim().split('\n').pop()).toMatch(/^LAMO_KNOWLEDGE_OVERRIDES: .*typo\.json: no interaction rule "onc-no-such-pair" in the knowledge tables$/);
  }, 60_000);
});

test("the README's configuration table lists exactly the settings the code reads", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| variable | default | meaning |'));
  const rows = table.split('\n').slice(2);
  const documented: string[] = [];
  for (const row of rows) {
    const match = /^\| `([A-Z0-9_]+)` \|/.exec(row);
    if (!match) break;
    documented.push(match[1]!);
  }
  expect(documented.sort()).toEqual(SETTINGS.map((s) => s.name).sort());
});

test('no module of the service reads the environment except src/server/config.ts', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith(path.join('server', 'config.ts'))) {
        const source = fs.readFileSync(file, 'utf8');
        // main.ts only filters DEBUG (a library's variable, not a setting): fhir-kit-client must not log tokens.
        const reads = source.split('\n').filter((line) => /process\.env\b/.test(line) && !/process\.env\.DEBUG/.test(line));
        if (reads.length > 0) offenders.push(`${path.relative(PROJECT_ROOT, file)}: ${reads[0]!.trim()}`);
      }
    }
  };
  for (const dir of ['src/server', 'src/cds', 'src/store', 'hooks']) walk(path.join(PROJECT_ROOT, dir));
  expect(offenders).toEqual([]);
});
