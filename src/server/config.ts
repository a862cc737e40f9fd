/**
 * Every setting of the service, read and checked here once, at start. A bad value stops the process (exit
 * code 2, main.ts) with one line naming the variable and what is allowed — the scorer's settings included,
 * so that a typo never leaves a running service that silently answers without its model.
 * SETTINGS is the list the README's configuration table must equal (tests/server/config.test.ts checks).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isLogLevel, type LogLevel } from '../cds/logger';
import type { ExecutionProviderName } from '../inference/scorer';
import { DEFAULT_MODEL_DIR, PROJECT_ROOT } from '../paths';
import { OverridesError, parseOverrides, type KnowledgeOverrides } from '../safety/overrides';

export interface ServerConfig {
  port: number;
  host: string;
  nodeEnv: string;
  modelDir: string;
  /** Folder for the SQLite file and the generated audit key. */
  varDir: string;
  dbPath: string;
  /** postgres://… : feedback, audit and the JWT replay memory in PostgreSQL, shared by replicas. */
  databaseUrl?: string;
  dbPoolMax: number;
  dbTimeoutMs: number;
  /** LAMO_AUDIT_KEY; when absent, a key is generated and kept in <varDir>/audit.key. */
  auditKey?: string;
  deadlineMs: number;
  /** After SIGTERM: how long /readyz says 503 while calls are still accepted (load balancers notice). */
  shutdownDrainMs: number;
  /** Largest accepted request body, in body-parser syntax ("5mb"). */
  bodyLimit: string;
  trustedIssuersFile?: string;
  /** The externally visible base URL (https://cds.example.org): JWT `aud` and card links. */
  publicBaseUrl?: string;
  /** Allowed CORS origins; ["*"] allows any. */
  corsOrigins: string[];
  modelCardUrl?: string;
  maxSuggestions: number;
  /** Most warning cards in one answer; critical cards are always shown, further warnings fold into one info card. */
  maxWarningCards: number;
  /** Express "trust proxy" (e.g. "loopback", "1"): set behind a TLS-terminating proxy. */
  trustProxy?: string;
  logLevel: LogLevel;
  /** The scorer's settings (worker threads, queue bound, execution provider). */
  inferenceThreads: number;
  queueMax: number;
  executionProvider: ExecutionProviderName;
  /** The SMART app (/app/): client id, card links, and the FHIR servers whose tokens the assessment endpoint accepts. */
  smartApp: SmartAppConfig;
  /** LAMO_KNOWLEDGE_OVERRIDES: the hospital's local overrides, read and shape-checked here (ids are checked
   * against the tables when they load, src/server/wiring.ts). */
  knowledgeOverrides?: LoadedOverrides;
}

export interface LoadedOverrides {
  file: string;
  /** The file as read: the knowledge version hashes it. */
  text: string;
  overrides: KnowledgeOverrides;
}

export interface SmartAppConfig {
  /** LAMO_APP_LINKS: cards about a drug carry a `smart` link to the app (default on). */
  links: boolean;
  /** LAMO_APP_CLIENT_ID: the public client id the app was registered with at the EHR. */
  clientId: string;
  /**
   * LAMO_APP_FHIR_SERVERS: FHIR base URLs (the launches' `iss`) the app may be launched from. When set, the
   * assessment endpoint requires the SMART access token and checks it: by the server's token introspection
   * where it offers one (the token must be for the patient asked about), else by reading the Patient with it.
   */
  fhirServers: string[];
  /**
   * LAMO_APP_INTROSPECTION_CLIENT_ID / _SECRET: credentials for introspection endpoints that do not accept
   * the token itself as the caller's credential (both or neither).
   */
  introspectionClient?: { clientId: string; clientSecret: string };
}

export interface SettingDoc {
  name: string;
  default: string;
  meaning: string;
}

