/** `npm start` (node dist/src/server/main.js) as a process: serves on PORT, refuses production without trusted
 * issuers, refuses bad configuration, stops on SIGTERM. */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../../src/paths';
import { TEST_MODEL_DIR } from './helpers';

const MAIN = path.join(PROJECT_ROOT, 'dist', 'src', 'server', 'main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-main-'));
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LAMO_MODEL_DIR: TEST_MODEL_DIR, LAMO_VAR_DIR: varDir, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await what().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('serves on PORT, says it runs without authentication, and stops on SIGTERM', async () => {
  const port = await freePort();
  const server = run({ PORT: String(port) });
  try {
    const ready = await until(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
    }, 30_000);
    expect(ready.status).toBe('ready');
    expect((await fetch(`http://127.0.0.1:${port}/cds-services`)).status).toBe(200);
    const lines = server.output().trim().split('\n').filter((line) => line.startsWith('{'));
    const events = lines.map((line) => JSON.parse(line) as { event: string; level: string; port?: number });
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'auth.disabled', level: 'warn' }), expect.objectContaining({ event: 'server.listening', port })]));
  } finally {
    server.child.kill('SIGTERM');
  }
  expect(await server.exited).toBe(0);
});

test('NODE_ENV=production without trusted issuers: refuses to start', async () => {
  const server = run({ NODE_ENV: 'production', PORT: String(await freePort()) });
  expect(await server.exited).toBe(2);
  const refused = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string; reason?: string })
    .find((entry) => entry.event === 'config.refused');
  expect(refused?.reason).toMatch(/CDS_TRUSTED_ISSUERS_FILE/);
});

test('bad configuration: refuses to start with a message naming the variable', async () => {
  const deadline = run({ CDS_DEADLINE_MS: 'soon' });
  expect(await deadline.exited).toBe(2);
  expect(deadline.output()).toMatch(/CDS_DEADLINE_MS must be an integer/);
  const issuers = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-main-')), 'issuers.json');
  fs.writeFileSync(issuers, JSON.stringify([{ iss: 'https://ehr.example.org', jwksUrl: 'http://ehr.example.org/jwks' }]));
  const plainHttp = run({ CDS_TRUSTED_ISSUERS_FILE: issuers, PORT: String(await freePort()) });
  expect(await plainHttp.exited).toBe(1);
  expect(plainHttp.output()).toMatch(/must use https/);
});
