/**
 * A small structured logger: one JSON object per line on stdout (stderr for warnings and errors).
 * Log fields are chosen by the caller, and anything whose name suggests a credential or a patient is dropped
 * here as a second line of defence: no PHI, JWTs or access tokens in logs.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null | string[]>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const FORBIDDEN_FIELD = /authori[sz]ation|token|jwt|secret|password|patient|subject|birth|name|prefetch|context/i;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default stdout/stderr. Tests pass a collector. */
  write?: (line: string, level: LogLevel) => void;
}

function defaultWrite(line: string, level: LogLevel): void {
  (ORDER[level] >= ORDER.warn ? process.stderr : process.stdout).write(`${line}\n`);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? defaultWrite;
  const emit = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    if (ORDER[level] < threshold) return;
    const safe: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || FORBIDDEN_FIELD.test(key)) continue;
      safe[key] = value;
    }
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...safe }), level);
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

export function isLogLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && value in ORDER;
}