/** Every environment variable the service reads (and nothing else is read anywhere else). */
export const SETTINGS: readonly SettingDoc[] = [
  { name: 'PORT', default: '8080', meaning: 'port to listen on (0–65535)' },
  { name: 'HOST', default: '0.0.0.0', meaning: 'address to listen on' },
  { name: 'NODE_ENV', default: 'development', meaning: '`production` requires `CDS_TRUSTED_ISSUERS_FILE` (and `LAMO_AUDIT_KEY` with `DATABASE_URL`)' },
  { name: 'LAMO_MODEL_DIR', default: 'model/', meaning: 'the model directory (`lamo.json`, tokenizer, ONNX files)' },
  { name: 'LAMO_VAR_DIR', default: 'var/', meaning: 'state: the SQLite file and the generated audit key' },
  { name: 'CDS_DB_PATH', default: '$LAMO_VAR_DIR/lamo-cds.sqlite', meaning: 'SQLite file for feedback, audit and JWT replay memory (without `DATABASE_URL`)' },
  { name: 'DATABASE_URL', default: 'unset (SQLite)', meaning: '`postgres://user:password@host:5432/db`: PostgreSQL, shared by replicas' },
  { name: 'CDS_DB_POOL_MAX', default: '10', meaning: 'PostgreSQL connections per replica (1–100)' },
  { name: 'CDS_DB_TIMEOUT_MS', default: '2000', meaning: 'PostgreSQL connect and statement timeout (100–60000)' },
  { name: 'LAMO_AUDIT_KEY', default: 'generated into `$LAMO_VAR_DIR/audit.key`', meaning: 'key of the patient hash in the audit; replicas must share it' },
  { name: 'CDS_TRUSTED_ISSUERS_FILE', default: 'unset (open)', meaning: 'JSON list of trusted JWT issuers (Security)' },
  { name: 'CDS_PUBLIC_BASE_URL', default: 'from the request', meaning: 'externally visible base URL, e.g. `https://cds.example.org` (JWT `aud`, card links)' },
  { name: 'CDS_TRUST_PROXY', default: 'unset', meaning: 'express `trust proxy` (e.g. `loopback`, `1`) behind a TLS-terminating proxy' },
  { name: 'CDS_DEADLINE_MS', default: '2000', meaning: 'per-request deadline (50–60000)' },
  { name: 'CDS_SHUTDOWN_DRAIN_MS', default: '1000', meaning: 'after SIGTERM, how long `/readyz` says 503 while calls are still served (0–120000)' },
  { name: 'CDS_BODY_LIMIT', default: '5mb', meaning: 'largest request body (`512kb`, `5mb`)' },
  { name: 'CDS_CORS_ORIGINS', default: '*', meaning: 'allowed origins, comma-separated' },
  { name: 'CDS_MAX_SUGGESTIONS', default: '5', meaning: 'most suggestions in one card (1–50)' },
  { name: 'CDS_MAX_WARNING_CARDS', default: '2', meaning: 'most warning cards per answer (1–50); critical cards are always shown, further warnings are folded into one info card' },
  { name: 'LAMO_MODEL_CARD_URL', default: '$base/model-card', meaning: "where cards' `source.url` points" },
  { name: 'LAMO_INFERENCE_THREADS', default: '1', meaning: 'scorer worker threads (1–64)' },
  { name: 'LAMO_QUEUE_MAX', default: '16', meaning: 'scoring jobs that may wait for a worker before calls get "model busy" (0–10000)' },
  { name: 'LAMO_EXECUTION_PROVIDER', default: 'cpu', meaning: '`cpu` or `cuda` (falls back to CPU with a warning when CUDA cannot load)' },
  { name: 'LOG_LEVEL', default: 'info', meaning: '`debug`, `info`, `warn`, `error`' },
  { name: 'LAMO_APP_LINKS', default: 'on', meaning: "`on`/`off`: cards about a drug carry a `smart` link to the SMART app (`$base/app/launch.html`)" },
  { name: 'LAMO_APP_CLIENT_ID', default: 'lamo-cds', meaning: 'the public client id the SMART app is registered with at the EHR' },
  {
    name: 'LAMO_KNOWLEDGE_OVERRIDES',
    default: 'unset (none)',
    meaning: "JSON file of the hospital's local changes: rule severities lowered, raised or switched off, suggestions switched off (format in `fhir-mappings/README.md`); checked at start, listed at `GET /knowledge`",
  },
  { name: 'LAMO_APP_FHIR_SERVERS', default: 'unset (open, refused in production)', meaning: "FHIR base URLs (the launch's `iss`), comma-separated, the app may be launched from; its assessment endpoint then requires the SMART access token, checked by the server's token introspection (the token must be for the patient) where its SMART configuration offers one, else by reading the Patient there" },
  { name: 'LAMO_APP_INTROSPECTION_CLIENT_ID', default: 'unset', meaning: 'client id for token introspection endpoints that do not accept the access token itself as the caller\'s credential (with `LAMO_APP_INTROSPECTION_CLIENT_SECRET`)' },
  { name: 'LAMO_APP_INTROSPECTION_CLIENT_SECRET', default: 'unset', meaning: 'its secret (never logged)' },
];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;
const KNOWN = new Set(SETTINGS.map((s) => s.name));

