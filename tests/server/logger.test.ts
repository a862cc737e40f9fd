/** pino logs: JSON lines, level names, request id bindings, and redaction of credentials and patient
 * identifiers wherever those field names appear. */
import { createLogger, isLogLevel, type LogLevel } from '../../src/cds/logger';

function collect(level: LogLevel = 'debug'): { lines: { line: string; level: LogLevel }[]; logger: ReturnType<typeof createLogger> } {
  const lines: { line: string; level: LogLevel }[] = [];
  return { lines, logger: createLogger({ level, write: (line, at) => lines.push({ line, level: at }) }) };
}

test('one JSON object per line with level, time, event and the fields', () => {
  const { lines, logger } = collect();
  logger.info('cds.feedback', { service: 'lamo-order-sign', stored: 2 });
  expect(lines).toHaveLength(1);
  const entry = JSON.parse(lines[0]!.line) as Record<string, unknown>;
  expect(entry).toMatchObject({ level: 'info', event: 'cds.feedback', service: 'lamo-order-sign', stored: 2 });
  expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  expect(lines[0]!.level).toBe('info');
});

test('levels below the threshold are dropped', () => {
  const { lines, logger } = collect('warn');
  logger.info('quiet');
  logger.debug('quieter');
  logger.error('loud', { code: 1 });
  expect(lines.map((l) => JSON.parse(l.line).event)).toEqual(['loud']);
  expect(isLogLevel('verbose')).toBe(false);
});

test('tokens, JWTs, fhirAuthorization and patient identifiers are redacted, at the top and one level down', () => {
  const { lines, logger } = collect();
  const secret = 'eyJhbGciOiJFUzM4NCJ9.payload.sig';
  const fields = {
    authorization: `Bearer ${secret}`,
    token: secret,
    jwt: secret,
    patientId: 'patient-123',
    fhirAuthorization: secret,
    nested: { access_token: secret, patientId: 'patient-123', identifier: 'MRN-1', fhirAuthorization: secret },
    service: 'kept',
  } as unknown as Record<string, string>;
  logger.warn('test.redaction', fields);
  const text = lines[0]!.line;
  expect(text).not.toContain(secret);
  expect(text).not.toContain('patient-123');
  expect(text).not.toContain('MRN-1');
  expect(JSON.parse(text)).toMatchObject({ service: 'kept', token: '[redacted]' });
});

test('a child logger carries the request id (hookInstance) on every line', () => {
  const { lines, logger } = collect();
  const child = logger.child({ reqId: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea' });
  child.info('a');
  child.error('b');
  for (const { line } of lines) expect(JSON.parse(line).reqId).toBe('d1577c69-dfbe-44ad-ba6d-3e05e953b2ea');
});
