/** The store the configuration asks for: PostgreSQL when DATABASE_URL is set, else the SQLite file. */
import { createHmac, randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import type { CdsStore } from './types';

export * from './types';
export { SqliteStore } from './sqlite';
export { PostgresStore } from './postgres';
export { MIGRATIONS } from './migrations';

export interface StoreSettings {
  databaseUrl?: string;
  dbPath: string;
  dbPoolMax: number;
  dbTimeoutMs: number;
}

export function openStore(settings: StoreSettings, onPoolError?: (error: Error) => void): CdsStore {
  if (settings.databaseUrl) {
    return new PostgresStore({
      connectionString: settings.databaseUrl,
      poolMax: settings.dbPoolMax,
      timeoutMs: settings.dbTimeoutMs,
      ...(onPoolError ? { onPoolError } : {}),
    });
  }
  return new SqliteStore(settings.dbPath);
}

/**
 * The audit key: LAMO_AUDIT_KEY when set (any string; hex or base64 is usual), else the key stored in
 * `keyFile`, generated (32 random bytes, owner-only file) on first use so hashes stay comparable across restarts.
 * Replicas sharing a database must share LAMO_AUDIT_KEY (the configuration insists in production).
 */
export function loadAuditKey(configured: string | undefined, keyFile: string): Buffer {
  if (configured && configured.length > 0) return Buffer.from(configured, 'utf8');
  if (existsSync(keyFile)) {
    const stored = readFileSync(keyFile, 'utf8').trim();
    if (stored.length >= 32) return Buffer.from(stored, 'utf8');
    throw new Error(`${keyFile}: the audit key is too short; delete the file to generate a new one`);
  }
  mkdirSync(path.dirname(keyFile), { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs, so both hash alike.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadAuditKey(undefined, keyFile);
    throw error;
  }
  return Buffer.from(key, 'utf8');
}

export function patientHash(key: Buffer, patientId: string): string {
  return createHmac('sha256', key).update(patientId, 'utf8').digest('hex');
}