/** The only way a setting is read: a name missing from SETTINGS is a programming error. */
function text(env: Env, name: string): string | undefined {
  if (!KNOWN.has(name)) throw new Error(`setting ${name} is read but not listed in SETTINGS (src/server/config.ts)`);
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  return value as T;
}

function absoluteUrl(env: Env, name: string): string | undefined {
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

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be on or off (got "${value}")`);
}

function smartAppConfig(env: Env): SmartAppConfig {
  const clientId = text(env, 'LAMO_APP_CLIENT_ID') ?? 'lamo-cds';
  if (!/^[\w.\-:]{1,200}$/.test(clientId)) throw new ConfigError(`LAMO_APP_CLIENT_ID must be a plain client id (got "${clientId}")`);
  const fhirServers = (text(env, 'LAMO_APP_FHIR_SERVERS') ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0)
    .map((url) => absoluteUrl({ LAMO_APP_FHIR_SERVERS: url }, 'LAMO_APP_FHIR_SERVERS') as string);
  const introspectionId = text(env, 'LAMO_APP_INTROSPECTION_CLIENT_ID');
  const introspectionSecret = text(env, 'LAMO_APP_INTROSPECTION_CLIENT_SECRET');
  if ((introspectionId === undefined) !== (introspectionSecret === undefined)) {
    throw new ConfigError('LAMO_APP_INTROSPECTION_CLIENT_ID and LAMO_APP_INTROSPECTION_CLIENT_SECRET must be set together (values not shown)');
  }
  if (introspectionId !== undefined && !/^[\w.\-:]{1,200}$/.test(introspectionId)) {
    throw new ConfigError(`LAMO_APP_INTROSPECTION_CLIENT_ID must be a plain client id (got "${introspectionId}")`);
  }
  return {
    links: onOff(env, 'LAMO_APP_LINKS', true),
    clientId,
    fhirServers,
    ...(introspectionId !== undefined && introspectionSecret !== undefined ? { introspectionClient: { clientId: introspectionId, clientSecret: introspectionSecret } } : {}),
  };
}

/** The URL is checked, never echoed: it holds the database password. */
function databaseUrl(env: Env): string | undefined {
  const value = text(env, 'DATABASE_URL');
  if (value === undefined) return undefined;
  let ok = false;
  try {
    const url = new URL(value);
    ok = (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.hostname !== '' || url.searchParams.has('host'));
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL with a host (value not shown: it may hold a password)');
  return value;
}

/** The overrides file, read and shape-checked now: a bad file stops the start like any bad setting. */
function knowledgeOverrides(env: Env): LoadedOverrides | undefined {
  const name = text(env, 'LAMO_KNOWLEDGE_OVERRIDES');
  if (name === undefined) return undefined;
  const file = path.resolve(name);
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`LAMO_KNOWLEDGE_OVERRIDES: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return { file, text: content, overrides: parseOverrides(content, file) };
  } catch (error) {
    if (error instanceof OverridesError) throw new ConfigError(`LAMO_KNOWLEDGE_OVERRIDES: ${error.message}`);
    throw error;
  }
}

