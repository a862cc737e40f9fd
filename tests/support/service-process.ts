/**
 * The service as deployed: `node dist/src/server/main.js` in its own process (so tests can SIGKILL and
 * SIGTERM it, and run two replicas), on 127.0.0.1 and a free port, with the test model.
 */
import { spawn, type ChildProcess } from 'child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../../src/paths';
import { freePort } from './postgres';

export const MAIN = path.join(PROJECT_ROOT, 'dist', 'src', 'server', 'main.js');
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdef0123456789';

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** JSON log lines so far. */
  events(): { event: string; level: string; [key: string]: unknown }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the service; resolves when it listens (`ready: true`: when /readyz says 200). */
export async function startService(env: Record<string, string>, options: { modelDir: string; ready?: boolean; port?: number }): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const varDir = env.LAMO_VAR_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-proc-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      LAMO_MODEL_DIR: options.modelDir,
      LAMO_VAR_DIR: varDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LAMO_AUDIT_KEY: TEST_AUDIT_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    port,
    child,
    output: () => output,
    events: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; level: string }),
    exited,
  };
  let gone = false;
  void exited.then(() => (gone = true));
  const want = options.ready === false ? '/healthz' : '/readyz';
  const end = Date.now() + 90_000;
  for (;;) {
    if (gone) throw new Error(`the service exited before it was ready:\n${output.slice(-2000)}`);
    const status = await fetch(`${url}${want}`).then((r) => r.status, () => 0);
    if (status === 200) return service;
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`the service was not ready in 90 s:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export async function stopService(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
  await service.exited;
}

/** A CDS Client's signing key and the trusted-issuers file that trusts it. */
export function testIssuer(dir: string): { iss: string; issuersFile: string; token(aud: string, jti?: string): string } {
  const iss = 'https://ehr.test.example.org';
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const issuersFile = path.join(dir, 'trusted-issuers.json');
  fs.writeFileSync(issuersFile, JSON.stringify([{ iss, jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES384', use: 'sig' }] } }]));
  const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
  return {
    iss,
    issuersFile,
    token: (aud, jti = randomUUID()) => {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64(JSON.stringify({ alg: 'ES384', typ: 'JWT', kid: 'k1' }))}.${b64(JSON.stringify({ iss, aud, iat: now, exp: now + 300, jti }))}`;
      const signature = createSign('sha384').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${b64(signature)}`;
    },
  };
}

/** A Prometheus sample's value from /metrics text (sum over series matching all `labels`). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
