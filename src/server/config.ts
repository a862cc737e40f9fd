/** Service configuration, from environment variables (README.md lists them all). */
import * as path from 'path';
import { isLogLevel, type LogLevel } from '../cds/logger';
import { DEFAULT_MODEL_DIR, PROJECT_ROOT } from '../paths';

export interface ServerConfig {
  port: number;
  host: string;
  nodeEnv: string;
  modelDir: string;
  /** Folder for the SQLite file and the generated audit key. */
  varDir: string;
  dbPath: string;
  /** LAMO_AUDIT_KEY; when absent, a key is generated and kept in <varDir>/audit.key. */
  auditKey?: string;
  deadlineMs: number;
  /** Largest accepted request body, in body-parser syntax ("5mb"). */
  bodyLimit: string;
  trustedIssuersFile?: string;
  /** The externally visible base URL (https://cds.example.org): JWT `aud` and card links. */
  publicBaseUrl?: string;
  /** Allowed CORS origins; ["*"] allows any. */
  corsOrigins: string[];
  modelCardUrl?: string;
  maxSuggestions: number;
  /** Express "trust proxy" (e.g. "loopback", "1"): set behind a TLS-terminating proxy. */
  trustProxy?: string;
  logLevel: LogLevel;
  /** The SMART app (/app/): client id, card links, and the FHIR servers whose tokens the assessment endpoint accepts. */
  smartApp: SmartAppConfig;
}

export interface SmartAppConfig {
  /** LAMO_APP_LINKS: cards about a drug carry a `smart` link to the app (default on). */
  links: boolean;
  /** LAMO_APP_CLIENT_ID: the public client id the app was registered with at the EHR. */
  clientId: string;
  /**
   * LAMO_APP_FHIR_SERVERS: FHIR base URLs (the launches' `iss`) the app may be launched from. When set, the
   * assessment endpoint requires the SMART access token and checks it by reading the Patient from that server.
   */
  fhirServers: string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function absoluteUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be on or off (got "${value}")`);
}

function smartAppConfig(env: NodeJS.ProcessEnv): SmartAppConfig {
  const clientId = text(env, 'LAMO_APP_CLIENT_ID') ?? 'lamo-cds';
  if (!/^[\w.\-:]{1,200}$/.test(clientId)) throw new ConfigError(`LAMO_APP_CLIENT_ID must be a plain client id (got "${clientId}")`);
  const fhirServers = (text(env, 'LAMO_APP_FHIR_SERVERS') ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0)
    .map((url) => absoluteUrl({ LAMO_APP_FHIR_SERVERS: url }, 'LAMO_APP_FHIR_SERVERS') as string);
  return { links: onOff(env, 'LAMO_APP_LINKS', true), clientId, fhirServers };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const varDir = path.resolve(text(env, 'LAMO_VAR_DIR') ?? path.join(PROJECT_ROOT, 'var'));
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error (got "${logLevel}")`);
  const bodyLimit = text(env, 'CDS_BODY_LIMIT') ?? '5mb';
  if (!/^\d+(\.\d+)?\s*(b|kb|mb)$/i.test(bodyLimit)) throw new ConfigError(`CDS_BODY_LIMIT must look like "512kb" or "5mb" (got "${bodyLimit}")`);
  const auditKey = text(env, 'LAMO_AUDIT_KEY');
  const trustedIssuersFile = text(env, 'CDS_TRUSTED_ISSUERS_FILE');
  const publicBaseUrl = absoluteUrl(env, 'CDS_PUBLIC_BASE_URL');
  const modelCardUrl = absoluteUrl(env, 'LAMO_MODEL_CARD_URL');
  const trustProxy = text(env, 'CDS_TRUST_PROXY');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '0.0.0.0',
    nodeEnv: text(env, 'NODE_ENV') ?? 'development',
    modelDir: path.resolve(text(env, 'LAMO_MODEL_DIR') ?? DEFAULT_MODEL_DIR),
    varDir,
    dbPath: path.resolve(text(env, 'CDS_DB_PATH') ?? path.join(varDir, 'lamo-cds.sqlite')),
    ...(auditKey ? { auditKey } : {}),
    deadlineMs: integer(env, 'CDS_DEADLINE_MS', 2000, 50, 60_000),
    bodyLimit,
    ...(trustedIssuersFile ? { trustedIssuersFile: path.resolve(trustedIssuersFile) } : {}),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    corsOrigins: (text(env, 'CDS_CORS_ORIGINS') ?? '*').split(',').map((o) => o.trim()).filter((o) => o.length > 0),
    ...(modelCardUrl ? { modelCardUrl } : {}),
    maxSuggestions: integer(env, 'CDS_MAX_SUGGESTIONS', 5, 1, 50),
    ...(trustProxy ? { trustProxy } : {}),
    logLevel,
    smartApp: smartAppConfig(env),
  };
}
