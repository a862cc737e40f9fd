/**
 * Structured logs: pino, one JSON object per line (stdout; warnings and errors on stderr), e.g.
 * {"level":"info","time":"…","pid":1,"reqId":"<hookInstance>","event":"http.request",…}.
 * Callers choose their fields; pino's `redact` removes credentials and patient identifiers wherever these
 * names appear (top level or one level down) as the second line of defence: no PHI, JWTs or tokens in logs.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null | string[]>;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Field names that may carry a credential or identify a patient. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'fhirAuthorization',
  'access_token',
  'accessToken',
  'token',
  'jwt',
  'password',
  'secret',
  'databaseUrl',
  'patient',
  'patientId',
  'identifier',
  'subject',
  'birthDate',
  'name',
  'prefetch',
  'context',
];
export const REDACT_PATHS: readonly string[] = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'req.headers.authorization'];

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose lines all carry `bindings` (e.g. reqId = the call's hookInstance). */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default stdout/stderr. Tests pass a collector. */
  write?: (line: string, level: LogLevel) => void;
}

function wrap(instance: pino.Logger): Logger {
  return {
    debug: (event, fields = {}) => instance.debug(fields, event),
    info: (event, fields = {}) => instance.info(fields, event),
    warn: (event, fields = {}) => instance.warn(fields, event),
    error: (event, fields = {}) => instance.error(fields, event),
    child: (bindings) => wrap(instance.child(bindings)),
  };
}

function destination(write: LoggerOptions['write']): pino.DestinationStream | pino.MultiStreamRes {
  if (write) {
    return {
      write: (line: string) => {
        const level = (JSON.parse(line) as { level: LogLevel }).level;
        write(line.trimEnd(), level);
      },
    };
  }
  return pino.multistream(
    [
      { level: 'debug', stream: process.stdout },
      { level: 'warn', stream: process.stderr },
    ],
    { dedupe: true },
  );
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const instance = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'event',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    destination(options.write),
  );
  return wrap(instance);
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = wrap(pino({ level: 'silent' }));

export function isLogLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && (LEVELS as readonly string[]).includes(value);
}