export function loadConfig(env: Env = process.env): ServerConfig {
  const varDir = path.resolve(text(env, 'LAMO_VAR_DIR') ?? path.join(PROJECT_ROOT, 'var'));
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error (got "${logLevel}")`);
  const bodyLimit = text(env, 'CDS_BODY_LIMIT') ?? '5mb';
  if (!/^\d+(\.\d+)?\s*(b|kb|mb)$/i.test(bodyLimit)) throw new ConfigError(`CDS_BODY_LIMIT must look like "512kb" or "5mb" (got "${bodyLimit}")`);
  const nodeEnv = text(env, 'NODE_ENV') ?? 'development';
  const auditKey = text(env, 'LAMO_AUDIT_KEY');
  if (auditKey !== undefined && auditKey.length < 32) throw new ConfigError('LAMO_AUDIT_KEY must be at least 32 characters (value not shown)');
  const database = databaseUrl(env);
  if (database && nodeEnv === 'production' && !auditKey) {
    throw new ConfigError('LAMO_AUDIT_KEY must be set when DATABASE_URL is (NODE_ENV=production): replicas must hash patients alike');
  }
  const trustedIssuersFile = text(env, 'CDS_TRUSTED_ISSUERS_FILE');
  const publicBaseUrl = absoluteUrl(env, 'CDS_PUBLIC_BASE_URL');
  const modelCardUrl = absoluteUrl(env, 'LAMO_MODEL_CARD_URL');
  const trustProxy = text(env, 'CDS_TRUST_PROXY');
  const corsOrigins = (text(env, 'CDS_CORS_ORIGINS') ?? '*').split(',').map((o) => o.trim()).filter((o) => o.length > 0);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`CDS_CORS_ORIGINS must be * or comma-separated origins like https://ehr.example.org (got "${origin}")`);
    }
  }
  const overrides = knowledgeOverrides(env);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '0.0.0.0',
    nodeEnv,
    modelDir: path.resolve(text(env, 'LAMO_MODEL_DIR') ?? DEFAULT_MODEL_DIR),
    varDir,
    dbPath: path.resolve(text(env, 'CDS_DB_PATH') ?? path.join(varDir, 'lamo-cds.sqlite')),
    ...(database ? { databaseUrl: database } : {}),
    dbPoolMax: integer(env, 'CDS_DB_POOL_MAX', 10, 1, 100),
    dbTimeoutMs: integer(env, 'CDS_DB_TIMEOUT_MS', 2000, 100, 60_000),
    ...(auditKey ? { auditKey } : {}),
    deadlineMs: integer(env, 'CDS_DEADLINE_MS', 2000, 50, 60_000),
    shutdownDrainMs: integer(env, 'CDS_SHUTDOWN_DRAIN_MS', 1000, 0, 120_000),
    bodyLimit,
    ...(trustedIssuersFile ? { trustedIssuersFile: path.resolve(trustedIssuersFile) } : {}),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    corsOrigins,
    ...(modelCardUrl ? { modelCardUrl } : {}),
    maxSuggestions: integer(env, 'CDS_MAX_SUGGESTIONS', 5, 1, 50),
    maxWarningCards: integer(env, 'CDS_MAX_WARNING_CARDS', 2, 1, 50),
    ...(trustProxy ? { trustProxy } : {}),
    logLevel,
    inferenceThreads: integer(env, 'LAMO_INFERENCE_THREADS', 1, 1, 64),
    queueMax: integer(env, 'LAMO_QUEUE_MAX', 16, 0, 10_000),
    executionProvider: oneOf(env, 'LAMO_EXECUTION_PROVIDER', ['cpu', 'cuda'] as const, 'cpu'),
    smartApp: smartAppConfig(env),
    ...(overrides ? { knowledgeOverrides: overrides } : {}),
  };
}
